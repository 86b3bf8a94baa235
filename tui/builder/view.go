package builder

import (
	"fmt"
	"github.com/segscope/segscope/tui/layout"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/chart"
)

// View draws the builder in the size it was given.
func (m Model) View() string {
	switch m.mode {
	case modeSQL:
		return m.sqlView()
	case modeMembers:
		return m.members.View() + "\n" + strings.Join(m.footerLines(), "\n")
	case modeExplain:
		return m.explain.View() + "\n" + strings.Join(m.footerLines(), "\n")
	case modeTemplates:
		return m.templatesView()
	}
	title := m.titleLine()
	footer := m.footerLines()
	bodyH := max(1, m.height-1-len(footer))
	var body string
	if m.wide() {
		leftW, rightW := m.columns()
		lines, _ := m.editorLines(leftW, bodyH)
		left := layout.Block(strings.Join(lines, "\n"), leftW, bodyH)
		right := layout.Block(m.previewView(rightW, bodyH), rightW, bodyH)
		body = lipgloss.JoinHorizontal(lipgloss.Top, left, "  ", right)
	} else {
		preview := m.previewCompact(m.width)
		ph := lipgloss.Height(preview)
		lines, _ := m.editorLines(m.width, bodyH-ph)
		body = preview + "\n" + layout.Block(strings.Join(lines, "\n"), m.width, bodyH-ph)
	}
	return title + "\n" + layout.Block(body, m.width, bodyH) + "\n" + strings.Join(footer, "\n")
}

// wide reports whether the preview sits beside the editor.
func (m Model) wide() bool { return m.width >= 100 }

// columns are the editor's and the preview's widths on a wide screen.
func (m Model) columns() (int, int) {
	leftW := m.width * 58 / 100
	return leftW, m.width - leftW - 2
}

func (m Model) titleLine() string {
	th := m.th
	s := th.Heading.Render("Builder ") + th.Title.Render(safe.Text(m.draft.Name))
	if m.file != "" {
		s += th.Subtle.Render("  " + ShowPath(m.deps.Dir, m.deps.DirLabel, m.file))
	} else {
		s += th.Subtle.Render("  new")
	}
	if m.Dirty() {
		s += th.Warning.Render("  ● unsaved")
	}
	return ansi.Truncate(s, m.width, "…")
}

// footerLines are the confirmation or the last status, wrapped whole: a failed save must
// show its reason, not lose it past the edge.
func (m Model) footerLines() []string {
	th := m.th
	switch {
	case m.mode == modeConfirm:
		return strings.Split(layout.Wrap(th.Warning.Render("Unsaved changes to "+m.draft.Name+": ")+
			th.Emphasis.Render("s")+th.Subtle.Render(" save · ")+th.Emphasis.Render("d")+th.Subtle.Render(" discard · ")+
			th.Emphasis.Render("esc")+th.Subtle.Render(" keep editing"), m.width), "\n")
	case m.status != "":
		style := th.Subtle
		if strings.HasPrefix(m.status, "not saved") || strings.HasPrefix(m.status, "cannot") {
			style = th.Error
		}
		lines := strings.Split(layout.Wrap(style.Render(m.shown(m.status)), m.width), "\n")
		return lines[:min(len(lines), 3)]
	}
	return []string{""}
}

// lineHit says what a line of the editor shows: a tree row (the cursor value that selects
// it) or a form field; -1 for neither.
type lineHit struct{ row, field int }

// editorLines is the condition tree, with the form of the condition being edited below it,
// cut to h lines around the cursor; hits say what each line drawn is, for the mouse.
func (m Model) editorLines(w, h int) ([]string, []lineHit) {
	tree, rowOf := m.treeLines(w)
	hits := make([]lineHit, len(tree))
	sel := 0
	for i, r := range rowOf {
		hits[i] = lineHit{row: r, field: -1}
		if r == m.cursor {
			sel = i
		}
	}
	if m.mode == modeForm || m.mode == modeEdit || m.mode == modePickKey {
		form, fieldOf := m.formLines(w)
		treeH := max(3, h-len(form)-1)
		first := scrollStart(len(tree), sel, treeH)
		end := min(len(tree), first+treeH)
		lines := append(slices.Clone(tree[first:end]), form...)
		hits = hits[first:end]
		for _, f := range fieldOf {
			hits = append(hits, lineHit{row: -1, field: f})
		}
		return lines, hits
	}
	first := scrollStart(len(tree), sel, h)
	end := min(len(tree), first+h)
	return tree[first:end], hits[first:end]
}

