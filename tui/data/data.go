// Package data is the explorer's Data screen: what the store holds (counts, date range,
// events per day, event names, property keys, attributes, rejected rows, sources).
package data

import (
	"fmt"
	"github.com/segscope/segscope/tui/layout"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/chart"
	"github.com/segscope/segscope/tui/safe"
	"github.com/segscope/segscope/tui/theme"
)

// KeyMap lists the Data screen's keys.
type KeyMap struct {
	Down, Up          key.Binding
	AsOf, Latest      key.Binding
	DayBack, DayAhead key.Binding
	Confirm, Cancel   key.Binding
}

// DefaultKeyMap scrolls the event list and moves as_of.
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
	return [][]key.Binding{{k.Down, k.Up}, {k.AsOf, k.Latest, k.DayBack, k.DayAhead}}
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
	offset int // first event name shown when the list is longer than the screen

	editing bool // typing a new as_of
	input   textinput.Model
	err     string // why the typed as_of was refused
}

// New builds the screen; it shows a placeholder until SetInfo.
func New(th *theme.Theme) Model {
	in := theme.NewInput()
	in.Prompt = "as of "
	in.Placeholder = "2026-11-01 or 2026-11-01T12:00:00Z; empty for the latest event"
	in.CharLimit = 40
	m := Model{th: th, keys: DefaultKeyMap(), input: in}
	m.syncKeys()
	return m
}

// Capturing reports whether keys are text being typed.
func (m Model) Capturing() bool { return m.editing }

// SetTheme swaps the styles (the background colour arrived).
func (m *Model) SetTheme(th *theme.Theme) { m.th = th }

// SetSize sets the area the screen draws in.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// SetInfo gives the screen the store's description.
func (m *Model) SetInfo(info *query.Info) {
	m.info = info
	m.offset = 0
	m.syncKeys()
}

// SetAsOf sets the evaluation time shown.
func (m *Model) SetAsOf(t time.Time) { m.asOf = t }

// KeyMap returns the screen's bindings for help.
func (m Model) KeyMap() KeyMap { return m.keys }

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
		case key.Matches(msg, m.keys.Down):
			m.scroll(1)
		case key.Matches(msg, m.keys.Up):
			m.scroll(-1)
		case key.Matches(msg, m.keys.AsOf):
			m.editing, m.err = true, ""
			m.input.SetValue("")
			if !m.asOf.IsZero() {
				m.input.SetValue(m.asOf.UTC().Format(time.RFC3339))
			}
			m.input.CursorEnd()
			m.syncKeys()
			return m, m.input.Focus()
		case key.Matches(msg, m.keys.Latest):
			return m, askAsOf(time.Time{})
		case key.Matches(msg, m.keys.DayBack) && !m.asOf.IsZero():
			return m, askAsOf(m.asOf.AddDate(0, 0, -1))
		case key.Matches(msg, m.keys.DayAhead) && !m.asOf.IsZero():
			return m, askAsOf(m.asOf.AddDate(0, 0, 1))
		}
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelDown {
			m.scroll(1)
		} else if msg.Button == tea.MouseWheelUp {
			m.scroll(-1)
		}
	}
	return m, nil
}

func askAsOf(t time.Time) tea.Cmd { return func() tea.Msg { return AsOfMsg{Time: t} } }

func (m Model) updateInput(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.editing, m.err = false, ""
		m.input.Blur()
		m.syncKeys()
		return m, nil
	case key.Matches(msg, m.keys.Confirm):
		t, err := segments.ParseAsOf(m.input.Value())
		if err != nil {
			m.err = err.Error()
			return m, nil
		}
		m.editing, m.err = false, ""
		m.input.Blur()
		m.syncKeys()
		return m, askAsOf(t)
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	m.err = ""
	return m, cmd
}

func (m *Model) scroll(d int) {
	if m.info == nil {
		return
	}
	m.offset = max(0, min(m.offset+d, len(m.info.EventCounts)-1))
}

