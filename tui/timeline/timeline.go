// Package timeline is the explorer's Timeline screen: the workspace's campaigns, and for the
// one chosen its replay over history (sends per day stacked by step, people reached,
// holdout, suppressions, deferrals and collisions), and one person's events and messages
// interleaved. Replays and look-ups run in the background; a newer one cancels the older.
package timeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/sim"
	"github.com/segscope/segscope/tui/list"
	"github.com/segscope/segscope/tui/memberlist"
	"github.com/segscope/segscope/tui/theme"
)

// CampaignChosenMsg says a campaign was replayed and chosen: the Experiment screen plans a
// test on it. Replay is the campaign's own result (read-only).
type CampaignChosenMsg struct {
	Campaign *segments.Campaign
	Replay   *sim.CampaignReplay
	AsOf     time.Time
}

// Deps is what the screen works with.
type Deps struct {
	Store *query.Store
	// Engine evaluates segment triggers and lists people; nil makes one for Store. Pass the
	// app's engine to share its cache.
	Engine *query.Engine
	Dir    string // the workspace folder with campaigns; "" for none
	// DirLabel, when set, names Dir in messages: files are shown relative to it.
	DirLabel string
	AsOf     time.Time // zero: the latest event
	// ShowPath writes a workspace file's path as the screen shows it (exports); nil shows
	// it as it is.
	ShowPath func(string) string
	// Clock times the replays; nil means time.Now (tests pass a fixed clock).
	Clock func() time.Time
}

// KeyMap lists the screen's keys.
type KeyMap struct {
	Up, Down, Replay, Prev, Next, Together, Person, Reload, Back key.Binding
	PageUp, PageDown, Top, Bottom, Left, Right, Confirm, Cancel  key.Binding
	Filter, Copy, CSV, Parquet                                   key.Binding
}

// DefaultKeyMap is the screen's bindings. ←/→ scroll wide tables sideways, as on every
// screen; [ and ] step through the campaigns.
func DefaultKeyMap() KeyMap {
	nav := list.DefaultKeyMap() // the same paging and sideways keys as every list
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Replay:   key.NewBinding(key.WithKeys("enter", "space"), key.WithHelp("enter", "replay")),
		Prev:     key.NewBinding(key.WithKeys("["), key.WithHelp("[", "previous campaign")),
		Next:     key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "next campaign")),
		Together: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "with all campaigns")),
		Person:   key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pick a person")),
		Reload:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reload campaigns")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		PageUp:   nav.PageUp,
		PageDown: nav.PageDown,
		Top:      nav.Top,
		Bottom:   nav.Bottom,
		Left:     nav.Left,
		Right:    nav.Right,
		Confirm:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open timeline")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter by id")),
		Copy:     key.NewBinding(key.WithKeys("c", "y"), key.WithHelp("c", "copy all ids")),
		CSV:      key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "export csv")),
		Parquet:  key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "export parquet")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return enabled(k.Up, k.Down, k.Replay, k.Prev, k.Next, k.Person, k.Together, k.Confirm, k.Copy, k.CSV, k.Filter, k.Cancel, k.Back, k.PageDown)
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	groups := [][]key.Binding{
		enabled(k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Left, k.Right),
		enabled(k.Replay, k.Prev, k.Next, k.Together, k.Reload),
		enabled(k.Person, k.Confirm, k.Filter, k.Copy, k.CSV, k.Parquet, k.Cancel, k.Back),
	}
	return slices.DeleteFunc(groups, func(g []key.Binding) bool { return len(g) == 0 })
}

func enabled(bs ...key.Binding) []key.Binding {
	var out []key.Binding
	for _, b := range bs {
		if b.Enabled() {
			out = append(out, b)
		}
	}
	return out
}

// view is what the screen shows.
type view int

const (
	viewList   view = iota // the campaigns
	viewReplay             // the chosen campaign's replay
	viewPicker             // choosing a person
	viewPerson             // one person's timeline
)

// wideAt is the width from which the campaign list stays beside the replay.
const wideAt = 120

// listW is the campaign list's width beside the replay.
const listW = 30

// person is one entry of the person picker.
type person struct {
	uid       int32
	userID    string
	events    int64
	lastSeen  time.Time
	collision bool // among the first people with a collision
	reached   bool // among the first people the campaign sent a message to
}

