package timeline

import (
	"errors"
	"fmt"
	"github.com/segscope/segscope/tui/layout"
	"math"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/sim"
	"github.com/segscope/segscope/tui/list"
	"github.com/segscope/segscope/tui/theme"
)

// View draws the screen in the size it was given (or less).
func (m Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	th := m.th
	switch {
	case m.deps.Dir == "":
		return th.Subtle.Render(layout.Wrap("No workspace folder, so no campaigns: campaigns are YAML files in a campaigns/ folder of the workspace (start with --segments DIR; the demo has five).", m.width))
	case m.ws == nil && m.loading:
		return m.spin.View() + th.Subtle.Render(" Reading campaigns…")
	}
	if m.wide() {
		left := layout.Block(m.listPanel(listW, m.height, false), listW, m.height)
		sep := strings.TrimRight(strings.Repeat(th.Subtle.Render("│")+"\n", m.height), "\n")
		return lipgloss.JoinHorizontal(lipgloss.Top, left, " ", sep, " ", m.rightPanel(m.width-listW-3, m.height))
	}
	if m.view == viewList {
		return m.listPanel(m.width, m.height, true)
	}
	return m.rightPanel(m.width, m.height)
}

// rightPanel is what sits beside the list (or fills a narrow screen).
func (m Model) rightPanel(w, h int) string {
	switch m.view {
	case viewPicker:
		return m.pickerPanel(w, h)
	case viewPerson:
		return m.personPanel(w, h)
	case viewReplay:
		return m.replayPanel(w, h)
	}
	return m.th.Subtle.Render(layout.Wrap("Choose a campaign and press enter to replay it over the store's history.", w))
}