// View draws the screen in exactly the size it was given (or less).
func (m Model) View() string {
	if m.info == nil {
		return m.th.Subtle.Render("Reading the store…")
	}
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
	line2 := th.Text.Render(span)
	if !m.asOf.IsZero() {
		line2 += th.Subtle.Render(" · as of ") + th.Text.Render(format.Timestamp(m.asOf))
		if m.asOf.Before(info.Last) {
			line2 += th.Warning.Render(" (before the latest event: later events are ignored)")
		}
	}
	if info.Rejected > 0 {
		line2 += th.Subtle.Render(" · ") + th.Warning.Render(format.Count(info.Rejected)+" rejected rows")
	}
	blocks = append(blocks, ansi.Truncate(line2, w, "…"))
	if m.editing {
		m.input.SetWidth(max(10, w-len(m.input.Prompt)-1))
		blocks = append(blocks, m.input.View())
		if m.err != "" {
			blocks = append(blocks, th.Error.Render("as of ")+th.Text.Render(safe.Text(m.err)))
		}
	}

	// Events per day.
	remaining := m.height - 2
	if len(info.Daily) > 0 && remaining >= 8 {
		sparkH := 3
		if m.height >= 34 {
			sparkH = 6
		} else if m.height >= 26 {
			sparkH = 4
		}
		blocks = append(blocks, "", m.dailyChart(sparkH))
		remaining -= sparkH + 3
	}

	// Event names, with property keys beside them when there is room.
	if remaining >= 3 {
		blocks = append(blocks, "")
		remaining--
		if w >= 110 && len(info.Properties)+len(info.Attributes) > 0 {
			left := w * 55 / 100
			right := w - left - 3
			blocks = append(blocks, lipgloss.JoinHorizontal(lipgloss.Top,
				m.eventList(left, remaining), "   ", m.keyList(right, remaining)))
		} else {
			blocks = append(blocks, m.eventList(w, remaining))
		}
	}
	return strings.Join(blocks, "\n")
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

func (m Model) eventList(width, height int) string {
	th, info := m.th, m.info
	title := th.Heading.Render(fmt.Sprintf("Event names (%d)", len(info.EventCounts)))
	rows := max(0, height-1)
	start := min(m.offset, max(0, len(info.EventCounts)-rows))
	end := min(len(info.EventCounts), start+rows)
	if start > 0 || end < len(info.EventCounts) {
		title += th.Subtle.Render(fmt.Sprintf("  %d–%d", start+1, end))
	}
	bars := make([]chart.Bar, 0, end-start)
	for _, nc := range info.EventCounts[start:end] {
		bars = append(bars, chart.Bar{Label: safe.Text(nc.Name), Value: nc.Count, Note: format.Share(nc.Count, info.Events)})
	}
	st := chart.BarStyles{Label: th.Text, Bar: th.Bar, Value: th.Number, Note: th.Subtle}
	return title + "\n" + chart.HBars(bars, width, st, format.Count)
}

func (m Model) keyList(width, height int) string {
	th, info := m.th, m.info
	lines := []string{th.Heading.Render(fmt.Sprintf("Property keys (%d)", len(info.Properties)))}
	keyW := 4
	for _, p := range info.Properties {
		keyW = max(keyW, ansi.StringWidth(safe.Text(p.Key)))
	}
	keyW = min(keyW, width/3)
	row := func(name, typ string, examples []string) string {
		ex := make([]string, len(examples))
		for i, e := range examples {
			ex[i] = safe.Text(e)
		}
		s := layout.PadRight(ansi.Truncate(safe.Text(name), keyW, "…"), keyW) + " " +
			th.Subtle.Render(layout.PadRight(strings.ToLower(typ), 8)) + " " + th.Text.Render(strings.Join(ex, ", "))
		return ansi.Truncate(s, width, "…")
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
	if len(lines) > height {
		more := len(lines) - height + 1
		lines = append(lines[:height-1], th.Subtle.Render(fmt.Sprintf("… %d more", more)))
	}
	return strings.Join(lines, "\n")
}

// spread puts left and right at the two ends of width columns.
func spread(left, right string, width int) string {
	gap := width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return ansi.Truncate(left, width, "…")
	}
	return left + strings.Repeat(" ", gap) + right
}