// Model is the Timeline screen.
type Model struct {
	ctx     context.Context
	deps    Deps
	loadDir string // where the workspace is read from: deps.Dir, unless a test says otherwise
	engine  *query.Engine
	th      *theme.Theme
	keys    KeyMap
	spin    spinner.Model
	width   int
	height  int
	view    view

	// The workspace.
	wsGen   int
	loading bool
	ws      *segments.Workspace
	wsErr   error
	cursor  int

	// The replay: the latest request, what runs, what is shown.
	together  bool // replay every campaign of the workspace together (collisions across them)
	reqID     int
	cancel    context.CancelFunc
	running   string // the campaign being replayed; "" when idle
	replay    *sim.Replay
	replayGen int  // the workspace generation it was made from
	replayAll bool // whether it holds every campaign
	shown     int  // index of the chosen campaign in replay.Campaigns
	replayErr error
	replayFor string // the campaign the error or result is for
	elapsed   time.Duration

	// The replay as a document: prose wrapped whole, tables scrolled sideways.
	panel list.Model

	// The person picker and timeline.
	people     []person
	peopleErr  error
	peopleBusy bool
	picker     list.Model // the people listed; / filters, and a typed id is looked up
	pickStatus string     // what copying or exporting the people did
	pickBusy   string
	personID   int
	personBusy string // what is being looked up
	personErr  error
	tl         *sim.Timeline
	lines      list.Model // the person's timeline
}

// New builds the screen; Init reads the workspace.
func New(ctx context.Context, deps Deps, th *theme.Theme) Model {
	eng := deps.Engine
	if deps.Clock == nil {
		deps.Clock = time.Now
	}
	if eng == nil && deps.Store != nil {
		eng = query.NewEngine(deps.Store)
	}
	m := Model{ctx: ctx, deps: deps, engine: eng, th: th, keys: DefaultKeyMap(),
		picker: list.New(th, list.Selectable(), list.Filterable(false), list.Noun("people")),
		panel:  list.New(th), lines: list.New(th, list.Noun("lines")),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot)), wsGen: 1, loading: deps.Dir != ""}
	m.SetTheme(th)
	m.syncKeys()
	return m
}

// SetTheme swaps the styles.
func (m *Model) SetTheme(th *theme.Theme) {
	m.th = th
	m.spin.Style = lipgloss.NewStyle().Foreground(th.Accent)
	m.panel.SetTheme(th)
	m.lines.SetTheme(th)
	m.picker.SetTheme(th)
	m.refresh()
}

// SetSize sets the area the screen draws in.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.refresh()
	m.syncKeys()
}

// SetAsOf changes the end of history: the replay shown is run again.
func (m *Model) SetAsOf(t time.Time) tea.Cmd {
	m.deps.AsOf = t
	if m.replay == nil && m.running == "" {
		return nil
	}
	name := m.running
	if name == "" && m.replay != nil {
		name = m.replay.Campaigns[m.shown].Campaign.Name
	}
	m.replay = nil
	return m.startReplay(name)
}

// Reload reads the workspace again (after a campaign file changed).
func (m *Model) Reload() tea.Cmd { return m.load() }

// Capturing reports whether keys are text being typed.
func (m Model) Capturing() bool { return m.view == viewPicker && m.picker.Filtering() }

// KeyMap returns the bindings that apply now.
func (m Model) KeyMap() KeyMap { return m.keys }

// Pending names the background work for the status bar; "" when idle.
func (m Model) Pending() string {
	switch {
	case m.loading:
		return "reading campaigns"
	case m.running != "":
		return "replaying " + m.running
	case m.personBusy != "":
		return "replaying " + m.personBusy
	case m.pickBusy != "":
		return m.pickBusy
	}
	return ""
}

func (m Model) busy() bool {
	return m.loading || m.running != "" || m.personBusy != "" || m.peopleBusy || m.pickBusy != ""
}

func (m Model) wide() bool { return m.width >= wideAt }

func (m Model) campaigns() []*segments.Campaign {
	if m.ws == nil {
		return nil
	}
	return m.ws.Campaigns
}

