package format

import (
	"math"
	"strings"
	"unicode/utf8"
)

// blocks are the eighths of a cell, lowest first.
var blocks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values in one row of at most width cells: consecutive values are
// averaged into a cell when there are more values than cells, the tallest cell is a full
// block and a zero is blank. No values, or only zeros, draw nothing.
func Sparkline(values []float64, width int) string {
	if len(values) == 0 || width <= 0 {
		return ""
	}
	per := (len(values) + width - 1) / width
	var cells []float64
	top := 0.0
	for i := 0; i < len(values); i += per {
		sum, n := 0.0, 0
		for j := i; j < i+per && j < len(values); j++ {
			sum += values[j]
			n++
		}
		v := sum / float64(n)
		cells = append(cells, v)
		top = max(top, v)
	}
	if top == 0 {
		return ""
	}
	var b strings.Builder
	for _, v := range cells {
		if v == 0 {
			b.WriteRune(' ')
			continue
		}
		b.WriteRune(blocks[int(v/top*float64(len(blocks)-1))])
	}
	return b.String()
}

// Histogram draws counts as columns of blocks, height rows tall, one column per count, the
// largest filling the height; a non-zero count shows at least an eighth. It returns the
// rows top first, without trailing spaces; nil when every count is zero.
func Histogram(counts []int, height int) []string {
	peak := 0
	for _, c := range counts {
		peak = max(peak, c)
	}
	if peak == 0 || height <= 0 {
		return nil
	}
	rows := make([]string, 0, height)
	for row := height - 1; row >= 0; row-- {
		var line strings.Builder
		for _, c := range counts {
			level := float64(c) / float64(peak) * float64(8*height)
			fill := int(math.Ceil(level - float64(8*row)))
			switch {
			case c == 0 || fill <= 0:
				line.WriteByte(' ')
			case fill >= 8:
				line.WriteRune('█')
			default:
				line.WriteRune(blocks[fill-1])
			}
		}
		rows = append(rows, strings.TrimRight(line.String(), " "))
	}
	return rows
}

// Table writes rows as an aligned table indented by two spaces, two spaces between
// columns, column i left- ('l') or right-aligned ('r') as align[i] says. A row may have
// fewer cells than align; trailing spaces are dropped. Widths count runes: cells are
// expected to be plain text.
func Table(rows [][]string, align string) string {
	widths := make([]int, len(align))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		line := " "
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if align[i] == 'r' {
				line += " " + pad + cell
			} else {
				line += " " + cell + pad
			}
			line += " "
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return b.String()
}
