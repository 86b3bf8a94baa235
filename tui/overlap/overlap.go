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
	seglang "github.com/segscope/segscope/segments"
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
	Up, Down, Left, Right, Members, Metric, Focus, Pick, Toggle, Apply, Close, Copy key.Binding
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
		Copy:    key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy ids")),
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

	pick         int      // cursor in the chooser
	picked       []string // names toggled in the chooser
	status       string
	members      string // the member panel's text
	memOffset    int    // first line of the member panel shown
	copyText     string
	memSeq       int
	memFromUpSet bool // the member panel returns to the UpSet list
	top          int  // rows the app draws above the screen, for mouse positions

	width, height int
}

// New builds the screen; it waits for segments to compare.
func New(ctx context.Context, deps Deps, th *theme.Theme) Model {
	sp := spinner.New(spinner.WithSpinner(spinner.MiniDot))
	sp.Style = lipgloss.NewStyle().Foreground(th.Accent)
	return Model{ctx: ctx, deps: deps, th: th, keys: DefaultKeyMap(), spin: sp, run: &runner{}}
}

// SetTheme swaps the styles.
func (m *Model) SetTheme(th *theme.Theme) {
	m.th = th
	m.spin.Style = lipgloss.NewStyle().Foreground(th.Accent)
}

// SetSize sets the area the screen draws in.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Capturing is always false: the screen takes no typed text.
func (m Model) Capturing() bool { return false }

