package builder

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/explain"
	"github.com/segscope/segscope/tui/layout"
)

// The builder questions the draft three ways besides counting it: p looks up a person and
// explains why they are in the draft or not (e does the same on a sampled member); while a
// saved segment is edited, the count says how many members the edit adds and drops
// against the saved definition; and the draft is linted against the store, its warnings
// drawn beside the conditions they concern.

// savedDiff is the draft against the segment as saved: members it adds and drops.
type savedDiff struct {
	entered, left int64
}

// lintMsg answers the lint of edit seq.
type lintMsg struct {
	seq   int
	warns []FieldError
}

// compareSaved is the part of an evaluation that compares the draft with the saved
// definition; the saved side is usually cached (the Segments list counted it).
func compareSaved(ctx context.Context, eng *query.Engine, saved *segments.Segment, base query.Resolver, draft *query.Result) (*savedDiff, error) {
	if saved == nil || saved.Unit != draft.Unit {
		return nil, nil
	}
	old, err := eng.Evaluate(ctx, saved, base, draft.AsOf)
	if err != nil {
		return nil, err
	}
	both := draft.Members.AndCount(old.Members)
	return &savedDiff{entered: draft.Count() - both, left: old.Count() - both}, nil
}

// lint checks the draft against the store and places each warning on the draft's line it
// concerns; warnings about referenced segments are the segment's own.
func (m *Model) lint() tea.Cmd {
	if m.parsed == nil || m.deps.Engine == nil {
		m.warns = nil
		return nil
	}
	seq, eng, seg, asOf, ctx := m.seq, m.deps.Engine, m.parsed, m.deps.AsOf, m.ctx
	res := draftResolver{base: m.deps.Resolver, seg: seg}
	src := m.draft.Source()
	file := m.parsedFile()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		ws, err := eng.Lint(ctx, seg, res, asOf)
		if err != nil {
			return lintMsg{seq: seq} // no warnings is better than a wrong one; the count stands
		}
		var out []FieldError
		for _, w := range ws {
			loc := Loc{Field: -1}
			if l := w.Pos.Line; w.Pos.File == file && l >= 1 && l <= len(src.Lines) {
				loc = src.Lines[l-1]
			}
			msg := w.Msg
			if w.Segment != seg.Name {
				msg = "in " + w.Segment + ": " + msg
			}
			out = append(out, FieldError{Loc: loc, Msg: msg})
		}
		return lintMsg{seq: seq, warns: out}
	}
}

// parsedFile is the file name the draft is parsed under (what lint's positions carry).
func (m Model) parsedFile() string {
	file := m.file
	if file == "" {
		file = m.draft.Name + ".yaml"
	}
	return filepath.Base(file)
}

// warningLines are the lint warnings placed on loc, as errorLines places problems.
func (m Model) warningLines(loc Loc, header bool, indent, w int) []string {
	var out []string
	for _, e := range m.warns {
		match := false
		if header {
			match = e.Loc.Header != "" && e.Loc.Header != "where" || e.Loc.Path == nil && e.Loc.Header == ""
		} else if e.Loc.Header == "" && e.Loc.Path != nil && slices.Equal(e.Loc.Path, loc.Path) {
			match = true
		}
		if match {
			out = append(out, m.warning(e.Msg, indent, w)...)
		}
	}
	return out
}

// warning draws one warning wrapped under its line (at most three lines): unlike an
// error, its suggestion is the point, so it is not cut at the edge.
func (m Model) warning(msg string, indent, w int) []string {
	pad := strings.Repeat(" ", indent)
	lines := strings.Split(layout.Wrap("⚠ "+msg, max(20, w-indent-2)), "\n")
	if len(lines) > 3 {
		lines = append(lines[:2], ansi.Truncate(lines[2], max(20, w-indent-2)-1, "")+"…")
	}
	for i, l := range lines {
		if i > 0 {
			l = "  " + l
		}
		lines[i] = ansi.Truncate(pad+m.th.Warning.Render(l), w, "…")
	}
	return lines
}

// fieldWarnings are the warnings on field i of the form.
func (m Model) fieldWarnings(i, w int) []string {
	var out []string
	for _, e := range m.warns {
		if m.fieldError(e, i) {
			out = append(out, m.warning(e.Msg, 4, w)...)
		}
	}
	return out
}

// diffText is "+12 −3 vs saved" while a saved segment's draft differs from it.
func (m Model) diffText() string {
	if m.diff == nil || !m.Dirty() || !m.showCounts() {
		return ""
	}
	return m.th.Success.Render("+"+format.Count(m.diff.entered)) + " " + m.th.Error.Render("−"+format.Count(m.diff.left)) +
		m.th.Subtle.Render(" vs saved")
}

// lookup opens the "look up a person" prompt for the draft.
func (m *Model) lookup() tea.Cmd {
	if m.parsed == nil {
		m.status = "fix the definition first: there is nothing to explain"
		return nil
	}
	m.mode = modeExplain
	m.explain.For([]*segments.Segment{m.parsed}, draftResolver{base: m.deps.Resolver, seg: m.parsed}, m.deps.AsOf)
	return m.explain.Ask()
}

func (m Model) updateExplain(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	m.explain, cmd = m.explain.Update(msg)
	if m.explain.Done() {
		m.mode = modeTree
	}
	return m, cmd
}

// explainKeys is the help while an explanation is shown.
func (m Model) explainKeys() explain.Help { return m.explain.KeyMap() }