func (m *Model) syncKeys() {
	k := &m.keys
	n := len(m.campaigns())
	list := m.view == viewList || (m.view == viewReplay && m.wide())
	doc := m.view == viewReplay || m.view == viewPerson
	k.Up.SetEnabled(list && n > 1 || doc || m.view == viewPicker)
	k.Down.SetEnabled(list && n > 1 || doc || m.view == viewPicker)
	k.Replay.SetEnabled(list && n > 0)
	k.Prev.SetEnabled(m.view == viewReplay && n > 1)
	k.Next.SetEnabled(m.view == viewReplay && n > 1)
	k.Together.SetEnabled((m.view == viewList || m.view == viewReplay) && n > 1)
	if m.together {
		k.Together.SetHelp("a", "replay alone")
	} else {
		k.Together.SetHelp("a", "with all campaigns")
	}
	k.Person.SetEnabled((m.view == viewReplay || m.view == viewPerson) && m.replay != nil)
	k.Reload.SetEnabled(m.view == viewList || m.view == viewReplay)
	k.Back.SetEnabled(m.view == viewReplay && !m.wide() || m.view == viewPerson)
	k.PageUp.SetEnabled(doc || m.view == viewPicker)
	k.PageDown.SetEnabled(doc || m.view == viewPicker)
	k.Top.SetEnabled(doc || m.view == viewPicker)
	k.Bottom.SetEnabled(doc || m.view == viewPicker)
	k.Left.SetEnabled(doc)
	k.Right.SetEnabled(doc)
	picking := m.view == viewPicker
	k.Confirm.SetEnabled(picking)
	k.Cancel.SetEnabled(picking)
	k.Filter.SetEnabled(picking && !m.picker.Filtering())
	k.Copy.SetEnabled(picking && !m.picker.Filtering() && len(m.people) > 0)
	k.CSV.SetEnabled(picking && !m.picker.Filtering() && len(m.people) > 0)
	k.Parquet.SetEnabled(picking && !m.picker.Filtering() && len(m.people) > 0)
}

// Messages of the screen's background work.
type (
	workspaceMsg struct {
		gen int
		ws  *segments.Workspace
		err error
	}
	replayMsg struct {
		id   int
		name string
		all  bool
		gen  int
		r    *sim.Replay
		took time.Duration
		err  error
	}
	peopleMsg struct {
		id     int
		people []person
		err    error
	}
	personMsg struct {
		id  int
		tl  *sim.Timeline
		err error
	}
	// pickDoneMsg says what copying or exporting the listed people did; copy is the
	// clipboard's text when copying.
	pickDoneMsg struct {
		id     int
		status string
		copy   string
		err    error
	}
)

// Init reads the workspace (New has already counted that load as generation 1).
func (m Model) Init() tea.Cmd {
	return m.loadCmd()
}

func (m *Model) load() tea.Cmd {
	m.wsGen++
	m.loading = true
	return m.loadCmd()
}

func (m Model) loadCmd() tea.Cmd {
	gen, dir := m.wsGen, m.deps.Dir
	if m.loadDir != "" {
		dir = m.loadDir
	}
	return tea.Batch(m.spin.Tick, func() tea.Msg {
		if dir == "" {
			return workspaceMsg{gen: gen}
		}
		ws, err := segments.LoadWorkspace(dir)
		return workspaceMsg{gen: gen, ws: ws, err: err}
	})
}

// startReplay replays the named campaign (with every other one when together is on),
// cancelling the replay that runs.
func (m *Model) startReplay(name string) tea.Cmd {
	camps := m.campaigns()
	i := slices.IndexFunc(camps, func(c *segments.Campaign) bool { return c.Name == name })
	if i < 0 || m.deps.Store == nil {
		return nil
	}
	m.replayErr = nil
	m.replayFor = name
	// Every campaign was replayed together already: choosing another is instant.
	if m.together && m.replay != nil && m.replayAll && m.replayGen == m.wsGen {
		if j := m.indexOf(name); j >= 0 {
			m.stopReplay()
			m.shown = j
			m.resetPerson()
			return tea.Batch(m.chosen(), m.lookupPeople())
		}
	}
	m.stopReplay()
	m.reqID++
	ctx, cancel := context.WithCancel(m.ctx)
	m.cancel = cancel
	m.running = name
	run := []*segments.Campaign{camps[i]}
	if m.together {
		run = camps
	}
	id, gen, all, store, clock := m.reqID, m.wsGen, m.together, m.deps.Store, m.deps.Clock
	opt := sim.Options{AsOf: m.deps.AsOf, Engine: m.engine}
	if m.ws != nil {
		opt.Segments = m.ws
	}
	return tea.Batch(m.spin.Tick, func() tea.Msg {
		start := clock()
		r, err := sim.Run(ctx, store, run, opt)
		return replayMsg{id: id, name: name, all: all, gen: gen, r: r, took: clock().Sub(start), err: err}
	})
}

