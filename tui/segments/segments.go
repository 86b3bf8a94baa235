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
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	seglang "github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/builder"
	"github.com/segscope/segscope/tui/fuzzy"
	"github.com/segscope/segscope/tui/safe"
	"github.com/segscope/segscope/tui/theme"
)

// KeyMap lists the list's keys.
type KeyMap struct {
	Up, Down, Edit, New, Filter, Mark, Recount, ClearFilter key.Binding
}

// DefaultKeyMap is the list's bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:          key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:        key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Edit:        key.NewBinding(key.WithKeys("enter", "e"), key.WithHelp("enter", "open in builder")),
		New:         key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new segment")),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Mark:        key.NewBinding(key.WithKeys("space", "x"), key.WithHelp("space", "mark for overlap")),
		Recount:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reload & recount")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Edit, k.New, k.Filter, k.Mark}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Edit, k.New}, {k.Filter, k.ClearFilter, k.Mark, k.Recount}}
}

// MarkedMsg tells the app which segments are marked for the Overlap screen.
type MarkedMsg struct {
	Names     []string
	Workspace *seglang.Workspace
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
}

type entry struct {
	seg     *seglang.Segment
	members int64
	counted bool
	err     error
}

// Model is the Segments screen.
type Model struct {
	ctx  context.Context
	deps Deps
	th   *theme.Theme
	keys KeyMap
	spin spinner.Model

	ws       *seglang.Workspace
	wsErr    error
	entries  []entry
	universe map[seglang.Unit]int64
	marked   []string
	cursor   int
	filter   textinput.Model
	filterOn bool
	gen      int // bumps on every reload: counts of an older load are dropped

	builder     *builder.Model
	width       int
	height      int
	status      string
	lastElapsed time.Duration
	top         int // rows the app draws above the screen, for mouse positions
}

// New builds the screen; Init loads the workspace.
func New(ctx context.Context, deps Deps, th *theme.Theme) Model {
	f := theme.NewInput()
	f.Prompt = "/ "
	f.Placeholder = "filter by name, title or type"
	return Model{ctx: ctx, deps: deps, th: th, keys: DefaultKeyMap(), filter: f,
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot)), universe: map[seglang.Unit]int64{}}
}

// SetTheme swaps the styles.
func (m *Model) SetTheme(th *theme.Theme) {
	m.th = th
	if m.builder != nil {
		m.builder.SetTheme(th)
	}
}

// SetSize sets the area the screen draws in.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.filter.SetWidth(max(10, w-4))
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

// Editing reports whether the builder is open.
func (m Model) Editing() bool { return m.builder != nil }

