package segments

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
	seglang "github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/chart"
	"github.com/segscope/segscope/tui/explain"
)

// Membership over time on the Segments screen: each row's size over the last 90 days as a
// sparkline (one point per cell, computed in the background once every count is in, one
// segment at a time),
// t opening the history of the highlighted segment — its size, entries and exits as charts,
// the points arriving as they are computed — and p looking up a person in it.

// historyDays is the span of the sparklines and of the history view: the last 90 days,
// daily, ending at as_of.
const historyDays = 90

// sparkWidth is the sparkline column's width.
const sparkWidth = 10

// historySpan is the 90 daily points ending at asOf.
func historySpan(asOf time.Time) query.HistorySpan {
	return query.HistorySpan{From: asOf.AddDate(0, 0, -(historyDays - 1)), Every: 24 * time.Hour, Points: historyDays}
}

// sparkSpan is a sparkline's points: one per cell, evenly over the 90 days ending at asOf
// (the last one is as_of, the count the row shows).
func sparkSpan(asOf time.Time) query.HistorySpan {
	every := time.Duration(historyDays-1) * 24 * time.Hour / (sparkWidth - 1)
	every = every.Truncate(time.Second)
	return query.HistorySpan{From: asOf.Add(-every * (sparkWidth - 1)), Every: every, Points: sparkWidth}
}

// sparking reports whether a counted segment still waits for its sparkline.
func (m Model) sparking() bool {
	if m.deps.Engine == nil {
		return false
	}
	for _, e := range m.entries {
		if e.counted && e.err == nil && !e.sparked {
			return true
		}
	}
	return false
}

// sparkMsg is one segment's sizes over the span.
type sparkMsg struct {
	gen   int
	name  string
	sizes []int64
	err   error
}

// afterCount is what runs once a count lands: the next count, or when all are in, the
// next sparkline.
func (m *Model) afterCount() tea.Cmd {
	if c := m.countNext(); c != nil {
		return c
	}
	return m.nextSpark()
}

// nextSpark goes on with the sparklines unless the builder is open: at 100M events one
// segment's 90 days take seconds of both cores, which the builder's counts and estimates
// would wait behind on every keystroke. Held, they go on when it closes.
func (m *Model) nextSpark() tea.Cmd {
	if m.builder != nil {
		m.sparksHeld = true
		return nil
	}
	m.sparksHeld = false
	return m.sparkNext()
}

// sparkNext computes the sparkline of the first counted segment without one.
func (m Model) sparkNext() tea.Cmd {
	if m.deps.Engine == nil {
		return nil
	}
	for _, e := range m.entries {
		if e.sparked || !e.counted || e.err != nil {
			continue
		}
		seg, eng, ws, asOf, ctx, gen := e.seg, m.deps.Engine, m.ws, m.deps.AsOf, m.ctx, m.gen
		return func() tea.Msg {
			at, err := eng.ResolveAsOf(ctx, asOf)
			if err != nil {
				return sparkMsg{gen: gen, name: seg.Name, err: err}
			}
			h, err := eng.History(ctx, seg, ws, sparkSpan(at), nil)
			if err != nil {
				return sparkMsg{gen: gen, name: seg.Name, err: err}
			}
			sizes := make([]int64, len(h.Points))
			for i, p := range h.Points {
				sizes[i] = p.Members
			}
			return sparkMsg{gen: gen, name: seg.Name, sizes: sizes}
		}
	}
	return nil
}

// spark is a row's sparkline cell: the size over 90 days scaled between its lowest and
// highest value, so that a change shows however large the segment.
func (m Model) spark(e entry) string {
	if !e.sparked || len(e.sizes) == 0 {
		return strings.Repeat(" ", sparkWidth)
	}
	vals := chart.Resample(e.sizes, sparkWidth)
	lo, hi := vals[0], vals[0]
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	shifted := make([]float64, len(vals))
	for i, v := range vals {
		shifted[i] = float64(v-lo) + float64(hi-lo)/8 + 1 // the lowest still shows
	}
	return m.th.Spark.Render(format.Sparkline(shifted, sparkWidth))
}

// historyView is the history of one segment.
type historyView struct {
	seg    *seglang.Segment
	seq    int
	points []query.HistoryPoint
	done   bool
	err    error
	cursor int // the point whose figures are shown
	cancel context.CancelFunc
}

type (
	historyPointMsg struct {
		seq int
		p   query.HistoryPoint
		ch  chan tea.Msg
	}
	historyDoneMsg struct {
		seq int
		err error
	}
)