func (m *Model) stopReplay() {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	m.running = ""
}

func (m Model) indexOf(name string) int {
	if m.replay == nil {
		return -1
	}
	return slices.IndexFunc(m.replay.Campaigns, func(c *sim.CampaignReplay) bool { return c.Campaign.Name == name })
}

func (m Model) chosen() tea.Cmd {
	c := m.replay.Campaigns[m.shown]
	msg := CampaignChosenMsg{Campaign: c.Campaign, Replay: c, AsOf: m.replay.AsOf}
	return func() tea.Msg { return msg }
}

func (m *Model) resetPerson() {
	m.people, m.peopleErr, m.peopleBusy = nil, nil, false
	m.tl, m.personErr, m.personBusy = nil, nil, ""
	m.pickStatus, m.pickBusy = "", ""
	m.picker.ClearFilter()
	m.personID++
	if m.view == viewPicker || m.view == viewPerson {
		m.view = viewReplay
	}
}

// lookupPeople lists the people the picker offers: the first reached by the campaign and
// the first with a collision, with their user ids.
func (m *Model) lookupPeople() tea.Cmd {
	if m.replay == nil || m.engine == nil {
		return nil
	}
	c := m.replay.Campaigns[m.shown]
	reached := map[int32]bool{}
	collided := map[int32]bool{}
	var ids []uint32
	for _, u := range c.Examples {
		reached[u] = true
		ids = append(ids, uint32(u))
	}
	for _, u := range m.replay.CollisionExamples {
		collided[u] = true
		if !reached[u] {
			ids = append(ids, uint32(u))
		}
	}
	if len(ids) == 0 {
		return nil
	}
	m.peopleBusy = true
	id, eng, ctx, asOf := m.personID, m.engine, m.ctx, m.replay.AsOf
	return func() tea.Msg {
		ms, err := eng.Members(ctx, query.NewMemberSet(ids...), segments.UnitUser, query.MembersOptions{Limit: len(ids), AsOf: asOf})
		if err != nil {
			return peopleMsg{id: id, err: err}
		}
		var out []person
		for _, mb := range ms {
			u := int32(mb.ID)
			out = append(out, person{uid: u, userID: mb.Key, events: mb.Events, lastSeen: mb.LastSeen,
				collision: collided[u], reached: reached[u]})
		}
		// Collisions first: they are what a person picker is most often opened for.
		slices.SortStableFunc(out, func(a, b person) int {
			if a.collision != b.collision {
				if a.collision {
					return -1
				}
				return 1
			}
			return 0
		})
		return peopleMsg{id: id, people: out}
	}
}

// openPerson replays one person: by uid, or by the user id typed.
func (m *Model) openPerson(uid int32, userID string) tea.Cmd {
	if m.replay == nil {
		return nil
	}
	m.personID++
	m.personErr, m.tl = nil, nil
	m.personBusy = "person " + userID
	m.view = viewPerson
	m.picker.ClearFilter()
	id, r, ctx := m.personID, m.replay, m.ctx
	byID := uid < 0
	return tea.Batch(m.spin.Tick, func() tea.Msg {
		if byID {
			u, err := r.FindPerson(ctx, userID)
			if err != nil {
				return personMsg{id: id, err: err}
			}
			uid = u
		}
		tl, err := r.PersonTimeline(ctx, uid)
		return personMsg{id: id, tl: tl, err: err}
	})
}

// Update handles a message.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	m, cmd := m.update(msg)
	m.refresh()
	m.syncKeys()
	return m, cmd
}

