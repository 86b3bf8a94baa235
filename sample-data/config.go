package sampledata

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Industry selects which behaviors a user lives out. Every user belongs to exactly one.
type Industry string

// The industries of the reference guide; Mixed interleaves all six.
const (
	Ecommerce Industry = "ecommerce"
	SaaS      Industry = "saas"
	Media     Industry = "media"
	ELearning Industry = "elearning"
	Fintech   Industry = "fintech"
	Retail    Industry = "retail"
	Mixed     Industry = "mixed"
)

// Industries lists the single industries in the order Mixed rotates through them.
func Industries() []Industry {
	return []Industry{Ecommerce, SaaS, Media, ELearning, Fintech, Retail}
}

// ParseIndustry accepts the spellings of the --industry flag.
func ParseIndustry(s string) (Industry, error) {
	in := Industry(strings.ToLower(strings.TrimSpace(s)))
	if in == Mixed || slices.Contains(Industries(), in) {
		return in, nil
	}
	names := []string{}
	for _, i := range Industries() {
		names = append(names, string(i))
	}
	return "", fmt.Errorf("unknown industry %q (want %s or mixed)", s, strings.Join(names, ", "))
}

// DefaultEnd is the last second of generated data when Config.End is zero: Black Friday
// 2026, so the default span ends inside a sale week.
var defaultEnd = time.Date(2026, 11, 27, 23, 59, 59, 0, time.UTC)

// DefaultEnd returns the default end of the span (2026-11-27T23:59:59Z).
func DefaultEnd() time.Time { return defaultEnd }

// DefaultDays is the default span length: about eighteen months, so it covers two Black
// Friday weeks, one full holiday season and two summer sales.
const DefaultDays = 540

// MaxUsers bounds a single generation run.
const MaxUsers = 100_000_000

// Config says what to generate. The same Config always yields the same users and events;
// nothing depends on the wall clock.
type Config struct {
	Industry Industry
	Users    int
	Seed     uint64
	// End is the latest instant events may have (UTC, truncated to the second); zero means
	// DefaultEnd. The span is (End − Days·24h, End].
	End  time.Time
	Days int // zero means DefaultDays
	// Workers generating in parallel; zero means GOMAXPROCS. The output does not depend on it.
	Workers int
}

// Demo is the dataset compiled into the explorer's demo: every industry, 3,000 users,
// about 70,000 events, generated in well under a second.
func Demo() Config {
	return Config{Industry: Mixed, Users: 3000, Seed: 1}
}

// normalized fills defaults and validates.
func (c Config) normalized() (Config, error) {
	if c.Industry == "" {
		c.Industry = Mixed
	}
	if _, err := ParseIndustry(string(c.Industry)); err != nil {
		return c, err
	}
	if c.Users < 1 || c.Users > MaxUsers {
		return c, fmt.Errorf("users must be between 1 and %d, got %d", MaxUsers, c.Users)
	}
	if c.End.IsZero() {
		c.End = defaultEnd
	}
	c.End = c.End.UTC().Truncate(time.Second)
	if c.Days == 0 {
		c.Days = DefaultDays
	}
	if c.Days < 1 || c.Days > 3650 {
		return c, fmt.Errorf("days must be between 1 and 3650, got %d", c.Days)
	}
	if c.End.Year() < 1971 || c.End.Year() > 9998 {
		return c, errors.New("end must lie between the years 1971 and 9998")
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c, nil
}

// Span is the time range of the generated events: (End − Days·24h, End], so Start is the
// first second that may carry an event.
func (c Config) Span() (start, end time.Time, err error) {
	n, err := c.normalized()
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return n.start(), n.End, nil
}

func (c Config) start() time.Time {
	return c.End.Add(-time.Duration(c.Days)*24*time.Hour + time.Second)
}

// SaleWindow is a sale event: purchases inside it carry `promo` = Name, and seasonal
// buyers buy only inside such windows.
type SaleWindow struct {
	Name string    // black_friday, holiday or summer_sale
	From time.Time // first day, 00:00:00 UTC
	To   time.Time // last day, 23:59:59 UTC
}

// Days gives the window as the segment language's `between: [FROM, TO]` dates.
func (w SaleWindow) Days() [2]string {
	return [2]string{w.From.Format(time.DateOnly), w.To.Format(time.DateOnly)}
}

// SaleWindows lists the sale windows that overlap the span, clipped to it, oldest first:
// summer_sale July 8–14; black_friday the Monday before Black Friday through Cyber Monday;
// holiday December 10–24.
func (c Config) SaleWindows() ([]SaleWindow, error) {
	n, err := c.normalized()
	if err != nil {
		return nil, err
	}
	return n.saleWindows(), nil
}

func (c Config) saleWindows() []SaleWindow {
	start, end := c.start(), c.End
	var out []SaleWindow
	for y := start.Year(); y <= end.Year(); y++ {
		bf := blackFriday(y)
		for _, w := range []SaleWindow{
			{"summer_sale", date(y, time.July, 8), date(y, time.July, 14)},
			{"black_friday", bf.AddDate(0, 0, -4), bf.AddDate(0, 0, 3)},
			{"holiday", date(y, time.December, 10), date(y, time.December, 24)},
		} {
			w.To = w.To.Add(24*time.Hour - time.Second)
			if w.To.Before(start) || w.From.After(end) {
				continue
			}
			if w.From.Before(start) {
				w.From = start
			}
			if w.To.After(end) {
				w.To = end
			}
			out = append(out, w)
		}
	}
	return out
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// blackFriday is the day after the fourth Thursday of November.
func blackFriday(y int) time.Time {
	nov1 := date(y, time.November, 1)
	firstThu := 1 + (int(time.Thursday)-int(nov1.Weekday())+7)%7
	return date(y, time.November, firstThu+21+1)
}
