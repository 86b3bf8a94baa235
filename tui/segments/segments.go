// Package segments is the explorer's Segments screen: the workspace's segments with their
// member counts (computed in the background), a filter, marks for the Overlap screen, and
// the builder to create or edit one.
package segments

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
	seglang "github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/builder"
	"github.com/segscope/segscope/tui/counts"
	"github.com/segscope/segscope/tui/explain"
	"github.com/segscope/segscope/tui/layout"
	"github.com/segscope/segscope/tui/list"
	"github.com/segscope/segscope/tui/theme"
)

// KeyMap lists the list's own keys (moving, paging and filtering are the list widget's).
type KeyMap struct {
	Edit, New, Filter, Mark, Recount, ClearFilter key.Binding
	History, Lookup, Back                         key.Binding
	nav                                           []key.Binding
}

// DefaultKeyMap is the list's bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Edit:        key.NewBinding(key.WithKeys("enter", "e"), key.WithHelp("enter", "open in builder")),
		New:         key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new segment")),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Mark:        key.NewBinding(key.WithKeys("space", "x"), key.WithHelp("space", "mark for overlap")),
		Recount:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reload & recount")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		History:     key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "history over time")),
		Lookup:      key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "look up a person")),
		Back:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Edit, k.New, k.Filter, k.Mark, k.History, k.Lookup}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{k.nav, {k.Edit, k.New, k.Mark, k.Recount}, {k.History, k.Lookup}, {k.Filter, k.ClearFilter}}
}

// MarkedMsg tells the app which segments are marked for the Overlap screen. Seq orders
// them: commands run concurrently, so an earlier mark's message can arrive after a later
// one's, and only the latest counts.
type MarkedMsg struct {
	Names     []string
	Workspace *seglang.Workspace
	Seq       int
}

// WorkspaceMsg tells the app the workspace was (re)loaded.
type WorkspaceMsg struct {
	Workspace *seglang.Workspace
}

// Deps is what the screen works with.
type Deps struct {
	Engine *query.Engine
	Dir    string // the workspace folder; "" for none
	// DirLabel is shown instead of Dir when set; files are then shown relative to Dir.
	DirLabel string
	AsOf     time.Time
	Vocab    builder.Vocab
	Clock    func() time.Time // times the builder's evaluations; nil means time.Now
	// EstimateAfter is how long the list counts before rows still waiting show estimates
	// (estimate.go); 0 means DefaultEstimateAfter, < 0 never.
	EstimateAfter time.Duration
	// Sample sizes the estimates' sample; zero means query's default.
	Sample query.EstimateOptions
}

type entry struct {
	seg     *seglang.Segment
	members int64
	counted bool
	err     error
	sparked bool    // its sizes over the last 90 days are known (history.go)
	sizes   []int64 // members at each of the last 90 days
	// est is the row's estimate while its exact count is awaited (estimate.go).
	est       *query.Estimate
	estFailed bool
}

// Model is the Segments screen.
type Model struct {
	ctx  context.Context
	deps Deps
	th   *theme.Theme
	keys KeyMap

	ws       *seglang.Workspace
	wsErr    error
	entries  []entry
	universe map[seglang.Unit]int64
	marked   []string
	markSeq  int // numbers MarkedMsg
	list     list.Model
	rows     *rowCache // the drawn rows (rows.go)
	// sparksHeld says the sparklines stopped for the builder and go on when it closes.
	sparksHeld bool
	gen        int // bumps on every reload: counts of an older load are dropped

	builder     *builder.Model
	history     *historyView // the history view, when open (history.go)
	histSeq     int
	explain     explain.Model
	explaining  bool
	width       int
	height      int
	status      string
	lastElapsed time.Duration
	top         int // rows the app draws above the screen, for mouse positions
	// exact counts a segment; the engine's Evaluate, a gate around it in tests.
	exact func(ctx context.Context, seg *seglang.Segment, r query.Resolver, asOf time.Time) (*query.Result, error)
}

