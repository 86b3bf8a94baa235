package overlap

import (
	"fmt"
	"github.com/segscope/segscope/tui/layout"
	"image/color"
	"math"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
)

// geometry is where the parts of the chart are drawn, shared by View and mouse clicks.
type geometry struct {
	labelW, cellW int
	matrixTop     int // first matrix row, in screen rows
	upsetTop      int // first UpSet bar
	upsetX        int // column the UpSet chart starts at (beside the matrix on wide screens)
	upsetW        int // its width
	bars          int // UpSet bars shown
}

// sideBySide is the width from which the UpSet chart goes beside the matrix, not under it.
const sideBySide = 150

const headerRows = 2 // the title line and a blank line

func (m Model) layout() geometry {
	n := max(1, len(m.names))
	longest := 0
	for _, name := range m.names {
		longest = max(longest, ansi.StringWidth(name))
	}
	g := geometry{}
	g.labelW = min(longest+4, 26, max(12, m.width/3))
	g.cellW = max(6, min(11, (m.width-g.labelW)/n))
	g.matrixTop = headerRows + 1             // a row of column numbers
	g.upsetTop = g.matrixTop + n + 1 + 1 + 2 // the heat scale, blank, heading, dot header
	g.upsetW = m.width
	if m.width >= sideBySide {
		g.cellW = min(g.cellW, 10)
		g.upsetX = g.labelW + n*g.cellW + 4
		g.upsetW = m.width - g.upsetX
		g.upsetTop = headerRows + 2 // heading and dot header, level with the matrix header
	}
	g.bars = max(0, min(len(m.groups), m.height-g.upsetTop))
	return g
}

// View draws the screen in the size it was given.
func (m Model) View() string {
	th := m.th
	if m.mode == modePick {
		return m.pickView()
	}
	if len(m.names) < MinSegments {
		return lipgloss.JoinVertical(lipgloss.Left,
			th.Title.Render("Overlap"), "",
			th.Text.Render(fmt.Sprintf("Choose %d to %d segments to compare:", MinSegments, MaxSegments)),
			th.Subtle.Render("  on the Segments screen, mark them with space, then come back here; or"),
			th.Subtle.Render("  press s here to choose from the workspace."),
			"", m.statusLine())
	}
	if m.mode == modeMembers {
		return m.membersView()
	}
	title := th.Title.Render("Overlap") + th.Subtle.Render(fmt.Sprintf(" · %d segments", len(m.names)))
	switch {
	case m.err != nil:
		return lipgloss.JoinVertical(lipgloss.Left, title, "",
			th.Error.Render("Could not compare: ")+th.Text.Render(m.shown(m.err.Error())), "", m.statusLine())
	case m.result == nil:
		return lipgloss.JoinVertical(lipgloss.Left, title, "",
			m.spin.View()+th.Subtle.Render(" evaluating "+strings.Join(m.names, ", ")+"…"))
	}
	r := m.result
	title = layout.Leading([]string{title, th.Subtle.Render(r.Unit.String() + "s"),
		th.Subtle.Render("universe ") + th.Number.Render(format.Count(r.Universe)),
		th.Subtle.Render("as of " + format.Timestamp(r.AsOf)), th.Subtle.Render(format.Elapsed(r.Elapsed))}, th.Subtle.Render(" · "), m.width)
	g := m.layout()
	lines := []string{title, ""}
	if g.upsetX > 0 {
		matrix := strings.Join(m.matrixView(g), "\n")
		upset := strings.Join(m.upsetView(g), "\n")
		pad := strings.Repeat(" ", max(0, g.upsetX-lipgloss.Width(matrix)))
		lines = append(lines, lipgloss.JoinHorizontal(lipgloss.Top, matrix, pad, upset))
	} else {
		lines = append(lines, m.matrixView(g)...)
		lines = append(lines, "")
		lines = append(lines, m.upsetView(g)...)
	}
	if s := m.statusLine(); s != "" {
		lines = append(lines, s)
	}
	return strings.Join(lines, "\n")
}