// listPanel lists the campaigns; full adds each one's trigger and steps.
func (m Model) listPanel(w, h int, full bool) string {
	th := m.th
	camps := m.campaigns()
	head := th.Heading.Render(fmt.Sprintf("Campaigns (%d)", len(camps)))
	if full {
		head += th.Subtle.Render("  " + safe.Text(m.deps.Dir))
	}
	lines := []string{ansi.Truncate(head, w, "…")}
	mode := "replayed alone"
	if m.together {
		mode = "replayed together (collisions across all)"
	}
	lines = append(lines, ansi.Truncate(th.Subtle.Render(mode), w, "…"))
	lines = append(lines, m.wsErrors(w, 3)...)
	if len(camps) == 0 && !m.loading {
		lines = append(lines, "", th.Subtle.Render(layout.Wrap("No campaigns in the workspace: add YAML files under campaigns/.", w)))
	}
	nameW := 8
	for _, c := range camps {
		nameW = max(nameW, ansi.StringWidth(c.Name))
	}
	nameW = min(nameW, w-4)
	rows := max(1, h-len(lines))
	start := max(0, min(m.cursor-rows/2, len(camps)-rows))
	for i := start; i < len(camps) && i < start+rows; i++ {
		c := camps[i]
		cur, mark := "  ", "  "
		if i == m.cursor {
			cur = "▸ " // the cursor reads without colour too
		}
		if m.replay != nil && m.replay.Campaigns[m.shown].Campaign.Name == c.Name {
			mark = th.Success.Render("● ")
		}
		line := cur + mark + th.Emphasis.Render(layout.PadRight(ansi.Truncate(c.Name, nameW, "…"), nameW))
		if full {
			line += "  " + th.Text.Render(safe.Text(c.Title)) + th.Subtle.Render("  "+summary(c))
		}
		line = ansi.Truncate(line, w, "…")
		if i == m.cursor {
			line = th.Selected.Render(layout.PadRight(ansi.Strip(line), w))
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// message is text for the screen, sanitised, the workspace folder hidden behind its
// label.
func (m Model) message(text string) string {
	return safe.Text(safe.WithoutDir(text, m.deps.Dir, m.deps.DirLabel))
}

// wsErrors are the workspace's problems, at most n lines.
func (m Model) wsErrors(w, n int) []string {
	if m.wsErr == nil {
		return nil
	}
	var list segments.ErrorList
	msgs := []string{m.message(m.wsErr.Error())}
	if errors.As(m.wsErr, &list) {
		msgs = nil
		for _, e := range list {
			msgs = append(msgs, m.message(e.Error()))
		}
	}
	var out []string
	for i, s := range msgs {
		if i == n {
			out = append(out, m.th.Error.Render(fmt.Sprintf("… %d more problems (segscope check shows all)", len(msgs)-n)))
			break
		}
		out = append(out, ansi.Truncate(m.th.Error.Render("✗ "+safe.Text(s)), w, "…"))
	}
	return out
}

// summary describes a campaign's trigger and steps in one line.
func summary(c *segments.Campaign) string { return strings.Join(summaryParts(c), " · ") }

// summaryParts are a campaign's trigger, its steps and its holdout.
func summaryParts(c *segments.Campaign) []string {
	var parts []string
	if c.Trigger.Segment != "" {
		parts = append(parts, "enters "+c.Trigger.Segment)
	} else {
		parts = append(parts, "on "+strings.Join(c.Trigger.Events, "|"))
	}
	var steps []string
	for _, s := range c.Steps {
		st := s.Send.String()
		if !s.Wait.IsZero() {
			st += " +" + s.Wait.String()
		}
		steps = append(steps, st)
	}
	parts = append(parts, strings.Join(steps, " → "))
	if c.Holdout > 0 {
		parts = append(parts, fmt.Sprintf("holdout %d%%", c.Holdout))
	}
	for i, p := range parts {
		parts[i] = safe.Text(p)
	}
	return parts
}

// panelWidth is the width of what sits beside the list (or fills a narrow screen).
func (m Model) panelWidth() int {
	if m.wide() {
		return m.width - listW - 3
	}
	return m.width
}

// refresh lays out the documents the screen scrolls (the replay, a person's timeline, the
// people to pick) for its size; the scroll positions stay.
func (m *Model) refresh() {
	if m.width <= 0 || m.height <= 0 {
		return
	}
	w := m.panelWidth()
	m.panel.SetSize(w, max(1, m.height-1))
	m.panel.SetRows(m.replayRows(w, m.height-1))
	m.lines.SetSize(w, max(1, m.height-len(m.personHead(w))))
	m.lines.SetRows(m.personRows())
	m.picker.SetSize(w, max(1, m.height-len(m.pickerHead(w))))
}

// replayPanel is the chosen campaign's title and its replay, which scrolls.
func (m Model) replayPanel(w, h int) string {
	th := m.th
	camps := m.campaigns()
	if len(camps) == 0 {
		return th.Subtle.Render("No campaign to replay.")
	}
	c := m.shownCampaign()
	title := th.Title.Render(safe.Text(c.Name)) + th.Subtle.Render(" · ") + th.Text.Render(safe.Text(c.Title))
	if !m.wide() {
		title = th.Subtle.Render(fmt.Sprintf("[ %d/%d ] ", m.cursor+1, len(camps))) + title
	}
	p := m.panel
	p.SetSize(w, max(1, h-1))
	return ansi.Truncate(title, w, "…") + "\n" + p.View()
}

// shownCampaign is the campaign the replay panel is about.
func (m Model) shownCampaign() *segments.Campaign {
	camps := m.campaigns()
	name := m.replayFor
	if m.running != "" {
		name = m.running
	}
	var c *segments.Campaign
	if m.ws != nil {
		c = m.ws.Campaign(name)
	}
	if c == nil && len(camps) > 0 {
		c = camps[min(m.cursor, len(camps)-1)]
	}
	return c
}

// replayRows are the replay as a document of w columns, its chart sized to fit h lines
// when it can: the rules, the reach, what was sent, the conversions and the lift (the
// answer, near the top), warnings, the chart, the steps (a table that scrolls sideways)
// and what collisions mean. Figures wrap between each other, never through one.
func (m Model) replayRows(w, h int) []list.Row {
	th := m.th
	c := m.shownCampaign()
	if c == nil || m.view == viewList && !m.wide() {
		return nil
	}
	var rows []list.Row
	text := func(lines ...string) {
		for _, l := range lines {
			rows = append(rows, list.Row{Text: l, Fixed: true})
		}
	}
	sep := th.Subtle.Render(" · ")
	text(layout.Flow(rulesParts(th, c), sep, "  ", w)...)
	switch {
	case m.running != "":
		text("", m.spin.View()+th.Subtle.Render(" replaying "+safe.Text(m.running)+m.modeNote()+"…"))
		return rows
	case m.replayErr != nil:
		text("")
		text(strings.Split(layout.Wrap(th.Error.Render("replay failed: ")+th.Text.Render(m.message(m.replayErr.Error())), w), "\n")...)
		return rows
	case m.replay == nil:
		text("", th.Subtle.Render("Press enter to replay."))
		return rows
	}
	r := m.replay
	cr := r.Campaigns[m.shown]
	text(layout.Flow([]string{
		th.Subtle.Render("window " + window(cr) + " (" + format.Count(int64(cr.WindowDays)) + " days)"),
		th.Subtle.Render("as of " + format.Timestamp(r.AsOf)),
		th.Subtle.Render(format.Elapsed(m.elapsed) + m.modeNote()),
	}, sep, "  ", w)...)
	text(layout.Flow(m.headline(cr), sep, "  ", w)...)
	text(layout.Flow(m.outcomes(cr), sep, "  ", w)...)
	conv, note := m.conversions(cr)
	text(layout.Flow(conv, sep, "  ", w)...)
	for _, warn := range r.Warnings {
		text(strings.Split(layout.Wrap(th.Warning.Render("! "+safe.Text(warn)), w), "\n")...)
	}
	steps := m.stepTable(cr)
	notes := strings.Split(layout.Wrap(note, w), "\n")
	if len(cr.Daily) == 0 {
		text("", th.Subtle.Render("No journeys in the replay window."))
	} else {
		chartH := max(5, min(22, h-len(rows)-1-1-len(steps)-1-len(notes)-1))
		text("")
		text(m.chart(cr, w, chartH)...)
	}
	text("")
	for _, l := range steps {
		rows = append(rows, list.Row{Text: l})
	}
	text(notes...)
	return rows
}

func (m Model) modeNote() string {
	if m.together && len(m.campaigns()) > 1 {
		return fmt.Sprintf(" · with all %d campaigns", len(m.campaigns()))
	}
	return ""
}

// rulesParts are a campaign's trigger, steps, holdout, exit, cap and quiet hours, each a
// part that wraps whole.
func rulesParts(th *theme.Theme, c *segments.Campaign) []string {
	var parts []string
	for _, p := range summaryParts(c) {
		parts = append(parts, th.Subtle.Render(p))
	}
	if c.Exit != nil {
		parts = append(parts, th.Subtle.Render("exit "+safe.Text(strings.Join(c.Exit.Events, "|"))))
	}
	if c.Cap != nil {
		parts = append(parts, th.Subtle.Render(fmt.Sprintf("cap %d per %s", c.Cap.Count, c.Cap.Per)))
	}
	if c.QuietHours != nil {
		parts = append(parts, th.Subtle.Render("quiet "+c.QuietHours.String()))
	}
	return parts
}

func window(c *sim.CampaignReplay) string {
	if c.Window.Start.IsZero() {
		return "–"
	}
	end := c.Window.End
	if !c.Window.EndIncl {
		end = end.Add(-1)
	}
	return format.Day(c.Window.Start) + " … " + format.Day(end)
}

// headline is journeys, people, reach and holdout, each a part that wraps whole.
func (m Model) headline(c *sim.CampaignReplay) []string {
	th := m.th
	num := func(n int) string { return th.Number.Render(format.Count(int64(n))) }
	sub := func(s string) string { return th.Subtle.Render(s) }
	journeys := num(c.Journeys) + sub(" journeys")
	if d := c.DailyEntrants(); d > 0 {
		journeys += sub(fmt.Sprintf(" (%s a day)", amount(d)))
	}
	parts := []string{journeys, num(c.People) + sub(" people"), num(c.Reached) + sub(" reached"),
		sub("holdout ") + num(c.HoldoutJourneys) + sub(" journeys ("+format.Share(int64(c.HoldoutJourneys), int64(c.Journeys))+")")}
	if c.Exits > 0 {
		parts = append(parts, num(c.Exits)+sub(" exits"))
	}
	return parts
}

// outcomes is what became of the steps, with suppressions and collisions highlighted.
func (m Model) outcomes(c *sim.CampaignReplay) []string {
	th := m.th
	t := c.Totals()
	sub := func(s string) string { return th.Subtle.Render(s) }
	hl := func(n int, label string, style lipgloss.Style) string {
		s := format.Count(int64(n)) + " " + label
		if n == 0 {
			return sub(s)
		}
		return style.Render(s)
	}
	parts := []string{
		th.Number.Render(format.Count(int64(t.Sends))) + sub(" sent"),
		hl(t.Deferred, "deferred", th.Warning),
		hl(t.Suppressed, "suppressed", th.Error),
		sub(format.Count(int64(t.Held)) + " held"),
		sub(format.Count(int64(t.Pending)) + " pending"),
		hl(c.Collisions, plural(c.Collisions, "collision", "collisions"), th.Error),
	}
	return parts
}

// seriesStyles colour the steps.
func (m Model) seriesStyles() []lipgloss.Style {
	out := make([]lipgloss.Style, len(m.th.Series))
	for i, c := range m.th.Series {
		out[i] = lipgloss.NewStyle().Foreground(c)
	}
	return out
}

// gutterW is the chart's left margin, where the scale and the marker rows' labels go.
const gutterW = 6

// chart draws the sends per day (or per bucket of days) stacked by step, in at most h
// lines: a title with the legend, the bars, the date axis and marker rows for suppressed
// sends and collisions.
func (m Model) chart(c *sim.CampaignReplay, w, h int) []string {
	th := m.th
	steps := len(c.Steps)
	plotW := max(1, w-gutterW)
	size := bucketDays(len(c.Daily), plotW)
	bs := bucketize(c.Daily, steps, size)
	colW := max(1, min(8, plotW/len(bs)))
	top, supp, coll := 0, 0, 0
	cols := make([][]int, len(bs))
	for i, b := range bs {
		cols[i] = b.Sends
		top = max(top, b.Total())
		supp += b.Suppressed
		coll += b.Collisions
	}
	styles := m.seriesStyles()
	// Title and legend.
	var title string
	switch size {
	case 1:
		title = "Sends per day by step"
	default:
		title = fmt.Sprintf("Sends per %d days", size)
	}
	legend := make([]string, steps)
	for k, st := range c.Steps {
		legend[k] = styles[k%len(styles)].Render(string(glyph(k))) + th.Text.Render(fmt.Sprintf(" %d %s", k+1, st.Step.Send))
	}
	if size > 1 {
		title += fmt.Sprintf(" from %s", format.Day(bs[0].From))
		if last := bs[len(bs)-1]; last.Days < size {
			title += fmt.Sprintf(", the last %d", last.Days)
		}
	}
	head := th.Heading.Render(title) + "  " + strings.Join(legend, "  ")
	out := []string{ansi.Truncate(head, w, "…")}
	markers := 0
	if supp > 0 {
		markers++
	}
	if coll > 0 {
		markers++
	}
	barH := h - len(out) - 1 - markers
	if barH < 3 {
		markers, barH = 0, h-len(out)-1
	}
	barH = max(1, barH)
	rows := stackedBars(cols, top, colW, barH, styles)
	for i, r := range rows {
		label := ""
		switch i {
		case 0:
			label = format.Compact(int64(top))
		case barH - 1:
			if barH > 1 {
				label = "0"
			}
		}
		out = append(out, th.Subtle.Render(layout.PadLeft(label, gutterW-1))+" "+r)
	}
	// Date axis: the first day under the first bar, the last under the last.
	plot := len(bs) * colW
	first := format.Day(bs[0].From)
	last := format.Day(bs[len(bs)-1].To)
	axis := first
	if plot >= len(first)+len(last)+2 {
		axis = first + strings.Repeat(" ", plot-len(first)-len(last)) + last
		if size == 1 && plot >= 3*len(first)+6 {
			mid := bs[len(bs)/2]
			pos := (len(bs) / 2) * colW
			if pos > len(first)+1 && pos+len(first) < plot-len(last)-1 {
				axis = first + strings.Repeat(" ", pos-len(first)) + format.Day(mid.From) +
					strings.Repeat(" ", plot-pos-len(first)-len(last)) + last
			}
		}
	} else if plot < len(first) {
		axis = ""
	}
	out = append(out, strings.Repeat(" ", gutterW)+th.Subtle.Render(axis))
	marker := func(label string, style lipgloss.Style, glyph string, count func(bucket) int) string {
		var sb strings.Builder
		for _, b := range bs {
			cell := strings.Repeat(" ", colW)
			if count(b) > 0 {
				cell = style.Render(glyph) + strings.Repeat(" ", colW-1)
			}
			sb.WriteString(cell)
		}
		return th.Subtle.Render(layout.PadRight(label, gutterW)) + sb.String()
	}
	if markers > 0 && supp > 0 {
		out = append(out, marker("supp", th.Error, "▲", func(b bucket) int { return b.Suppressed }))
	}
	if markers > 0 && coll > 0 {
		out = append(out, marker("coll", th.Error, "◆", func(b bucket) int { return b.Collisions }))
	}
	return out
}

// stepTable is one row per step: what it sent, deferred, suppressed, held and left pending,
// and its message whole (the table scrolls sideways when it is wider than the screen).
func (m Model) stepTable(c *sim.CampaignReplay) []string {
	th := m.th
	styles := m.seriesStyles()
	head := fmt.Sprintf("  %-4s %-8s %6s %7s %8s %10s %6s %7s  %s", "step", "channel", "wait", "sent", "deferred", "suppressed", "held", "pending", "message")
	out := []string{th.Subtle.Render(head)}
	for k, st := range c.Steps {
		wait := "at entry"
		if k > 0 {
			wait = "+0"
		}
		if !st.Step.Wait.IsZero() {
			wait = "+" + st.Step.Wait.String()
		}
		supp := fmt.Sprintf("%10s", format.Count(int64(st.Suppressed)))
		if st.Suppressed > 0 {
			supp = th.Error.Render(supp)
		}
		line := styles[k%len(styles)].Render(string(glyph(k))) + " " +
			th.Text.Render(fmt.Sprintf("%-4d %-8s %6s ", k+1, st.Step.Send, wait)) +
			th.Number.Render(fmt.Sprintf("%7s", format.Count(int64(st.Sends)))) +
			th.Text.Render(fmt.Sprintf(" %8s ", format.Count(int64(st.Deferred)))) + supp +
			th.Text.Render(fmt.Sprintf(" %6s %7s  ", format.Count(int64(st.Held)), format.Count(int64(st.Pending)))) +
			th.Subtle.Render(quote(st.Step.Message))
		out = append(out, line)
	}
	return out
}

// conversions compares treated and holdout journeys among those settled by as_of: the
// parts of the line that answers whether the campaign works (treated, holdout, lift), and
// a note on what its collisions count.
func (m Model) conversions(c *sim.CampaignReplay) ([]string, string) {
	th := m.th
	var note string
	if m.replayAll && m.replay != nil && len(m.replay.Campaigns) > 1 {
		note = th.Subtle.Render(fmt.Sprintf("collisions: person-days with more than one message across the %d campaigns replayed together (%s in all)",
			len(m.replay.Campaigns), format.Count(int64(m.replay.Collisions))))
	} else {
		note = th.Subtle.Render("collisions: person-days with more than one of this campaign's messages (a: replay with all campaigns)")
	}
	conv, within := c.Campaign.ConversionEvent()
	if conv == nil {
		return []string{th.Subtle.Render("conversions – (no exit or conversion event)")}, note
	}
	what := strings.Join(conv.Events, "|")
	if !within.IsZero() {
		what += " within " + within.String()
	}
	arm := func(label string, holdout bool) string {
		n, x := c.Settled.Journeys.Treated, c.Settled.Conversions.Treated
		if holdout {
			n, x = c.Settled.Journeys.Holdout, c.Settled.Conversions.Holdout
		}
		return th.Subtle.Render(label+" ") + th.Number.Render(format.Count(int64(x))) +
			th.Subtle.Render(fmt.Sprintf("/%s %s", format.Count(int64(n)), format.Share(int64(x), int64(n))))
	}
	parts := []string{th.Subtle.Render("conversions (" + safe.Text(what) + ", settled journeys):"), arm("treated", false)}
	if c.HoldoutJourneys > 0 {
		parts = append(parts, arm("holdout", true))
		rt, ok1 := c.ConversionRate(false)
		rh, ok2 := c.ConversionRate(true)
		if ok1 && ok2 {
			parts = append(parts, th.Subtle.Render("lift ")+th.Emphasis.Render(fmt.Sprintf("%+.1f pp", (rt-rh)*100)))
		}
	}
	// The label and the treated arm read as one: "conversions (…): treated 573/639 89.7%".
	return append([]string{parts[0] + " " + parts[1]}, parts[2:]...), note
}

// pickerHead is the picker's title, what its keys do, and what it did last.
func (m Model) pickerHead(w int) []string {
	th := m.th
	name := ""
	if m.replay != nil {
		name = m.replay.Campaigns[m.shown].Campaign.Name
	}
	lines := []string{ansi.Truncate(th.Heading.Render("Pick a person")+th.Subtle.Render(" · "+safe.Text(name)), w, "…")}
	hint := "type to filter the people listed (the first reached, and with collisions) · enter opens the one highlighted, or looks a typed id up · esc stops typing"
	if !m.picker.Filtering() {
		reached := 0
		if m.replay != nil {
			reached = len(m.replay.Campaigns[m.shown].ReachedPeople)
		}
		hint = fmt.Sprintf("enter opens · / types an id · c copies the ids of all %s people reached · x/X export them to CSV/Parquet · esc back",
			format.Count(int64(reached)))
	}
	lines = append(lines, strings.Split(layout.Wrap(th.Subtle.Render(hint), w), "\n")...)
	switch {
	case m.pickBusy != "":
		lines = append(lines, th.Warning.Render(m.pickBusy+"…"))
	case strings.HasPrefix(m.pickStatus, "✗"):
		lines = append(lines, strings.Split(layout.Wrap(th.Error.Render(m.pickStatus), w), "\n")...)
	case m.pickStatus != "":
		lines = append(lines, strings.Split(layout.Wrap(th.Success.Render(m.pickStatus), w), "\n")...)
	}
	switch {
	case m.peopleBusy:
		lines = append(lines, m.spin.View()+th.Subtle.Render(" listing people…"))
	case m.peopleErr != nil:
		lines = append(lines, th.Error.Render("could not list people: ")+th.Text.Render(safe.Text(m.peopleErr.Error())))
	case len(m.people) == 0:
		lines = append(lines, th.Subtle.Render("This replay sent nobody a message; type a user id."))
	}
	return lines
}

// fillPicker draws the people into the picker's rows.
func (m *Model) fillPicker() {
	th := m.th
	idW := 8
	for _, p := range m.people {
		idW = max(idW, ansi.StringWidth(safe.Text(p.userID)))
	}
	m.picker.SetHeader()
	if len(m.people) > 0 {
		m.picker.SetHeader(th.Subtle.Render(fmt.Sprintf("%-*s %8s  %-16s  %s", idW, "user id", "events", "last seen", "")))
	}
	rows := make([]list.Row, len(m.people))
	for i, p := range m.people {
		var tags []string
		if p.collision {
			tags = append(tags, th.Error.Render("◆ collision"))
		}
		if p.reached {
			tags = append(tags, th.Subtle.Render("reached"))
		}
		last := "never"
		if !p.lastSeen.IsZero() {
			last = p.lastSeen.UTC().Format("2006-01-02 15:04")
		}
		id := safe.Text(p.userID)
		rows[i] = list.Row{Key: id, Text: fmt.Sprintf("%-*s %8s  %-16s  ", idW, id, format.Count(p.events), last) + strings.Join(tags, " ")}
	}
	m.picker.SetRows(rows)
}

func (m Model) pickerPanel(w, h int) string {
	head := m.pickerHead(w)
	p := m.picker
	p.SetSize(w, max(1, h-len(head)))
	out := append(head, p.View())
	if m.picker.Filtering() && m.picker.Len() == 0 && m.picker.FilterText() != "" {
		out = append(out, m.th.Subtle.Render("No listed person matches; enter looks the id up."))
	}
	return strings.Join(out, "\n")
}

// personHead is the person's name, journeys and span.
func (m Model) personHead(w int) []string {
	th := m.th
	if m.tl == nil {
		return []string{""}
	}
	tl := m.tl
	parts := []string{th.Heading.Render("Person " + safe.Text(tl.UserID)),
		th.Subtle.Render(fmt.Sprintf("uid %d", tl.UID)),
		th.Subtle.Render(fmt.Sprintf("%d %s", len(tl.Journeys), plural(len(tl.Journeys), "journey", "journeys")))}
	if !tl.EventsFrom.IsZero() {
		parts = append(parts, th.Subtle.Render("events "+format.Day(tl.EventsFrom)+" … "+format.Day(tl.EventsTo)))
	}
	lines := layout.Flow(parts, th.Subtle.Render(" · "), "  ", w)
	if tl.EventsTruncated {
		lines = append(lines, th.Warning.Render(fmt.Sprintf("only the first %d events of that span are listed", sim.TimelineEvents)))
	}
	return lines
}

// personRows are the person's timeline, one entry a row: wide rows (an event's properties)
// scroll sideways instead of being cut.
func (m Model) personRows() []list.Row {
	if m.tl == nil {
		return nil
	}
	campW := 0
	for _, e := range m.tl.Entries {
		if e.Kind != sim.EntryEvent {
			campW = max(campW, ansi.StringWidth(safe.Text(e.Campaign)))
		}
	}
	campW = min(campW, 24)
	rows := make([]list.Row, len(m.tl.Entries))
	for i, e := range m.tl.Entries {
		rows[i] = list.Row{Text: m.entryLine(e, campW)}
	}
	if len(rows) == 0 {
		rows = append(rows, list.Row{Text: m.th.Subtle.Render("No events or journeys."), Fixed: true})
	}
	return rows
}

func (m Model) personPanel(w, h int) string {
	th := m.th
	switch {
	case m.personBusy != "":
		return m.spin.View() + th.Subtle.Render(" replaying "+safe.Text(m.personBusy)+"…")
	case m.personErr != nil:
		return th.Error.Render("timeline: ") + th.Text.Render(layout.Wrap(safe.Text(m.personErr.Error()), w-10)) + "\n\n" +
			th.Subtle.Render("p: pick another person · esc: back")
	case m.tl == nil:
		return ""
	}
	head := m.personHead(w)
	l := m.lines
	l.SetSize(w, max(1, h-len(head)))
	return strings.Join(append(head, l.View()), "\n")
}

// entryLine draws one line of a person's timeline: their events plain, what the campaigns
// did in colour (sends green, suppressions red, holdout and pending dim).
func (m Model) entryLine(e sim.TimelineEntry, campW int) string {
	th := m.th
	when := th.Subtle.Render(e.At.UTC().Format("2006-01-02 15:04") + "  ")
	camp := ""
	if campW > 0 {
		name := ""
		if e.Kind != sim.EntryEvent {
			name = ansi.Truncate(safe.Text(e.Campaign), campW, "…")
		}
		camp = th.Group.Render(layout.PadRight(name, campW)) + "  "
	}
	switch e.Kind {
	case sim.EntryEvent:
		what := th.Text.Render(safe.Text(e.Event))
		if e.Revenue != 0 {
			what += " " + th.Number.Render(money(e.Revenue))
		}
		props := safe.Text(e.Properties)
		if props != "{}" && props != "" {
			what += "  " + th.Subtle.Render(props)
		}
		return when + camp + what
	case sim.EntryJourneyStart:
		return when + camp + th.Group.Render("▶ journey starts")
	case sim.EntryExit:
		return when + camp + th.Group.Render("■ exits")
	case sim.EntryConversion:
		return when + camp + th.Success.Render("✓ converts") + th.Subtle.Render(" "+money(e.Revenue))
	case sim.EntryStep:
		what := fmt.Sprintf("step %d %s %s", e.Step+1, e.Channel, e.Outcome)
		style := th.Success
		switch e.Outcome {
		case sim.Held, sim.Pending:
			style = th.Subtle
		case sim.Suppressed, sim.SuppressedGlobal:
			style = th.Error
		}
		s := when + camp + style.Render("✉ "+what)
		if e.Deferred {
			s += th.Warning.Render(" (deferred by quiet hours)")
		}
		return s + " " + th.Subtle.Render(quote(e.Message))
	}
	return when + camp
}

func quote(msg string) string {
	if msg == "" {
		return ""
	}
	return "“" + safe.Text(msg) + "”"
}

func money(x float64) string {
	cents := int64(math.Round(math.Abs(x) * 100))
	s := fmt.Sprintf("%s.%02d", format.Count(cents/100), cents%100)
	if x < 0 && cents > 0 {
		return "-" + s
	}
	return s
}

// amount writes a rate with at most one decimal: 9.7, 1,204.
func amount(x float64) string {
	if x >= 100 {
		return format.Count(int64(math.Round(x)))
	}
	return fmt.Sprintf("%.1f", x)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
