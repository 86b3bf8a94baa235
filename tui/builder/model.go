package builder

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/counts"
	"github.com/segscope/segscope/tui/explain"
	"github.com/segscope/segscope/tui/input"
	"github.com/segscope/segscope/tui/list"
	"github.com/segscope/segscope/tui/memberlist"
	"github.com/segscope/segscope/tui/theme"
)

// Deps is what the builder works with.
type Deps struct {
	Engine *query.Engine
	// Resolver finds the workspace's other segments for `segment:` references.
	Resolver query.Resolver
	// Dir is the workspace folder saves go to; "" disables saving.
	Dir string
	// DirLabel, when set, replaces Dir in what is shown: files appear relative to it.
	DirLabel string
	AsOf     time.Time
	Vocab    Vocab
	// Debounce is the pause after an edit before the count is recomputed; 0 means 50 ms
	// (short, since a newer edit cancels the older count anyway: it only spares DuckDB a
	// query per key of a fast typist).
	Debounce time.Duration
	// EstimateAfter is how long the exact count may run before a sample's estimate is
	// drawn in its place (estimate.go); 0 means DefaultEstimateAfter, < 0 never.
	EstimateAfter time.Duration
	// Sample sizes the estimate's sample; zero means query's default.
	Sample query.EstimateOptions
	// Clock times evaluations for the preview; nil means time.Now.
	Clock func() time.Time
}

type mode int

const (
	modeTree      mode = iota // moving through the condition tree
	modeForm                  // moving through one condition's fields
	modeEdit                  // typing a field's value
	modePickKey               // choosing a field to add
	modeTemplates             // choosing a template to add
	modeSQL                   // reading the compiled SQL
	modeMembers               // reading a sample of members
	modeConfirm               // unsaved changes: save, discard or stay
	modeExplain               // looking up a person, reading why they are (not) a member
)

// ClosedMsg says the builder is done (saved, discarded or unchanged); the parent returns
// to its list. Quit is set when the person was quitting the app.
type ClosedMsg struct{ Quit bool }

// SavedMsg says a segment was written.
type SavedMsg struct {
	Name, File string
}

type snapshot struct {
	draft  Draft
	cursor int
}

// Model is the builder.
type Model struct {
	ctx  context.Context
	deps Deps
	th   *theme.Theme
	keys KeyMap

	file     string // the segment's file; "" for a new segment
	original []byte // its text when opened, for a comment-keeping save
	draft    Draft
	saved    string // the draft's YAML as last saved, to tell unsaved changes
	undo     []snapshot
	redo     []snapshot
	cursor   int // 0 is the segment's own row; 1… the condition rows
	mode     mode

	// The form.
	formPath  []int // the node edited; nil for the segment's own fields
	formRow   int
	input     input.Model
	before    string // the value before editing, for cancel
	sugg      []string
	suggIdx   int
	pendingTo valuesKey
	values    map[valuesKey][]string
	tplFilter string
	tplIdx    int

	// The preview.
	parsed     *segments.Segment
	errs       []FieldError
	seq        int
	cancel     context.CancelFunc
	evaluating bool
	result     *query.Result
	slowCounts bool // an exact count of this builder took longer than EstimateAfter (estimateFirst)
	counts     map[string]int64
	evalErr    error
	evalSeq    int // the request the shown result answers
	evalCtx    context.Context
	// The estimate shown while the exact count of the same request runs (estimate.go).
	estimate *query.Estimate
	estSeq   int // the request the estimate answers
	// exact evaluates the draft; the engine's Evaluate, a gate around it in tests.
	exact func(ctx context.Context, seg *segments.Segment, r query.Resolver, asOf time.Time) (*query.Result, error)
	// countedFor is the condition each node's count was computed for, by path: a node
	// whose text changed since shows no number (never an older text's count).
	countedFor map[string]string
	// savedSeg is the definition as opened or last saved (nil for a new segment); diff
	// compares the draft's members with its members (validate.go).
	savedSeg *segments.Segment
	diff     *savedDiff
	warns    []FieldError // lint's warnings on the draft
	explain  explain.Model

	sql       list.Model // the compiled SQL, a document scrolled both ways
	sqlText   string     // what the copy key puts on the clipboard
	members   memberlist.Model
	quitAfter bool
	top       int // rows the app draws above the builder, for mouse positions
	status    string
	width     int
	height    int
}

// Open starts editing seg, read from file with text src. A nil seg starts a new segment.
func Open(ctx context.Context, deps Deps, th *theme.Theme, seg *segments.Segment, file string, src []byte) (Model, error) {
	if deps.Debounce == 0 {
		deps.Debounce = 50 * time.Millisecond
	}
	if deps.EstimateAfter == 0 {
		deps.EstimateAfter = DefaultEstimateAfter
	}
	m := Model{ctx: ctx, deps: deps, th: th, keys: DefaultKeyMap(), file: file, original: src,
		values: map[valuesKey][]string{}, counts: map[string]int64{}}
	if seg != nil {
		d, err := DraftOf(seg)
		if err != nil {
			return Model{}, err
		}
		m.draft = d
		m.saved = string(d.Source().Text)
		m.savedSeg = seg
	} else {
		m.draft = Draft{Name: freeName(deps)}
		// An untouched new segment has nothing to lose: leaving it asks nothing.
		m.saved = string(m.draft.Source().Text)
	}
	m.input = input.New(th.Selected.Reverse(true))
	m.input.Input.Prompt = ""
	m.sql = list.New(th, list.Empty("compiling…"))
	m.members = memberlist.New(ctx, "builder", memberlist.Deps{Engine: deps.Engine, Dir: deps.Dir,
		ShowPath: func(f string) string { return ShowPath(deps.Dir, deps.DirLabel, f) }}, th)
	m.explain = explain.New(ctx, "builder/explain", deps.Engine, th)
	if deps.Engine != nil {
		m.exact = deps.Engine.Evaluate
	}
	m.reparse()
	if m.parsed != nil && deps.Engine != nil {
		// The first count's context is made here, since Init runs on a copy of the model:
		// the first edit must be able to cancel it like any other.
		m.prepareCount()
	}
	return m, nil
}

// freeName is the first of new_segment, new_segment_2, … that no segment of the workspace
// and no file of its segments folder has: a second new segment must be savable too.
func freeName(deps Deps) string {
	for i := 1; ; i++ {
		name := "new_segment"
		if i > 1 {
			name = fmt.Sprintf("new_segment_%d", i)
		}
		if deps.Resolver != nil && deps.Resolver.Segment(name) != nil {
			continue
		}
		if deps.Dir != "" {
			if _, err := os.Stat(filepath.Join(segmentsDir(deps.Dir), name+".yaml")); err == nil {
				continue
			}
		}
		return name
	}
}

// SetTheme swaps the styles.
func (m *Model) SetTheme(th *theme.Theme) {
	m.th = th
	m.input.SetStyle(th.Selected.Reverse(true))
	m.sql.SetTheme(th)
	m.members.SetTheme(th)
	m.explain.SetTheme(th)
}

// SetSize sets the area the builder draws in.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.sql.SetSize(w, max(3, h-2))
	m.members.SetSize(w, max(3, h-1))
	m.explain.SetSize(w, max(3, h-1))
	m.input.Input.SetWidth(max(10, w/2-16))
}

// SetTop says how many rows the app draws above the builder, so clicks land on rows.
func (m *Model) SetTop(rows int) { m.top = rows }

// SetAsOf changes the evaluation time and recounts.
func (m *Model) SetAsOf(t time.Time) tea.Cmd {
	m.deps.AsOf = t
	return m.schedule()
}

// Counting reports whether the preview is being recomputed (an edit waits out its debounce
// or its query runs).
func (m Model) Counting() bool {
	// The first count is started by Init on a copy of the model, so that evaluating is not
	// set for it: no result and no error yet means it is still running.
	return m.parsed != nil && (m.evaluating || m.evalSeq != m.seq || m.result == nil && m.evalErr == nil)
}

// Dirty reports unsaved changes.
func (m Model) Dirty() bool { return string(m.draft.Source().Text) != m.saved }

