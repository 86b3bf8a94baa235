// Package overlap is the explorer's Overlap screen: how 2 to 10 segments intersect, as a
// matrix (counts, share of the row's segment, Jaccard) drawn as a heatmap, and as an
// UpSet-style list of the largest exclusive intersections. Any cell or bar lists its members.
package overlap

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/safe"
	seglang "github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/list"
	"github.com/segscope/segscope/tui/memberlist"
	"github.com/segscope/segscope/tui/theme"
)

// Limits on how many segments are compared: fewer than two has nothing to intersect, and
// more than ten makes a matrix nobody can read on a terminal.
const (
	MinSegments = 2
	MaxSegments = 10
)

// KeyMap lists the Overlap screen's keys.
type KeyMap struct {
	Up, Down, Left, Right, Members, Metric, Focus, Pick, Toggle, Apply, Close key.Binding
}

// DefaultKeyMap is the screen's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Left:    key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "left")),
		Right:   key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "right")),
		Members: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "members")),
		Metric:  key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "count/%/jaccard")),
		Focus:   key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "matrix/upset")),
		Pick:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "choose segments")),
		Toggle:  key.NewBinding(key.WithKeys("space", "x"), key.WithHelp("space", "toggle")),
		Apply:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "compare")),
		Close:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}

// KeyMap is what help shows, which depends on what the screen is doing.
type helpMap struct {
	short []key.Binding
	full  [][]key.Binding
}

func (h helpMap) ShortHelp() []key.Binding  { return h.short }
func (h helpMap) FullHelp() [][]key.Binding { return h.full }

type metric int

const (
	metricCount metric = iota
	metricShare        // of the row's segment
	metricJaccard
	numMetrics
)

var metricNames = [numMetrics]string{"members in both", "% of the row's segment", "Jaccard index"}

type mode int

const (
	modeMatrix mode = iota
	modeUpSet
	modeMembers
	modePick
)

// Deps is what the screen needs from the app.
type Deps struct {
	Engine *query.Engine
	AsOf   time.Time
	Clock  func() time.Time // times comparisons; nil means time.Now
	// DirLabel, when set, names the workspace folder in messages: files are shown relative
	// to it.
	DirLabel string
	// Dir is the workspace, where member lists are exported; "" turns exporting off.
	Dir string
	// ShowPath writes a workspace file's path as the screen shows it; nil shows it as is.
	ShowPath func(string) string
}

// runner cancels the computation in flight when a newer one starts; it is shared by every
// copy of the model.
type runner struct {
	cancel context.CancelFunc
}

func (r *runner) start(ctx context.Context) context.Context {
	if r.cancel != nil {
		r.cancel()
	}
	ctx, r.cancel = context.WithCancel(ctx)
	return ctx
}

// Model is the Overlap screen.
type Model struct {
	ctx  context.Context
	deps Deps
	th   *theme.Theme
	keys KeyMap
	spin spinner.Model
	run  *runner

	ws    *seglang.Workspace
	names []string // the segments compared, in order

	seq     int
	pending bool
	result  *query.Overlap
	groups  []query.ExclusiveGroup
	sets    []*query.MemberSet
	err     error

	mode     mode
	metric   metric
	row, col int // matrix cursor
	bar      int // UpSet cursor
	barTop   int // first UpSet bar shown

	chooser      list.Model // the workspace's segments, by name
	picked       []string   // names toggled in the chooser
	status       string
	members      memberlist.Model
	memFromUpSet bool // the member panel returns to the UpSet list
	top          int  // rows the app draws above the screen, for mouse positions

	width, height int
}

// New builds the screen; it waits for segments to compare.
func New(ctx context.Context, deps Deps, th *theme.Theme) Model {
	sp := spinner.New(spinner.WithSpinner(spinner.MiniDot))
	sp.Style = lipgloss.NewStyle().Foreground(th.Accent)
	return Model{ctx: ctx, deps: deps, th: th, keys: DefaultKeyMap(), spin: sp, run: &runner{},
		chooser: list.New(th, list.Selectable(), list.Filterable(true), list.Noun("segments"),
			list.Empty("The workspace has no segments.")),
		members: memberlist.New(ctx, "overlap", memberlist.Deps{Engine: deps.Engine, Dir: deps.Dir, ShowPath: deps.ShowPath}, th)}
}

// SetTheme swaps the styles.
func (m *Model) SetTheme(th *theme.Theme) {
	m.th = th
	m.spin.Style = lipgloss.NewStyle().Foreground(th.Accent)
	m.chooser.SetTheme(th)
	m.members.SetTheme(th)
	m.fillChooser()
}

// SetSize sets the area the screen draws in.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.chooser.SetSize(w, max(1, h-2))
	m.members.SetSize(w, h)
}