func (m Model) statusLine() string {
	if m.status == "" {
		return ""
	}
	return m.th.Warning.Render(m.status)
}

// matrixView is the header of column numbers, then one row per segment.
func (m Model) matrixView(g geometry) []string {
	th, n := m.th, len(m.names)
	head := strings.Builder{}
	head.WriteString(th.Subtle.Render(layout.PadRight(metricNames[m.metric], g.labelW)))
	for j := range n {
		head.WriteString(th.Subtle.Render(layout.PadLeft(fmt.Sprint(j+1), g.cellW)))
	}
	lines := []string{head.String()}
	scale := m.scale()
	for i := range n {
		var b strings.Builder
		label := fmt.Sprintf("%2d %s", i+1, safe.Text(m.names[i]))
		b.WriteString(th.Text.Render(layout.PadRight(ansi.Truncate(label, g.labelW-1, "…"), g.labelW)))
		for j := range n {
			text, v := m.cell(i, j)
			cell := layout.PadLeft(text, g.cellW-1) + " "
			style := th.Text
			if i == j {
				style = th.Subtle
			} else {
				bg, fg := m.heat(v / scale)
				style = lipgloss.NewStyle().Background(bg).Foreground(fg)
			}
			if m.mode == modeMatrix && i == m.row && j == m.col {
				// The marker shows the cell without colour too (NO_COLOR, monochrome).
				style = th.Selected
				cell = layout.PadLeft("▸"+text, g.cellW-1) + " "
			}
			b.WriteString(style.Render(cell))
		}
		lines = append(lines, b.String())
	}
	return append(lines, m.scaleLine(scale))
}

// scaleLine says what the cell colours measure, so the heatmap never has to be guessed.
func (m Model) scaleLine(scale float64) string {
	th := m.th
	var ramp strings.Builder
	for i, c := range th.Ramp {
		// Shades as well as colours: the scale reads without colour too.
		ramp.WriteString(lipgloss.NewStyle().Foreground(c).Render(strings.Repeat(string(shades[min(i, len(shades)-1)]), 2)))
	}
	var what string
	switch m.metric {
	case metricShare:
		what = "0% … 100% of the row's segment"
	case metricJaccard:
		what = "Jaccard 0 … 1"
	default:
		what = "0 … " + format.Count(int64(scale)) + ", the largest intersection"
	}
	return th.Subtle.Render("colour ") + ramp.String() + th.Subtle.Render(" "+what)
}

// shades fill the colour scale's swatches from low to high.
var shades = []rune{'·', '░', '▒', '▓', '█'}

// cell is the text and the value (for the heat) of row i, column j under the metric.
func (m Model) cell(i, j int) (string, float64) {
	r := m.result
	both := r.Intersections[i][j]
	switch m.metric {
	case metricShare:
		if r.Members[i] == 0 {
			return "–", 0
		}
		v := float64(both) / float64(r.Members[i])
		return format.Percent(v), v
	case metricJaccard:
		v := r.Jaccard(i, j)
		return fmt.Sprintf("%.2f", v), v
	}
	if m.cellFits(format.Count(both)) {
		return format.Count(both), float64(both)
	}
	return format.Compact(both), float64(both)
}

func (m Model) cellFits(s string) bool { return ansi.StringWidth(s) <= m.layout().cellW-1 }

// scale is what a value is divided by to place it on the colour ramp: shares and Jaccard
// are already fractions; counts are scaled to the largest off-diagonal count, since the
// diagonal (each segment's size) would wash every other cell out.
func (m Model) scale() float64 {
	if m.metric != metricCount {
		return 1
	}
	var top int64
	for i, row := range m.result.Intersections {
		for j, v := range row {
			if i != j {
				top = max(top, v)
			}
		}
	}
	return math.Max(1, float64(top))
}