// Capturing reports whether keys are text being typed (global keys must not act on them).
func (m Model) Capturing() bool {
	return m.mode == modeEdit || m.mode == modePickKey || m.mode == modeTemplates || m.mode == modeConfirm ||
		m.mode == modeMembers && m.members.Capturing() || m.mode == modeExplain && m.explain.Capturing()
}

// Pending names the background work of the member panel, or "".
func (m Model) Pending() string {
	switch m.mode {
	case modeMembers:
		return m.members.Pending()
	case modeExplain:
		return m.explain.Pending()
	}
	return ""
}

// Name is the segment's name as edited.
func (m Model) Name() string { return m.draft.Name }

// KeyMap returns the help for the current mode.
func (m Model) KeyMap() modeKeys {
	if m.mode == modeMembers {
		h := m.members.KeyMap()
		return modeKeys{short: h.ShortHelp(), full: h.FullHelp()}
	}
	if m.mode == modeExplain {
		h := m.explainKeys()
		return modeKeys{short: h.ShortHelp(), full: h.FullHelp()}
	}
	return m.keys.forMode(m.mode)
}

// Init starts the first count.
func (m Model) Init() tea.Cmd {
	if m.evalCtx == nil {
		return nil
	}
	return m.count()
}

// AskQuit is the app quitting: with unsaved changes it asks first, else it closes.
func (m Model) AskQuit() (Model, tea.Cmd) {
	if !m.Dirty() {
		return m, func() tea.Msg { return ClosedMsg{Quit: true} }
	}
	m.quitAfter = true
	m.mode = modeConfirm
	return m, nil
}

// rows are the tree rows after the segment's own row.
func (m Model) rows() []Row { return m.draft.Rows() }

func (m Model) selectedPath() []int {
	rows := m.rows()
	if m.cursor >= 1 && m.cursor-1 < len(rows) {
		return rows[m.cursor-1].Path
	}
	return nil
}

func (m *Model) selectPath(path []int) {
	if path == nil {
		m.cursor = min(m.cursor, len(m.rows()))
		return
	}
	for i, r := range m.rows() {
		if slices.Equal(r.Path, path) {
			m.cursor = i + 1
			return
		}
	}
}

// commit records the draft before an edit for undo and applies the edit.
func (m *Model) commit(d Draft, sel []int) tea.Cmd {
	m.undo = append(m.undo, snapshot{draft: m.draft, cursor: m.cursor})
	m.redo = nil
	m.draft = d
	m.selectPath(sel)
	m.reparse()
	return m.schedule()
}

// Update handles a message.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case evalTickMsg:
		if msg.seq != m.seq {
			return m, nil // an older edit's pause; a newer one is pending
		}
		return m, m.evaluateNow()
	case evalMsg:
		return m.applyResult(msg), nil
	case estimateDueMsg:
		return m, m.startEstimate(msg)
	case estimateMsg:
		return m.applyEstimate(msg), nil
	case lintMsg:
		if msg.seq == m.seq {
			m.warns = msg.warns
		}
		return m, nil
	case valuesMsg:
		m.values[msg.key] = msg.values
		m.refreshSuggestions()
		return m, nil
	case sqlMsg:
		m.sqlText = msg.copy
		m.sql.SetRows(sqlRows(msg.text))
		return m, nil
	case savedMsg:
		return m.applySaved(msg)
	case tea.KeyPressMsg:
		m.status = ""
		switch m.mode {
		case modeTree:
			return m.updateTree(msg)
		case modeForm:
			return m.updateForm(msg)
		case modeEdit, modePickKey:
			return m.updateEdit(msg)
		case modeTemplates:
			return m.updateTemplates(msg)
		case modeSQL:
			return m.updateSQL(msg)
		case modeMembers:
			return m.updateMembers(msg)
		case modeConfirm:
			return m.updateConfirm(msg)
		case modeExplain:
			return m.updateExplain(msg)
		}
	case tea.MouseWheelMsg:
		switch m.mode {
		case modeSQL:
			m.sql, _, _ = m.sql.Update(msg)
		case modeMembers:
			m.members, _ = m.members.Update(msg)
		case modeExplain:
			m.explain, _ = m.explain.Update(msg)
		case modeTemplates:
			if matches := m.templateMatches(); len(matches) > 0 {
				if msg.Button == tea.MouseWheelDown {
					m.tplIdx = min(m.tplIdx+1, len(matches)-1)
				} else if msg.Button == tea.MouseWheelUp {
					m.tplIdx = max(m.tplIdx-1, 0)
				}
			}
		default:
			if msg.Button == tea.MouseWheelDown {
				m.move(1)
			} else if msg.Button == tea.MouseWheelUp {
				m.move(-1)
			}
		}
	case tea.MouseClickMsg:
		return m.click(msg)
	default:
		// The member panel's answers (members listed, ids copied, a file written) and the
		// explanation's.
		var cmd, cmd2 tea.Cmd
		m.members, cmd = m.members.Update(msg)
		m.explain, cmd2 = m.explain.Update(msg)
		return m, tea.Batch(cmd, cmd2)
	}
	return m, nil
}