// Capturing reports whether keys are typed into a filter.
func (m Model) Capturing() bool {
	switch m.mode {
	case modePick:
		return m.chooser.Filtering()
	case modeMembers:
		return m.members.Capturing()
	}
	return false
}

// Pending names the background work, or "".
func (m Model) Pending() string {
	if m.pending {
		return "overlap"
	}
	if m.mode == modeMembers {
		return m.members.Pending()
	}
	return ""
}

// Elapsed is how long the last comparison took, zero when none finished.
func (m Model) Elapsed() time.Duration {
	if m.result == nil {
		return 0
	}
	return m.result.Elapsed
}

// SetWorkspace takes a reloaded workspace: compared segments that are gone are dropped,
// and the rest are compared again with their current definitions.
func (m *Model) SetWorkspace(ws *seglang.Workspace) tea.Cmd {
	m.ws = ws
	m.fillChooser()
	names := slices.DeleteFunc(slices.Clone(m.names), func(n string) bool { return ws == nil || ws.Segment(n) == nil })
	return m.compare(names)
}

// SetSegments chooses the segments to compare (the marks of the Segments screen).
func (m *Model) SetSegments(ws *seglang.Workspace, names []string) tea.Cmd {
	m.ws = ws
	m.fillChooser()
	return m.compare(names)
}

// SetAsOf compares again at another time.
func (m *Model) SetAsOf(t time.Time) tea.Cmd {
	m.deps.AsOf = t
	return m.compare(m.names)
}

// Names are the segments compared.
func (m Model) Names() []string { return slices.Clone(m.names) }

type resultMsg struct {
	seq    int
	result *query.Overlap
	groups []query.ExclusiveGroup
	err    error
}

func (m *Model) compare(names []string) tea.Cmd {
	m.seq++
	m.names = slices.Clone(names)
	m.result, m.groups, m.sets, m.err = nil, nil, nil, nil
	m.row, m.col, m.bar, m.barTop = 0, 0, 0, 0
	if m.mode == modeMembers || m.mode == modeUpSet {
		m.mode = modeMatrix
	}
	if len(names) < MinSegments || m.ws == nil || m.deps.Engine == nil {
		m.pending = false
		return nil
	}
	segs := make([]*seglang.Segment, 0, len(names))
	for _, n := range names {
		s := m.ws.Segment(n)
		if s == nil {
			m.err = fmt.Errorf("no segment named %s in the workspace", n)
			return nil
		}
		segs = append(segs, s)
	}
	m.pending = true
	seq, eng, ws, asOf, clock := m.seq, m.deps.Engine, m.ws, m.deps.AsOf, m.deps.Clock
	if clock == nil {
		clock = time.Now
	}
	ctx := m.run.start(m.ctx)
	return tea.Batch(m.spin.Tick, func() tea.Msg {
		start := clock()
		o, err := eng.Overlap(ctx, segs, ws, asOf)
		if err != nil {
			return resultMsg{seq: seq, err: err}
		}
		o.Elapsed = clock().Sub(start)
		return resultMsg{seq: seq, result: o, groups: o.Exclusive()}
	})
}

// Init starts nothing: the screen waits for segments.
func (m Model) Init() tea.Cmd { return nil }

// Update handles the screen's keys and its background answers.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case resultMsg:
		if msg.seq != m.seq {
			return m, nil // an older comparison, superseded
		}
		m.pending = false
		m.result, m.groups, m.err = msg.result, msg.groups, msg.err
		if msg.result != nil {
			m.sets = msg.result.Sets()
		}
		return m, nil
	case spinner.TickMsg:
		if !m.pending {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.MouseClickMsg:
		return m.click(msg)
	case tea.MouseWheelMsg:
		switch m.mode {
		case modePick:
			m.chooser, _, _ = m.chooser.Update(msg)
		case modeMembers:
			m.members, _ = m.members.Update(msg)
		case modeUpSet:
			if msg.Button == tea.MouseWheelDown {
				m.moveBar(1)
			} else if msg.Button == tea.MouseWheelUp {
				m.moveBar(-1)
			}
		}
		return m, nil
	case tea.KeyPressMsg:
		m.status = ""
		switch m.mode {
		case modePick:
			return m.updatePick(msg)
		case modeMembers:
			return m.updateMembers(msg)
		}
		return m.updateChart(msg)
	}
	// The member panel's answers (members listed, ids copied, a file written).
	var cmd tea.Cmd
	m.members, cmd = m.members.Update(msg)
	return m, cmd
}

