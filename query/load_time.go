package query

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// How timestamps are read. Most exports write ISO 8601 / RFC 3339 text, which is never
// ambiguous. Numbers and slashed dates are: 19970101 is a date to a person and August 1970 to
// a reader that takes it for epoch seconds, and 1/2/2024 is January or February. So in the
// automatic mode every value that is not ISO text gets a class (below) while the file is
// read, and after the read the classes of the whole column decide: the load goes on only
// when every value fits one reading, and otherwise stops, naming the column, an example
// value and the --time-format that settles it. A wrong guess is never loaded silently.

// ErrAmbiguousTime is the error of a timestamp column that can be read in more than one way
// (or in none): --time-format settles it.
var ErrAmbiguousTime = errors.New("timestamps could be misread")

// The classes of a timestamp value that is not ISO text.
const (
	timeCompactDate     = "YYYYMMDD"
	timeCompactDateTime = "YYYYMMDDHHMMSS"
	timeEpochS          = "epoch_s"
	timeEpochMS         = "epoch_ms"
	timeEpochUS         = "epoch_us"
	timeEpochNS         = "epoch_ns"
	timeNumber          = "number" // a number that is no plausible time in any unit
	timeMonthFirst      = "M/D/Y"
	timeDayFirst        = "D/M/Y"
	timeSlashEither     = "M/D/Y or D/M/Y" // both parts ≤ 12
)

// epochUnits are the epoch units by the class their values fall in, with the microseconds
// per unit. A value is plausible for a unit when it lands in 1990–2100: the ranges do not
// overlap, so a plausible value has exactly one unit.
var epochUnits = []struct {
	class string
	us    float64
}{{timeEpochS, 1e6}, {timeEpochMS, 1e3}, {timeEpochUS, 1}, {timeEpochNS, 1e-3}}

var (
	plausibleFrom = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	plausibleTo   = time.Date(2101, 1, 1, 0, 0, 0, 0, time.UTC)
)

// DefaultTimeRange is the span a loaded timestamp must lie in; values outside are rejected
// rows ("timestamp out of range"), so that one typo (year 10000) does not become as_of.
var DefaultTimeRange = [2]time.Time{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2201, 1, 1, 0, 0, 0, 0, time.UTC)}

// timeReading is how one load reads its timestamp columns: automatically (auto), as epoch
// numbers of one unit (epochUS: microseconds per unit), or with strptime formats.
type timeReading struct {
	auto     bool
	dayFirst bool // auto: slashed dates are day/month (the column said so)
	epochUS  float64
	formats  []string
	zoned    bool // a format reads an offset (%z/%Z): the result is an instant
	spelled  string
}

// ParseTimeFormat checks a --time-format value: "" or "auto", epoch_s, epoch_ms, epoch_us,
// epoch_ns, or a strptime format such as %Y%m%d or "%d/%m/%Y %H:%M" (several may be given,
// separated by "|"; the first that reads a value wins).
func ParseTimeFormat(s string) (timeReading, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "auto":
		return timeReading{auto: true, spelled: "auto"}, nil
	}
	for _, u := range epochUnits {
		if strings.EqualFold(s, u.class) {
			return timeReading{epochUS: u.us, spelled: u.class}, nil
		}
	}
	if !strings.Contains(s, "%") {
		return timeReading{}, fmt.Errorf("--time-format %q: want epoch_s, epoch_ms, epoch_us, epoch_ns or a strptime format such as %%Y%%m%%d or \"%%d/%%m/%%Y %%H:%%M\"", s)
	}
	tr := timeReading{spelled: s}
	for _, f := range strings.Split(s, "|") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		tr.formats = append(tr.formats, f)
		tr.zoned = tr.zoned || strings.Contains(f, "%z") || strings.Contains(f, "%Z")
	}
	return tr, nil
}

// String names the reading for reports.
func (tr timeReading) String() string { return tr.spelled }

// slashFormats are the layouts of slashed dates, month first; dayFirst swaps them.
var slashFormats = []string{"%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y"}

func slashLayouts(dayFirst bool) []string {
	if !dayFirst {
		return slashFormats
	}
	out := make([]string, len(slashFormats))
	for i, f := range slashFormats {
		out[i] = strings.Replace(f, "%m/%d", "%d/%m", 1)
	}
	return out
}