func (m *Model) move(d int) {
	switch m.mode {
	case modeTree:
		m.cursor = max(0, min(m.cursor+d, len(m.rows())))
	case modeForm:
		m.formRow = max(0, min(m.formRow+d, len(m.formFields())-1))
	}
}

func (m Model) updateTree(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	path := m.selectedPath()
	onCondition := m.cursor > 0 && path != nil
	switch {
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.Top):
		m.move(-len(m.rows()) - 1)
	case key.Matches(msg, k.Bottom):
		m.move(len(m.rows()) + 1)
	case key.Matches(msg, k.PageUp):
		m.move(-max(1, m.height/2))
	case key.Matches(msg, k.PageDown):
		m.move(max(1, m.height/2))
	case key.Matches(msg, k.Edit):
		if !onCondition {
			m.openForm(nil)
		} else if n := m.draft.At(path); n.Kind == Leaf {
			m.openForm(path)
		} else if n.Kind == All || n.Kind == Any {
			d, sel := m.draft.Toggle(path)
			return m, m.commit(d, sel)
		}
	case key.Matches(msg, k.Add):
		m.mode = modeTemplates
		m.tplFilter, m.tplIdx = "", 0
	case key.Matches(msg, k.Delete) && onCondition:
		d, sel := m.draft.Delete(path)
		return m, m.commit(d, sel)
	case key.Matches(msg, k.Negate) && onCondition:
		d, sel := m.draft.Negate(path)
		return m, m.commit(d, sel)
	case key.Matches(msg, k.GroupAll) && onCondition:
		d, sel := m.draft.Group(path, All)
		return m, m.commit(d, sel)
	case key.Matches(msg, k.GroupAny) && onCondition:
		d, sel := m.draft.Group(path, Any)
		return m, m.commit(d, sel)
	case key.Matches(msg, k.Toggle) && onCondition:
		d, sel := m.draft.Toggle(path)
		return m, m.commit(d, sel)
	case key.Matches(msg, k.MoveUp) && onCondition:
		d, sel := m.draft.Move(path, -1)
		return m, m.commit(d, sel)
	case key.Matches(msg, k.MoveDown) && onCondition:
		d, sel := m.draft.Move(path, 1)
		return m, m.commit(d, sel)
	case key.Matches(msg, k.Undo):
		return m, m.undoOne()
	case key.Matches(msg, k.Redo):
		return m, m.redoOne()
	case key.Matches(msg, k.Save):
		return m, m.save()
	case key.Matches(msg, k.SQL):
		return m, m.showSQL()
	case key.Matches(msg, k.Members):
		return m, m.showMembers()
	case key.Matches(msg, k.Lookup):
		return m, m.lookup()
	case key.Matches(msg, k.Back):
		if m.Dirty() {
			m.mode = modeConfirm
			return m, nil
		}
		return m, func() tea.Msg { return ClosedMsg{} }
	}
	return m, nil
}

func (m *Model) undoOne() tea.Cmd { return m.travel(&m.undo, &m.redo, "nothing to undo") }

func (m *Model) redoOne() tea.Cmd { return m.travel(&m.redo, &m.undo, "nothing to redo") }

