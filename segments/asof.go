package segments

import (
	"fmt"
	"strings"
	"time"
)

// ParseAsOf reads an evaluation time as people type it: an RFC 3339 instant, or a date
// meaning the last second of that UTC day (so "as of 2026-11-01" includes all of that day).
// "" is the zero time: the latest event.
func ParseAsOf(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if d, err := time.Parse("2006-01-02", s); err == nil {
		return d.Add(24*time.Hour - time.Second), nil
	}
	return time.Time{}, fmt.Errorf("%q: want RFC 3339 (2026-11-27T12:00:00Z) or a date (2026-11-27)", s)
}
