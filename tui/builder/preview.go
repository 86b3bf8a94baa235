package builder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/safe"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/list"
)

// evalTickMsg ends the pause after edit seq.
type evalTickMsg struct{ seq int }

// evalMsg is the answer to evaluation request seq.
type evalMsg struct {
	seq    int
	result *query.Result
	counts map[string]int64  // member count of each node alone, by path
	texts  map[string]string // the condition each count is for, by path
	diff   *savedDiff        // against the saved definition; nil for a new segment
	err    error
}

type valuesMsg struct {
	key    valuesKey
	values []string
}

// sqlMsg fills the SQL view; copy is what the copy key puts on the clipboard.
type sqlMsg struct{ text, copy string }

type savedMsg struct {
	file string
	text []byte
	err  error
}

// draftResolver answers references with the workspace's segments, except that the segment
// being edited is the draft, not its saved version.
type draftResolver struct {
	base query.Resolver
	seg  *segments.Segment
}

func (r draftResolver) Segment(name string) *segments.Segment {
	if r.seg != nil && name == r.seg.Name {
		return r.seg
	}
	if r.base == nil {
		return nil
	}
	return r.base.Segment(name)
}

// reparse reads the draft through the language's parser.
func (m *Model) reparse() {
	file := m.file
	if file == "" {
		file = m.draft.Name + ".yaml"
	}
	m.parsed, m.errs = m.draft.Parse(filepath.Base(file), m.vocabulary())
	if m.parsed != nil && m.parsed.Where == nil {
		m.parsed = nil // nothing to count yet
	}
}

// vocabulary checks names once the store's are known.
func (m *Model) vocabulary() segments.Vocabulary {
	if len(m.deps.Vocab.Events) == 0 {
		return nil
	}
	return m.deps.Vocab
}

// schedule asks for a count after the pause; a later edit supersedes it.
func (m *Model) schedule() tea.Cmd {
	m.seq++
	if m.parsed == nil || m.deps.Engine == nil {
		return nil
	}
	seq := m.seq
	return tea.Tick(m.deps.Debounce, func(time.Time) tea.Msg { return evalTickMsg{seq: seq} })
}

// evaluateNow cancels the running count, if any, and starts one for the current draft.
func (m *Model) evaluateNow() tea.Cmd {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	if m.parsed == nil || m.deps.Engine == nil {
		m.evaluating = false
		return nil
	}
	m.prepareCount()
	return m.count()
}

// prepareCount makes the context of the count of the current draft: the next edit cancels
// it.
func (m *Model) prepareCount() {
	ctx, cancel := context.WithCancel(m.ctx)
	m.cancel, m.evalCtx = cancel, ctx
	m.evaluating = true
}

// count starts counting the current draft (with its lint, and an estimate if it is slow)
// under the prepared context.
func (m Model) count() tea.Cmd {
	ctx, cancel := m.evalCtx, m.cancel
	seq, eng, seg, asOf, clock, saved, base, exact := m.seq, m.deps.Engine, m.parsed, m.deps.AsOf, m.deps.Clock, m.savedSeg, m.deps.Resolver, m.exact
	if clock == nil {
		clock = time.Now
	}
	res := draftResolver{base: m.deps.Resolver, seg: seg}
	nodes := map[string]segments.Condition{}
	conditionPaths(m.draft.Root, seg.Where, nil, nodes)
	texts := make(map[string]string, len(nodes))
	for p, c := range nodes {
		texts[p] = query.Describe(c)
	}
	exactCount := func() tea.Msg {
		// Done, the count cancels the estimate's sample too, if one is running: the exact
		// number has replaced it.
		defer cancel()
		start := clock()
		r, err := exact(ctx, seg, res, asOf)
		if err != nil {
			return evalMsg{seq: seq, err: err}
		}
		r.Elapsed = clock().Sub(start)
		counts := make(map[string]int64, len(nodes))
		for p, c := range nodes {
			set, err := eng.EvaluateCondition(ctx, c, seg.Unit, res, r.AsOf)
			if err != nil {
				return evalMsg{seq: seq, err: err}
			}
			counts[p] = int64(set.Count())
		}
		diff, err := compareSaved(ctx, eng, saved, base, r)
		if err != nil {
			diff = nil // the saved definition may no longer evaluate; the draft's count stands
		}
		return evalMsg{seq: seq, result: r, counts: counts, texts: texts, diff: diff}
	}
	if m.estimateFirst() {
		return tea.Batch(m.lint(), tea.Sequence(m.sample(seq), exactCount))
	}
	return tea.Batch(m.lint(), m.estimateDue(seq), exactCount)
}

