// Package tui is segscope's explorer. The root model here only routes: which screen has
// focus, the global keys, the tab bar and the status bar. Each screen is its own model in a
// package below; they never reach into each other.
package tui

import (
	"context"
	"fmt"
	"github.com/segscope/segscope/tui/layout"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/tui/builder"
	"github.com/segscope/segscope/tui/data"
	"github.com/segscope/segscope/tui/experiment"
	"github.com/segscope/segscope/tui/overlap"
	"github.com/segscope/segscope/tui/segments"
	"github.com/segscope/segscope/tui/theme"
	"github.com/segscope/segscope/tui/timeline"
)

// Env is what the explorer works on.
type Env struct {
	Store     *query.Store
	StoreName string    // shown in the status bar: a path, or "demo"
	AsOf      time.Time // zero: the latest event
	// Workspace is the folder of segment files; "" for none (saving is then off).
	Workspace string
	// WorkspaceLabel is what screens call the workspace instead of its path; "" shows the
	// path. A server gives a name, so visitors never see paths on the server.
	WorkspaceLabel string
	// Dark is the background assumed until the terminal answers (over SSH it may not).
	Dark bool
	// Clock times queries for the status bar; nil means time.Now. Tests pass a fixed clock
	// so that screens are reproducible.
	Clock func() time.Time
	// Engine evaluates on Store; nil makes one. A server gives every session the same
	// engine, so that what one visitor's screens computed (counts, sparklines) is cached
	// for the next instead of computed twenty times over.
	Engine *query.Engine
	// Info describes Store for the Data screen; nil reads it (Store.Info). A server gives
	// every session one shared reading: it scans the whole store, and twenty visitors
	// arriving together would otherwise scan it twenty times.
	Info func(context.Context) (*query.Info, error)
}

type screenID int

const (
	screenData screenID = iota
	screenSegments
	screenOverlap
	screenTimeline
	screenExperiment
	screenCount
)

var screenTitles = [screenCount]string{"Data", "Segments", "Overlap", "Timeline", "Experiment"}

// Model is the explorer's root model.
type Model struct {
	ctx    context.Context
	env    Env
	th     *theme.Theme
	keys   KeyMap
	help   help.Model
	spin   spinner.Model
	width  int
	height int
	active screenID
	engine *query.Engine

	data     data.Model
	segments segments.Model
	overlap  overlap.Model
	timeline timeline.Model
	exper    experiment.Model

	info      *query.Info
	infoErr   error
	asOf      time.Time
	pending   []string // background work by label, for the status bar
	lastQuery time.Duration
	spinning  bool // the status bar's spinner has a tick on its way
	markSeq   int  // the latest marks the Overlap screen was given
	helpPage  int  // the page of the full help shown
}

// New builds the explorer. ctx bounds every query it runs; cancel it to stop them.
func New(ctx context.Context, env Env) Model {
	if env.Clock == nil {
		env.Clock = time.Now
	}
	th := theme.New(env.Dark)
	keys := defaultKeyMap()
	for i := range screenCount {
		n := fmt.Sprint(int(i) + 1)
		keys.Screens = append(keys.Screens, key.NewBinding(key.WithKeys(n), key.WithHelp(n, strings.ToLower(screenTitles[i]))))
	}
	engine := env.Engine
	if engine == nil {
		engine = query.NewEngine(env.Store)
	}
	m := Model{
		ctx:     ctx,
		env:     env,
		th:      th,
		keys:    keys,
		help:    help.New(),
		spin:    spinner.New(spinner.WithSpinner(theme.SlowSpinner)),
		engine:  engine,
		data:    data.New(th),
		pending: []string{"reading store"},
	}
	m.segments = segments.New(ctx, segments.Deps{Engine: engine, Dir: env.Workspace, DirLabel: env.WorkspaceLabel, AsOf: env.AsOf, Clock: env.Clock}, th)
	showPath := func(file string) string { return builder.ShowPath(env.Workspace, env.WorkspaceLabel, file) }
	m.overlap = overlap.New(ctx, overlap.Deps{Engine: engine, AsOf: env.AsOf, Clock: env.Clock, DirLabel: env.WorkspaceLabel,
		Dir: env.Workspace, ShowPath: showPath}, th)
	m.timeline = timeline.New(ctx, timeline.Deps{Store: env.Store, Engine: engine, Dir: env.Workspace, DirLabel: env.WorkspaceLabel,
		AsOf: env.AsOf, Clock: env.Clock, ShowPath: showPath}, th)
	m.exper = experiment.New(ctx, experiment.Deps{}, th)
	m.applyTheme(th)
	return m
}