// openHistory starts the history of the highlighted segment; its points stream in.
func (m Model) openHistory() (Model, tea.Cmd) {
	e, ok := m.selected()
	if !ok || m.deps.Engine == nil {
		return m, nil
	}
	m.closeHistory()
	m.histSeq++
	ctx, cancel := context.WithCancel(m.ctx)
	v := &historyView{seg: e.seg, seq: m.histSeq, cancel: cancel}
	m.history = v
	ch := make(chan tea.Msg, 16)
	seq, eng, ws, asOf, seg := v.seq, m.deps.Engine, m.ws, m.deps.AsOf, e.seg
	go func() {
		defer close(ch)
		at, err := eng.ResolveAsOf(ctx, asOf)
		if err == nil {
			_, err = eng.History(ctx, seg, ws, historySpan(at), func(i int, p query.HistoryPoint) error {
				select {
				case ch <- historyPointMsg{seq: seq, p: p, ch: ch}:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
		}
		select {
		case ch <- historyDoneMsg{seq: seq, err: err}:
		case <-ctx.Done():
		}
	}()
	return m, waitHistory(ch)
}

// waitHistory reads the next point (or the end) of a history.
func waitHistory(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

// closeHistory stops the history being computed and leaves its view.
func (m *Model) closeHistory() {
	if m.history != nil && m.history.cancel != nil {
		m.history.cancel()
	}
	m.history = nil
}

// updateValidate handles the history view, the explanation and their keys; ok is false
// when msg is none of theirs.
func (m Model) updateValidate(msg tea.Msg) (Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case sparkMsg:
		if msg.gen != m.gen {
			return m, nil, true
		}
		for i := range m.entries {
			if m.entries[i].seg.Name == msg.name {
				// A history that failed leaves the cell blank; the row's count says why.
				m.entries[i].sparked, m.entries[i].sizes = true, msg.sizes
			}
		}
		m.refreshRows()
		cmd := m.nextSpark()
		return m, cmd, true
	case historyPointMsg:
		if m.history == nil || msg.seq != m.history.seq {
			return m, nil, true
		}
		h := m.history
		h.points = append(h.points, msg.p)
		h.cursor = len(h.points) - 1
		return m, waitHistory(msg.ch), true
	case historyDoneMsg:
		if m.history == nil || msg.seq != m.history.seq {
			return m, nil, true
		}
		m.history.done, m.history.err = true, msg.err
		return m, nil, true
	}
	if m.builder != nil {
		return m, nil, false
	}
	if m.explaining {
		if _, ok := msg.(tea.KeyPressMsg); ok || !isOwn(msg) {
			var cmd tea.Cmd
			m.explain, cmd = m.explain.Update(msg)
			if m.explain.Done() {
				m.explaining = false
			}
			return m, cmd, true
		}
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil, false
	}
	if m.history != nil {
		h := m.history
		switch {
		case key.Matches(k, m.keys.Back), k.String() == "q":
			m.closeHistory()
		case k.String() == "left" || k.String() == "h":
			h.cursor = max(0, h.cursor-1)
		case k.String() == "right" || k.String() == "l":
			h.cursor = min(len(h.points)-1, h.cursor+1)
		case k.String() == "home" || k.String() == "g":
			h.cursor = 0
		case k.String() == "end" || k.String() == "G":
			h.cursor = len(h.points) - 1
		}
		return m, nil, true
	}
	if m.list.Filtering() {
		return m, nil, false
	}
	switch {
	case key.Matches(k, m.keys.History):
		mm, cmd := m.openHistory()
		return mm, cmd, true
	case key.Matches(k, m.keys.Lookup):
		e, ok := m.selected()
		if !ok {
			return m, nil, true
		}
		m.explaining = true
		m.explain.SetSize(m.width, m.height)
		m.explain.For([]*seglang.Segment{e.seg}, m.ws, m.deps.AsOf)
		return m, m.explain.Ask(), true
	}
	return m, nil, false
}

// isOwn reports whether msg is the screen's own background answer, not the explanation's.
func isOwn(msg tea.Msg) bool {
	switch msg.(type) {
	case workspaceMsg, countMsg, openMsg, sparkMsg, historyPointMsg, historyDoneMsg, tea.WindowSizeMsg:
		return true
	}
	return false
}

// validateView draws the history view or the explanation when one is open.
func (m Model) validateView() (string, bool) {
	switch {
	case m.builder != nil:
		return "", false
	case m.explaining:
		return m.explain.View(), true
	case m.history != nil:
		return m.historyLines(), true
	}
	return "", false
}

// historyLines draws a history: size, entries and exits as column charts over the span,
// the point under the cursor with its figures, and the progress while points arrive.
func (m Model) historyLines() string {
	th, h := m.th, m.history
	w := max(20, m.width)
	title := th.Heading.Render("History ") + th.Title.Render(safe.Text(h.seg.Name)) +
		th.Subtle.Render(fmt.Sprintf("  the last %d days, daily", historyDays))
	lines := []string{ansi.Truncate(title, w, "…")}
	switch {
	case h.err != nil:
		return strings.Join(append(lines, th.Error.Render("Could not compute the history: ")+th.Text.Render(safe.Text(m.shown(h.err.Error()))),
			th.Subtle.Render("esc back")), "\n")
	case len(h.points) == 0:
		return strings.Join(append(lines, th.Subtle.Render("computing the first point…")), "\n")
	}
	if !h.done {
		lines = append(lines, th.Warning.Render(fmt.Sprintf("computing: %d of %d points", len(h.points), historyDays)))
	}
	chartW := min(w-12, historyDays)
	sizes := make([]int64, len(h.points))
	entered := make([]int64, len(h.points))
	left := make([]int64, len(h.points))
	lo, hi := h.points[0].Members, h.points[0].Members
	var in, out int64
	for i, p := range h.points {
		sizes[i] = p.Members
		lo, hi = min(lo, p.Members), max(hi, p.Members)
		if p.Entered != nil {
			entered[i], left[i] = *p.Entered, *p.Left
			in += *p.Entered
			out += *p.Left
		}
	}
	// The size between its lowest and highest, so that change shows; the scale is said.
	base := max(0, lo-(hi-lo)/4-1)
	shifted := make([]int64, len(sizes))
	for i, v := range sizes {
		shifted[i] = v - base
	}

	// Room: the title and progress, three charts with their labels, the axis, the cursor's
	// figures and the keys.
	room := max(6, m.height-len(lines)-3)
	sizeH := max(2, room/2)
	flowH := max(1, (room-sizeH)/2)
	col := func(vals []int64) []int64 { return chart.Resample(vals, chartW) }
	label := func(s string) string { return th.Subtle.Render(fmt.Sprintf("%-10s", s)) }
	block := func(name, note string, vals []int64, hgt int, style func(string) string) {
		rows := strings.Split(chart.Sparkline(col(vals), hgt, th.Spark), "\n")
		for i, r := range rows {
			lead := strings.Repeat(" ", 10)
			if i == 0 {
				lead = label(name)
			}
			if i == len(rows)-1 && note != "" {
				r += " " + th.Subtle.Render(note)
			}
			lines = append(lines, lead+style(r))
		}
	}
	plain := func(s string) string { return s }
	block("members", "", shifted, sizeH, plain)
	block("entered", "", entered, flowH, func(s string) string { return th.Success.Render(ansi.Strip(s)) })
	block("left", "", left, flowH, func(s string) string { return th.Error.Render(ansi.Strip(s)) })
	first := h.points[0].AsOf
	last := first.AddDate(0, 0, historyDays-1)
	axis := format.Day(first)
	end := format.Day(last)
	lines = append(lines, strings.Repeat(" ", 10)+th.Subtle.Render(axis+strings.Repeat(" ", max(1, chartW-len(axis)-len(end)))+end))
	p := h.points[h.cursor]
	fig := fmt.Sprintf("%s  %s members", format.Day(p.AsOf), format.Count(p.Members))
	if p.Entered != nil {
		fig += fmt.Sprintf("  +%s entered  −%s left", format.Count(*p.Entered), format.Count(*p.Left))
	}
	lines = append(lines, th.Emphasis.Render("▸ "+fig))
	lines = append(lines, th.Subtle.Render(fmt.Sprintf("%s … %s members (chart from %s) · %s in, %s out · ←/→ a day",
		format.Count(lo), format.Count(hi), format.Count(base), format.Count(in), format.Count(out))))
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, "…")
	}
	return strings.Join(lines, "\n")
}

// explainHelp is the explanation's help while it is open.
func (m Model) explainHelp() explain.Help { return m.explain.KeyMap() }

// historyKeys is the history view's help.
type historyKeys struct{ back key.Binding }

// ShortHelp implements help.KeyMap.
func (k historyKeys) ShortHelp() []key.Binding {
	day := key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "a day"))
	return []key.Binding{day, k.back}
}

// FullHelp implements help.KeyMap.
func (k historyKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }
