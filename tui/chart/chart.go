// Package chart draws the explorer's charts with block characters: horizontal bars,
// multi-row sparklines and column histograms. Everything here is pure string layout; colours
// come from the styles the caller passes.
package chart

import (
	"github.com/segscope/segscope/tui/layout"
	"math"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

var hEighths = []rune{' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'}
var vEighths = []rune{' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'}

// Bar is one labelled value of a horizontal bar chart.
type Bar struct {
	Label string
	Value int64
	Note  string // drawn after the value, e.g. a share
}

// BarStyles colour the parts of a bar chart.
type BarStyles struct {
	Label, Bar, Value, Note lipgloss.Style
}

// HBars draws one bar per row, scaled to the largest value, in exactly width columns.
// The value is written with valueFmt.
func HBars(bars []Bar, width int, st BarStyles, valueFmt func(int64) string) string {
	var maxV int64
	for _, b := range bars {
		maxV = max(maxV, b.Value)
	}
	return HBarsScaled(bars, maxV, width, st, valueFmt)
}

// HBarsScaled is HBars with the full bar at maxV: a page of a longer list keeps the scale
// of the whole list, so a small value never looks big because its page is small.
func HBarsScaled(bars []Bar, maxV int64, width int, st BarStyles, valueFmt func(int64) string) string {
	if len(bars) == 0 || width <= 0 {
		return ""
	}
	labelW, valueW, noteW := 0, 0, 0
	for _, b := range bars {
		labelW = max(labelW, ansi.StringWidth(b.Label))
		valueW = max(valueW, len(valueFmt(b.Value)))
		noteW = max(noteW, ansi.StringWidth(b.Note))
		maxV = max(maxV, b.Value)
	}
	labelW = min(labelW, max(8, width/3))
	fixed := labelW + 1 + 1 + valueW
	if noteW > 0 {
		fixed += 1 + noteW
	}
	barW := width - fixed
	if barW < 4 { // too narrow for bars: keep labels and values
		barW = 0
	}
	var sb strings.Builder
	for i, b := range bars {
		if i > 0 {
			sb.WriteByte('\n')
		}
		label := ansi.Truncate(b.Label, labelW, "…")
		sb.WriteString(st.Label.Render(layout.PadRight(label, labelW)))
		sb.WriteByte(' ')
		if barW > 0 {
			sb.WriteString(st.Bar.Render(hbar(b.Value, maxV, barW)))
			sb.WriteByte(' ')
		}
		v := valueFmt(b.Value)
		sb.WriteString(st.Value.Render(strings.Repeat(" ", valueW-len(v)) + v))
		if noteW > 0 {
			sb.WriteByte(' ')
			sb.WriteString(st.Note.Render(layout.PadRight(b.Note, noteW)))
		}
	}
	return sb.String()
}

// hbar is a bar of v/maxV of width cells, with eighth-cell resolution, padded to width.
func hbar(v, maxV int64, width int) string {
	if maxV <= 0 || v <= 0 {
		return strings.Repeat(" ", width)
	}
	eighths := int(math.Round(float64(v) / float64(maxV) * float64(width*8)))
	if eighths == 0 {
		eighths = 1 // a non-zero value is never drawn as nothing
	}
	full, part := eighths/8, eighths%8
	s := strings.Repeat("█", full)
	if part > 0 {
		s += string(hEighths[part])
	}
	return layout.PadRight(s, width)
}

// Resample averages values into n buckets of (nearly) equal span, so a long daily series
// fits a narrow chart without dropping days; averaging (not summing) keeps buckets that
// happen to hold one day more from standing out as spikes.
func Resample(values []int64, n int) []int64 {
	if n <= 0 || len(values) == 0 {
		return nil
	}
	if len(values) <= n {
		return append([]int64(nil), values...)
	}
	sums := make([]int64, n)
	counts := make([]int64, n)
	for i, v := range values {
		b := i * n / len(values)
		sums[b] += v
		counts[b]++
	}
	out := make([]int64, n)
	for i := range out {
		out[i] = (sums[i] + counts[i]/2) / counts[i]
	}
	return out
}

// Sparkline draws values as columns height rows tall, one column per value (resample first
// to fit a width). The tallest value fills the height; any non-zero value shows at least
// one eighth.
func Sparkline(values []int64, height int, style lipgloss.Style) string {
	if len(values) == 0 || height <= 0 {
		return ""
	}
	var maxV int64
	for _, v := range values {
		maxV = max(maxV, v)
	}
	levels := make([]int, len(values)) // in eighths of a row
	for i, v := range values {
		if maxV > 0 && v > 0 {
			levels[i] = max(1, int(math.Round(float64(v)/float64(maxV)*float64(height*8))))
		}
	}
	rows := make([]string, height)
	for r := range height {
		floor := (height - 1 - r) * 8 // eighths below this row
		var sb strings.Builder
		for _, l := range levels {
			switch fill := l - floor; {
			case fill >= 8:
				sb.WriteRune('█')
			case fill <= 0:
				sb.WriteRune(' ')
			default:
				sb.WriteRune(vEighths[fill])
			}
		}
		rows[r] = style.Render(sb.String())
	}
	return strings.Join(rows, "\n")
}
