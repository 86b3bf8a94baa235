// Package data is the explorer's Data screen: what the store holds (counts, date range,
// events per day, event names, property keys, attributes, rejected rows, sources).
package data

import (
	"fmt"
	"github.com/segscope/segscope/tui/layout"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/chart"
	"github.com/segscope/segscope/tui/input"
	"github.com/segscope/segscope/tui/list"
	"github.com/segscope/segscope/tui/theme"
)

// KeyMap lists the Data screen's keys.
type KeyMap struct {
	Down, Up          key.Binding
	AsOf, Latest      key.Binding
	DayBack, DayAhead key.Binding
	Confirm, Cancel   key.Binding
	nav               []key.Binding // the list's paging and sideways keys
}

// DefaultKeyMap scrolls the lists and moves as_of.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Down:     key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("↓/j", "scroll")),
		Up:       key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑/k", "scroll")),
		AsOf:     key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "set as of")),
		Latest:   key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "as of latest")),
		DayBack:  key.NewBinding(key.WithKeys("["), key.WithHelp("[", "as of −1 day")),
		DayAhead: key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "as of +1 day")),
		Confirm:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	if k.Confirm.Enabled() {
		return []key.Binding{k.Confirm, k.Cancel}
	}
	return []key.Binding{k.Down, k.Up, k.AsOf, k.DayBack, k.DayAhead}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	if k.Confirm.Enabled() {
		return [][]key.Binding{{k.Confirm, k.Cancel}}
	}
	nav := []key.Binding{k.Down, k.Up}
	if len(k.nav) > 2 {
		nav = append(nav, k.nav[2:]...)
	}
	return [][]key.Binding{nav, {k.AsOf, k.Latest, k.DayBack, k.DayAhead}}
}

// AsOfMsg asks the app to evaluate everything as of another time; zero means the latest
// event.
type AsOfMsg struct{ Time time.Time }

// Model is the Data screen.
type Model struct {
	th     *theme.Theme
	keys   KeyMap
	info   *query.Info
	asOf   time.Time
	width  int
	height int
	// lists is the event names, property keys and user attributes as one document below
	// the chart: every section is reached by scrolling, at any size.
	lists list.Model

	editing bool // typing a new as_of
	input   input.Model
	err     string // why the typed as_of was refused
}

// New builds the screen; it shows a placeholder until SetInfo.
func New(th *theme.Theme) Model {
	in := input.New(th.Selected.Reverse(true))
	in.Input.Prompt = "as of "
	in.Input.Placeholder = "2026-11-01 or 2026-11-01T12:00:00Z; empty for the latest event"
	in.Input.CharLimit = 40
	m := Model{th: th, keys: DefaultKeyMap(), input: in, lists: list.New(th)}
	m.syncKeys()
	return m
}

// Capturing reports whether keys are text being typed.
func (m Model) Capturing() bool { return m.editing }

// SetTheme swaps the styles (the background colour arrived).
func (m *Model) SetTheme(th *theme.Theme) {
	m.th = th
	m.lists.SetTheme(th)
	m.fillLists()
}

// SetSize sets the area the screen draws in.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.fillLists()
}

// SetInfo gives the screen the store's description.
func (m *Model) SetInfo(info *query.Info) {
	m.info = info
	m.fillLists()
	m.syncKeys()
}

// SetAsOf sets the evaluation time shown.
func (m *Model) SetAsOf(t time.Time) { m.asOf = t }

// KeyMap returns the screen's bindings for help.
func (m Model) KeyMap() KeyMap {
	k := m.keys
	k.nav = m.lists.Bindings()
	return k
}

func (m *Model) syncKeys() {
	scrollable := !m.editing && m.info != nil && len(m.info.EventCounts) > 1
	m.keys.Down.SetEnabled(scrollable)
	m.keys.Up.SetEnabled(scrollable)
	for _, b := range []*key.Binding{&m.keys.AsOf, &m.keys.Latest, &m.keys.DayBack, &m.keys.DayAhead} {
		b.SetEnabled(!m.editing && m.info != nil)
	}
	m.keys.Confirm.SetEnabled(m.editing)
	m.keys.Cancel.SetEnabled(m.editing)
}

// Update handles scrolling and changing as_of.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if m.editing {
			return m.updateInput(msg)
		}
		switch {
		case key.Matches(msg, m.keys.AsOf):
			m.editing, m.err = true, ""
			value := ""
			if !m.asOf.IsZero() {
				value = m.asOf.UTC().Format(time.RFC3339)
			}
			m.syncKeys()
			return m, m.input.Start(value) // selected: typing a date replaces it
		case key.Matches(msg, m.keys.Latest):
			return m, askAsOf(time.Time{})
		case key.Matches(msg, m.keys.DayBack) && !m.asOf.IsZero():
			return m, askAsOf(m.asOf.AddDate(0, 0, -1))
		case key.Matches(msg, m.keys.DayAhead) && !m.asOf.IsZero():
			return m, askAsOf(m.asOf.AddDate(0, 0, 1))
		}
		m.fitLists()
		m.lists, _, _ = m.lists.Update(msg)
	case tea.MouseWheelMsg:
		m.fitLists()
		m.lists, _, _ = m.lists.Update(msg)
	}
	return m, nil
}

func askAsOf(t time.Time) tea.Cmd { return func() tea.Msg { return AsOfMsg{Time: t} } }

func (m Model) updateInput(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.editing, m.err = false, ""
		m.input.Stop()
		m.syncKeys()
		return m, nil
	case key.Matches(msg, m.keys.Confirm):
		t, err := segments.ParseAsOf(m.input.Value())
		if err != nil {
			m.err = err.Error()
			return m, nil
		}
		m.editing, m.err = false, ""
		m.input.Stop()
		m.syncKeys()
		return m, askAsOf(t)
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	m.err = ""
	return m, cmd
}

// View draws the screen in exactly the size it was given (or less).
func (m Model) View() string {
	if m.info == nil {
		return m.th.Subtle.Render("Reading the store…")
	}
	blocks := m.topBlocks()
	// Event names, property keys and attributes: one document that scrolls.
	if rest := m.height - len(blocks) - 1; rest >= 2 {
		l := m.lists
		l.SetSize(m.width, rest)
		blocks = append(blocks, "", l.View())
	}
	return strings.Join(blocks, "\n")
}

// topBlocks are the lines above the lists: the store's size and span, the as_of being
// typed, the events per day.
func (m Model) topBlocks() []string {
	th, info, w := m.th, m.info, m.width
	var blocks []string

	// Headline.
	headline := strings.Join([]string{
		th.Number.Render(format.Count(info.Users)) + th.Subtle.Render(" people"),
		th.Number.Render(format.Count(info.Accounts)) + th.Subtle.Render(" accounts"),
		th.Number.Render(format.Count(info.Events)) + th.Subtle.Render(" events"),
	}, th.Subtle.Render(" · "))
	blocks = append(blocks, ansi.Truncate(headline, w, "…"))
	span := "no events"
	if info.Events > 0 {
		days := int(info.Last.Sub(info.First).Hours()/24) + 1
		span = fmt.Sprintf("%s → %s (%s days)", format.Day(info.First), format.Day(info.Last), format.Count(int64(days)))
	}
	parts := []string{th.Text.Render(span)}
	if !m.asOf.IsZero() {
		parts = append(parts, th.Subtle.Render("as of ")+th.Text.Render(format.Timestamp(m.asOf)))
		if m.asOf.Before(info.Last) {
			parts = append(parts, th.Warning.Render("before the latest event: later events are ignored"))
		}
	}
	if info.Rejected > 0 {
		parts = append(parts, th.Warning.Render(format.Count(info.Rejected)+" rejected rows"))
	}
	blocks = append(blocks, layout.Flow(parts, th.Subtle.Render(" · "), "", w)...)
	if m.editing {
		m.input.Input.SetWidth(max(10, w-len(m.input.Input.Prompt)-1))
		blocks = append(blocks, m.input.View())
		if m.err != "" {
			blocks = append(blocks, th.Error.Render("as of ")+th.Text.Render(safe.Text(m.err)))
		}
	}

	// Events per day.
	if chart := m.chartBlock(); chart != "" {
		blocks = append(append(blocks, ""), strings.Split(chart, "\n")...)
	}
	return blocks
}

// chartBlock is the events per day, when the screen has room for it.
func (m Model) chartBlock() string {
	if len(m.info.Daily) == 0 || m.height-2 < 8 {
		return ""
	}
	sparkH := 3
	if m.height >= 34 {
		sparkH = 6
	} else if m.height >= 26 {
		sparkH = 4
	}
	return m.dailyChart(sparkH)
}

// fitLists gives the document the rows it is drawn in, so that scrolling stops at its end.
func (m *Model) fitLists() {
	if m.info == nil {
		return
	}
	above := len(m.topBlocks())
	m.lists.SetSize(m.width, max(2, m.height-above-1))
}

// fillLists lays out the event names (bars on one scale for the whole list), then the
// property keys and user attributes: below each other on a narrow screen, side by side on
// a wide one.
func (m *Model) fillLists() {
	if m.info == nil || m.width <= 0 {
		return
	}
	w := m.width
	var rows []list.Row
	if w >= 110 && len(m.info.Properties)+len(m.info.Attributes) > 0 {
		left := w * 55 / 100
		right := w - left - 3
		ev, keys := m.eventLines(left), m.keyLines(right, true)
		for i := range max(len(ev), len(keys)) {
			l, r := "", ""
			if i < len(ev) {
				l = ev[i]
			}
			if i < len(keys) {
				r = keys[i]
			}
			rows = append(rows, list.Row{Text: layout.PadRight(l, left) + "   " + r, Fixed: true})
		}
	} else {
		for _, l := range m.eventLines(w) {
			rows = append(rows, list.Row{Text: l, Fixed: true})
		}
		if keys := m.keyLines(w, false); len(keys) > 0 {
			rows = append(rows, list.Row{Fixed: true})
			for i, l := range keys {
				// Headings stay; the rows of examples scroll sideways when wide.
				rows = append(rows, list.Row{Text: l, Fixed: i == 0 || strings.HasPrefix(ansi.Strip(l), "User attributes") || l == ""})
			}
		}
	}
	m.lists.SetRows(rows)
	m.fitLists()
}

func (m Model) dailyChart(height int) string {
	th, info := m.th, m.info
	values := make([]int64, len(info.Daily))
	var peak int64
	for i, d := range info.Daily {
		values[i] = d.Count
		peak = max(peak, d.Count)
	}
	cols := chart.Resample(values, m.width)
	perCol := ""
	if len(values) > len(cols) {
		perCol = fmt.Sprintf(" (%.1f days per column)", float64(len(values))/float64(len(cols)))
	}
	title := th.Heading.Render("Events per day") + th.Subtle.Render(perCol)
	peakLabel := th.Subtle.Render("peak " + format.Count(peak) + "/day")
	head := spread(title, peakLabel, m.width)
	first, last := format.Day(info.Daily[0].Day), format.Day(info.Daily[len(info.Daily)-1].Day)
	axis := spread(th.Subtle.Render(first), th.Subtle.Render(last), len(cols))
	return head + "\n" + chart.Sparkline(cols, height, th.Spark) + "\n" + axis
}

// eventLines are the event names with their counts as bars, on one scale.
func (m Model) eventLines(width int) []string {
	th, info := m.th, m.info
	lines := []string{th.Heading.Render(fmt.Sprintf("Event names (%d)", len(info.EventCounts)))}
	var top int64
	bars := make([]chart.Bar, 0, len(info.EventCounts))
	for _, nc := range info.EventCounts {
		bars = append(bars, chart.Bar{Label: safe.Text(nc.Name), Value: nc.Count, Note: format.Share(nc.Count, info.Events)})
		top = max(top, nc.Count)
	}
	st := chart.BarStyles{Label: th.Text, Bar: th.Bar, Value: th.Number, Note: th.Subtle}
	if len(bars) > 0 {
		lines = append(lines, strings.Split(chart.HBarsScaled(bars, top, width, st, format.Count), "\n")...)
	}
	return lines
}

// keyLines are the property keys, then the user attributes, each with its type and
// examples; fit cuts them to width (a side column), else they are as wide as they are.
func (m Model) keyLines(width int, fit bool) []string {
	th, info := m.th, m.info
	if len(info.Properties)+len(info.Attributes) == 0 {
		return nil
	}
	lines := []string{th.Heading.Render(fmt.Sprintf("Property keys (%d)", len(info.Properties)))}
	keyW := 4
	for _, p := range info.Properties {
		keyW = max(keyW, ansi.StringWidth(safe.Text(p.Key)))
	}
	for _, a := range info.Attributes {
		keyW = max(keyW, ansi.StringWidth(safe.Text(a.Name)))
	}
	keyW = min(keyW, max(12, width/3))
	row := func(name, typ string, examples []string) string {
		ex := make([]string, len(examples))
		for i, e := range examples {
			ex[i] = safe.Text(e)
		}
		s := layout.PadRight(ansi.Truncate(safe.Text(name), keyW, "…"), keyW) + " " +
			th.Subtle.Render(layout.PadRight(strings.ToLower(typ), 8)) + " " + th.Text.Render(strings.Join(ex, ", "))
		if fit {
			return ansi.Truncate(s, width, "…")
		}
		return s
	}
	for _, p := range info.Properties {
		lines = append(lines, row(p.Key, p.Type, p.Examples))
	}
	if len(info.Attributes) > 0 {
		lines = append(lines, "", th.Heading.Render(fmt.Sprintf("User attributes (%d)", len(info.Attributes))))
		for _, a := range info.Attributes {
			lines = append(lines, row(a.Name, a.Type, a.Examples))
		}
	}
	return lines
}

// spread puts left and right at the two ends of width columns.
func spread(left, right string, width int) string {
	gap := width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return ansi.Truncate(left, width, "…")
	}
	return left + strings.Repeat(" ", gap) + right
}