// scrollStart is the first of n lines shown in a window of h lines that keeps line sel in
// view, centred when it can.
func scrollStart(n, sel, h int) int {
	if n <= h {
		return 0
	}
	return max(0, min(sel-h/2, n-h))
}

// scrollTo keeps line sel in a window of h lines.
func scrollTo(s string, sel, h int) string {
	lines := strings.Split(s, "\n")
	start := scrollStart(len(lines), sel, h)
	return strings.Join(lines[start:min(len(lines), start+h)], "\n")
}

// treeLines are the segment's row and the condition rows, each followed by its problems;
// rowOf[i] is the cursor value of line i (-1 for a problem's line).
func (m Model) treeLines(w int) ([]string, []int) {
	th := m.th
	var lines []string
	var rowOf []int
	add := func(row int, ls ...string) {
		for _, l := range ls {
			lines = append(lines, l)
			rowOf = append(rowOf, row)
		}
	}
	countW := 9
	// The segment's own row.
	head := "segment " + safe.Text(m.draft.Name)
	meta := []string{}
	if m.draft.Type != "" {
		meta = append(meta, m.draft.Type)
	}
	if m.draft.Unit != "" {
		meta = append(meta, "unit "+m.draft.Unit)
	}
	row := th.Emphasis.Render(head)
	if len(meta) > 0 {
		row += th.Subtle.Render("  " + strings.Join(meta, " · "))
	}
	if m.draft.Expect != "" {
		if e, ok := m.expectation(); ok {
			row += "  " + e.Badge(th)
		} else {
			row += th.Subtle.Render("  expect " + m.draft.Expect)
		}
	}
	add(0, m.decorate(0, row, "", w))
	add(-1, m.errorLines(Loc{Field: -1}, true, 2, w)...)
	add(-1, m.warningLines(Loc{Field: -1}, true, 2, w)...)

	if m.draft.Root == nil {
		add(-1, th.Subtle.Render("  no conditions yet: press a to add one"))
	}
	current := m.currentTexts()
	for i, r := range m.rows() {
		indent := strings.Repeat("  ", r.Depth+1)
		text := indent + m.describe(r.Node)
		count := ""
		if c, ok := m.counts[pathKey(r.Path)]; ok && m.showCounts() && m.countedFor[pathKey(r.Path)] == current[pathKey(r.Path)] {
			count = format.Count(c)
		}
		add(i+1, m.decorate(i+1, text, fmt.Sprintf("%*s", countW, count), w))
		add(-1, m.errorLines(Loc{Path: r.Path, Field: -1}, false, 2*r.Depth+4, w)...)
		add(-1, m.warningLines(Loc{Path: r.Path, Field: -1}, false, 2*r.Depth+4, w)...)
	}
	return lines, rowOf
}

// currentTexts is each node's condition as the draft now reads, by path; a node the draft
// cannot parse has none, so it shows no count.
func (m Model) currentTexts() map[string]string {
	out := map[string]string{}
	if m.parsed == nil {
		return out
	}
	nodes := map[string]segments.Condition{}
	conditionPaths(m.draft.Root, m.parsed.Where, nil, nodes)
	for p, c := range nodes {
		out[p] = query.Describe(c)
	}
	return out
}

// showCounts: per-condition counts are drawn only while they describe the draft as it is.
func (m Model) showCounts() bool {
	return m.result != nil && m.parsed != nil && m.evalErr == nil
}

// decorate draws a tree row: the cursor mark, the text and its count at the right edge.
func (m Model) decorate(i int, text, count string, w int) string {
	th := m.th
	mark := "  "
	if i == m.cursor && m.mode == modeTree {
		mark = th.Title.Render("▸ ")
	} else if i == m.cursor {
		mark = th.Subtle.Render("▹ ")
	}
	room := w - 2 - ansi.StringWidth(count) - 1
	text = ansi.Truncate(text, max(4, room), "…")
	gap := max(1, room-ansi.StringWidth(text)+1)
	line := mark + text + strings.Repeat(" ", gap) + th.Number.Render(count)
	if i == m.cursor && m.mode == modeTree {
		return th.Selected.Render(ansi.Strip(line))
	}
	return line
}