// Capturing reports whether keys are text being typed.
func (m Model) Capturing() bool {
	return m.filterOn || (m.builder != nil && m.builder.Capturing())
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
	return m.keys
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
	}
	if len(m.entries) == 0 {
		return m.countNext()
	}
	return tea.Batch(m.spin.Tick, m.countNext())
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
		seg, eng, ws, asOf, ctx, gen := e.seg, m.deps.Engine, m.ws, m.deps.AsOf, m.ctx, m.gen
		return func() tea.Msg {
			r, err := eng.Evaluate(ctx, seg, ws, asOf)
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
		m.cursor = min(m.cursor, max(0, len(m.entries)-1))
		ws, marked := m.ws, slices.Clone(m.marked)
		return m, tea.Batch(m.recount(),
			func() tea.Msg { return WorkspaceMsg{Workspace: ws} },
			func() tea.Msg { return MarkedMsg{Names: marked, Workspace: ws} })
	case countMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		for i := range m.entries {
			if m.entries[i].seg.Name == msg.name {
				m.entries[i].counted = true
				m.entries[i].members = msg.members
				m.entries[i].err = msg.err
			}
		}
		if msg.err == nil {
			m.universe[msg.unit] = msg.univ
			m.lastElapsed = msg.elapsed
		}
		return m, m.countNext()
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
		return m, nil
	case builder.SavedMsg:
		m.status = "saved " + builder.ShowPath(m.deps.Dir, m.deps.DirLabel, msg.File)
		// The builder stays open; the list reloads underneath it.
		return m, m.load()
	case spinner.TickMsg:
		if msg.ID != m.spin.ID() || !m.counting() {
			return m, nil // another spinner's, or nothing is being counted: the ticks stop
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
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
	if w, ok := msg.(tea.MouseWheelMsg); ok {
		if w.Button == tea.MouseWheelDown {
			m.moveCursor(1)
		} else if w.Button == tea.MouseWheelUp {
			m.moveCursor(-1)
		}
	}
	if m.filterOn {
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Model) moveCursor(d int) {
	m.cursor = max(0, min(m.cursor+d, len(m.visible())-1))
}

func (m Model) updateList(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	m.status = ""
	if m.filterOn {
		switch msg.String() {
		case "esc":
			m.filterOn = false
			m.filter.SetValue("")
			m.filter.Blur()
			m.cursor = 0
			return m, nil
		case "enter", "down", "up":
			m.filterOn = msg.String() != "enter"
			if !m.filterOn {
				m.filter.Blur()
			}
			if msg.String() == "down" {
				m.moveCursor(1)
			} else if msg.String() == "up" {
				m.moveCursor(-1)
			}
			return m, nil
		}
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(msg)
		m.cursor = 0
		return m, cmd
	}
	k := m.keys
	vis := m.visible()
	switch {
	case key.Matches(msg, k.Up):
		m.moveCursor(-1)
	case key.Matches(msg, k.Down):
		m.moveCursor(1)
	case key.Matches(msg, k.Filter):
		m.filterOn = true
		return m, m.filter.Focus()
	case key.Matches(msg, k.ClearFilter) && m.filter.Value() != "":
		m.filter.SetValue("")
		m.cursor = 0
	case key.Matches(msg, k.Recount):
		return m, m.load()
	case key.Matches(msg, k.New):
		return m.openBuilder(nil, "", nil)
	case key.Matches(msg, k.Edit) && m.cursor < len(vis):
		seg := vis[m.cursor].seg
		file := seg.File
		return m, func() tea.Msg {
			src, err := os.ReadFile(file)
			if err != nil {
				return openMsg{err: fmt.Errorf("open %s: %w", file, err)}
			}
			return openMsg{seg: seg, file: file, src: src}
		}
	case key.Matches(msg, k.Mark) && m.cursor < len(vis):
		name := vis[m.cursor].seg.Name
		if i := slices.Index(m.marked, name); i >= 0 {
			m.marked = slices.Delete(m.marked, i, i+1)
		} else if len(m.marked) >= 10 {
			m.status = "at most 10 segments can be compared"
			return m, nil
		} else {
			m.marked = append(m.marked, name)
		}
		marked, ws := slices.Clone(m.marked), m.ws
		return m, func() tea.Msg { return MarkedMsg{Names: marked, Workspace: ws} }
	}
	return m, nil
}

func (m Model) openBuilder(seg *seglang.Segment, file string, src []byte) (Model, tea.Cmd) {
	var resolver query.Resolver
	if m.ws != nil {
		resolver = m.ws
	}
	b, err := builder.Open(m.ctx, builder.Deps{Engine: m.deps.Engine, Resolver: resolver, Dir: m.deps.Dir, DirLabel: m.deps.DirLabel,
		AsOf: m.deps.AsOf, Vocab: m.deps.Vocab, Clock: m.deps.Clock}, m.th, seg, file, src)
	if err != nil {
		m.status = "cannot open in the builder: " + m.shown(err.Error())
		return m, nil
	}
	b.SetSize(m.width, m.height)
	m.builder = &b
	return m, b.Init()
}

// visible are the entries the filter keeps, best match first.
func (m Model) visible() []entry {
	q := strings.TrimSpace(m.filter.Value())
	if q == "" {
		return m.entries
	}
	keys := make([]string, len(m.entries))
	byKey := map[string]entry{}
	for i, e := range m.entries {
		keys[i] = e.seg.Name + " " + e.seg.Title + " " + e.seg.Type.String()
		byKey[keys[i]] = e
	}
	var out []entry
	for _, mt := range fuzzy.Find(q, keys) {
		out = append(out, byKey[mt.Text])
	}
	return out
}

// View draws the list, or the builder when it is open.
func (m Model) View() string {
	if m.builder != nil {
		return m.builder.View()
	}
	th := m.th
	lines := m.headerLines()
	vis := m.visible()
	if len(vis) == 0 {
		if len(m.entries) == 0 {
			lines = append(lines, "", th.Subtle.Render("No segments yet. Press n to build one."))
		} else {
			lines = append(lines, "", th.Subtle.Render("No segment matches the filter."))
		}
	}
	listH, start := m.listWindow(len(lines))
	nameW := 10
	for _, e := range vis {
		nameW = max(nameW, ansi.StringWidth(e.seg.Name))
	}
	nameW = min(nameW, m.width/3)
	for i := start; i < len(vis) && i < start+listH; i++ {
		lines = append(lines, m.row(vis[i], i == m.cursor, nameW))
	}
	if m.status != "" {
		lines = append(lines, th.Subtle.Render(m.status))
	}
	return strings.Join(lines, "\n")
}

// listWindow is how many rows the list has below header rows, and the first one shown.
func (m Model) listWindow(header int) (rows, first int) {
	rows = max(1, m.height-header-1)
	return rows, max(0, min(m.cursor-rows/2, len(m.visible())-rows))
}

// click selects the row under the mouse; a click on the selected row opens it.
func (m Model) click(msg tea.MouseClickMsg) (Model, tea.Cmd) {
	if msg.Button != tea.MouseLeft || m.filterOn {
		return m, nil
	}
	header := len(m.headerLines())
	_, first := m.listWindow(header)
	i := first + msg.Y - m.top - header
	vis := m.visible()
	if msg.Y-m.top < header || i < 0 || i >= len(vis) {
		return m, nil
	}
	if i == m.cursor {
		return m.updateList(tea.KeyPressMsg{Code: tea.KeyEnter})
	}
	m.cursor = i
	return m, nil
}

// SetTop says how many rows the app draws above the screen, so clicks land on rows.
func (m *Model) SetTop(rows int) { m.top = rows }

// headerLines are the rows above the list: title, filter, workspace problems.
func (m Model) headerLines() []string {
	th := m.th
	var lines []string
	head := th.Heading.Render("Segments")
	if m.deps.Dir != "" {
		head += th.Subtle.Render("  " + m.dirName())
	} else {
		head += th.Subtle.Render("  no workspace folder: saving is off (start with --segments DIR)")
	}
	lines = append(lines, ansi.Truncate(head, m.width, "…"))
	if m.filterOn || m.filter.Value() != "" {
		lines = append(lines, m.filter.View())
	}
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

func (m Model) row(e entry, selected bool, nameW int) string {
	th := m.th
	mark := "  "
	if slices.Contains(m.marked, e.seg.Name) {
		mark = th.Success.Render("◆ ")
	}
	name := fmt.Sprintf("%-*s", nameW, ansi.Truncate(e.seg.Name, nameW, "…"))
	typ := fmt.Sprintf("%-10s", e.seg.Type.String())
	var count, share, bar string
	switch {
	case e.err != nil:
		count = th.Error.Render("error")
		share = th.Error.Render(ansi.Truncate(safe.Text(m.shown(e.err.Error())), 40, "…"))
	case !e.counted:
		count = m.spin.View()
	default:
		univ := m.universe[e.seg.Unit]
		count = format.Count(e.members)
		share = format.Share(e.members, univ)
		if univ > 0 {
			n := int(float64(e.members) / float64(univ) * 12)
			if e.members > 0 {
				n = max(n, 1)
			}
			bar = th.Bar.Render(strings.Repeat("▮", n)) + strings.Repeat(" ", 12-n)
		}
	}
	if bar == "" {
		bar = strings.Repeat(" ", 12)
	}
	unit := ""
	if e.seg.Unit == seglang.UnitAccount {
		unit = " accts"
	} else if m.hasAccounts() {
		unit = "      " // keep the columns of user and account segments aligned
	}
	line := mark + th.Emphasis.Render(name) + " " + th.Subtle.Render(typ) + " " +
		th.Number.Render(fmt.Sprintf("%9s", count)) + th.Subtle.Render(unit) + " " + fmt.Sprintf("%-7s", share) + " " + bar + " " +
		th.Text.Render(safe.Text(e.seg.Title))
	line = ansi.Truncate(line, m.width, "…")
	if selected {
		return th.Selected.Render(ansi.Strip(line)) // a plain highlight reads better than colours on colours
	}
	return line
}