// heat picks the ramp colour for a fraction in [0,1] and a readable text colour on it.
func (m Model) heat(f float64) (bg, fg color.Color) {
	ramp := m.th.Ramp
	if f <= 0 || math.IsNaN(f) {
		return ramp[0], m.th.Muted
	}
	i := 1 + int(math.Round(f*float64(len(ramp)-2)))
	i = min(i, len(ramp)-1)
	if i >= len(ramp)-2 {
		return ramp[i], lipgloss.Color("#0d1117")
	}
	return ramp[i], m.th.Fg
}

// upsetView lists the largest exclusive intersections: which segments (dots under their
// numbers), a bar, and how many people are in exactly those segments.
func (m Model) upsetView(g geometry) []string {
	th, n := m.th, len(m.names)
	heading := th.Heading.Render("Largest exclusive intersections") +
		th.Subtle.Render(fmt.Sprintf(" · %d groups · people in exactly these segments", len(m.groups)))
	if g.bars < len(m.groups) {
		heading = th.Heading.Render("Exclusive intersections") + th.Subtle.Render(fmt.Sprintf(" · %d–%d of %d groups · in exactly these",
			m.barTop+1, min(len(m.groups), m.barTop+g.bars), len(m.groups)))
	}
	var dots strings.Builder
	for j := range n {
		dots.WriteString(layout.PadLeft(fmt.Sprint(j+1), 3))
	}
	lines := []string{ansi.Truncate(heading, g.upsetW, "…"), th.Subtle.Render(dots.String())}
	if len(m.groups) == 0 {
		return append(lines, th.Subtle.Render("  none of these segments has members"))
	}
	var top int64
	for _, gr := range m.groups {
		top = max(top, gr.Count)
	}
	dotsW := 3 * n
	countW := len(format.Count(top)) + 1
	barW := max(4, min(40, (g.upsetW-dotsW-countW-2)/2))
	first := max(0, min(m.barTop, len(m.groups)-g.bars))
	for k, gr := range m.groups[first : first+g.bars] {
		k += first
		var b strings.Builder
		for j := range n {
			if slices.Contains(gr.Segments, j) {
				b.WriteString("  " + lipgloss.NewStyle().Foreground(th.Series[j%len(th.Series)]).Render("●"))
			} else {
				b.WriteString(th.Subtle.Render("  ·"))
			}
		}
		w := int(math.Round(float64(gr.Count) / float64(top) * float64(barW)))
		bar := strings.Repeat("█", max(1, w)) + strings.Repeat(" ", barW-max(1, w))
		b.WriteString(" " + th.Bar.Render(bar) + " " + th.Number.Render(layout.PadLeft(format.Count(gr.Count), countW)))
		rest := g.upsetW - dotsW - barW - countW - 3
		if rest > 8 {
			b.WriteString(" " + th.Subtle.Render(ansi.Truncate(m.joinNames(gr.Segments, " ∩ "), rest-1, "…")))
		}
		line := b.String()
		if m.mode == modeUpSet && k == m.bar {
			line = th.Selected.Render("▸" + strings.TrimPrefix(ansi.Strip(line), " "))
		}
		lines = append(lines, line)
	}
	return lines
}

func (m Model) membersView() string { return m.members.View() }

func (m Model) pickView() string {
	th := m.th
	head := layout.Leading([]string{th.Title.Render("Choose segments to compare"),
		th.Subtle.Render(fmt.Sprintf("%d chosen (%d–%d)", len(m.picked), MinSegments, MaxSegments)),
		th.Subtle.Render("space picks"), th.Subtle.Render("enter compares"), th.Subtle.Render("/ filters")}, th.Subtle.Render(" · "), m.width)
	lines := []string{head, m.statusLine(), m.chooser.View()}
	return strings.Join(lines, "\n")
}

// shown is a message for the screen, sanitised, the workspace folder hidden behind its
// label.
func (m Model) shown(text string) string {
	dir := ""
	if m.ws != nil {
		dir = m.ws.Dir
	}
	return safe.Text(safe.WithoutDir(text, dir, m.deps.DirLabel))
}