type infoMsg struct {
	info    *query.Info
	err     error
	elapsed time.Duration
}

func (m Model) readInfo() tea.Cmd {
	read, ctx, clock := m.env.Info, m.ctx, m.env.Clock
	if read == nil {
		read = m.env.Store.Info
	}
	return func() tea.Msg {
		start := clock()
		info, err := read(ctx)
		return infoMsg{info: info, err: err, elapsed: clock().Sub(start)}
	}
}

// Init asks for the terminal's background, reads the store and the workspace.
func (m Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.readInfo(), m.segments.Init(),
		m.timeline.Init(), m.exper.Init())
}

func (m *Model) applyTheme(th *theme.Theme) {
	m.th = th
	m.help.Styles = th.Help
	m.spin.Style = lipgloss.NewStyle().Foreground(th.Accent)
	m.data.SetTheme(th)
	m.segments.SetTheme(th)
	m.overlap.SetTheme(th)
	m.timeline.SetTheme(th)
	m.exper.SetTheme(th)
}

// Update routes messages: global keys here, the rest to the focused screen. The status
// bar's spinner turns only while something is pending: an idle explorer does no work
// between keystrokes, not even a redraw.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if t, ok := msg.(spinner.TickMsg); ok && t.ID == m.spin.ID() {
		if len(m.allPending()) == 0 {
			m.spinning = false // let the ticks stop
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	}
	next, cmd := m.update(msg)
	app := next.(Model)
	if !app.spinning && len(app.allPending()) > 0 {
		app.spinning = true
		cmd = tea.Batch(cmd, app.spin.Tick)
	}
	return app, cmd
}

func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.BackgroundColorMsg:
		m.applyTheme(theme.New(msg.IsDark()))
		return m, nil
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case infoMsg:
		m.pending = without(m.pending, "reading store")
		m.lastQuery = msg.elapsed
		m.info, m.infoErr = msg.info, msg.err
		if msg.err == nil {
			m.asOf = m.env.AsOf
			if m.asOf.IsZero() {
				m.asOf = msg.info.Last
			}
			m.data.SetInfo(msg.info)
			m.data.SetAsOf(m.asOf)
			m.segments.SetVocab(vocabOf(msg.info))
		}
		return m, nil
	case segments.MarkedMsg:
		if msg.Seq < m.markSeq {
			return m, nil // an earlier mark's message, overtaken by a later one
		}
		m.markSeq = msg.Seq
		return m, m.overlap.SetSegments(msg.Workspace, msg.Names)
	case segments.WorkspaceMsg:
		// A saved segment can be a campaign's trigger: the Timeline reads the workspace again.
		return m, tea.Batch(m.overlap.SetWorkspace(msg.Workspace), m.timeline.Reload())
	case data.AsOfMsg:
		return m, m.setAsOf(msg.Time)
	case tea.KeyPressMsg:
		if msg.String() != "ctrl+c" && m.capturing() {
			return m.updateScreen(msg) // typed text, not commands
		}
		switch {
		case key.Matches(msg, m.keys.Quit):
			if m.segments.Editing() {
				// The builder confirms unsaved changes before the app quits.
				m.focus(screenSegments)
				var cmd tea.Cmd
				m.segments, cmd = m.segments.AskQuit()
				return m, cmd
			}
			return m, tea.Quit
		case key.Matches(msg, m.keys.Help):
			// ? opens the full help; when it is longer than its share of the screen, ?
			// shows the next page, and after the last it closes.
			switch {
			case !m.help.ShowAll:
				m.help.ShowAll, m.helpPage = true, 0
			case m.helpPage+1 < len(m.helpPages()):
				m.helpPage++
			default:
				m.help.ShowAll, m.helpPage = false, 0
			}
			m.layout()
			return m, nil
		case key.Matches(msg, m.keys.NextTab):
			m.focus((m.active + 1) % screenCount)
			return m, nil
		case key.Matches(msg, m.keys.PrevTab):
			m.focus((m.active + screenCount - 1) % screenCount)
			return m, nil
		}
		for i, b := range m.keys.Screens {
			if key.Matches(msg, b) {
				m.focus(screenID(i))
				return m, nil
			}
		}
	}
	if c, ok := msg.(tea.MouseClickMsg); ok && c.Y == 0 && c.Button == tea.MouseLeft && !m.capturing() {
		if s, ok := m.tabAt(c.X); ok {
			m.focus(s)
		}
		return m, nil
	}
	switch msg.(type) {
	case tea.KeyPressMsg, tea.MouseMsg:
		return m.updateScreen(msg)
	}
	return m.broadcast(msg)
}

