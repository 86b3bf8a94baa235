// Package format writes numbers, shares and times the way every screen and command shows
// them, so a count reads the same in the explorer and on the command line.
package format

import (
	"fmt"
	"math"
	"strconv"
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