func (m Model) update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case spinner.TickMsg:
		if msg.ID != m.spin.ID() || !m.busy() {
			return m, nil // another spinner's, or the work is done: let the ticks stop
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case workspaceMsg:
		if msg.gen != m.wsGen {
			return m, nil
		}
		m.loading = false
		m.ws, m.wsErr = msg.ws, msg.err
		m.cursor = min(m.cursor, max(0, len(m.campaigns())-1))
		// The replay shown may be of a campaign that changed: run it again when it is
		// still there, else drop it.
		if m.replay != nil || m.running != "" {
			name := m.running
			if name == "" {
				name = m.replay.Campaigns[m.shown].Campaign.Name
			}
			m.replay = nil
			m.resetPerson()
			if m.ws != nil && m.ws.Campaign(name) != nil {
				return m, m.startReplay(name)
			}
			m.stopReplay()
			if m.view != viewList {
				m.view = viewList
			}
		}
		return m, nil
	case replayMsg:
		if msg.id != m.reqID {
			return m, nil // an older replay's answer
		}
		m.running, m.cancel = "", nil
		if msg.err != nil {
			if errors.Is(msg.err, context.Canceled) {
				return m, nil
			}
			m.replayErr, m.replayFor = msg.err, msg.name
			return m, nil
		}
		m.replay, m.replayAll, m.replayGen, m.elapsed = msg.r, msg.all, msg.gen, msg.took
		m.shown = max(0, m.indexOf(msg.name))
		m.resetPerson()
		return m, tea.Batch(m.chosen(), m.lookupPeople())
	case peopleMsg:
		if msg.id != m.personID {
			return m, nil
		}
		m.peopleBusy = false
		m.people, m.peopleErr = msg.people, msg.err
		m.fillPicker()
		return m, nil
	case personMsg:
		if msg.id != m.personID {
			return m, nil
		}
		m.personBusy = ""
		if msg.err != nil && errors.Is(msg.err, context.Canceled) {
			return m, nil
		}
		m.tl, m.personErr = msg.tl, msg.err
		m.lines = list.New(m.th, list.Noun("lines")) // a new person starts at the top
		return m, nil
	case pickDoneMsg:
		if msg.id != m.personID {
			return m, nil
		}
		m.pickBusy = ""
		if msg.err != nil {
			m.pickStatus = "✗ " + msg.err.Error()
			return m, nil
		}
		m.pickStatus = msg.status
		if msg.copy != "" {
			return m, tea.SetClipboard(msg.copy)
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.updateKey(msg)
	case tea.MouseWheelMsg:
		switch m.view {
		case viewPerson:
			m.lines, _, _ = m.lines.Update(msg)
		case viewPicker:
			m.picker, _, _ = m.picker.Update(msg)
		case viewReplay:
			if !m.wide() {
				m.panel, _, _ = m.panel.Update(msg)
				return m, nil
			}
			fallthrough
		case viewList:
			d := 1
			if msg.Button == tea.MouseWheelUp {
				d = -1
			} else if msg.Button != tea.MouseWheelDown {
				return m, nil
			}
			m.cursor = max(0, min(m.cursor+d, len(m.campaigns())-1))
		}
	}
	return m, nil
}

func (m Model) updateKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	switch m.view {
	case viewPicker:
		return m.updatePicker(msg)
	case viewPerson:
		switch {
		case key.Matches(msg, k.Back):
			m.view = viewReplay
		case key.Matches(msg, k.Person):
			return m.openPicker()
		default:
			m.lines, _, _ = m.lines.Update(msg)
		}
		return m, nil
	}
	camps := m.campaigns()
	// The replay is a document: on a narrow screen ↑/↓ scroll it (the list is not shown);
	// page keys, g/G and ←/→ scroll it at any width.
	if m.view == viewReplay && m.replay != nil {
		doc := key.Matches(msg, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Left, k.Right) ||
			!m.wide() && key.Matches(msg, k.Up, k.Down)
		if doc {
			m.panel, _, _ = m.panel.Update(msg)
			return m, nil
		}
	}
	switch {
	case key.Matches(msg, k.Up) && k.Up.Enabled():
		m.cursor = max(0, m.cursor-1)
	case key.Matches(msg, k.Down) && k.Down.Enabled():
		m.cursor = min(len(camps)-1, m.cursor+1)
	case key.Matches(msg, k.Replay) && k.Replay.Enabled():
		m.view = viewReplay
		m.panel = list.New(m.th) // a new replay starts at the top
		return m, m.startReplay(camps[m.cursor].Name)
	case key.Matches(msg, k.Prev) && k.Prev.Enabled():
		m.cursor = (m.cursor + len(camps) - 1) % len(camps)
		return m, m.startReplay(camps[m.cursor].Name)
	case key.Matches(msg, k.Next) && k.Next.Enabled():
		m.cursor = (m.cursor + 1) % len(camps)
		return m, m.startReplay(camps[m.cursor].Name)
	case key.Matches(msg, k.Together) && k.Together.Enabled():
		m.together = !m.together
		if m.view == viewReplay && (m.replay != nil || m.running != "") {
			m.replay = nil
			return m, m.startReplay(camps[m.cursor].Name)
		}
	case key.Matches(msg, k.Reload) && k.Reload.Enabled():
		return m, m.load()
	case key.Matches(msg, k.Back) && k.Back.Enabled():
		m.view = viewList
	case key.Matches(msg, k.Person) && k.Person.Enabled():
		return m.openPicker()
	}
	return m, nil
}