// broadcast gives a message that is not input to every screen: answers to background work
// belong to the screen that asked, whichever has focus now.
func (m Model) broadcast(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmds [6]tea.Cmd
	m.data, cmds[1] = m.data.Update(msg)
	m.segments, cmds[2] = m.segments.Update(msg)
	m.overlap, cmds[3] = m.overlap.Update(msg)
	m.timeline, cmds[4] = m.timeline.Update(msg)
	m.exper, cmds[5] = m.exper.Update(msg)
	return m, tea.Batch(cmds[:]...)
}

// setAsOf moves the evaluation time of every screen; zero means the latest event.
func (m *Model) setAsOf(t time.Time) tea.Cmd {
	shown := t
	if shown.IsZero() && m.info != nil {
		shown = m.info.Last
	}
	m.asOf = shown
	m.data.SetAsOf(shown)
	return tea.Batch(m.segments.SetAsOf(t), m.overlap.SetAsOf(t), m.timeline.SetAsOf(t))
}

func (m *Model) focus(s screenID) {
	m.active = s
	m.layout()
}

// capturing reports whether the focused screen is taking typed text.
func (m Model) capturing() bool {
	switch m.active {
	case screenData:
		return m.data.Capturing()
	case screenSegments:
		return m.segments.Capturing()
	case screenOverlap:
		return m.overlap.Capturing()
	case screenTimeline:
		return m.timeline.Capturing()
	case screenExperiment:
		return m.exper.Capturing()
	}
	return false
}

func (m Model) updateScreen(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.active {
	case screenData:
		m.data, cmd = m.data.Update(msg)
	case screenSegments:
		m.segments, cmd = m.segments.Update(msg)
	case screenOverlap:
		m.overlap, cmd = m.overlap.Update(msg)
	case screenTimeline:
		m.timeline, cmd = m.timeline.Update(msg)
	case screenExperiment:
		m.exper, cmd = m.exper.Update(msg)
	}
	return m, cmd
}

// vocabOf is what the builder offers to complete, from the store's description.
func vocabOf(info *query.Info) builder.Vocab {
	var v builder.Vocab
	for _, e := range info.EventCounts {
		v.Events = append(v.Events, e.Name)
	}
	for _, p := range info.Properties {
		v.Properties = append(v.Properties, p.Key)
	}
	for _, a := range info.Attributes {
		v.Attributes = append(v.Attributes, a.Name)
	}
	return v
}