// describe writes a node as one line of the language: "did add_to_cart  in_last 7d".
func (m Model) describe(n *Node) string {
	th := m.th
	switch n.Kind {
	case All:
		return th.Group.Render("all of")
	case Any:
		return th.Group.Render("any of")
	case Not:
		return th.Warning.Render("not")
	}
	var parts []string
	for i, f := range n.Fields {
		v := safe.Text(f.Value)
		if v == "" {
			v = "…"
		}
		if i == 0 {
			parts = append(parts, th.Emphasis.Render(f.Key)+" "+th.Text.Render(v))
			continue
		}
		parts = append(parts, th.Subtle.Render(f.Key)+" "+th.Text.Render(v))
	}
	if len(parts) == 0 {
		return th.Subtle.Render("(empty)")
	}
	return strings.Join(parts, "  ")
}

// errorLines are the problems placed on loc (a node's own line, or any of its fields when
// the form is not open on it).
func (m Model) errorLines(loc Loc, header bool, indent, w int) []string {
	var out []string
	for _, e := range m.errs {
		match := false
		if header {
			match = e.Loc.Header != "" && e.Loc.Header != "where" || e.Loc.Path == nil && e.Loc.Header == ""
		} else if e.Loc.Header == "" && e.Loc.Path != nil && slices.Equal(e.Loc.Path, loc.Path) {
			match = true
		}
		if match {
			out = append(out, ansi.Truncate(strings.Repeat(" ", indent)+m.th.Error.Render("✗ ")+m.th.Error.Render(e.Msg), w, "…"))
		}
	}
	return out
}

// formLines are the form of what is edited: a title, then each field with its problems and,
// while it is typed, its suggestions; fieldOf[i] is the field of line i (-1 for others).
func (m Model) formLines(w int) ([]string, []int) {
	th := m.th
	fields := m.formFields()
	title := "Segment"
	if m.formPath != nil {
		title = "Condition"
	}
	lines := []string{ansi.Truncate(th.Heading.Render(title)+th.Subtle.Render("  enter edit · a add field · d delete field · esc back"), w, "…")}
	fieldOf := []int{-1}
	keyW := 8
	for _, f := range fields {
		keyW = max(keyW, len(f.Key))
	}
	for i, f := range fields {
		mark := "  "
		if i == m.formRow {
			mark = th.Title.Render("▸ ")
		}
		var value string
		if i == m.formRow && m.mode == modeEdit {
			value = m.input.View()
		} else if f.Value == "" {
			value = th.Subtle.Render("—")
		} else {
			value = th.Text.Render(safe.Text(f.Value))
		}
		lines = append(lines, ansi.Truncate(mark+th.Subtle.Render(fmt.Sprintf("%-*s ", keyW, f.Key))+value, w, "…"))
		fieldOf = append(fieldOf, i)
		for _, e := range m.errs {
			if m.fieldError(e, i) {
				lines = append(lines, ansi.Truncate("    "+th.Error.Render("✗ "+e.Msg), w, "…"))
				fieldOf = append(fieldOf, -1)
			}
		}
		for _, l := range m.fieldWarnings(i, w) {
			lines = append(lines, l)
			fieldOf = append(fieldOf, -1)
		}
		if i == m.formRow && m.mode == modeEdit {
			for _, l := range m.suggestionLines(keyW+4, w) {
				lines = append(lines, l)
				fieldOf = append(fieldOf, -1)
			}
		}
	}
	if m.mode == modePickKey {
		lines = append(lines, th.Subtle.Render("  add field: ")+m.input.View())
		fieldOf = append(fieldOf, -1)
		for _, l := range m.suggestionLines(14, w) {
			lines = append(lines, l)
			fieldOf = append(fieldOf, -1)
		}
	}
	return lines, fieldOf
}

func (m Model) fieldError(e FieldError, i int) bool {
	if m.formPath == nil {
		return e.Loc.Header == headerKeys[i] || (headerKeys[i] == "expect" && e.Loc.Header == "expect")
	}
	return e.Loc.Header == "" && slices.Equal(e.Loc.Path, m.formPath) && e.Loc.Field == i
}

