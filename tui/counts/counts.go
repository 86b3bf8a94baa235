// Package counts draws member counts the one way wherever the explorer shows them (the
// Segments list, the builder's preview): the count, its share of the universe, a bar, and
// whether the segment's expect: holds. Keeping them here means a count reads the same on
// every screen, and a richer count (an estimate with its interval) changes one place.
package counts

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/theme"
)

// Count is how many members a segment has out of its universe (people or accounts).
type Count struct {
	Members  int64
	Universe int64
}

// Number is the member count with thousands separators: "2,964".
func (c Count) Number() string { return format.Count(c.Members) }

// Share is the members' share of the universe: "98.8%", "–" without a universe.
func (c Count) Share() string { return format.Share(c.Members, c.Universe) }

// Bar is the share as a bar of width cells; any member at all shows one cell.
func (c Count) Bar(th *theme.Theme, width int) string {
	if c.Universe <= 0 || width <= 0 {
		return strings.Repeat(" ", max(0, width))
	}
	n := int(float64(c.Members) / float64(c.Universe) * float64(width))
	if c.Members > 0 {
		n = max(n, 1)
	}
	n = min(n, width)
	return th.Bar.Render(strings.Repeat("▮", n)) + strings.Repeat(" ", width-n)
}

// Expectation is whether a count satisfies a segment's expect: members comparison.
type Expectation struct {
	Set  bool // the segment states one
	Met  bool
	Want string // the comparison as written: "27..45"
}

// Expect checks members against the segment's expect: (nil: none stated).
func Expect(want *segments.Comparison, members int64) Expectation {
	if want == nil || !want.IsSet() {
		return Expectation{}
	}
	return Expectation{Set: true, Met: want.Matches(float64(members)), Want: want.String()}
}

// Badge is the expectation in a few cells: "✓ 27..45" in green, "✗ 27..45" in red, "" when
// none is stated. The mark carries the meaning without colour.
func (e Expectation) Badge(th *theme.Theme) string {
	if !e.Set {
		return ""
	}
	if e.Met {
		return th.Success.Render("✓ " + e.Want)
	}
	return th.Error.Render("✗ " + e.Want)
}

// Sentence says it in words for the builder: "✗ expect 27..45 fails: 2,964 members".
func (e Expectation) Sentence(th *theme.Theme, members int64) string {
	if !e.Set {
		return ""
	}
	if e.Met {
		return th.Success.Render("✓ expect " + e.Want + " holds")
	}
	return th.Error.Render("✗ expect "+e.Want+" fails") + th.Subtle.Render(": "+format.Count(members)+" members (segscope check fails on it)")
}

// Width is what a badge of want takes, to line up a column.
func Width(want string) int { return lipgloss.Width("✓ " + want) }
