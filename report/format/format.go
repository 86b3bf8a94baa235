// Package format is segscope's one formatter: it writes counts, amounts, money, percents,
// times and durations, and draws text charts (sparklines, histograms) and aligned tables,
// the way every report, command and screen shows them, so that a number reads the same in
// the explorer and on the command line. Nothing here knows a domain type: callers pass
// numbers and strings, and untrusted text must be made safe (package safe) before it gets here.
package format

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Count writes n with thousands separators: 12345 → "12,345".
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// Counted writes a count with its noun, singular for exactly one: "1 person",
// "3,000 people".
func Counted(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Count(n) + " " + many
}

// Amount writes x with thousands separators and at most decimals decimals, trailing zeros
// dropped: Amount(14400.5, 2) → "14,400.5", Amount(9.66, 1) → "9.7", Amount(2000, 2) →
// "2,000". A value that rounds to zero has no sign.
func Amount(x float64, decimals int) string {
	s := strconv.FormatFloat(math.Abs(x), 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	out := Count(n)
	if frac = strings.TrimRight(frac, "0"); frac != "" {
		out += "." + frac
	}
	if x < 0 && out != "0" {
		return "-" + out
	}
	return out
}

// SignedAmount is Amount with a sign always: "+2,000", "-3.5".
func SignedAmount(x float64, decimals int) string {
	s := Amount(x, decimals)
	if strings.HasPrefix(s, "-") {
		return s
	}
	return "+" + s
}

// Money writes an amount of money with thousands separators and two decimals: 1234.5 →
// "1,234.50".
func Money(x float64) string {
	cents := int64(math.Round(math.Abs(x) * 100))
	s := fmt.Sprintf("%s.%02d", Count(cents/100), cents%100)
	if x < 0 && cents > 0 {
		return "-" + s
	}
	return s
}

// Num writes x in the fewest digits that read back as x: 0.05 → "0.05", 3 → "3".
func Num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// Signed writes x with digits decimals and a sign always: 2 → "+2.00" (two digits).
func Signed(x float64, digits int) string {
	s := strconv.FormatFloat(x, 'f', digits, 64)
	if x >= 0 {
		return "+" + s
	}
	return s
}

// Pct writes a ratio as a percent with exactly digits decimals: Pct(0.1, 2) → "10.00%".
// Percent is the one to use for a share of a whole; Pct for rates set or compared to a
// precision (a plan's rates, a power).
func Pct(r float64, digits int) string {
	return strconv.FormatFloat(r*100, 'f', digits, 64) + "%"
}

// SignedPct is Pct with a sign always: a change, a lift (0.2 → "+20.0%").
func SignedPct(r float64, digits int) string { return Signed(r*100, digits) + "%" }

// Compact writes n in at most four characters: 950, 4.1k, 12k, 4.1M, 2.0B.
func Compact(n int64) string {
	a := math.Abs(float64(n))
	switch {
	case a < 1000:
		return strconv.FormatInt(n, 10)
	case a < 999_500:
		return trimFloat(float64(n)/1e3) + "k"
	case a < 999_500_000:
		return trimFloat(float64(n)/1e6) + "M"
	default:
		return trimFloat(float64(n)/1e9) + "B"
	}
}

func trimFloat(f float64) string {
	if math.Abs(f) >= 9.95 {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}

// Share writes part/whole as a percentage with precision that keeps small shares visible:
// 0.0004 → "0.04%", 0.25 → "25.0%". A zero whole gives "–".
func Share(part, whole int64) string {
	if whole == 0 {
		return "–"
	}
	return Percent(float64(part) / float64(whole))
}

// Percent writes a ratio (0.25) as a percentage ("25.0%").
func Percent(r float64) string {
	p := r * 100
	switch a := math.Abs(p); {
	case a == 0:
		return "0%"
	case a < 0.1:
		return fmt.Sprintf("%.2f%%", p)
	default:
		return fmt.Sprintf("%.1f%%", p)
	}
}

// Day writes a UTC date.
func Day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// Timestamp writes a UTC time to the minute.
func Timestamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") + " UTC" }

// Millis writes a number of milliseconds with three significant figures at most: 0.42,
// 38.1, 152.
func Millis(ms float64) string {
	switch {
	case ms >= 100:
		return fmt.Sprintf("%.0f", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f", ms)
	}
	return fmt.Sprintf("%.2f", ms)
}

// Elapsed writes a query duration: "38ms", "1.2s".
func Elapsed(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	default:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
}

// Age writes a span of seconds as people say it, in its two largest units: "12d 3h",
// "5h 20m", "45m", "30s"; "0s" for nothing. Negative spans take a minus sign.
func Age(seconds float64) string {
	if seconds < 0 {
		return "-" + Age(-seconds)
	}
	units := []struct {
		n    int64
		name string
	}{{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}}
	s := int64(math.Round(seconds))
	for i, u := range units {
		if s < u.n {
			continue
		}
		out := fmt.Sprintf("%d%s", s/u.n, u.name)
		if i+1 < len(units) {
			if next := s % u.n / units[i+1].n; next > 0 {
				out += fmt.Sprintf(" %d%s", next, units[i+1].name)
			}
		}
		return out
	}
	return "0s"
}
