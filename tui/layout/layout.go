// Package layout fits text into cells: padding to a display width and cutting a block of
// lines to a screen area. Widths are terminal columns, not bytes or runes, so wide
// characters and styled text measure as they are drawn.
package layout

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// PadRight fills s with spaces on the right up to w columns; wider text is left as it is.
func PadRight(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// PadLeft fills s with spaces on the left up to w columns; wider text is left as it is.
func PadLeft(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return s
}

// Wrap breaks text into lines of at most w columns; below 10 columns wrapping would only
// shred words, so the text is left whole.
func Wrap(s string, w int) string {
	if w < 10 {
		return s
	}
	return ansi.Wrap(s, w, "")
}

// Fit cuts or extends s to exactly h lines of at most w columns, so what is drawn below it
// never moves.
func Fit(s string, w, h int) string {
	return fit(s, w, h, false)
}

// Block cuts or pads s to exactly h lines of exactly w columns: a rectangle that can be
// joined beside another.
func Block(s string, w, h int) string {
	return fit(s, w, h, true)
}

func fit(s string, w, h int, pad bool) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			l = ansi.Truncate(l, w, "")
		}
		if pad {
			l = PadRight(l, w)
		}
		lines[i] = l
	}
	fill := ""
	if pad {
		fill = strings.Repeat(" ", w)
	}
	for len(lines) < h {
		lines = append(lines, fill)
	}
	return strings.Join(lines, "\n")
}

// Flow packs parts into lines of at most w columns, joined by sep, never splitting a part:
// a line of figures ("treated 573/639 89.7% · holdout 69/76 90.8% · lift -1.1 pp") wraps
// between its figures instead of losing the last of them past the edge. Lines after the
// first start with indent. A part wider than a line gets a line of its own.
func Flow(parts []string, sep, indent string, w int) []string {
	var lines []string
	cur := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		switch {
		case cur == "":
			cur = p
			if len(lines) > 0 {
				cur = indent + p
			}
		case ansi.StringWidth(cur)+ansi.StringWidth(sep)+ansi.StringWidth(p) <= w:
			cur += sep + p
		default:
			lines = append(lines, strings.TrimRight(cur, " "))
			cur = indent + p
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// Leading joins as many of parts, from the first, as fit whole in w columns: a title line
// keeps what matters most (its figures come first) and drops its trailing details rather
// than cutting one in half.
func Leading(parts []string, sep string, w int) string {
	out := ""
	for i, p := range parts {
		next := p
		if i > 0 {
			next = out + sep + p
		}
		if i > 0 && ansi.StringWidth(next) > w {
			break
		}
		out = next
	}
	return ansi.Truncate(out, w, "…") // only a first part wider than the screen is cut
}