// conditionPaths pairs each node of the draft with the parsed condition it became; the two
// trees have the same shape.
func conditionPaths(n *Node, c segments.Condition, path []int, out map[string]segments.Condition) {
	if n == nil || c == nil {
		return
	}
	out[pathKey(path)] = c
	var kids []segments.Condition
	switch c := c.(type) {
	case *segments.All:
		kids = c.Conditions
	case *segments.Any:
		kids = c.Conditions
	case *segments.Not:
		kids = []segments.Condition{c.Condition}
	}
	for i, k := range n.Kids {
		if i < len(kids) {
			conditionPaths(k, kids[i], append(append([]int(nil), path...), i), out)
		}
	}
}

func pathKey(p []int) string { return fmt.Sprint(p) }

func (m Model) applyResult(msg evalMsg) Model {
	if msg.seq != m.seq {
		return m // an answer to an older draft: never drawn
	}
	m.evaluating = false
	if msg.err != nil {
		if errors.Is(msg.err, context.Canceled) {
			return m
		}
		m.evalErr = msg.err
		return m
	}
	m.evalErr = nil
	m.result = msg.result
	if m.deps.EstimateAfter >= 0 && msg.result.Elapsed > m.deps.EstimateAfter {
		m.slowCounts = true // estimateFirst
	}
	m.counts = msg.counts
	m.countedFor = msg.texts
	m.estimate = nil // the exact number replaces the estimate
	m.diff = msg.diff
	m.evalSeq = msg.seq
	return m
}

func (m *Model) fetchValues(k valuesKey) tea.Cmd {
	if m.deps.Engine == nil {
		return nil
	}
	store, ctx := m.deps.Engine.Store(), m.ctx
	kind, name, _ := strings.Cut(string(k), ":")
	var events []string
	if n := m.draft.At(m.formPath); n != nil && kind == "prop" {
		for _, key := range []string{"did", "did_not", "of", "last", "first", "trend", "gap"} {
			if v, ok := n.Get(key); ok {
				events = eventList(v)
				break
			}
		}
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		var vals []string
		var err error
		if kind == "attr" {
			vals, err = store.AttributeValues(ctx, name, 50)
		} else {
			vals, err = store.PropertyValues(ctx, name, events, 50)
		}
		if err != nil {
			vals = nil // no suggestions is better than a wrong one; typing still works
		}
		for i, v := range vals {
			vals[i] = safe.Text(v)
		}
		return valuesMsg{key: k, values: vals}
	}
}