func sqlList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = quoteLiteral(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// timeColumns are the expressions, over a source's row, that the parsing query computes in
// three layers: raw (the value as text, __traw) and iso (__tiso) from the row; num (__tnum)
// from those; class (__tclass) and ts (__t) from all three. The layers keep the expensive
// fallbacks lazy: DuckDB hoists a repeated subexpression into a projection evaluated for
// every row, so a TRY_CAST(… AS DOUBLE) written twice inside a CASE would run on every ISO
// string too (0.7 s on 10M rows); guarded by __tiso in a layer of its own it runs only on
// the values ISO could not read.
type timeColumns struct {
	raw, iso  string // layer 1
	num       string // layer 2
	class, ts string // layer 3
}

// noTimeClass is the class of a reading that classifies nothing: a typed instant (Parquet
// TIMESTAMP or DATE) is read as it is, so every value that is not NULL counts as ISO.
const noTimeClass = "CAST(NULL AS VARCHAR)"

// columns builds the expressions for a timestamp field. text is the value as VARCHAR (NULL
// when missing); col, for typed sources (Parquet), is the column itself and typ its type.
func (tr timeReading) columns(text, col, typ string) timeColumns {
	c := timeColumns{raw: text, iso: "CAST(NULL AS TIMESTAMP)", num: "CAST(NULL AS DOUBLE)",
		class: noTimeClass}
	typ = strings.ToUpper(typ)
	switch {
	case col != "" && typ == "TIMESTAMP WITH TIME ZONE":
		c.iso, c.ts = utcOf(col), "__tiso"
		return c
	case col != "" && (strings.HasPrefix(typ, "TIMESTAMP") || typ == "DATE"):
		c.iso, c.ts = fmt.Sprintf("CAST(%s AS TIMESTAMP)", col), "__tiso"
		return c
	case col != "" && isNumericType(typ):
		c.num = fmt.Sprintf("CAST(%s AS DOUBLE)", col)
	case tr.auto:
		c.iso = utcOf(fmt.Sprintf("TRY_CAST(%s AS TIMESTAMPTZ)", text))
		c.num = "CASE WHEN __tiso IS NULL THEN TRY_CAST(__traw AS DOUBLE) END"
	case tr.epochUS != 0:
		c.num = "TRY_CAST(__traw AS DOUBLE)"
	}
	switch {
	case tr.epochUS != 0:
		c.ts = epochSQL("__tnum", tr.epochUS)
	case len(tr.formats) > 0:
		c.ts = fmt.Sprintf("try_strptime(trim(__traw), %s)", sqlList(tr.formats))
		if tr.zoned {
			c.ts = utcOf(c.ts)
		}
	default:
		c.class, c.ts = autoClassSQL(), autoTimeSQL(tr.dayFirst)
	}
	return c
}

// epochSQL reads a number of epoch units; values beyond ±10,000 years are NULL rather than
// an overflow that would fail the whole load.
func epochSQL(num string, usPerUnit float64) string {
	return fmt.Sprintf("CASE WHEN abs(%[1]s) < %[2]g THEN make_timestamp(CAST(%[1]s * %[3]g AS BIGINT)) END",
		num, 3e17/usPerUnit, usPerUnit)
}

// autoClassSQL classifies a value the ISO cast could not read.
func autoClassSQL() string {
	var units []string
	for _, u := range epochUnits {
		lo := float64(plausibleFrom.UnixMicro()) / u.us
		hi := float64(plausibleTo.UnixMicro()) / u.us
		units = append(units, fmt.Sprintf("WHEN __tnum >= %g AND __tnum < %g THEN %s", lo, hi, quoteLiteral(u.class)))
	}
	return fmt.Sprintf(`CASE WHEN __tiso IS NOT NULL OR __traw IS NULL THEN NULL
		WHEN __tnum IS NOT NULL THEN CASE
			WHEN regexp_full_match(trim(__traw), '[0-9]{8}') AND try_strptime(trim(__traw), '%%Y%%m%%d') IS NOT NULL THEN %s
			WHEN regexp_full_match(trim(__traw), '[0-9]{14}') AND try_strptime(trim(__traw), '%%Y%%m%%d%%H%%M%%S') IS NOT NULL THEN %s
			%s
			ELSE %s END
		WHEN regexp_matches(__traw, '^\s*[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4}') THEN CASE
			WHEN CAST(regexp_extract(__traw, '^\s*([0-9]{1,2})[/.-]', 1) AS INTEGER) > 12 THEN %s
			WHEN CAST(regexp_extract(__traw, '^\s*[0-9]{1,2}[/.-]([0-9]{1,2})[/.-]', 1) AS INTEGER) > 12 THEN %s
			ELSE %s END
		END`,
		quoteLiteral(timeCompactDate), quoteLiteral(timeCompactDateTime), strings.Join(units, "\n\t\t\t"),
		quoteLiteral(timeNumber), quoteLiteral(timeDayFirst), quoteLiteral(timeMonthFirst), quoteLiteral(timeSlashEither))
}

// autoTimeSQL reads a value by its class; ISO text keeps its ISO reading.
func autoTimeSQL(dayFirst bool) string {
	var b strings.Builder
	b.WriteString("CASE __tclass WHEN NULL THEN NULL\n")
	fmt.Fprintf(&b, "\t\tWHEN %s THEN try_strptime(trim(__traw), '%%Y%%m%%d')\n", quoteLiteral(timeCompactDate))
	fmt.Fprintf(&b, "\t\tWHEN %s THEN try_strptime(trim(__traw), '%%Y%%m%%d%%H%%M%%S')\n", quoteLiteral(timeCompactDateTime))
	for _, u := range epochUnits {
		fmt.Fprintf(&b, "\t\tWHEN %s THEN %s\n", quoteLiteral(u.class), epochSQL("__tnum", u.us))
	}
	// Dashed (12-01-2010) and dotted (01.12.2010) dates are read as slashed ones.
	slashed := `regexp_replace(trim(__traw), '^([0-9]{1,2})[.-]([0-9]{1,2})[.-]([0-9]{4})', '\1/\2/\3')`
	fmt.Fprintf(&b, "\t\tWHEN %s THEN try_strptime(%s, %s)\n", quoteLiteral(timeDayFirst), slashed, sqlList(slashLayouts(true)))
	fmt.Fprintf(&b, "\t\tWHEN %s THEN try_strptime(%s, %s)\n", quoteLiteral(timeMonthFirst), slashed, sqlList(slashLayouts(false)))
	fmt.Fprintf(&b, "\t\tWHEN %s THEN try_strptime(%s, %s)\n", quoteLiteral(timeSlashEither), slashed, sqlList(slashLayouts(dayFirst)))
	b.WriteString("\t\tELSE __tiso END")
	return b.String()
}

// timeClass is how many values of a column fell in one class, with an example.
type timeClass struct {
	class   string
	n       int64
	example string
}

// decideTimeReading looks at the classes of a timestamp column read automatically and
// says how the column is read: as it was (ok), again day-first (restage), or not at all
// (an ErrAmbiguousTime error naming the column, an example and the --time-format to give).
// monthFirst is true when the export is known to write month/day (a pinned dialect).
func decideTimeReading(column string, classes []timeClass, monthFirst bool) (restageDayFirst bool, read string, err error) {
	by := map[string]timeClass{}
	for _, c := range classes {
		by[c.class] = c
	}
	ambiguous := func(format string, msg string, args ...any) error {
		return fmt.Errorf("%w: column %q: %s; say how to read it with --time-format %s",
			ErrAmbiguousTime, column, fmt.Sprintf(msg, args...), format)
	}
	if c, ok := by[timeNumber]; ok {
		if c.n == 1 {
			return false, "", ambiguous("epoch_s, epoch_ms, epoch_us or %Y%m%d",
				"the number %q is no time in 1990–2100 as epoch seconds, milliseconds or microseconds, nor a YYYYMMDD date", c.example)
		}
		return false, "", ambiguous("epoch_s, epoch_ms, epoch_us or %Y%m%d",
			"%s numbers such as %q are no time in 1990–2100 as epoch seconds, milliseconds or microseconds, nor YYYYMMDD dates",
			countWord(c.n), c.example)
	}
	// Epoch units and compact dates may mix: their ranges do not overlap, so each value
	// has one reading (a Mixpanel export changed from seconds to milliseconds).
	var numeric []string
	for _, c := range classes {
		switch c.class {
		case timeCompactDate, timeCompactDateTime, timeEpochS, timeEpochMS, timeEpochUS, timeEpochNS:
			numeric = append(numeric, c.class)
		}
	}
	md, dm, either := by[timeMonthFirst], by[timeDayFirst], by[timeSlashEither]
	switch {
	case md.n > 0 && dm.n > 0:
		return false, "", ambiguous(quoteFormat(slashFormatFor(md.example, false))+" or "+quoteFormat(slashFormatFor(dm.example, true)),
			"%q is month/day but %q is day/month", md.example, dm.example)
	case dm.n > 0:
		restageDayFirst = either.n > 0
		read = timeDayFirst
	case either.n > 0 && md.n == 0 && !monthFirst:
		return false, "", ambiguous(quoteFormat(slashFormatFor(either.example, false))+" or "+quoteFormat(slashFormatFor(either.example, true)),
			"dates such as %q could be month/day or day/month (no part is above 12)", either.example)
	case md.n > 0 || either.n > 0:
		read = timeMonthFirst
	}
	if len(numeric) > 0 {
		if read != "" {
			numeric = append([]string{read}, numeric...)
		}
		read = strings.Join(numeric, ", ")
	}
	return restageDayFirst, read, nil
}

func quoteFormat(f string) string {
	if strings.Contains(f, " ") {
		return `"` + f + `"`
	}
	return f
}

var slashTime = regexp.MustCompile(`^\s*\d{1,2}([/.-])\d{1,2}[/.-]\d{4}(\s+\d{1,2}:\d{2}(:\d{2})?)?`)

// slashFormatFor is the strptime format reading a slashed (or dashed, or dotted) example,
// month or day first.
func slashFormatFor(example string, dayFirst bool) string {
	f := "%m/%d/%Y"
	if dayFirst {
		f = "%d/%m/%Y"
	}
	m := slashTime.FindStringSubmatch(example)
	if m != nil {
		f = strings.ReplaceAll(f, "/", m[1])
		m = m[1:]
	}
	switch {
	case m == nil || m[1] == "":
	case m[2] != "":
		f += " %H:%M:%S"
	default:
		f += " %H:%M"
	}
	return f
}

// countWord writes a count for a sentence: "1", "1,234".
func countWord(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