// travel moves one snapshot from one history stack to the draft, pushing the current
// draft onto the other, so undo and redo stay mirror images of each other.
func (m *Model) travel(from, to *[]snapshot, empty string) tea.Cmd {
	if len(*from) == 0 {
		m.status = empty
		return nil
	}
	last := (*from)[len(*from)-1]
	*from = (*from)[:len(*from)-1]
	*to = append(*to, snapshot{draft: m.draft, cursor: m.cursor})
	m.draft, m.cursor = last.draft, last.cursor
	m.mode = modeTree
	m.reparse()
	return m.schedule()
}

// headerKeys are the segment's own fields, edited in the form like a condition's.
var headerKeys = []string{"name", "title", "description", "type", "unit", "expect"}

// formFields are the fields of what the form edits.
func (m Model) formFields() []Field {
	if m.formPath == nil {
		d := m.draft
		return []Field{{"name", d.Name}, {"title", d.Title}, {"description", d.Description},
			{"type", d.Type}, {"unit", d.Unit}, {"expect", d.Expect}}
	}
	if n := m.draft.At(m.formPath); n != nil {
		return n.Fields
	}
	return nil
}

// setField writes one field's value into the draft (without an undo step: the step was
// taken when editing began).
func (m *Model) setField(i int, value string) {
	if m.formPath == nil {
		switch headerKeys[i] {
		case "name":
			m.draft.Name = value
		case "title":
			m.draft.Title = value
		case "description":
			m.draft.Description = value
		case "type":
			m.draft.Type = value
		case "unit":
			m.draft.Unit = value
		case "expect":
			m.draft.Expect = value
		}
		return
	}
	d := m.draft.Clone()
	n := d.At(m.formPath)
	if n == nil || i >= len(n.Fields) {
		return
	}
	n.Fields[i].Value = value
	m.draft = d
}

func (m *Model) openForm(path []int) {
	m.formPath = path
	m.formRow = 0
	m.mode = modeForm
}

func (m Model) updateForm(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	fields := m.formFields()
	switch {
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.Edit):
		if m.formRow < len(fields) {
			return m, m.startEdit(m.formRow)
		}
	case key.Matches(msg, k.AddField) && m.formPath != nil:
		m.mode = modePickKey
		cmd := m.input.Start("")
		m.refreshSuggestions()
		return m, cmd
	case key.Matches(msg, k.DeleteField) && m.formPath != nil && m.formRow > 0 && m.formRow < len(fields):
		d := m.draft.Clone()
		n := d.At(m.formPath)
		n.Fields = slices.Delete(n.Fields, m.formRow, m.formRow+1)
		m.formRow = min(m.formRow, len(n.Fields)-1)
		return m, m.commit(d, m.selectedPath())
	case key.Matches(msg, k.Undo):
		return m, m.undoOne()
	case key.Matches(msg, k.Redo):
		return m, m.redoOne()
	case key.Matches(msg, k.Save):
		return m, m.save()
	case key.Matches(msg, k.Back):
		m.mode = modeTree
	}
	return m, nil
}

func (m *Model) startEdit(i int) tea.Cmd {
	f := m.formFields()[i]
	m.undo = append(m.undo, snapshot{draft: m.draft, cursor: m.cursor})
	m.redo = nil
	m.formRow = i
	m.before = f.Value
	m.mode = modeEdit
	// The value starts selected: typing replaces it, an arrow key keeps it.
	focus := m.input.Start(f.Value)
	m.suggIdx = -1
	cmd := m.refreshSuggestions()
	return tea.Batch(focus, cmd)
}

// editKey is the key of the field being typed.
func (m Model) editKey() string {
	if m.mode == modePickKey {
		return ""
	}
	fields := m.formFields()
	if m.formPath == nil {
		return headerKeys[m.formRow]
	}
	if m.formRow < len(fields) {
		return fields[m.formRow].Key
	}
	return ""
}

