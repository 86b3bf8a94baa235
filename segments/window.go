package segments

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Date is a calendar day (DateOnly, "2025-11-24", meaning that whole UTC day) or an instant
// ("2025-11-24T10:00:00Z"). Time is always in UTC.
type Date struct {
	Time     time.Time
	DateOnly bool
}

// ParseDate reads "2025-11-24" or an RFC 3339 timestamp.
func ParseDate(s string) (Date, error) {
	if len(s) > 64 {
		return Date{}, fmt.Errorf("bad date %q: want 2025-11-24 or 2025-11-24T10:00:00Z", s)
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return Date{Time: t.UTC(), DateOnly: true}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Date{}, fmt.Errorf("bad date %q: want 2025-11-24 or 2025-11-24T10:00:00Z", s)
	}
	// Years outside 0000-9999 cannot be written back in RFC 3339.
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return Date{}, fmt.Errorf("bad date %q: year out of range", s)
	}
	return Date{Time: t.UTC()}, nil
}

// String renders the date as it reads back: "2025-11-24" or an RFC 3339 UTC timestamp.
func (d Date) String() string {
	if d.DateOnly {
		return d.Time.UTC().Format(time.DateOnly)
	}
	return d.Time.UTC().Format(time.RFC3339Nano)
}

// start is the first instant the date covers.
func (d Date) start() time.Time { return d.Time.UTC() }

// DateRange is a pair [From, To]: from From's first instant to the end of To's day (To
// included whole when DateOnly) or to the instant To (inclusive).
type DateRange struct {
	From, To Date
}

// Interval resolves the range to an interval of time (before clipping to as_of).
func (r DateRange) Interval() Interval {
	iv := Interval{Start: r.From.start(), StartIncl: true, End: r.To.Time.UTC(), EndIncl: true}
	if r.To.DateOnly {
		iv.End = iv.End.AddDate(0, 0, 1)
		iv.EndIncl = false
	}
	return iv
}

// String renders the range as "[2025-11-24, 2025-11-30]".
func (r DateRange) String() string { return "[" + r.From.String() + ", " + r.To.String() + "]" }

// WindowKind says which window a condition has.
type WindowKind int

// Windows. WindowAll (the zero value) is all history up to as_of.
const (
	WindowAll     WindowKind = iota
	WindowInLast             // in_last: 7d
	WindowBetween            // between: [d1, d2]
	WindowSince              // since: d
	WindowDuring             // during: [[d1, d2], ...]
)

// String is the window's key in the language ("all" for none).
func (k WindowKind) String() string {
	switch k {
	case WindowInLast:
		return "in_last"
	case WindowBetween:
		return "between"
	case WindowSince:
		return "since"
	case WindowDuring:
		return "during"
	}
	return "all"
}

// Window restricts which events a condition looks at. Only the fields of Kind are set:
// Last for in_last, Since for since, Ranges (one pair) for between, Ranges (one or more)
// for during.
type Window struct {
	Kind   WindowKind
	Last   Duration
	Since  Date
	Ranges []DateRange
	Pos    Pos
}

// Interval is a span of time with explicit ends. A zero Start means no lower bound (all
// history). Every interval Resolve returns ends at or before as_of.
type Interval struct {
	Start     time.Time
	StartIncl bool
	End       time.Time
	EndIncl   bool
}

// Contains reports whether t falls inside the interval.
func (iv Interval) Contains(t time.Time) bool {
	if !iv.Start.IsZero() {
		if t.Before(iv.Start) || (!iv.StartIncl && t.Equal(iv.Start)) {
			return false
		}
	}
	if t.After(iv.End) || (!iv.EndIncl && t.Equal(iv.End)) {
		return false
	}
	return true
}

// IsEmpty reports whether no instant falls inside the interval.
func (iv Interval) IsEmpty() bool {
	if iv.Start.IsZero() {
		return false
	}
	if iv.Start.After(iv.End) {
		return true
	}
	return iv.Start.Equal(iv.End) && !(iv.StartIncl && iv.EndIncl)
}

// String renders the interval in mathematical notation, e.g. "(2025-11-23T00:00:00Z,
// 2025-11-30T00:00:00Z]".
func (iv Interval) String() string {
	var b strings.Builder
	if iv.Start.IsZero() {
		b.WriteString("(-∞")
	} else {
		b.WriteString(map[bool]string{true: "[", false: "("}[iv.StartIncl])
		b.WriteString(iv.Start.UTC().Format(time.RFC3339Nano))
	}
	b.WriteString(", ")
	b.WriteString(iv.End.UTC().Format(time.RFC3339Nano))
	b.WriteString(map[bool]string{true: "]", false: ")"}[iv.EndIncl])
	return b.String()
}

// clip ends the interval at as_of: events after as_of do not exist.
func (iv Interval) clip(asOf time.Time) Interval {
	if iv.End.After(asOf) {
		iv.End, iv.EndIncl = asOf, true
	}
	return iv
}

// Resolve turns the window into explicit, sorted, non-overlapping intervals ending no later
// than asOf:
//
//	(none)           (-∞, as_of]
//	in_last: 7d      (as_of−7d, as_of]
//	between: [a, b]  [a 00:00, b+1d 00:00) for dates; [a, b] for timestamps
//	since: a         [a 00:00, as_of]
//	during: [...]    the union of its between pairs
//
// An empty result means the window holds no time at all (it lies wholly after as_of).
func (w Window) Resolve(asOf time.Time) []Interval {
	asOf = asOf.UTC()
	var ivs []Interval
	switch w.Kind {
	case WindowAll:
		ivs = []Interval{{End: asOf, EndIncl: true}}
	case WindowInLast:
		ivs = []Interval{{Start: asOf.Add(-w.Last.Std()), End: asOf, EndIncl: true}}
	case WindowSince:
		ivs = []Interval{{Start: w.Since.start(), StartIncl: true, End: asOf, EndIncl: true}}
	case WindowBetween, WindowDuring:
		for _, r := range w.Ranges {
			ivs = append(ivs, r.Interval())
		}
	}
	out := ivs[:0]
	for _, iv := range ivs {
		if iv = iv.clip(asOf); !iv.IsEmpty() {
			out = append(out, iv)
		}
	}
	return mergeIntervals(out)
}

// mergeIntervals sorts intervals and joins those that overlap or touch.
func mergeIntervals(ivs []Interval) []Interval {
	if len(ivs) < 2 {
		return ivs
	}
	slices.SortFunc(ivs, func(a, b Interval) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		switch {
		case a.StartIncl == b.StartIncl:
			return 0
		case a.StartIncl:
			return -1
		}
		return 1
	})
	out := []Interval{ivs[0]}
	for _, iv := range ivs[1:] {
		last := &out[len(out)-1]
		joins := iv.Start.Before(last.End) ||
			(iv.Start.Equal(last.End) && (last.EndIncl || iv.StartIncl))
		if !joins {
			out = append(out, iv)
			continue
		}
		switch c := iv.End.Compare(last.End); {
		case c > 0:
			last.End, last.EndIncl = iv.End, iv.EndIncl
		case c == 0:
			last.EndIncl = last.EndIncl || iv.EndIncl
		}
	}
	return out
}
