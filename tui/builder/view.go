package builder

import (
	"fmt"
	"github.com/segscope/segscope/tui/layout"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/chart"
	"github.com/segscope/segscope/tui/safe"
)

// View draws the builder in the size it was given.
func (m Model) View() string {
	switch m.mode {
	case modeSQL:
		return m.overlayView("SQL", "runs as it is in the DuckDB CLI on the store")
	case modeMembers:
		return m.overlayView("Members", "a sample, by id")
	case modeTemplates:
		return m.templatesView()
	}
	title := m.titleLine()
	footer := m.footerLine()
	bodyH := max(1, m.height-2)
	var body string
	if m.width >= 100 {
		leftW := m.width * 58 / 100
		rightW := m.width - leftW - 2
		left := layout.Block(m.editorView(leftW, bodyH), leftW, bodyH)
		right := layout.Block(m.previewView(rightW, bodyH), rightW, bodyH)
		body = lipgloss.JoinHorizontal(lipgloss.Top, left, "  ", right)
	} else {
		preview := m.previewCompact(m.width)
		ph := lipgloss.Height(preview)
		body = preview + "\n" + layout.Block(m.editorView(m.width, bodyH-ph), m.width, bodyH-ph)
	}
	return title + "\n" + layout.Block(body, m.width, bodyH) + "\n" + footer
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

func (m Model) footerLine() string {
	th := m.th
	switch {
	case m.mode == modeConfirm:
		return ansi.Truncate(th.Warning.Render("Unsaved changes to "+m.draft.Name+": ")+
			th.Emphasis.Render("s")+th.Subtle.Render(" save · ")+th.Emphasis.Render("d")+th.Subtle.Render(" discard · ")+
			th.Emphasis.Render("esc")+th.Subtle.Render(" keep editing"), m.width, "…")
	case m.status != "":
		return ansi.Truncate(th.Subtle.Render(m.shown(m.status)), m.width, "…")
	}
	return ""
}

// editorView is the condition tree, with the form of the condition being edited below it.
func (m Model) editorView(w, h int) string {
	tree := m.treeView(w)
	if m.mode == modeForm || m.mode == modeEdit || m.mode == modePickKey {
		form := m.formView(w)
		treeH := max(3, h-lipgloss.Height(form)-1)
		return scrollTo(tree, m.cursor, treeH) + "\n" + form
	}
	return scrollTo(tree, m.cursor, h)
}

// scrollTo keeps line sel in a window of h lines.
func scrollTo(s string, sel, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= h {
		return s
	}
	start := max(0, min(sel-h/2, len(lines)-h))
	return strings.Join(lines[start:start+h], "\n")
}

func (m Model) treeView(w int) string {
	th := m.th
	var lines []string
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
	if m.draft.Expect != "" {
		meta = append(meta, "expect "+m.draft.Expect)
	}
	row := th.Emphasis.Render(head)
	if len(meta) > 0 {
		row += th.Subtle.Render("  " + strings.Join(meta, " · "))
	}
	lines = append(lines, m.decorate(0, row, "", w))
	lines = append(lines, m.errorLines(Loc{Field: -1}, true, 2, w)...)

	if m.draft.Root == nil {
		lines = append(lines, th.Subtle.Render("  no conditions yet: press a to add one"))
	}
	for i, r := range m.rows() {
		indent := strings.Repeat("  ", r.Depth+1)
		text := indent + m.describe(r.Node)
		count := ""
		if c, ok := m.counts[pathKey(r.Path)]; ok && m.showCounts() {
			count = format.Count(c)
		}
		lines = append(lines, m.decorate(i+1, text, fmt.Sprintf("%*s", countW, count), w))
		lines = append(lines, m.errorLines(Loc{Path: r.Path, Field: -1}, false, 2*r.Depth+4, w)...)
	}
	return strings.Join(lines, "\n")
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

func (m Model) formView(w int) string {
	th := m.th
	fields := m.formFields()
	title := "Segment"
	if m.formPath != nil {
		title = "Condition"
	}
	lines := []string{th.Heading.Render(title) + th.Subtle.Render("  enter edit · a add field · d delete field · esc back")}
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
		for _, e := range m.errs {
			if m.fieldError(e, i) {
				lines = append(lines, ansi.Truncate("    "+th.Error.Render("✗ "+e.Msg), w, "…"))
			}
		}
		if i == m.formRow && m.mode == modeEdit {
			lines = append(lines, m.suggestionLines(keyW+4, w)...)
		}
	}
	if m.mode == modePickKey {
		lines = append(lines, th.Subtle.Render("  add field: ")+m.input.View())
		lines = append(lines, m.suggestionLines(14, w)...)
	}
	return strings.Join(lines, "\n")
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
		lines = append(lines, big+share+state)
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
	case m.result == nil:
		s = th.Subtle.Render("counting…")
	default:
		r := m.result
		n := int64(r.Members.Count())
		s = th.Number.Render(format.Count(n)) + th.Subtle.Render(fmt.Sprintf(" of %s %s (%s) · %s",
			format.Count(r.Universe), m.unitNoun(), format.Share(n, r.Universe), format.Elapsed(r.Elapsed)))
		if m.evaluating || m.evalSeq != m.seq {
			s += th.Warning.Render("  ↻")
		}
		if len(r.Waterfall) > 1 {
			steps := make([]string, len(r.Waterfall))
			for i, st := range r.Waterfall {
				steps[i] = format.Compact(st.Remaining)
			}
			s += "\n" + th.Subtle.Render("waterfall ") + th.Text.Render(strings.Join(steps, " → "))
		}
	}
	return ansi.Truncate(s, w, "…")
}

func (m Model) overlayView(title, subtitle string) string {
	th := m.th
	head := th.Heading.Render(title) + th.Subtle.Render("  "+subtitle+" · c copy · esc back")
	return ansi.Truncate(head, m.width, "…") + "\n" + m.overlay.View() + "\n" + m.footerLine()
}

func (m Model) templatesView() string {
	th := m.th
	lines := []string{th.Heading.Render("Add a condition") + th.Subtle.Render("  type to filter · ↑↓ choose · enter add · esc cancel")}
	filter := m.tplFilter
	if filter == "" {
		filter = th.Subtle.Render("(all)")
	}
	lines = append(lines, th.Subtle.Render("filter: ")+th.Text.Render(filter), "")
	group := ""
	for i, t := range m.templateMatches() {
		if t.Group != group {
			group = t.Group
			lines = append(lines, th.Group.Render(group))
		}
		line := "  " + t.Title
		if i == m.tplIdx {
			line = th.Selected.Render(ansi.Truncate("▸ "+t.Title, m.width, "…"))
		}
		lines = append(lines, line)
	}
	// Keep the chosen template in view.
	sel := 0
	for i, l := range lines {
		if strings.Contains(l, "▸ ") {
			sel = i
		}
	}
	return scrollTo(strings.Join(lines, "\n"), sel, max(3, m.height))
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