// New builds the screen; Init loads the workspace.
func New(ctx context.Context, deps Deps, th *theme.Theme) Model {
	m := Model{ctx: ctx, deps: deps, th: th, keys: DefaultKeyMap(),
		list: list.New(th, list.Selectable(), list.Filterable(true), list.Noun("segments"),
			list.Empty("No segments yet. Press n to build one.")),
		universe: map[seglang.Unit]int64{},
		rows:     newRowCache(), explain: explain.New(ctx, "segments/explain", deps.Engine, th)}
	if deps.Engine != nil {
		m.exact = deps.Engine.Evaluate
	}
	return m
}

// SetTheme swaps the styles.
func (m *Model) SetTheme(th *theme.Theme) {
	m.th = th
	m.list.SetTheme(th)
	m.explain.SetTheme(th)
	m.refreshRows()
	if m.builder != nil {
		m.builder.SetTheme(th)
	}
}

// SetSize sets the area the screen draws in.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.explain.SetSize(w, h)
	m.fitList()
	m.refreshRows()
	if m.builder != nil {
		m.builder.SetSize(w, h)
	}
}

// SetVocab gives the builder the store's names once they are known.
func (m *Model) SetVocab(v builder.Vocab) {
	segs := m.deps.Vocab.Segments
	m.deps.Vocab = v
	m.deps.Vocab.Segments = segs
}

// SetAsOf changes the evaluation time: every count is redone.
func (m *Model) SetAsOf(t time.Time) tea.Cmd {
	m.deps.AsOf = t
	var cmds []tea.Cmd
	if m.builder != nil {
		cmds = append(cmds, m.builder.SetAsOf(t))
	}
	return tea.Batch(append(cmds, m.recount())...)
}

// Workspace is the loaded workspace (nil before it is read).
func (m Model) Workspace() *seglang.Workspace { return m.ws }

// Marked is the segments marked for the Overlap screen.
func (m Model) Marked() []string { return slices.Clone(m.marked) }

// Editing reports whether the builder is open.
func (m Model) Editing() bool { return m.builder != nil }

// Capturing reports whether keys are text being typed.
func (m Model) Capturing() bool {
	if m.builder != nil {
		return m.builder.Capturing()
	}
	if m.explaining {
		return m.explain.Capturing()
	}
	return m.list.Filtering()
}

// Dirty reports unsaved changes in the builder.
func (m Model) Dirty() bool { return m.builder != nil && m.builder.Dirty() }

// AskQuit forwards the app's quit to the builder, which confirms unsaved changes.
func (m Model) AskQuit() (Model, tea.Cmd) {
	if m.builder == nil {
		return m, tea.Quit
	}
	b, cmd := m.builder.AskQuit()
	m.builder = &b
	return m, cmd
}

// KeyMap returns the help of what has focus.
func (m Model) KeyMap() interface {
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
} {
	if m.builder != nil {
		return m.builder.KeyMap()
	}
	if m.explaining {
		return m.explainHelp()
	}
	if m.history != nil {
		return historyKeys{m.keys.Back}
	}
	k := m.keys
	for _, b := range m.list.Bindings() {
		if b.Help().Key != "/" { // the filter is listed with esc, below
			k.nav = append(k.nav, b)
		}
	}
	return k
}

// shown is a message for the screen: the workspace folder hidden behind its label.
func (m Model) shown(text string) string {
	return safe.WithoutDir(text, m.deps.Dir, m.deps.DirLabel)
}

// dirName is how the header names the workspace.
func (m Model) dirName() string {
	if m.deps.DirLabel != "" {
		return m.deps.DirLabel
	}
	return m.deps.Dir
}

// hasAccounts reports whether any listed segment counts accounts.
func (m Model) hasAccounts() bool {
	for _, e := range m.entries {
		if e.seg.Unit == seglang.UnitAccount {
			return true
		}
	}
	return false
}