// Pending names the background work, or "".
func (m Model) Pending() string {
	if m.pending {
		return "overlap"
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
	names := slices.DeleteFunc(slices.Clone(m.names), func(n string) bool { return ws == nil || ws.Segment(n) == nil })
	return m.compare(names)
}

// SetSegments chooses the segments to compare (the marks of the Segments screen).
func (m *Model) SetSegments(ws *seglang.Workspace, names []string) tea.Cmd {
	m.ws = ws
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

type membersMsg struct {
	seq  int
	text string
	ids  string
}

func (m *Model) compare(names []string) tea.Cmd {
	m.seq++
	m.names = slices.Clone(names)
	m.result, m.groups, m.sets, m.err = nil, nil, nil, nil
	m.row, m.col, m.bar = 0, 0, 0
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
	case membersMsg:
		if msg.seq == m.memSeq && m.mode == modeMembers {
			m.members, m.copyText = msg.text, msg.ids
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
	return m, nil
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
			m.bar = max(0, m.bar-1)
		} else {
			m.row = max(0, m.row-1)
		}
	case key.Matches(msg, k.Down):
		if m.mode == modeUpSet {
			m.bar = max(0, min(m.bar+1, len(m.groups)-1))
		} else {
			m.row = max(0, min(m.row+1, n-1))
		}
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

func (m Model) openPick() Model {
	m.mode = modePick
	m.picked = slices.Clone(m.names)
	m.pick = 0
	return m
}

func (m Model) pickable() []*seglang.Segment {
	if m.ws == nil {
		return nil
	}
	return m.ws.Segments
}

func (m Model) updatePick(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k, segs := m.keys, m.pickable()
	switch {
	case key.Matches(msg, k.Close):
		m.mode = modeMatrix
	case key.Matches(msg, k.Up):
		m.pick = max(0, m.pick-1)
	case key.Matches(msg, k.Down):
		m.pick = max(0, min(m.pick+1, len(segs)-1))
	case key.Matches(msg, k.Toggle) && m.pick < len(segs):
		name := segs[m.pick].Name
		if i := slices.Index(m.picked, name); i >= 0 {
			m.picked = slices.Delete(m.picked, i, i+1)
		} else if len(m.picked) >= MaxSegments {
			m.status = fmt.Sprintf("at most %d segments", MaxSegments)
		} else {
			m.picked = append(m.picked, name)
		}
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
	return m, nil
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
	switch {
	case key.Matches(msg, m.keys.Close), key.Matches(msg, m.keys.Members):
		m.mode = m.membersFrom()
		m.memSeq++ // an answer still on its way is no longer wanted
	case key.Matches(msg, m.keys.Down):
		m.memOffset = min(m.memOffset+1, max(0, strings.Count(m.members, "\n")-1))
	case key.Matches(msg, m.keys.Up):
		m.memOffset = max(0, m.memOffset-1)
	case key.Matches(msg, m.keys.Copy) && m.copyText != "":
		m.status = "member ids copied to the clipboard"
		return m, tea.SetClipboard(m.copyText)
	}
	return m, nil
}

// membersFrom is where the member panel returns to.
func (m Model) membersFrom() mode {
	if m.memFromUpSet {
		return modeUpSet
	}
	return modeMatrix
}

// selection is the member set under the cursor and a label for it.
func (m Model) selection() (*query.MemberSet, string) {
	if m.result == nil || len(m.sets) == 0 {
		return nil, ""
	}
	if m.mode == modeUpSet {
		if m.bar >= len(m.groups) {
			return nil, ""
		}
		g := m.groups[m.bar]
		return exclusiveSet(m.sets, g.Segments), "only in " + m.joinNames(g.Segments)
	}
	i, j := m.row, m.col
	if i == j {
		return m.sets[i], m.names[i]
	}
	return m.sets[i].And(m.sets[j]), m.names[i] + " ∩ " + m.names[j]
}

func (m Model) joinNames(idx []int) string {
	parts := make([]string, len(idx))
	for k, i := range idx {
		parts[k] = m.names[i]
	}
	return strings.Join(parts, " ∩ ")
}

// exclusiveSet is the members in every segment of in and in none of the others.
func exclusiveSet(sets []*query.MemberSet, in []int) *query.MemberSet {
	var out *query.MemberSet
	for _, i := range in {
		if out == nil {
			out = sets[i]
		} else {
			out = out.And(sets[i])
		}
	}
	for i, s := range sets {
		if !slices.Contains(in, i) {
			out = out.AndNot(s)
		}
	}
	return out
}

func (m Model) showMembers() (Model, tea.Cmd) {
	set, label := m.selection()
	if set == nil {
		m.status = "wait for the comparison to finish"
		return m, nil
	}
	m.memFromUpSet = m.mode == modeUpSet
	m.mode = modeMembers
	m.memSeq++
	m.members = label + "\n\nreading members…"
	m.memOffset = 0
	m.copyText = ""
	seq, eng, unit, asOf, ctx := m.memSeq, m.deps.Engine, m.result.Unit, m.result.AsOf, m.ctx
	total := set.Count()
	return m, func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		members, err := eng.Members(ctx, set, unit, query.MembersOptions{Limit: 50, AsOf: asOf})
		if err != nil {
			return membersMsg{seq: seq, text: label + "\n\nCould not list members: " + err.Error()}
		}
		return membersMsg{seq: seq, text: label + "\n\n" + memberlist.Table(members, total), ids: memberlist.IDs(members)}
	}
}

// click selects the matrix cell or UpSet bar under the mouse.
func (m Model) click(msg tea.MouseClickMsg) (Model, tea.Cmd) {
	if msg.Button != tea.MouseLeft || m.result == nil || (m.mode != modeMatrix && m.mode != modeUpSet) {
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
		m.mode, m.bar = modeUpSet, y-l.upsetTop
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
		return helpMap{short: s, full: [][]key.Binding{{k.Up, k.Down}, s}}
	case modeMembers:
		s := []key.Binding{k.Up, k.Down, k.Copy, k.Close}
		return helpMap{short: s, full: [][]key.Binding{s}}
	}
	s := []key.Binding{k.Pick, k.Members, k.Metric, k.Focus}
	return helpMap{short: s, full: [][]key.Binding{{k.Up, k.Down, k.Left, k.Right}, s}}
}
