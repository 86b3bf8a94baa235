package sampledata

import (
	"strconv"
	"strings"
)

// Hand-rolled formatting: the writer produces tens of millions of rows, and going through
// encoding/csv, encoding/json or time.Format per row would cost several times the
// generation itself.

// EventColumns is the header of the canonical events file.
func EventColumns() []string {
	return []string{"user_id", "event", "timestamp", "account_id", "revenue", "properties"}
}

// stamper formats unix seconds as RFC 3339 UTC. The dates of the span's days are formatted
// once up front and shared read-only by every worker.
type stamper struct {
	firstDay int64
	dates    [][11]byte // "YYYY-MM-DDT" for firstDay, firstDay+1, …
}

func newStamper(from, to int64) *stamper {
	s := &stamper{firstDay: floorDiv(from, day)}
	for d := s.firstDay; d <= floorDiv(to, day); d++ {
		s.dates = append(s.dates, dateOf(d))
	}
	return s
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func dateOf(d int64) [11]byte {
	var out [11]byte
	y, m, dd := civil(d)
	put4(out[0:4], y)
	out[4] = '-'
	put2(out[5:7], m)
	out[7] = '-'
	put2(out[8:10], dd)
	out[10] = 'T'
	return out
}

func (s *stamper) append(b []byte, t int64) []byte {
	d := floorDiv(t, day)
	sec := t - d*day
	if i := d - s.firstDay; i >= 0 && i < int64(len(s.dates)) {
		b = append(b, s.dates[i][:]...)
	} else {
		date := dateOf(d)
		b = append(b, date[:]...)
	}
	h, m, x := sec/3600, sec/60%60, sec%60
	return append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':',
		byte('0'+x/10), byte('0'+x%10), 'Z')
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
// days_from_civil inverse).
func civil(z int64) (y, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}

func put2(b []byte, v int) {
	b[0] = byte('0' + v/10)
	b[1] = byte('0' + v%10)
}

func put4(b []byte, v int) {
	b[0] = byte('0' + v/1000)
	b[1] = byte('0' + v/100%10)
	b[2] = byte('0' + v/10%10)
	b[3] = byte('0' + v%10)
}

// appendCents formats hundredths as a decimal with two places ("49.99", "0.70").
func appendCents(b []byte, c int64) []byte {
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	b = strconv.AppendInt(b, c/100, 10)
	return append(b, '.', byte('0'+c/10%10), byte('0'+c%10))
}

// appendCSVField appends s, quoted only when CSV needs it. Generated values never do; the
// check keeps the output valid whatever a vocabulary edit brings.
func appendCSVField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// appendProps writes the properties as a JSON object. With csv set, every quote is
// doubled so the object can sit inside a quoted CSV field.
func appendProps(b []byte, e *event, csv bool) []byte {
	if e.np == 0 {
		return append(b, '{', '}')
	}
	q := `"`
	if csv {
		q = `""`
	}
	b = append(b, '{')
	for i := range int(e.np) {
		p := &e.props[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, q...)
		b = appendJSONText(b, propKeys[p.key], csv)
		b = append(b, q...)
		b = append(b, ':')
		switch p.kind {
		case kindString:
			b = append(b, q...)
			b = appendJSONText(b, p.s, csv)
			b = append(b, q...)
		case kindInt:
			b = strconv.AppendInt(b, p.n, 10)
		case kindCents:
			b = appendCents(b, p.n)
		}
	}
	return append(b, '}')
}

// appendJSONText appends s as the inside of a JSON string. Vocabulary values never need
// escaping, so they are copied in one go; anything else is escaped byte by byte.
func appendJSONText(b []byte, s string, csv bool) []byte {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' || c < 0x20 {
			clean = false
			break
		}
	}
	if clean {
		return append(b, s...)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			if csv {
				b = append(b, '\\', '"', '"')
			} else {
				b = append(b, '\\', '"')
			}
		case c == '\\':
			b = append(b, '\\', '\\')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendEventRow appends one canonical CSV row.
func appendEventRow(b []byte, st *stamper, userID, accountID string, e *event) []byte {
	b = append(b, userID...)
	b = append(b, ',')
	b = append(b, eventNames[e.name]...)
	b = append(b, ',')
	b = st.append(b, e.t)
	b = append(b, ',')
	b = append(b, accountID...)
	b = append(b, ',')
	if e.cents != noRevenue {
		b = appendCents(b, e.cents)
	}
	b = append(b, ',')
	if e.np == 0 {
		b = append(b, '{', '}')
	} else {
		b = append(b, '"')
		b = appendProps(b, e, true)
		b = append(b, '"')
	}
	return append(b, '\n')
}

// appendUserRow appends u's users.csv row.
func appendUserRow(b []byte, u *User) []byte {
	for i, v := range u.Record() {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCSVField(b, v)
	}
	return append(b, '\n')
}

func appendHeader(b []byte, cols []string) []byte {
	for i, c := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, c...)
	}
	return append(b, '\n')
}