// Pending reports background work for the status bar.
func (m Model) Pending() string {
	if m.builder != nil && m.builder.Counting() {
		return "counting the draft"
	}
	if m.builder != nil && m.builder.Pending() != "" {
		return m.builder.Pending()
	}
	if m.explaining && m.explain.Pending() != "" {
		return m.explain.Pending()
	}
	if m.history != nil && !m.history.done {
		return fmt.Sprintf("history %d/%d", len(m.history.points), historyDays)
	}
	if m.sparking() && !m.counting() && !m.sparksHeld {
		return "drawing 90-day sparklines"
	}
	for _, e := range m.entries {
		if !e.counted {
			return "counting segments"
		}
	}
	return ""
}

type workspaceMsg struct {
	ws  *seglang.Workspace
	err error
}

type countMsg struct {
	gen     int
	name    string
	members int64
	unit    seglang.Unit
	univ    int64
	elapsed time.Duration
	err     error
}

type openMsg struct {
	seg  *seglang.Segment
	file string
	src  []byte
	err  error
}

// Init reads the workspace.
func (m Model) Init() tea.Cmd { return m.load() }

// counting reports whether a segment of the list waits for its count.
func (m Model) counting() bool {
	for _, e := range m.entries {
		if !e.counted {
			return true
		}
	}
	return false
}

func (m Model) load() tea.Cmd {
	dir := m.deps.Dir
	return func() tea.Msg {
		if dir == "" {
			return workspaceMsg{ws: nil}
		}
		ws, err := seglang.LoadWorkspace(dir)
		return workspaceMsg{ws: ws, err: err}
	}
}

// recount drops every count and starts over.
func (m *Model) recount() tea.Cmd {
	m.gen++
	for i := range m.entries {
		m.entries[i].counted = false
		m.entries[i].err = nil
		m.entries[i].sparked, m.entries[i].sizes = false, nil
		m.entries[i].est, m.entries[i].estFailed = nil, false
	}
	if len(m.entries) == 0 {
		return m.countNext()
	}
	return tea.Batch(m.countNext(), m.estimateDue())
}

// countNext counts the first segment without a count; counts go one at a time so that a
// big store is not asked for twenty scans at once, and each count appears as it lands.
func (m Model) countNext() tea.Cmd {
	if m.deps.Engine == nil {
		return nil
	}
	for _, e := range m.entries {
		if e.counted {
			continue
		}
		seg, exact, ws, asOf, ctx, gen := e.seg, m.exact, m.ws, m.deps.AsOf, m.ctx, m.gen
		return func() tea.Msg {
			r, err := exact(ctx, seg, ws, asOf)
			if err != nil {
				return countMsg{gen: gen, name: seg.Name, err: err}
			}
			return countMsg{gen: gen, name: seg.Name, members: int64(r.Members.Count()), unit: r.Unit, univ: r.Universe, elapsed: r.Elapsed}
		}
	}
	return nil
}

