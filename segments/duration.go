package segments

import (
	"fmt"
	"strconv"
	"time"
)

// DurationUnit is the unit a duration was written in. Durations keep their unit so a file
// that says 7d is saved back as 7d, not 1w.
type DurationUnit byte

// The units of the language: 30m, 2h, 7d, 4w.
const (
	Minute DurationUnit = 'm'
	Hour   DurationUnit = 'h'
	Day    DurationUnit = 'd'
	Week   DurationUnit = 'w'
)

// Seconds is the length of one unit in seconds, or 0 for an unknown unit.
func (u DurationUnit) Seconds() int64 {
	switch u {
	case Minute:
		return 60
	case Hour:
		return 3600
	case Day:
		return 86400
	case Week:
		return 7 * 86400
	}
	return 0
}

// durationUnits lists the units from the largest down, the order a formatter tries them.
var durationUnits = [...]DurationUnit{Week, Day, Hour, Minute}

// MaxDurationSeconds bounds every duration (100 years), far inside time.Duration's range so
// the engine's arithmetic on timestamps never overflows.
const MaxDurationSeconds = 100 * 365 * 86400

// Duration is a whole number of minutes, hours, days or weeks.
type Duration struct {
	N    int64
	Unit DurationUnit
}

// Minutes, Hours, Days and Weeks build durations in code.
func Minutes(n int64) Duration { return Duration{n, Minute} }

// Hours builds a duration of n hours.
func Hours(n int64) Duration { return Duration{n, Hour} }

// Days builds a duration of n days.
func Days(n int64) Duration { return Duration{n, Day} }

// Weeks builds a duration of n weeks.
func Weeks(n int64) Duration { return Duration{n, Week} }

// Seconds is the duration's length in seconds.
func (d Duration) Seconds() int64 { return d.N * d.Unit.Seconds() }

// Std is the duration as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d.Seconds()) * time.Second }

// IsZero reports whether the duration is empty (unset or written as 0).
func (d Duration) IsZero() bool { return d.Seconds() == 0 }

// String renders the duration as written: "7d".
func (d Duration) String() string {
	u := d.Unit
	if u.Seconds() == 0 {
		u = Minute
	}
	return strconv.FormatInt(d.N, 10) + string(rune(u))
}

const durationHelp = "want a whole number and a unit m, h, d or w (30m, 2h, 7d, 4w)"

// ParseDuration reads "30m", "2h", "7d" or "4w". Zero is allowed ("0h"); callers that need a
// positive length check IsZero.
func ParseDuration(s string) (Duration, error) {
	if len(s) < 2 || len(s) > 20 {
		return Duration{}, fmt.Errorf("bad duration %q: %s", s, durationHelp)
	}
	u := DurationUnit(s[len(s)-1])
	if u.Seconds() == 0 {
		return Duration{}, fmt.Errorf("bad duration %q: %s", s, durationHelp)
	}
	digits := s[:len(s)-1]
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return Duration{}, fmt.Errorf("bad duration %q: %s", s, durationHelp)
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > MaxDurationSeconds/u.Seconds() {
		return Duration{}, fmt.Errorf("bad duration %q: longer than 100 years", s)
	}
	return Duration{N: n, Unit: u}, nil
}

// formatSeconds renders a number of seconds as a duration, in unit when it divides evenly,
// else in the largest unit that does (rounding to whole minutes as a last resort).
func formatSeconds(sec float64, unit DurationUnit) string {
	if us := unit.Seconds(); us > 0 {
		if n := sec / float64(us); n == float64(int64(n)) {
			return Duration{int64(n), unit}.String()
		}
	}
	for _, u := range durationUnits {
		if n := sec / float64(u.Seconds()); n == float64(int64(n)) {
			return Duration{int64(n), u}.String()
		}
	}
	return Duration{int64(sec/60 + 0.5), Minute}.String()
}