func (m Model) updateChart(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k, n := m.keys, len(m.names)
	switch {
	case key.Matches(msg, k.Pick):
		return m.openPick(), nil
	case key.Matches(msg, k.Metric):
		m.metric = (m.metric + 1) % numMetrics
	case key.Matches(msg, k.Focus) && m.result != nil:
		if m.mode == modeUpSet {
			m.mode = modeMatrix
		} else {
			m.mode = modeUpSet
		}
	case key.Matches(msg, k.Up):
		if m.mode == modeUpSet {
			m.moveBar(-1)
		} else {
			m.row = max(0, m.row-1)
		}
	case key.Matches(msg, k.Down):
		if m.mode == modeUpSet {
			m.moveBar(1)
		} else {
			m.row = max(0, min(m.row+1, n-1))
		}
	case m.mode == modeUpSet && (msg.String() == "g" || msg.String() == "home"):
		m.moveBar(-len(m.groups))
	case m.mode == modeUpSet && (msg.String() == "G" || msg.String() == "end"):
		m.moveBar(len(m.groups))
	case m.mode == modeUpSet && (msg.String() == "pgdown" || msg.String() == "ctrl+f"):
		m.moveBar(max(1, m.layout().bars-1))
	case m.mode == modeUpSet && (msg.String() == "pgup" || msg.String() == "ctrl+b"):
		m.moveBar(-max(1, m.layout().bars-1))
	case key.Matches(msg, k.Left) && m.mode == modeMatrix:
		m.col = max(0, m.col-1)
	case key.Matches(msg, k.Right) && m.mode == modeMatrix:
		m.col = max(0, min(m.col+1, n-1))
	case key.Matches(msg, k.Members):
		if len(m.names) < MinSegments {
			return m.openPick(), nil
		}
		return m.showMembers()
	}
	return m, nil
}

// moveBar moves the UpSet cursor, scrolling the bars so that it stays in view.
func (m *Model) moveBar(d int) {
	m.bar = max(0, min(m.bar+d, len(m.groups)-1))
	bars := max(1, m.layout().bars)
	if m.bar < m.barTop {
		m.barTop = m.bar
	} else if m.bar >= m.barTop+bars {
		m.barTop = m.bar - bars + 1
	}
	m.barTop = max(0, min(m.barTop, len(m.groups)-bars))
}

func (m Model) openPick() Model {
	m.mode = modePick
	m.picked = slices.Clone(m.names)
	m.chooser.ClearFilter()
	m.fillChooser()
	m.chooser.Select(0)
	return m
}

// pickable are the workspace's segments in name order: a chooser is searched by name, and
// the workspace's own order (references first) means nothing to the person choosing.
func (m Model) pickable() []*seglang.Segment {
	if m.ws == nil {
		return nil
	}
	segs := slices.Clone(m.ws.Segments)
	slices.SortStableFunc(segs, func(a, b *seglang.Segment) int { return strings.Compare(a.Name, b.Name) })
	return segs
}

// fillChooser draws the chooser's rows: a box with the order a segment was picked in, its
// name, unit and title.
func (m *Model) fillChooser() {
	th := m.th
	segs := m.pickable()
	nameW := 8
	for _, s := range segs {
		nameW = max(nameW, len(s.Name))
	}
	rows := make([]list.Row, len(segs))
	for i, s := range segs {
		box := "[ ] "
		if k := slices.Index(m.picked, s.Name); k >= 0 {
			box = th.Success.Render(fmt.Sprintf("[%d]", k+1))
			if k+1 < 10 {
				box += " "
			}
		}
		rows[i] = list.Row{Key: s.Name + " " + s.Title,
			Text: box + th.Emphasis.Render(fmt.Sprintf("%-*s", nameW, safe.Text(s.Name))) + " " +
				th.Subtle.Render(fmt.Sprintf("%-7s ", s.Unit.String())) + th.Text.Render(safe.Text(s.Title))}
	}
	m.chooser.SetRows(rows)
}

func (m Model) updatePick(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	segs := m.pickable()
	// Names have no spaces, so space marks the highlighted segment even while a filter is
	// being typed: "/ cart space" picks cart_abandoners.
	if key.Matches(msg, k.Toggle) && (msg.String() == "space" || !m.chooser.Filtering()) {
		if i := m.chooser.Index(); i >= 0 && i < len(segs) {
			name := segs[i].Name
			if j := slices.Index(m.picked, name); j >= 0 {
				m.picked = slices.Delete(m.picked, j, j+1)
			} else if len(m.picked) >= MaxSegments {
				m.status = fmt.Sprintf("at most %d segments", MaxSegments)
			} else {
				m.picked = append(m.picked, name)
			}
			m.fillChooser()
		}
		return m, nil
	}
	if m.chooser.Filtering() {
		var cmd tea.Cmd
		m.chooser, cmd, _ = m.chooser.Update(msg)
		return m, cmd
	}
	switch {
	case key.Matches(msg, k.Close) && m.chooser.FilterText() == "":
		m.mode = modeMatrix
		return m, nil
	case key.Matches(msg, k.Apply):
		if len(m.picked) < MinSegments {
			m.status = fmt.Sprintf("choose at least %d segments (space toggles)", MinSegments)
			return m, nil
		}
		if err := sameUnit(m.ws, m.picked); err != nil {
			m.status = m.shown(err.Error())
			return m, nil
		}
		m.mode = modeMatrix
		return m, m.compare(m.picked)
	}
	var cmd tea.Cmd
	m.chooser, cmd, _ = m.chooser.Update(msg)
	return m, cmd
}

