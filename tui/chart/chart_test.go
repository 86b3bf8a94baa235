package chart

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestHBarsScalesToLargest(t *testing.T) {
	got := HBars([]Bar{{Label: "purchase", Value: 100}, {Label: "view", Value: 50}, {Label: "zero", Value: 0}}, 30, BarStyles{}, itoa)
	want := strings.Join([]string{
		"purchase █████████████████ 100",
		"view     ████████▌          50",
		"zero                         0",
	}, "\n")
	if got != want {
		t.Errorf("HBars =\n%s\nwant\n%s", got, want)
	}
	for _, line := range strings.Split(got, "\n") {
		if w := ansi.StringWidth(line); w != 30 {
			t.Errorf("line %q is %d wide, want 30", line, w)
		}
	}
}

func TestHBarsTinyValueVisible(t *testing.T) {
	got := HBars([]Bar{{Label: "a", Value: 1000000}, {Label: "b", Value: 1}}, 40, BarStyles{}, itoa)
	if !strings.Contains(strings.Split(got, "\n")[1], "▏") {
		t.Errorf("a non-zero value must show at least an eighth:\n%s", got)
	}
}

func TestHBarsTruncatesLongLabels(t *testing.T) {
	got := HBars([]Bar{{Label: strings.Repeat("x", 50), Value: 1}}, 30, BarStyles{}, itoa)
	if ansi.StringWidth(got) > 30 || !strings.Contains(got, "…") {
		t.Errorf("long label not truncated: %q", got)
	}
}

func TestResample(t *testing.T) {
	got := Resample([]int64{1, 2, 3, 4, 5, 6, 7}, 3)
	// Buckets {1,2,3} {4,5} {6,7}: their rounded means.
	if want := []int64{2, 5, 7}; !slices.Equal(got, want) {
		t.Errorf("Resample = %v, want %v", got, want)
	}
	if got := Resample([]int64{1, 2}, 5); len(got) != 2 {
		t.Errorf("short series must not be stretched: %v", got)
	}
}

func TestSparkline(t *testing.T) {
	got := Sparkline([]int64{0, 8, 16}, 2, lipgloss.NewStyle())
	want := "  █\n ██"
	if got != want {
		t.Errorf("Sparkline =\n%q\nwant\n%q", got, want)
	}
	got = Sparkline([]int64{1, 100}, 1, lipgloss.NewStyle())
	if got != "▁█" {
		t.Errorf("Sparkline small = %q", got)
	}
}
