package timeline

import (
	"math"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/segscope/segscope/sim"
)

// bucketSizes are the spans, in days, one bar of the chart may cover, smallest first: a
// day, a week, two weeks, four weeks, then quarters and years for very long replays.
var bucketSizes = []int{1, 7, 14, 28, 91, 364}

// bucketDays picks the smallest span that fits days into at most cols bars.
func bucketDays(days, cols int) int {
	if cols < 1 {
		cols = 1
	}
	for _, s := range bucketSizes {
		if (days+s-1)/s <= cols {
			return s
		}
	}
	last := bucketSizes[len(bucketSizes)-1]
	for (days+last-1)/last > cols {
		last *= 2
	}
	return last
}

// bucket is a run of consecutive days summed into one bar.
type bucket struct {
	From, To   time.Time // first and last day
	Days       int
	Sends      []int // per step
	Suppressed int
	Deferred   int
	Collisions int
	Journeys   int
}

// Total is the messages sent in the bucket, all steps.
func (b bucket) Total() int {
	n := 0
	for _, s := range b.Sends {
		n += s
	}
	return n
}

// bucketize sums the replay's days into bars of size days each, starting at the first day;
// the last bar may cover fewer days (its Days says how many).
func bucketize(days []sim.Day, steps, size int) []bucket {
	if size < 1 {
		size = 1
	}
	var out []bucket
	for i := 0; i < len(days); i += size {
		b := bucket{From: days[i].Day, Sends: make([]int, steps)}
		for j := i; j < i+size && j < len(days); j++ {
			d := days[j]
			b.To = d.Day
			b.Days++
			for k := 0; k < steps && k < len(d.Sends); k++ {
				b.Sends[k] += d.Sends[k]
				b.Suppressed += d.Suppressed[k]
				b.Deferred += d.Deferred[k]
			}
			b.Collisions += d.Collisions
			b.Journeys += d.Journeys
		}
		out = append(out, b)
	}
	return out
}

// glyphs fill whole cells of each series, so that the series stay apart without colour
// (NO_COLOR, a monochrome terminal) as well as with it.
var glyphs = []rune{'█', '▓', '▒', '░'}

// glyph is the fill of series k.
func glyph(k int) rune { return glyphs[k%len(glyphs)] }

var vEighths = []rune{' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'}

// cell is one character of a stacked column: the rune and the series it shows (-1 for
// empty).
type cell struct {
	r      rune
	series int
}

// stackColumn lays out one column of stacked values, bottom series first, height cells
// tall, scaled so that top fills the height. A whole cell shows the series covering its
// middle with that series' glyph; the topmost, partly filled cell is an eighth block of the
// series there. A non-zero column is never drawn empty. cells[0] is the bottom.
func stackColumn(values []int, top, height int) []cell {
	cells := make([]cell, height)
	for i := range cells {
		cells[i] = cell{' ', -1}
	}
	if top <= 0 || height <= 0 {
		return cells
	}
	// Boundaries in eighths of a cell, cumulative.
	bounds := make([]int, len(values))
	cum, total := 0, 0
	for k, v := range values {
		cum += v
		total += max(v, 0)
		bounds[k] = int(math.Round(float64(cum) / float64(top) * float64(height*8)))
	}
	if total == 0 {
		return cells
	}
	last := bounds[len(bounds)-1]
	if last == 0 {
		last = 1
		bounds[len(bounds)-1] = 1
	}
	seriesAt := func(e int) int { // the series covering eighth e
		for k, b := range bounds {
			if e < b && values[k] > 0 {
				return k
			}
		}
		for k := len(values) - 1; k >= 0; k-- {
			if values[k] > 0 {
				return k
			}
		}
		return 0
	}
	for c := range height {
		lo := c * 8
		switch {
		case last >= lo+8:
			k := seriesAt(lo + 4)
			cells[c] = cell{glyph(k), k}
		case last > lo:
			k := seriesAt(lo + (last-lo)/2)
			cells[c] = cell{vEighths[last-lo], k}
		}
	}
	return cells
}

// stackedBars draws columns of stacked values, each colW characters wide (the last of them
// a gap when colW ≥ 3), height rows tall, scaled to top. Series k is drawn with styles[k]
// (cycled). The rows are returned top first, each exactly len(cols)·colW wide.
func stackedBars(cols [][]int, top, colW, height int, styles []lipgloss.Style) []string {
	if height <= 0 || colW <= 0 {
		return nil
	}
	fill, gap := colW, 0
	if colW >= 3 {
		fill, gap = colW-1, 1
	}
	laid := make([][]cell, len(cols))
	for i, c := range cols {
		laid[i] = stackColumn(c, top, height)
	}
	rows := make([]string, height)
	for r := range height {
		c := height - 1 - r
		var sb strings.Builder
		for i := range cols {
			ce := laid[i][c]
			s := strings.Repeat(string(ce.r), fill)
			if ce.series >= 0 && len(styles) > 0 {
				s = styles[ce.series%len(styles)].Render(s)
			}
			sb.WriteString(s)
			sb.WriteString(strings.Repeat(" ", gap))
		}
		rows[r] = sb.String()
	}
	return rows
}