// refreshSuggestions recomputes the suggestion list for what is typed, asking the store for
// values it does not have yet.
func (m *Model) refreshSuggestions() tea.Cmd {
	var cands []string
	var need valuesKey
	switch {
	case m.mode == modePickKey:
		if n := m.draft.At(m.formPath); n != nil {
			cands = AddableKeys(n)
			if strings.HasPrefix(m.input.Value(), "where.") {
				cands = nil
				for _, p := range withColumns(m.deps.Vocab.Properties) {
					cands = append(cands, "where."+p)
				}
			}
		}
	default:
		n := m.draft.At(m.formPath)
		if n == nil {
			n = &Node{}
		}
		cands, need = m.deps.Vocab.candidates(m.editKey(), n, m.values)
	}
	m.sugg = suggest(m.input.Value(), cands)
	if m.suggIdx >= len(m.sugg) {
		m.suggIdx = len(m.sugg) - 1
	}
	// For names, the best match is taken on enter unless what is typed is itself a name:
	// "freq⏎" means frequent_buyers; "7d⏎" means 7d.
	if m.suggIdx < 0 && len(m.sugg) > 0 && m.namesKey() && !slices.Contains(cands, lastTyped(m.input.Value())) {
		m.suggIdx = 0
	}
	if need != "" && need != m.pendingTo {
		m.pendingTo = need
		return m.fetchValues(need)
	}
	return nil
}

// namesKey reports whether the value being typed names something the store or workspace
// has (an event, a property, an attribute, a segment, a field to add).
func (m Model) namesKey() bool {
	if m.mode == modePickKey {
		return true
	}
	k := m.editKey()
	return eventKeys[k] || k == "user" || k == "segment" || k == "affinity" || k == "type" || k == "unit" || k == "measure"
}

// lastTyped is the value typed, or its last item inside a flow list.
func lastTyped(v string) string {
	if strings.HasPrefix(strings.TrimSpace(v), "[") {
		return strings.TrimSpace(lastItem(v))
	}
	return strings.TrimSpace(v)
}

func (m Model) updateEdit(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.NextSugg) && len(m.sugg) > 0:
		m.suggIdx = (m.suggIdx + 1) % len(m.sugg)
		return m, nil
	case key.Matches(msg, k.PrevSugg) && len(m.sugg) > 0:
		m.suggIdx = (m.suggIdx - 1 + len(m.sugg)) % len(m.sugg)
		return m, nil
	case key.Matches(msg, k.Accept):
		value := m.input.Value()
		if m.suggIdx >= 0 && m.suggIdx < len(m.sugg) {
			value = complete(value, m.sugg[m.suggIdx])
		}
		if m.mode == modePickKey {
			return m.addField(value)
		}
		m.setField(m.formRow, value)
		m.input.Stop()
		m.mode = modeForm
		m.reparse()
		return m, m.schedule()
	case key.Matches(msg, k.Cancel):
		m.input.Stop()
		if m.mode == modePickKey {
			m.mode = modeForm
			return m, nil
		}
		m.setField(m.formRow, m.before)
		m.undo = m.undo[:len(m.undo)-1] // nothing changed: no undo step
		m.mode = modeForm
		m.reparse()
		return m, m.schedule()
	}
	var cmd tea.Cmd
	before := m.input.Value()
	m.input, cmd = m.input.Update(msg)
	if m.input.Value() == before {
		return m, cmd
	}
	m.suggIdx = -1
	fetch := m.refreshSuggestions()
	if m.mode == modePickKey {
		return m, tea.Batch(cmd, fetch)
	}
	// Live: the draft follows every keystroke; the count follows after a pause.
	m.setField(m.formRow, m.input.Value())
	m.reparse()
	return m, tea.Batch(cmd, fetch, m.schedule())
}

// addField adds the chosen key to the leaf and starts editing its value.
func (m Model) addField(k string) (Model, tea.Cmd) {
	k = strings.TrimSpace(k)
	if k == "" || k == "where." {
		m.input.Start("where.")
		m.input, _ = m.input.Update(tea.KeyPressMsg{Code: tea.KeyEnd}) // keep "where." and type after it
		return m, m.refreshSuggestions()
	}
	d := m.draft.Clone()
	n := d.At(m.formPath)
	if n == nil {
		m.mode = modeForm
		return m, nil
	}
	if _, has := n.Get(k); has {
		m.status = k + " is already set"
		m.mode = modeForm
		return m, nil
	}
	n.Fields = append(n.Fields, Field{Key: k})
	m.input.Stop()
	m.undo = append(m.undo, snapshot{draft: m.draft, cursor: m.cursor})
	m.redo = nil
	m.draft = d
	m.mode = modeForm
	cmd := m.startEdit(len(n.Fields) - 1)
	m.undo = m.undo[:len(m.undo)-1] // adding the field and typing its value are one step
	return m, cmd
}