// chromeHeight is the rows the tab bar, status bar and help take.
func (m Model) chromeHeight() int { return chromeAround(m.helpView()) }

// chromeAround is the chrome's height with help drawn: the tab bar, the blank line under
// it, the status bar and the help.
func chromeAround(help string) int { return 2 + 1 + lipgloss.Height(help) }

func (m *Model) layout() {
	m.help.SetWidth(m.width)
	h := max(0, m.height-m.chromeHeight())
	m.data.SetSize(m.width, h)
	m.segments.SetSize(m.width, h)
	m.overlap.SetSize(m.width, h)
	m.timeline.SetSize(m.width, h)
	m.exper.SetSize(m.width, h)
	m.overlap.SetTop(2) // the tab bar and the blank line under it
	m.segments.SetTop(2)
}

func (m Model) screenKeys() helpKeys {
	switch m.active {
	case screenData:
		return m.data.KeyMap()
	case screenSegments:
		return m.segments.KeyMap()
	case screenOverlap:
		return m.overlap.KeyMap()
	case screenTimeline:
		return m.timeline.KeyMap()
	case screenExperiment:
		return m.exper.KeyMap()
	}
	return nil
}

func (m Model) helpView() string {
	k := m.keys
	k.screenKS = m.screenKeys()
	if !m.help.ShowAll {
		return m.help.ShortHelpView(k.ShortHelp())
	}
	pages := m.helpPages()
	page := pages[min(m.helpPage, len(pages)-1)]
	switch {
	case m.helpPage+1 < len(pages):
		page = append(page, m.th.Subtle.Render(fmt.Sprintf("? more (page %d of %d)", m.helpPage+1, len(pages))))
	case len(pages) > 1:
		page = append(page, m.th.Subtle.Render(fmt.Sprintf("? closes the help (page %d of %d)", m.helpPage+1, len(pages))))
	default:
		page = append(page, m.th.Subtle.Render("? closes the help"))
	}
	return strings.Join(page, "\n")
}

// helpPages are the full help, its columns reflowed to the width, cut into pages of at
// most half the screen (so the screen stays in view behind it).
func (m Model) helpPages() [][]string {
	k := m.keys
	k.screenKS = m.screenKeys()
	lines := fullHelpLines(k.FullHelp(), m.help.Styles, m.width)
	room := max(3, m.height/2-1)
	var pages [][]string
	for len(lines) > room {
		cut := room
		// Break between bands rather than inside one when a blank line is near.
		for i := room; i > room/2; i-- {
			if lines[i-1] == "" {
				cut = i
				break
			}
		}
		pages = append(pages, lines[:cut])
		lines = lines[cut:]
		for len(lines) > 0 && lines[0] == "" {
			lines = lines[1:]
		}
	}
	return append(pages, lines)
}

// fullHelpLines lays the help's groups out as columns, as many side by side as the width
// holds, the others in further bands below: no column is lost at 80 columns.
func fullHelpLines(groups [][]key.Binding, st help.Styles, width int) []string {
	const gap = "    "
	var cols []string
	for _, g := range groups {
		var rows []string
		keyW := 0
		for _, b := range g {
			if b.Enabled() {
				keyW = max(keyW, ansi.StringWidth(b.Help().Key))
			}
		}
		for _, b := range g {
			if !b.Enabled() {
				continue
			}
			rows = append(rows, st.FullKey.Render(layout.PadRight(b.Help().Key, keyW))+" "+st.FullDesc.Render(b.Help().Desc))
		}
		if len(rows) > 0 {
			cols = append(cols, strings.Join(rows, "\n"))
		}
	}
	var lines []string
	var band []string
	bandW := 0
	flush := func() {
		if len(band) == 0 {
			return
		}
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, band...), "\n")...)
		band, bandW = nil, 0
	}
	for _, c := range cols {
		w := lipgloss.Width(c)
		if len(band) > 0 && bandW+len(gap)+w > width {
			flush()
		}
		if len(band) > 0 {
			band = append(band, gap)
			bandW += len(gap)
		}
		band = append(band, c)
		bandW += w
	}
	flush()
	for i, l := range lines {
		lines[i] = ansi.Truncate(strings.TrimRight(l, " "), width, "…")
	}
	return lines
}