// openPicker lists the people to open: typing filters them by id at once (enter on an id
// nobody listed looks it up in the store).
func (m Model) openPicker() (Model, tea.Cmd) {
	m.view = viewPicker
	m.pickStatus = ""
	m.picker.ClearFilter()
	m.fillPicker()
	var cmd tea.Cmd
	m.picker, cmd, _ = m.picker.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
	return m, cmd
}

func (m Model) updatePicker(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	if m.picker.Filtering() {
		if msg.String() == "enter" {
			typed := m.picker.FilterText()
			vis := m.picker.Visible()
			if len(vis) == 0 {
				if typed == "" {
					return m, nil
				}
				return m, m.openPerson(-1, typed) // not listed: look the id up
			}
			if i := m.picker.Index(); i >= 0 && i < len(m.people) {
				// An exact id wins over the highlight.
				for _, j := range vis {
					if m.people[j].userID == typed {
						i = j
					}
				}
				return m, m.openPerson(m.people[i].uid, m.people[i].userID)
			}
			return m, nil
		}
		if msg.String() == "esc" && m.picker.FilterText() == "" {
			m.picker.ClearFilter() // stop typing: the list's keys (c, x, g, G…) work; esc again goes back
			return m, nil
		}
		var cmd tea.Cmd
		m.picker, cmd, _ = m.picker.Update(msg)
		return m, cmd
	}
	switch {
	case key.Matches(msg, k.Cancel) && m.picker.FilterText() == "":
		m.view = m.pickerReturn()
		return m, nil
	case key.Matches(msg, k.Confirm):
		if i := m.picker.Index(); i >= 0 && i < len(m.people) {
			return m, m.openPerson(m.people[i].uid, m.people[i].userID)
		}
		return m, nil
	case key.Matches(msg, k.Copy) && k.Copy.Enabled():
		return m, m.takePeople("")
	case key.Matches(msg, k.CSV) && k.CSV.Enabled():
		return m, m.takePeople(memberlist.CSV)
	case key.Matches(msg, k.Parquet) && k.Parquet.Enabled():
		return m, m.takePeople(memberlist.Parquet)
	}
	var cmd tea.Cmd
	m.picker, cmd, _ = m.picker.Update(msg)
	return m, cmd
}

// pickerReturn is where esc leaves the picker for.
func (m Model) pickerReturn() view {
	if m.tl != nil || m.personBusy != "" {
		return viewPerson
	}
	return viewReplay
}

// takePeople copies the ids of everyone the shown campaign reached (f empty), or exports
// them all: the whole group, not only the examples the picker lists.
func (m *Model) takePeople(f memberlist.Format) tea.Cmd {
	if m.pickBusy != "" || m.replay == nil || m.engine == nil {
		return nil
	}
	c := m.replay.Campaigns[m.shown]
	if len(c.ReachedPeople) == 0 {
		return nil
	}
	if f != "" && m.deps.Dir == "" {
		m.pickStatus = "✗ exporting is off: no workspace folder (start with --segments DIR)"
		return nil
	}
	ids := make([]uint32, len(c.ReachedPeople))
	for i, u := range c.ReachedPeople {
		ids[i] = uint32(u)
	}
	set := query.NewMemberSet(ids...)
	name := c.Campaign.Name
	id, eng, ctx, asOf, dir, show := m.personID, m.engine, m.ctx, m.replay.AsOf, m.deps.Dir, m.deps.ShowPath
	m.pickStatus = ""
	if f == "" {
		m.pickBusy = "copying ids"
		return func() tea.Msg {
			text, n, err := memberlist.CopyText(ctx, eng, set, segments.UnitUser)
			return pickDoneMsg{id: id, copy: text, err: err,
				status: fmt.Sprintf("copied the ids of all %s people reached to the clipboard (OSC 52)", format.Count(int64(n)))}
		}
	}
	m.pickBusy = "exporting people"
	return func() tea.Msg {
		path, n, err := memberlist.Export(ctx, eng, set, segments.UnitUser, asOf, dir, name+"-reached", f)
		if show != nil {
			path = show(path)
		}
		return pickDoneMsg{id: id, err: err, status: fmt.Sprintf("wrote all %s people reached to %s", format.Count(int64(n)), path)}
	}
}