// templateMatches are the templates matching the filter, in display order (grouped by
// type). Every word typed must appear in the template's group, title or the condition it
// adds ("trial" finds the template that adds trial_start); fuzzy matching found "trial" in
// "during sale windows" and put it first.
func (m Model) templateMatches() []Template {
	all := Templates()
	words := strings.Fields(strings.ToLower(m.tplFilter))
	if len(words) == 0 {
		return all
	}
	var out []Template
	for _, t := range all {
		if templateScore(t, words, m.deps.Vocab) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// templateScore ranks a template against the words typed, 0 when a word is missing: a word
// starting a word of the title counts most, then one inside the title, the group, and
// last the condition the template adds.
func templateScore(t Template, words []string, v Vocab) int {
	title, group := strings.ToLower(t.Title), strings.ToLower(t.Group)
	content := strings.ToLower(describeNode(t.Build(v)))
	score := 0
	if len(words) > 1 && strings.Contains(title, strings.Join(words, " ")) {
		score += 15 // the words as a phrase: "did not" is "did not do E", more than "did A then not B"
	}
	for _, w := range words {
		switch {
		case slices.ContainsFunc(strings.FieldsFunc(title, func(r rune) bool { return r == ' ' || r == '(' || r == '-' }),
			func(tw string) bool { return strings.HasPrefix(tw, w) }):
			score += 10
		case strings.Contains(title, w):
			score += 5
		case strings.Contains(group, w):
			score += 3
		case strings.Contains(content, w):
			score++
		default:
			return 0
		}
	}
	return score
}

// describeNode writes a node's fields as text, for the template filter.
func describeNode(n *Node) string {
	var parts []string
	for _, f := range n.Fields {
		parts = append(parts, f.Key, f.Value)
	}
	for _, k := range n.Kids {
		parts = append(parts, describeNode(k))
	}
	return strings.Join(parts, " ")
}

// bestTemplate is the position of the best match among the matches: the one selected when
// the filter changes, wherever its group is drawn.
func (m Model) bestTemplate(matches []Template) int {
	words := strings.Fields(strings.ToLower(m.tplFilter))
	best, top := 0, -1
	for i, t := range matches {
		if s := templateScore(t, words, m.deps.Vocab); s > top {
			best, top = i, s
		}
	}
	return best
}

func (m Model) updateTemplates(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	matches := m.templateMatches()
	switch msg.String() {
	case "esc":
		m.mode = modeTree
		return m, nil
	case "down", "tab", "ctrl+n":
		if len(matches) > 0 {
			m.tplIdx = (m.tplIdx + 1) % len(matches)
		}
		return m, nil
	case "up", "shift+tab", "ctrl+p":
		if len(matches) > 0 {
			m.tplIdx = (m.tplIdx - 1 + len(matches)) % len(matches)
		}
		return m, nil
	case "pgdown", "end":
		m.tplIdx = max(0, len(matches)-1)
		return m, nil
	case "pgup", "home":
		m.tplIdx = 0
		return m, nil
	case "enter":
		if m.tplIdx >= len(matches) {
			return m, nil
		}
		return m.addTemplate(matches[m.tplIdx])
	case "backspace":
		if m.tplFilter != "" {
			r := []rune(m.tplFilter)
			m.tplFilter = string(r[:len(r)-1])
			m.tplIdx = m.bestTemplate(m.templateMatches())
		}
		return m, nil
	case "ctrl+u", "ctrl+w":
		m.tplFilter, m.tplIdx = "", 0
		return m, nil
	}
	if msg.Text != "" {
		m.tplFilter += msg.Text
		m.tplIdx = m.bestTemplate(m.templateMatches())
	}
	return m, nil
}

// addTemplate adds the template's condition near the cursor and opens its form.
func (m Model) addTemplate(t Template) (Model, tea.Cmd) {
	node := t.Build(m.deps.Vocab)
	var at []int
	if m.cursor > 0 {
		at = m.selectedPath()
	}
	d, sel := m.draft.Add(at, node)
	m.mode = modeTree
	cmd := m.commit(d, sel)
	// A new leaf goes straight to its form; a group's first leaf likewise.
	leafPath := sel
	for n := m.draft.At(leafPath); n != nil && n.Kind != Leaf && len(n.Kids) > 0; n = m.draft.At(leafPath) {
		leafPath = append(slices.Clone(leafPath), 0)
	}
	if n := m.draft.At(leafPath); n != nil && n.Kind == Leaf {
		m.selectPath(leafPath)
		m.openForm(leafPath)
	}
	return m, cmd
}

func (m Model) updateSQL(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Back), msg.String() == "q":
		m.mode = modeTree
		return m, nil
	case key.Matches(msg, m.keys.Copy):
		if m.sqlText == "" {
			return m, nil
		}
		m.status = "SQL copied to the clipboard (OSC 52)"
		return m, tea.SetClipboard(m.sqlText)
	}
	m.sql, _, _ = m.sql.Update(msg)
	return m, nil
}