func (m Model) suggestionLines(indent, w int) []string {
	th := m.th
	var out []string
	for i, s := range m.sugg {
		line := strings.Repeat(" ", indent) + safe.Text(s)
		if i == m.suggIdx {
			// The marker shows the suggestion enter takes without colour too.
			line = strings.Repeat(" ", max(0, indent-2)) + "▸ " + safe.Text(s)
			out = append(out, th.Selected.Render(ansi.Truncate(line, w, "…")))
		} else {
			out = append(out, th.Subtle.Render(ansi.Truncate(line, w, "…")))
		}
	}
	if m.pendingTo != "" && len(m.sugg) == 0 {
		if _, ok := m.values[m.pendingTo]; !ok {
			out = append(out, th.Subtle.Render(strings.Repeat(" ", indent)+"looking up values…"))
		}
	}
	return out
}

func (m Model) unitNoun() string {
	if m.parsed != nil && m.parsed.Unit == segments.UnitAccount {
		return "accounts"
	}
	return "people"
}

func (m Model) previewView(w, h int) string {
	th := m.th
	lines := []string{th.Heading.Render("Members")}
	switch {
	case m.parsed == nil && len(m.errs) > 0:
		lines = append(lines, th.Error.Render("✗ the definition is not valid"), th.Subtle.Render("  fix the marked fields"))
		if m.result != nil {
			lines = append(lines, th.Subtle.Render("  last valid count: "+format.Count(int64(m.result.Members.Count()))))
		}
	case m.parsed == nil:
		lines = append(lines, th.Subtle.Render("add a condition to count members"))
	case m.evalErr != nil:
		lines = append(lines, lipgloss.NewStyle().Width(w).Render(th.Error.Render("✗ "+m.shown(m.evalErr.Error()))))
	case m.showEstimate():
		lines = append(lines, m.estimateLines(w)...)
	case m.result == nil:
		lines = append(lines, th.Subtle.Render("counting…"))
	default:
		r := m.result
		n := int64(r.Members.Count())
		big := th.Number.Render(format.Count(n))
		share := th.Subtle.Render(fmt.Sprintf("  of %s %s (%s)", format.Count(r.Universe), m.unitNoun(), format.Share(n, r.Universe)))
		state := ""
		if m.evaluating || m.evalSeq != m.seq {
			state = th.Warning.Render("  ↻ updating")
		}
		if d := m.diffText(); d != "" {
			share += "  " + d
		}
		lines = append(lines, big+share+state)
		if e, ok := m.expectation(); ok {
			lines = append(lines, strings.Split(layout.Wrap(e.Sentence(th, n), w), "\n")...)
		}
		lines = append(lines, th.Subtle.Render(fmt.Sprintf("as of %s · %s · %d queries, %d cached",
			format.Timestamp(r.AsOf), format.Elapsed(r.Elapsed), r.Queries, r.CacheHits)))
		if len(r.Waterfall) > 1 {
			lines = append(lines, "", th.Heading.Render("Waterfall")+th.Subtle.Render("  remaining after each condition"))
			bars := make([]chart.Bar, len(r.Waterfall))
			for i, s := range r.Waterfall {
				bars[i] = chart.Bar{Label: safe.Text(s.Label), Value: s.Remaining, Note: format.Share(s.Remaining, r.Universe)}
			}
			st := chart.BarStyles{Label: th.Text, Bar: th.Bar, Value: th.Number, Note: th.Subtle}
			lines = append(lines, chart.HBars(bars, w, st, format.Count))
		}
	}
	for _, e := range m.errs {
		if e.Loc.Header == "" && e.Loc.Path == nil {
			lines = append(lines, th.Error.Render("✗ "+e.Msg))
		}
	}
	return strings.Join(lines, "\n")
}

