package layout

import (
	"strings"
	"testing"
)

func TestPad(t *testing.T) {
	for _, tc := range []struct {
		s           string
		w           int
		right, left string
	}{
		{"ab", 4, "ab  ", "  ab"},
		{"abcd", 2, "abcd", "abcd"},
		{"日本", 5, "日本 ", " 日本"},
		{"\x1b[1mab\x1b[0m", 3, "\x1b[1mab\x1b[0m ", " \x1b[1mab\x1b[0m"},
	} {
		if got := PadRight(tc.s, tc.w); got != tc.right {
			t.Errorf("PadRight(%q, %d) = %q, want %q", tc.s, tc.w, got, tc.right)
		}
		if got := PadLeft(tc.s, tc.w); got != tc.left {
			t.Errorf("PadLeft(%q, %d) = %q, want %q", tc.s, tc.w, got, tc.left)
		}
	}
}

func TestFitAndBlock(t *testing.T) {
	for _, tc := range []struct {
		name, s    string
		w, h       int
		fit, block string
	}{
		{"short lines, too few", "ab\nc", 3, 3, "ab\nc\n", "ab \nc  \n   "},
		{"long lines, too many", "abcdef\nghij\nk", 4, 2, "abcd\nghij", "abcd\nghij"},
	} {
		if got := Fit(tc.s, tc.w, tc.h); got != tc.fit {
			t.Errorf("%s: Fit = %q, want %q", tc.name, got, tc.fit)
		}
		if got := Block(tc.s, tc.w, tc.h); got != tc.block {
			t.Errorf("%s: Block = %q, want %q", tc.name, got, tc.block)
		}
	}
}

func TestFlowNeverSplitsAPart(t *testing.T) {
	parts := []string{"treated 573/639 89.7%", "holdout 69/76 90.8%", "lift -1.1 pp"}
	for _, tc := range []struct {
		w    int
		want []string
	}{
		{80, []string{"treated 573/639 89.7% · holdout 69/76 90.8% · lift -1.1 pp"}},
		{44, []string{"treated 573/639 89.7% · holdout 69/76 90.8%", "  lift -1.1 pp"}},
		{30, []string{"treated 573/639 89.7%", "  holdout 69/76 90.8%", "  lift -1.1 pp"}},
		{10, []string{"treated 573/639 89.7%", "  holdout 69/76 90.8%", "  lift -1.1 pp"}},
	} {
		got := Flow(parts, " · ", "  ", tc.w)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("Flow at %d:\n%q\nwant\n%q", tc.w, got, tc.want)
		}
	}
}

func TestLeadingDropsWholeParts(t *testing.T) {
	parts := []string{"Overlap · 2 segments", "users", "universe 20,000", "as of 2026-11-27 23:54 UTC", "52ms"}
	for _, tc := range []struct {
		w    int
		want string
	}{
		{200, "Overlap · 2 segments · users · universe 20,000 · as of 2026-11-27 23:54 UTC · 52ms"},
		{80, "Overlap · 2 segments · users · universe 20,000 · as of 2026-11-27 23:54 UTC"},
		{50, "Overlap · 2 segments · users · universe 20,000"},
		{10, "Overlap ·…"},
	} {
		if got := Leading(parts, " · ", tc.w); got != tc.want {
			t.Errorf("Leading at %d = %q, want %q", tc.w, got, tc.want)
		}
	}
}