func (m Model) updateMembers(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	m.members, cmd = m.members.Update(msg)
	if m.members.Done() {
		m.mode = modeTree
	}
	return m, cmd
}

func (m Model) updateConfirm(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.ConfirmSave):
		m.mode = modeTree
		return m, m.save()
	case key.Matches(msg, m.keys.ConfirmDiscard):
		quit := m.quitAfter
		return m, func() tea.Msg { return ClosedMsg{Quit: quit} }
	case key.Matches(msg, m.keys.Cancel):
		m.quitAfter = false
		m.mode = modeTree
	}
	return m, nil
}

// click selects what is under the mouse: a tree row, a form field, a template, a member.
// A second click on the selected row opens it, as enter would.
func (m Model) click(msg tea.MouseClickMsg) (Model, tea.Cmd) {
	if msg.Button != tea.MouseLeft {
		return m, nil
	}
	y := msg.Y - m.top
	switch m.mode {
	case modeMembers:
		m.members.Click(y)
		return m, nil
	case modeTemplates:
		_, tplOf := m.templateLines()
		if y < 0 || y >= len(tplOf) || tplOf[y] < 0 {
			return m, nil
		}
		if tplOf[y] == m.tplIdx {
			return m.addTemplate(m.templateMatches()[m.tplIdx])
		}
		m.tplIdx = tplOf[y]
		return m, nil
	case modeTree, modeForm:
	default:
		return m, nil // typing or confirming: the keyboard decides
	}
	bodyH := max(1, m.height-1-len(m.footerLines()))
	var hits []lineHit
	top := 1 // the title line
	if m.wide() {
		leftW, _ := m.columns()
		if msg.X >= leftW {
			return m, nil
		}
		_, hits = m.editorLines(leftW, bodyH)
	} else {
		ph := lipgloss.Height(m.previewCompact(m.width))
		_, hits = m.editorLines(m.width, bodyH-ph)
		top += ph
	}
	i := y - top
	if i < 0 || i >= len(hits) {
		return m, nil
	}
	switch h := hits[i]; {
	case h.row >= 0:
		if m.mode == modeTree && h.row == m.cursor {
			return m.updateTree(tea.KeyPressMsg{Code: tea.KeyEnter})
		}
		m.mode, m.cursor = modeTree, h.row
	case h.field >= 0 && m.mode == modeForm:
		if h.field == m.formRow {
			return m, m.startEdit(h.field)
		}
		m.formRow = h.field
	}
	return m, nil
}

// expectation is whether the count shown satisfies the draft's expect:, when both exist.
func (m Model) expectation() (counts.Expectation, bool) {
	if !m.showCounts() || m.parsed.Expect.Members == nil {
		return counts.Expectation{}, false
	}
	return counts.Expect(m.parsed.Expect.Members, m.result.Members.Count()), true
}