// previewCompact is the preview on narrow screens: one or two lines.
func (m Model) previewCompact(w int) string {
	th := m.th
	var s string
	switch {
	case m.parsed == nil && len(m.errs) > 0:
		s = th.Error.Render("✗ not valid: ") + th.Text.Render(m.errs[0].Msg)
	case m.parsed == nil:
		s = th.Subtle.Render("add a condition to count members")
	case m.evalErr != nil:
		s = th.Error.Render("✗ " + m.shown(m.evalErr.Error()))
	case m.showEstimate():
		s = m.estimateCompact()
	case m.result == nil:
		s = th.Subtle.Render("counting…")
	default:
		r := m.result
		n := int64(r.Members.Count())
		s = th.Number.Render(format.Count(n)) + th.Subtle.Render(fmt.Sprintf(" of %s %s (%s)",
			format.Count(r.Universe), m.unitNoun(), format.Share(n, r.Universe)))
		if d := m.diffText(); d != "" {
			s += "  " + d
		}
		s += th.Subtle.Render(" · " + format.Elapsed(r.Elapsed))
		if m.evaluating || m.evalSeq != m.seq {
			s += th.Warning.Render("  ↻")
		}
		if e, ok := m.expectation(); ok {
			s += "  " + e.Badge(th)
		}
		if len(r.Waterfall) > 1 {
			steps := make([]string, len(r.Waterfall))
			for i, st := range r.Waterfall {
				steps[i] = format.Compact(st.Remaining)
			}
			s += "\n" + th.Subtle.Render("waterfall ") + th.Text.Render(strings.Join(steps, " → "))
		}
	}
	// Each line is cut on its own: the width is a line's, not the block's.
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, "…")
	}
	return strings.Join(lines, "\n")
}

func (m Model) sqlView() string {
	th := m.th
	head := th.Heading.Render("SQL") + th.Subtle.Render("  runs as it is in the DuckDB CLI on the store · c copy · esc back")
	return ansi.Truncate(head, m.width, "…") + "\n" + m.sql.View() + "\n" + strings.Join(m.footerLines(), "\n")
}

func (m Model) templatesView() string {
	lines, _ := m.templateLines()
	return strings.Join(lines, "\n")
}

// templateLines are the template picker as drawn, scrolled to keep the chosen template in
// view; tplOf[i] is the template (position among the matches) on line i, -1 for others.
func (m Model) templateLines() ([]string, []int) {
	th := m.th
	head := []string{ansi.Truncate(th.Heading.Render("Add a condition")+
		th.Subtle.Render("  type to filter · ↑↓ choose · enter add · ctrl+u clear · esc cancel"), m.width, "…")}
	filter := th.Text.Render(m.tplFilter + "▏")
	if m.tplFilter == "" {
		filter = th.Subtle.Render("(all) type words: purchase, trial, rfm, …")
	}
	head = append(head, th.Subtle.Render("filter: ")+filter, "")
	matches := m.templateMatches()
	if len(matches) == 0 {
		head = append(head, th.Warning.Render(fmt.Sprintf("No template matches %q", m.tplFilter))+th.Subtle.Render(" · ctrl+u clears the filter"))
		return head, []int{-1, -1, -1, -1}
	}
	var body []string
	var tplOf []int
	sel, group := 0, ""
	for i, t := range matches {
		if t.Group != group {
			group = t.Group
			body = append(body, th.Group.Render(group))
			tplOf = append(tplOf, -1)
		}
		line := "  " + t.Title
		if i == m.tplIdx {
			sel = len(body)
			line = th.Selected.Render(ansi.Truncate("▸ "+t.Title, m.width, "…"))
		}
		body = append(body, line)
		tplOf = append(tplOf, i)
	}
	h := max(1, m.height-len(head))
	first := scrollStart(len(body), sel, h)
	end := min(len(body), first+h)
	return append(head, body[first:end]...), append([]int{-1, -1, -1}, tplOf[first:end]...)
}

// shown is a message for the screen, sanitised, the workspace folder hidden behind its
// label.
func (m Model) shown(text string) string {
	return safe.Text(safe.WithoutDir(text, m.deps.Dir, m.deps.DirLabel))
}

// ShowPath is how a workspace file is shown: as it is, or, when the workspace has a label,
// as the label and the file's path inside the workspace (a server's paths stay its own).
func ShowPath(dir, label, file string) string {
	if label == "" {
		return file
	}
	rel, err := filepath.Rel(dir, file)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = filepath.Base(file)
	}
	return label + ": " + filepath.ToSlash(rel)
}