func sameUnit(ws *seglang.Workspace, names []string) error {
	var first *seglang.Segment
	for _, n := range names {
		s := ws.Segment(n)
		if s == nil {
			continue
		}
		if first == nil {
			first = s
		} else if s.Unit != first.Unit {
			return fmt.Errorf("%s counts %ss and %s counts %ss: compare one unit at a time", first.Name, first.Unit, s.Name, s.Unit)
		}
	}
	return nil
}

func (m Model) updateMembers(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	m.members, cmd = m.members.Update(msg)
	if m.members.Done() {
		m.mode = m.membersFrom()
	}
	return m, cmd
}

// membersFrom is where the member panel returns to.
func (m Model) membersFrom() mode {
	if m.memFromUpSet {
		return modeUpSet
	}
	return modeMatrix
}

// selection is the member set under the cursor, a label for it and the name of its export.
func (m Model) selection() (*query.MemberSet, string, string) {
	if m.result == nil || len(m.sets) == 0 {
		return nil, "", ""
	}
	if m.mode == modeUpSet {
		if m.bar >= len(m.groups) {
			return nil, "", ""
		}
		g := m.groups[m.bar]
		set, err := m.result.ExclusiveMembers(g.Segments...)
		if err != nil {
			return nil, "", ""
		}
		return set, "only in " + m.joinNames(g.Segments, " ∩ "), "only-" + m.joinNames(g.Segments, "+")
	}
	i, j := m.row, m.col
	if i == j {
		return m.sets[i], m.names[i], m.names[i]
	}
	set, err := m.result.Intersection(i, j)
	if err != nil {
		return nil, "", ""
	}
	return set, m.names[i] + " ∩ " + m.names[j], m.names[i] + "+" + m.names[j]
}

func (m Model) joinNames(idx []int, sep string) string {
	parts := make([]string, len(idx))
	for k, i := range idx {
		parts[k] = m.names[i]
	}
	return strings.Join(parts, sep)
}

func (m Model) showMembers() (Model, tea.Cmd) {
	set, label, stem := m.selection()
	if set == nil {
		m.status = "wait for the comparison to finish"
		return m, nil
	}
	m.members.Explains(m.selectionSegments(), m.ws)
	m.memFromUpSet = m.mode == modeUpSet
	m.mode = modeMembers
	return m, m.members.Open(label, stem, set, m.result.Unit, m.result.AsOf)
}

// click selects the matrix cell or UpSet bar under the mouse.
func (m Model) click(msg tea.MouseClickMsg) (Model, tea.Cmd) {
	if msg.Button != tea.MouseLeft {
		return m, nil
	}
	switch m.mode {
	case modePick:
		m.chooser.Click(msg.Y - m.top - 2)
		return m, nil
	case modeMembers:
		m.members.Click(msg.Y - m.top)
		return m, nil
	}
	if m.result == nil {
		return m, nil
	}
	l := m.layout()
	x, y := msg.X, msg.Y-m.top // msg is in screen cells; the app draws rows above the screen
	if y >= l.matrixTop && y < l.matrixTop+len(m.names) && x >= l.labelW {
		r, c := y-l.matrixTop, (x-l.labelW)/l.cellW
		if c < len(m.names) {
			m.mode, m.row, m.col = modeMatrix, r, c
		}
	} else if y >= l.upsetTop && y < l.upsetTop+l.bars && x >= l.upsetX {
		m.mode, m.bar = modeUpSet, m.barTop+y-l.upsetTop
	}
	return m, nil
}

// SetTop says how many rows the app draws above the screen, so clicks land on cells.
func (m *Model) SetTop(rows int) { m.top = rows }

// KeyMap returns the bindings for the current mode, for help.
func (m Model) KeyMap() helpMap {
	k := m.keys
	switch m.mode {
	case modePick:
		s := []key.Binding{k.Toggle, k.Apply, k.Close}
		return helpMap{short: s, full: [][]key.Binding{s, m.chooser.Bindings()}}
	case modeMembers:
		h := m.members.KeyMap()
		return helpMap{short: h.ShortHelp(), full: h.FullHelp()}
	}
	s := []key.Binding{k.Pick, k.Members, k.Metric, k.Focus}
	return helpMap{short: s, full: [][]key.Binding{{k.Up, k.Down, k.Left, k.Right}, s}}
}