// Update handles a message.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if mm, cmd, ok := m.updateValidate(msg); ok {
		return mm, cmd
	}
	if mm, cmd, ok := m.updateEstimate(msg); ok {
		return mm, cmd
	}
	switch msg := msg.(type) {
	case workspaceMsg:
		m.ws, m.wsErr = msg.ws, msg.err
		m.entries = nil
		if m.ws != nil {
			for _, s := range m.ws.Segments {
				m.entries = append(m.entries, entry{seg: s})
			}
			slices.SortStableFunc(m.entries, func(a, b entry) int { return strings.Compare(a.seg.Name, b.seg.Name) })
		}
		m.deps.Vocab.Segments = nil
		for _, e := range m.entries {
			m.deps.Vocab.Segments = append(m.deps.Vocab.Segments, e.seg.Name)
		}
		m.marked = slices.DeleteFunc(m.marked, func(n string) bool { return m.ws == nil || m.ws.Segment(n) == nil })
		m.fitList() // the workspace's problems, if any, take rows above the list
		m.refreshRows()
		ws := m.ws
		return m, tea.Batch(m.recount(), func() tea.Msg { return WorkspaceMsg{Workspace: ws} }, m.markedCmd())
	case countMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		for i := range m.entries {
			if m.entries[i].seg.Name == msg.name {
				m.entries[i].counted = true
				m.entries[i].members = msg.members
				m.entries[i].err = msg.err
				m.entries[i].est = nil // the exact count replaces the estimate
			}
		}
		if msg.err == nil {
			m.universe[msg.unit] = msg.univ
			m.lastElapsed = msg.elapsed
		}
		m.refreshRows()
		cmd := m.afterCount()
		return m, cmd
	case openMsg:
		if msg.err != nil {
			m.status = m.shown(msg.err.Error())
			return m, nil
		}
		return m.openBuilder(msg.seg, msg.file, msg.src)
	case builder.ClosedMsg:
		m.builder = nil
		if msg.Quit {
			return m, tea.Quit
		}
		if m.sparksHeld {
			return m, m.nextSpark()
		}
		return m, nil
	case builder.SavedMsg:
		m.status = "saved " + builder.ShowPath(m.deps.Dir, m.deps.DirLabel, msg.File)
		// The builder stays open; the list reloads underneath it.
		return m, m.load()
	}
	if m.builder != nil {
		b, cmd := m.builder.Update(msg)
		m.builder = &b
		return m, cmd
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		return m.updateList(k)
	}
	if c, ok := msg.(tea.MouseClickMsg); ok {
		return m.click(c)
	}
	var cmd tea.Cmd
	m.list, cmd, _ = m.list.Update(msg)
	return m, cmd
}