// View draws the tab bar, the focused screen, the status bar and help.
func (m Model) View() tea.View {
	var content string
	if m.width == 0 {
		content = "" // the size arrives first; nothing sensible can be drawn before it
	} else {
		content = m.render()
	}
	v := tea.NewView(content)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "segscope · " + m.env.StoreName
	return v
}

func (m Model) render() string {
	help := m.helpView() // drawn once a frame: it is measured for the body's height too
	body := layout.Fit(m.screenView(), m.width, max(0, m.height-chromeAround(help)))
	return strings.Join([]string{m.tabBar(), "", body, m.statusBar(), help}, "\n")
}

func (m Model) screenView() string {
	if m.infoErr != nil {
		return m.th.Error.Render("Could not read the store: ") + m.th.Text.Render(m.infoErr.Error())
	}
	switch m.active {
	case screenData:
		return m.data.View()
	case screenSegments:
		return m.segments.View()
	case screenOverlap:
		return m.overlap.View()
	case screenTimeline:
		return m.timeline.View()
	case screenExperiment:
		return m.exper.View()
	}
	return ""
}

// tabAt is the screen whose tab is drawn at column x of the tab bar.
func (m Model) tabAt(x int) (screenID, bool) {
	left := lipgloss.Width(m.th.Title.Render("segscope")) + 1
	for i := range screenCount {
		w := lipgloss.Width(m.th.TabInactive.Render(fmt.Sprintf("%d %s", int(i)+1, screenTitles[i])))
		if x >= left && x < left+w {
			return i, true
		}
		left += w + 1
	}
	return 0, false
}

func (m Model) tabBar() string {
	tabs := []string{m.th.Title.Render("segscope")}
	for i := range screenCount {
		label := fmt.Sprintf("%d %s", int(i)+1, screenTitles[i])
		if i == m.active {
			tabs = append(tabs, m.th.TabActive.Render(label))
		} else {
			tabs = append(tabs, m.th.TabInactive.Render(label))
		}
	}
	return ansi.Truncate(strings.Join(tabs, " "), m.width, "…")
}

func (m Model) statusBar() string {
	th := m.th
	seg := func(k, v string) string { return th.StatusKey.Render(k+" ") + th.StatusValue.Render(v) }
	parts := []string{seg("store", m.env.StoreName)}
	if !m.asOf.IsZero() {
		parts = append(parts, seg("as of", format.Timestamp(m.asOf)))
	}
	if m.info != nil {
		parts = append(parts, seg("universe", format.Count(m.info.Users)))
	}
	if m.lastQuery > 0 {
		parts = append(parts, seg("last query", format.Elapsed(m.lastQuery)))
	}
	if pending := m.allPending(); len(pending) > 0 {
		parts = append(parts, m.spin.View()+" "+th.Subtle.Render(strings.Join(pending, ", ")))
	}
	return ansi.Truncate(th.StatusBar.Render(strings.Join(parts, th.Subtle.Render("  │  "))), m.width, "…")
}

// allPending is the background work of the app and every screen, by label.
func (m Model) allPending() []string {
	pending := m.pending
	for _, p := range []string{m.segments.Pending(), m.overlap.Pending(), m.timeline.Pending(), m.exper.Pending()} {
		if p != "" {
			pending = append(slices.Clone(pending), p)
		}
	}
	return pending
}

// without returns a copy of list without label: models are values, so shared backing
// arrays must not be mutated.
func without(list []string, label string) []string {
	out := make([]string, 0, len(list))
	for _, l := range list {
		if l != label {
			out = append(out, l)
		}
	}
	return out
}