// eventList reads a field's event names: one name or a flow list.
func eventList(v string) []string {
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, "[") {
		return []string{v}
	}
	var out []string
	for _, p := range strings.Split(strings.Trim(v, "[]"), ",") {
		if p = strings.Trim(strings.TrimSpace(p), `"'`); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (m *Model) showSQL() tea.Cmd {
	if m.parsed == nil {
		m.status = "fix the definition first: there is no SQL for an invalid segment"
		return nil
	}
	m.mode = modeSQL
	m.sqlText = ""
	m.sql.SetRows(nil)
	eng, seg, asOf := m.deps.Engine, m.parsed, m.deps.AsOf
	res := draftResolver{base: m.deps.Resolver, seg: seg}
	return func() tea.Msg {
		sql, err := eng.SQL(seg, res, asOf)
		if err != nil {
			return sqlMsg{text: "Could not compile: " + err.Error()}
		}
		return sqlMsg{text: sql, copy: sql}
	}
}

// sqlRows are the SQL's lines: long ones scroll sideways rather than wrap, so the text stays
// what the DuckDB CLI runs.
func sqlRows(text string) []list.Row {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	rows := make([]list.Row, len(lines))
	for i, l := range lines {
		l = safe.Text(l)
		rows[i] = list.Row{Key: l, Text: l}
	}
	return rows
}

func (m *Model) showMembers() tea.Cmd {
	if m.result == nil || m.evalSeq != m.seq {
		m.status = "wait for the count to finish"
		return nil
	}
	m.mode = modeMembers
	m.members.Explains([]*segments.Segment{m.parsed}, draftResolver{base: m.deps.Resolver, seg: m.parsed})
	return m.members.Open("Members of "+m.draft.Name, m.draft.Name, m.result.Members, m.result.Unit, m.result.AsOf)
}

// save writes the draft into the workspace, keeping the file's comments when it can.
func (m *Model) save() tea.Cmd {
	if m.deps.Dir == "" {
		m.status = "saving is off: no workspace folder (start with --segments DIR)"
		return nil
	}
	if m.parsed == nil && len(m.errs) > 0 {
		m.status = "cannot save: " + m.errs[0].Msg
		return nil
	}
	seg, errs := m.draft.Parse(m.draft.Name+".yaml", m.vocabulary())
	if errs != nil {
		m.status = "cannot save: " + errs[0].Msg
		return nil
	}
	file := m.file
	if file == "" {
		file = filepath.Join(segmentsDir(m.deps.Dir), seg.Name+".yaml")
		if other := m.otherSegment(seg.Name); other != nil {
			m.status = fmt.Sprintf("cannot save: the workspace already has a segment named %s (in %s); rename this one", seg.Name, m.show(other.File))
			return nil
		}
	} else if other := m.otherSegment(seg.Name); other != nil && other.File != m.file {
		m.status = fmt.Sprintf("cannot save: the workspace already has a segment named %s (in %s); rename this one", seg.Name, m.show(other.File))
		return nil
	}
	original, isNew := m.original, m.file == ""
	return func() tea.Msg {
		text, err := segmentText(original, seg)
		if err != nil {
			return savedMsg{err: err}
		}
		if isNew {
			if _, err := os.Stat(file); err == nil {
				return savedMsg{err: fmt.Errorf("a file named %s is already there; rename the segment", filepath.Base(file))}
			}
		}
		return savedMsg{file: file, text: text, err: writeFileAtomic(file, text)}
	}
}

// show writes a workspace file the way the builder shows files.
func (m Model) show(file string) string { return ShowPath(m.deps.Dir, m.deps.DirLabel, file) }

func (m Model) otherSegment(name string) *segments.Segment {
	if m.deps.Resolver == nil {
		return nil
	}
	return m.deps.Resolver.Segment(name)
}

// segmentText is the file's new text: the original with its comments where it held this
// one segment, else the canonical format.
func segmentText(original []byte, seg *segments.Segment) ([]byte, error) {
	if len(original) > 0 {
		if segs, err := segments.Parse("", original); err == nil && len(segs) == 1 {
			return segments.FormatPreserving(original, seg)
		}
	}
	return segments.Format(seg)
}

// writeFileAtomic replaces path only once the new text is fully written.
func writeFileAtomic(path string, text []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(text); err != nil {
		tmp.Close()
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

func (m Model) applySaved(msg savedMsg) (Model, tea.Cmd) {
	if msg.err != nil {
		m.status = "not saved: " + msg.err.Error()
		m.quitAfter = false
		return m, nil
	}
	m.file = msg.file
	m.original = msg.text
	m.saved = string(m.draft.Source().Text)
	m.savedSeg, m.diff = m.parsed, nil
	m.status = "saved " + ShowPath(m.deps.Dir, m.deps.DirLabel, msg.file)
	name, file := m.draft.Name, msg.file
	cmds := []tea.Cmd{func() tea.Msg { return SavedMsg{Name: name, File: file} }}
	if m.quitAfter {
		cmds = append(cmds, func() tea.Msg { return ClosedMsg{Quit: true} })
	}
	return m, tea.Sequence(cmds...)
}

// segmentsDir is where new segment files go: the workspace's segments/ folder when it has
// one (next to campaigns/), else the workspace folder itself.
func segmentsDir(workspace string) string {
	sub := filepath.Join(workspace, "segments")
	if info, err := os.Stat(sub); err == nil && info.IsDir() {
		return sub
	}
	return workspace
}