func (m Model) updateList(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	m.status = ""
	k := m.keys
	// Names have no spaces: space marks the highlighted segment even while filtering.
	if key.Matches(msg, k.Mark) && (msg.String() == "space" || !m.list.Filtering()) {
		return m.mark()
	}
	if m.list.Filtering() {
		var cmd tea.Cmd
		m.list, cmd, _ = m.list.Update(msg)
		return m, cmd
	}
	switch {
	case key.Matches(msg, k.Recount):
		return m, m.load()
	case key.Matches(msg, k.New):
		return m.openBuilder(nil, "", nil)
	case key.Matches(msg, k.Edit):
		if e, ok := m.selected(); ok {
			seg := e.seg
			file := seg.File
			return m, func() tea.Msg {
				src, err := os.ReadFile(file)
				if err != nil {
					return openMsg{err: fmt.Errorf("open %s: %w", file, err)}
				}
				return openMsg{seg: seg, file: file, src: src}
			}
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.list, cmd, _ = m.list.Update(msg)
	return m, cmd
}

// selected is the entry under the cursor.
func (m Model) selected() (entry, bool) {
	i := m.list.Index()
	if i < 0 || i >= len(m.entries) {
		return entry{}, false
	}
	return m.entries[i], true
}

// mark marks or unmarks the highlighted segment for the Overlap screen.
func (m Model) mark() (Model, tea.Cmd) {
	e, ok := m.selected()
	if !ok {
		return m, nil
	}
	name := e.seg.Name
	if i := slices.Index(m.marked, name); i >= 0 {
		m.marked = slices.Delete(m.marked, i, i+1)
	} else if len(m.marked) >= 10 {
		m.status = "at most 10 segments can be compared"
		return m, nil
	} else {
		m.marked = append(m.marked, name)
	}
	m.refreshRows()
	return m, m.markedCmd()
}

// markedCmd tells the app the marks as they are now.
func (m *Model) markedCmd() tea.Cmd {
	m.markSeq++
	msg := MarkedMsg{Names: slices.Clone(m.marked), Workspace: m.ws, Seq: m.markSeq}
	return func() tea.Msg { return msg }
}

func (m Model) openBuilder(seg *seglang.Segment, file string, src []byte) (Model, tea.Cmd) {
	var resolver query.Resolver
	if m.ws != nil {
		resolver = m.ws
	}
	b, err := builder.Open(m.ctx, builder.Deps{Engine: m.deps.Engine, Resolver: resolver, Dir: m.deps.Dir, DirLabel: m.deps.DirLabel,
		AsOf: m.deps.AsOf, Vocab: m.deps.Vocab, Clock: m.deps.Clock, Sample: m.deps.Sample}, m.th, seg, file, src)
	if err != nil {
		m.status = "cannot open in the builder: " + m.shown(err.Error())
		return m, nil
	}
	b.SetSize(m.width, m.height)
	b.SetTop(m.top)
	m.builder = &b
	return m, b.Init()
}

// View draws the list, or the builder when it is open.
func (m Model) View() string {
	if m.builder != nil {
		return m.builder.View()
	}
	if v, ok := m.validateView(); ok {
		return v
	}
	lines := m.headerLines()
	l := m.list
	l.SetSize(m.width, max(1, m.height-len(lines)-m.statusHeight()))
	lines = append(lines, l.View())
	if m.status != "" {
		lines = append(lines, m.th.Warning.Render(m.status))
	}
	return strings.Join(lines, "\n")
}

// fitList gives the list the rows under the header.
func (m *Model) fitList() {
	m.list.SetSize(m.width, max(1, m.height-len(m.headerLines())-m.statusHeight()))
}

func (m Model) statusHeight() int {
	if m.status != "" {
		return 1
	}
	return 0
}

// click selects the row under the mouse; a click on the selected row opens it.
func (m Model) click(msg tea.MouseClickMsg) (Model, tea.Cmd) {
	if m.builder != nil {
		b, cmd := m.builder.Update(msg)
		m.builder = &b
		return m, cmd
	}
	if msg.Button != tea.MouseLeft || m.list.Filtering() {
		return m, nil
	}
	before := m.list.Index()
	i, ok := m.list.Click(msg.Y - m.top - len(m.headerLines()))
	if !ok {
		return m, nil
	}
	if i == before {
		return m.updateList(tea.KeyPressMsg{Code: tea.KeyEnter})
	}
	return m, nil
}

// SetTop says how many rows the app draws above the screen, so clicks land on rows.
func (m *Model) SetTop(rows int) {
	m.top = rows
	if m.builder != nil {
		m.builder.SetTop(rows)
	}
}

// headerLines are the rows above the list: title and workspace problems.
func (m Model) headerLines() []string {
	th := m.th
	var lines []string
	head := th.Heading.Render("Segments")
	if m.deps.Dir != "" {
		head += th.Subtle.Render("  " + m.dirName())
	} else {
		head += th.Subtle.Render("  no workspace folder: saving is off (start with --segments DIR)")
	}
	if m.estimating() {
		head += th.Warning.Render("  ≈ estimated from a sample; exact counts follow")
	}
	lines = append(lines, ansi.Truncate(head, m.width, "…"))
	if m.wsErr != nil {
		var list seglang.ErrorList
		msgs := []string{m.shown(m.wsErr.Error())}
		if errors.As(m.wsErr, &list) {
			msgs = nil
			for _, e := range list {
				msgs = append(msgs, m.shown(e.Error()))
			}
		}
		for i, s := range msgs {
			if i == 3 {
				lines = append(lines, th.Error.Render(fmt.Sprintf("  … %d more problems (segscope check shows all)", len(msgs)-3)))
				break
			}
			lines = append(lines, ansi.Truncate(th.Error.Render("✗ "+s), m.width, "…"))
		}
	}
	return lines
}

// columns are the widths of the list's columns: name, the member count, the share's bar
// (only when the screen is wide enough to keep the titles in view), expect.
type columns struct{ name, count, bar, expect int }

func (m Model) columns() columns {
	c := columns{name: 10, count: 7}
	if m.width >= 110 {
		c.bar = 12
	}
	for _, e := range m.entries {
		c.name = max(c.name, ansi.StringWidth(e.seg.Name))
		c.count = max(c.count, len(counts.Count{Members: e.members}.Number()))
		if !e.counted && e.est != nil {
			c.count = max(c.count, ansi.StringWidth(e.est.Count.Compact()))
		}
		if e.seg.Expect.Members != nil {
			c.expect = max(c.expect, counts.Width(e.seg.Expect.Members.String()), len("expect"))
		}
	}
	return c
}

// refreshRows draws the entries into the list's rows (after counts, marks or a theme
// change); the cursor stays on its segment.
func (m *Model) refreshRows() {
	th := m.th
	c := m.columns()
	unitW := 0
	if m.hasAccounts() {
		unitW = 6
	}
	head := "  " + layout.PadRight("segment", c.name) + " " + layout.PadRight("type", 10) + " " + layout.PadLeft("members", c.count) +
		strings.Repeat(" ", unitW) + " " + layout.PadRight("share", 7)
	if c.bar > 0 {
		head += " " + strings.Repeat(" ", c.bar)
	}
	if c.expect > 0 {
		head += " " + layout.PadRight("expect", c.expect)
	}
	head += " " + layout.PadRight("90 days", sparkWidth)
	m.list.SetHeader(th.Subtle.Render(head + " title"))
	rows := make([]list.Row, len(m.entries))
	for i, e := range m.entries {
		rows[i] = list.Row{Key: e.seg.Name + " " + e.seg.Title + " " + e.seg.Type.String(),
			Text: m.cachedRow(e, c, unitW, slices.Contains(m.marked, e.seg.Name))}
	}
	m.list.SetRows(rows)
}

func (m Model) row(e entry, c columns, unitW int) string {
	th := m.th
	mark := "  "
	if slices.Contains(m.marked, e.seg.Name) {
		mark = th.Success.Render("◆ ")
	}
	name := layout.PadRight(safe.Text(e.seg.Name), c.name)
	typ := fmt.Sprintf("%-10s", e.seg.Type.String())
	cnt := counts.Count{Members: e.members, Universe: m.universe[e.seg.Unit]}
	var count, share, bar, expect string
	switch {
	case e.err != nil:
		count = th.Error.Render(layout.PadLeft("error", c.count))
		share = th.Error.Render(ansi.Truncate(safe.Text(m.shown(e.err.Error())), 60, "…"))
	case !e.counted && e.est != nil:
		ec := e.est.Count
		if ec.Exact() { // a universe no bigger than the sample: counted whole
			count = th.Number.Render(layout.PadLeft(ec.Compact(), c.count))
			share = layout.PadRight(format.Share(ec.Estimate, ec.Universe), 7)
			break
		}
		count = th.Warning.Render(layout.PadLeft(ec.Compact(), c.count))
		share = layout.PadRight("≈"+format.Share(ec.Estimate, ec.Universe), 7)
	case !e.counted:
		// Waiting rows stay still: the status bar's spinner says the counts run, and a
		// spinner in every row redrew the whole screen four times a second (each SSH
		// visitor's, competing with the counts they wait for).
		count = th.Subtle.Render(layout.PadLeft("…", c.count))
	default:
		count = th.Number.Render(layout.PadLeft(cnt.Number(), c.count))
		share = layout.PadRight(cnt.Share(), 7)
		bar = cnt.Bar(th, c.bar)
		expect = counts.Expect(e.seg.Expect.Members, e.members).Badge(th)
	}
	if bar == "" || c.bar == 0 {
		bar = strings.Repeat(" ", c.bar)
	}
	if share == "" {
		share = strings.Repeat(" ", 7)
	}
	unit := strings.Repeat(" ", unitW)
	if e.seg.Unit == seglang.UnitAccount {
		unit = " accts"
	}
	line := mark + th.Emphasis.Render(name) + " " + th.Subtle.Render(typ) + " " + count + th.Subtle.Render(unit) + " " + share
	if c.bar > 0 {
		line += " " + bar
	}
	if c.expect > 0 {
		line += " " + layout.PadRight(expect, c.expect)
	}
	line += " " + m.spark(e)
	return line + " " + th.Text.Render(safe.Text(e.seg.Title))
}
