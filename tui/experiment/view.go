package experiment

import (
	"fmt"
	"github.com/segscope/segscope/tui/layout"
	"math"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/abtest"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
	"github.com/segscope/segscope/tui/chart"
	"github.com/segscope/segscope/tui/list"
)

// wideAt is the width from which inputs, results and the power curve sit side by side.
const wideAt = 150

// View draws the screen in the size it was given (or less).
func (m Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	return m.doc.View()
}

// refresh lays the screen out as a document for its width: inputs, results (every line
// that decides the test whole, wrapped under its label), the power curve and the lift
// histogram, side by side as the width allows. A document taller than the terminal
// scrolls (pgup/pgdn, g/G, the wheel), so nothing is out of reach at 80×24.
func (m *Model) refresh() {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return
	}
	var lines []string
	switch {
	case w >= wideAt:
		c1, c2 := 40, 64
		c3 := w - c1 - c2 - 4
		lines = joinCols([][]string{m.inputsBlock(c1), m.resultsBlock(c2), m.curveBlock(c3, true)}, []int{c1, c2, c3}, 2)
		if rest := h - len(lines) - 1; rest >= 5 {
			lines = append(lines, "")
			lines = append(lines, m.histBlock(w, min(rest, 20))...)
		}
	case w < 64:
		lines = append(m.inputsBlock(w), "")
		lines = append(lines, m.resultsBlock(w)...)
		lines = append(append(lines, ""), m.curveBlock(w, false)...)
		lines = append(append(lines, ""), m.histBlock(w, max(6, min(12, h/2)))...)
	default:
		c1 := max(32, min(40, w*2/5))
		c2 := w - c1 - 2
		left := append(m.inputsBlock(c1), "")
		left = append(left, m.curveBlock(c1, false)...)
		right := m.resultsBlock(c2)
		right = append(append(right, ""), m.histBlock(c2, max(6, min(12, h-len(right)-1)))...)
		lines = joinCols([][]string{left, right}, []int{c1, c2}, 2)
	}
	rows := make([]list.Row, len(lines))
	for i, l := range lines {
		rows[i] = list.Row{Text: l, Fixed: true}
	}
	m.doc.SetSize(w, h)
	m.doc.SetRows(rows)
}

// joinCols sets blocks of lines side by side, each padded to its width.
func joinCols(cols [][]string, widths []int, gap int) []string {
	n := 0
	for _, c := range cols {
		n = max(n, len(c))
	}
	out := make([]string, n)
	for i := range n {
		var sb strings.Builder
		for j, c := range cols {
			l := ""
			if i < len(c) {
				l = ansi.Truncate(c[i], widths[j], "…")
			}
			if j < len(cols)-1 {
				l = layout.PadRight(l, widths[j]) + strings.Repeat(" ", gap)
			}
			sb.WriteString(l)
		}
		out[i] = strings.TrimRight(sb.String(), " ")
	}
	return out
}

// labelW is the width of the inputs' and results' labels.
const labelW = 11

func (m Model) inputsBlock(w int) []string {
	th := m.th
	lines := []string{th.Heading.Render("Experiment") + th.Subtle.Render(" · two-sided z-test")}
	for f := range fieldCount {
		label := fieldLabels[f]
		if f == fMDE {
			if m.in.Relative {
				label = "mde rel."
			} else {
				label = "mde abs."
			}
		}
		cur := "  "
		if f == m.cursor {
			cur = th.Title.Render("▸ ") // the cursor reads without colour too
		}
		var val string
		if m.editing && f == m.cursor {
			in := m.input
			in.Input.SetWidth(max(4, min(10, ansi.StringWidth(in.Value())+1)))
			val = in.View() + " " + th.Subtle.Render(m.in.unit(f))
		} else {
			val = th.Number.Render(m.in.text(f))
			if f == fDaily && m.in.Daily <= 0 {
				val = th.Subtle.Render("– (unknown)")
			}
		}
		line := cur + th.Text.Render(layout.PadRight(label, labelW)) + val
		if f == m.cursor && !m.editing {
			line = th.Selected.Render(layout.PadRight(ansi.Strip(ansi.Truncate(line, w, "…")), w))
		}
		lines = append(lines, ansi.Truncate(line, w, "…"))
	}
	if m.editErr != "" {
		lines = append(lines, styled(th.Error, safe.Text(m.editErr), w)...)
	}
	switch s := m.src; {
	case s == nil:
		lines = append(lines, styled(th.Subtle, "Defaults: choose a campaign on the Timeline to plan a test on it.", w)...)
	default:
		note := fmt.Sprintf("From %s: ", s.name)
		if s.arm != "" {
			note += fmt.Sprintf("%s of %s settled %s journeys converted; ", format.Count(int64(s.x)), format.Count(int64(s.n)), s.arm)
		} else {
			note += m.srcNote + "; "
		}
		note += fmt.Sprintf("%s journeys a day.", trimN(s.daily, 1))
		lines = append(lines, styled(th.Subtle, safe.Text(note), w)...)
	}
	return lines
}

func (m Model) resultsBlock(w int) []string {
	th := m.th
	var lines []string
	// row is a result: its label, its value and what the value means, wrapped under the
	// label; the value and the note's words are never cut.
	row := func(label, value, note string) []string {
		body := layout.Wrap(th.Number.Render(value)+th.Subtle.Render(note), max(10, w-labelW))
		out := strings.Split(body, "\n")
		for i := range out {
			if i == 0 {
				out[i] = th.Text.Render(layout.PadRight(label, labelW)) + out[i]
			} else {
				out[i] = strings.Repeat(" ", labelW) + strings.TrimLeft(out[i], " ")
			}
		}
		return out
	}
	lines = []string{th.Heading.Render("Sample size")}
	if m.planErr != nil {
		lines = append(lines, styled(th.Error, safe.Text(m.planErr.Error()), w)...)
		return lines
	}
	p := m.plan
	effect := p.TreatmentRate - p.ControlRate
	arms := "per variant"
	if p.Control != p.PerTreatment {
		arms = fmt.Sprintf("control; each treatment %s", format.Count(int64(p.PerTreatment)))
	}
	lines = append(lines,
		row("users", format.Count(int64(p.PerVariant())), " "+arms+th.Subtle.Render(" · ")+th.Number.Render(format.Count(int64(p.Total)))+th.Subtle.Render(fmt.Sprintf(" total in %d arms", p.Design.Variants)))...)
	if m.days > 0 {
		lines = append(lines, row("days", format.Count(int64(m.days)), " at "+trimN(m.in.Daily, 1)+" entrants a day")...)
	} else {
		lines = append(lines, row("days", "–", " set daily entrants")...)
	}
	lines = append(lines, m.durationWarnings(w)...)
	lines = append(lines, row("detects", pct(p.TreatmentRate), fmt.Sprintf(" vs %s (%s pp, %s)", pct(p.ControlRate), signed(trimN(effect*100, 2)), signed(trimN(effect/p.ControlRate*100, 1))+"%"))...)
	if p.Design.Variants > 2 {
		lines = append(lines, styled(th.Warning, fmt.Sprintf("%d comparisons with control, each at α %s (no correction)", p.Design.Comparisons(), trim(p.ComparisonAlpha)), w)...)
	}

	// Monte Carlo.
	title := th.Heading.Render("Monte Carlo")
	switch {
	case m.in.Sims == 0:
		title += th.Subtle.Render(" · off (sims 0)")
	case m.sim != nil:
		title += th.Subtle.Render(fmt.Sprintf(" · %s experiments, seed %d", format.Count(int64(m.sim.Config.Runs)), m.sim.Config.Seed))
		if m.sim.Config.Runs < m.in.Sims {
			title += th.Warning.Render(" (quick, while typing)")
		}
	}
	if m.busy > 0 {
		title += " " + m.spin.View()
	}
	lines = append(append(lines, ""), strings.Split(layout.Wrap(title, w), "\n")...)
	if m.simErr != nil {
		lines = append(lines, styled(th.Error, safe.Text(m.simErr.Error()), w)...)
	}
	if s := m.sim; s != nil && m.in.Sims > 0 {
		dim := func(ls []string) []string {
			if m.stale {
				for i, l := range ls {
					ls[i] = th.Subtle.Render(ansi.Strip(l))
				}
			}
			return ls
		}
		lines = append(lines, dim(row("power", format.Percent(s.ShareSignificant), fmt.Sprintf(" significant (planned %s)", pct(m.in.Power))))...)
		lines = append(lines, dim(row("false pos.", format.Percent(s.FalsePositiveRate), fmt.Sprintf(" with no true effect (α %s)", trim(p.ComparisonAlpha))))...)
		switch {
		case m.looks > 1:
			note := fmt.Sprintf(" at %d daily looks", m.looks)
			if m.days > m.looks {
				note = fmt.Sprintf(" at %d even looks over %s days", m.looks, format.Count(int64(m.days)))
			}
			extra := s.PeekingFalsePositiveRate - s.FalsePositiveRate
			lines = append(lines, dim(row("peeking", format.Percent(s.PeekingFalsePositiveRate), note+fmt.Sprintf(" (+%s pts)", trimN(extra*100, 1))))...)
		default:
			lines = append(lines, dim(row("peeking", "–", " needs daily entrants (one look a day)"))...)
		}
		if q := quantiles(s.Lift); len(q) > 0 {
			lines = append(lines, dim(row("lift", liftPct(q[0.5]), fmt.Sprintf(" median; 90%% in %s … %s", liftPct(q[0.05]), liftPct(q[0.95]))))...)
		}
		if ms := s.Lift.MeanSignificant; !math.IsNaN(ms) {
			lines = append(lines, dim(row("if signif.", liftPct(ms), " mean lift (true "+liftPct(s.Lift.True)+")"))...)
		}
	} else if m.in.Sims > 0 && m.sim == nil && m.busy > 0 {
		lines = append(lines, th.Subtle.Render("simulating…"))
	}

	// Bayesian.
	if m.bayes != nil || m.replayP != nil {
		lines = append(lines, "")
		approx := func(b *bayesResult) string {
			if b.approx {
				return " (normal approximation)"
			}
			return ""
		}
		if b := m.bayes; b != nil {
			lines = append(lines, row("P(beat)", format.Percent(b.p), " chance to beat control at the planned size and rates, Beta(1,1)"+approx(b))...)
		}
		if b := m.replayP; b != nil && m.src != nil {
			lines = append(lines, row("P(replay)", format.Percent(b.p), fmt.Sprintf(" messages beat the holdout in the replay (%s/%s vs %s/%s)%s",
				format.Count(int64(m.src.treated.Conversions)), format.Count(int64(m.src.treated.Entrants)),
				format.Count(int64(m.src.holdout.Conversions)), format.Count(int64(m.src.holdout.Entrants)), approx(b)))...)
		}
	}
	return lines
}

// quantiles maps the reported percentiles of the lift.
func quantiles(l abtest.LiftDistribution) map[float64]float64 {
	out := map[float64]float64{}
	for _, q := range l.Quantiles {
		out[q.P] = q.Value
	}
	return out
}

// liftPct writes a relative lift: +10.0%.
func liftPct(v float64) string { return signed(trimN(v*100, 1)) + "%" }

// curveBlock is the power at the planned size across effects; full adds the users each
// effect would need.
func (m Model) curveBlock(w int, full bool) []string {
	th := m.th
	if m.planErr != nil || len(m.curve) == 0 {
		return nil
	}
	lines := []string{ansi.Truncate(th.Heading.Render("Power curve")+th.Subtle.Render(fmt.Sprintf(" · %s users per arm", format.Count(int64(m.plan.Control)))), w, "…")}
	labels := make([]string, len(m.curve))
	labW := 0
	for i, p := range m.curve {
		if m.in.Relative {
			labels[i] = signed(trimN(p.MDE*100, 1)) + "%"
		} else {
			labels[i] = signed(trimN(p.MDE*100, 2)) + " pp"
		}
		labW = max(labW, len(labels[i]))
	}
	needW := 0
	if full {
		needW = 14
	}
	barW := min(40, w-labW-1-6-1-needW-2)
	if full {
		head := layout.PadRight("effect", labW) + " " + layout.PadRight("power at planned size", max(0, barW+1+6))
		lines = append(lines, ansi.Truncate(th.Subtle.Render(head+fmt.Sprintf("%*s", needW, "users for "+pct(m.in.Power))), w, "…"))
	}
	for i, p := range m.curve {
		line := th.Text.Render(layout.PadLeft(labels[i], labW)) + " "
		if barW >= 4 {
			line += th.Bar.Render(layout.PadRight(bar(p.Power, barW), barW)) + " "
		}
		line += th.Number.Render(fmt.Sprintf("%6s", format.Percent(p.Power)))
		if full {
			line += th.Text.Render(fmt.Sprintf(" %*s", needW, format.Count(int64(p.PerVariant))))
		}
		if p.MDE == m.plan.Design.MDE {
			line += th.Title.Render(" ←")
		}
		lines = append(lines, ansi.Truncate(line, w, "…"))
	}
	return lines
}

var hEighths = []rune{' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'}

// bar is a horizontal bar of v (0..1) of width cells, in eighths.
func bar(v float64, width int) string {
	e := int(math.Round(math.Max(0, math.Min(1, v)) * float64(width*8)))
	return strings.Repeat("█", e/8) + strings.TrimSpace(string(hEighths[e%8]))
}

// histBlock draws the distribution of the observed lift as columns, with the true lift
// and no lift marked below.
func (m Model) histBlock(w, h int) []string {
	th := m.th
	s := m.sim
	if s == nil || m.planErr != nil || m.in.Sims == 0 || len(s.Lift.Histogram.Counts) == 0 || h < 4 {
		return nil // no plan, no simulation of it: an older one's histogram would mislead
	}
	hist := s.Lift.Histogram
	// At most 80 columns of lift, each up to three characters wide: finer bins of a
	// discrete statistic only show its granularity.
	merged := mergeBins(hist.Counts, min(w, 80))
	colW := max(1, min(3, w/len(merged)))
	counts := make([]int64, 0, len(merged)*colW)
	for _, c := range merged {
		for range colW {
			counts = append(counts, c)
		}
	}
	title := th.Heading.Render("Observed lift across runs") + th.Subtle.Render(fmt.Sprintf(" · %s of %s runs with a control conversion",
		format.Count(int64(s.Lift.Defined)), format.Count(int64(s.Config.Runs))))
	lines := []string{ansi.Truncate(title, w, "…")}
	if h < 8 {
		lines = nil // the bars need the rows more than the title does
	}
	barH := h - 2 - len(lines)
	style := th.Bar
	if m.stale {
		style = th.Subtle
	}
	lines = append(lines, strings.Split(chart.Sparkline(counts, barH, style), "\n")...)
	// Markers: ^ the true lift, | no lift.
	n := len(counts)
	col := func(v float64) int {
		if hist.Max <= hist.Min {
			return 0
		}
		return int(math.Floor((v-hist.Min)/(hist.Max-hist.Min)*float64(len(merged))))*colW + colW/2
	}
	marks := []rune(strings.Repeat(" ", n))
	if c := col(0); hist.Min < 0 && hist.Max > 0 && c >= 0 && c < n {
		marks[c] = '|'
	}
	if c := min(col(s.Lift.True), n-1); c >= 0 {
		marks[c] = '^'
	}
	lines = append(lines, th.Title.Render(strings.TrimRight(string(marks), " ")))
	legend := "^ true lift " + liftPct(s.Lift.True)
	if hist.Min < 0 && hist.Max > 0 {
		legend += " · | no lift"
	}
	lo, hi := liftPct(hist.Min), liftPct(hist.Max)
	axis := lo
	if gap := n - len(lo) - len(hi); gap > 0 {
		axis = lo + strings.Repeat(" ", gap) + hi
		if inner := gap - 4; inner >= ansi.StringWidth(legend) {
			left := (inner - ansi.StringWidth(legend)) / 2
			axis = lo + strings.Repeat(" ", 2+left) + legend + strings.Repeat(" ", gap-2-left-ansi.StringWidth(legend)) + hi
		}
	}
	lines = append(lines, th.Subtle.Render(axis))
	return lines
}

// mergeBins sums adjacent bins so that at most width remain, merging by a divisor of the
// bin count when one fits (every column then spans the same range of lift).
func mergeBins(counts []int, width int) []int64 {
	n := len(counts)
	k := 1
	for k <= n && (n+k-1)/k > width {
		k++
	}
	for d := k; d <= n; d++ { // prefer an exact divisor not much coarser
		if n%d == 0 {
			if d <= 2*k {
				k = d
			}
			break
		}
	}
	out := make([]int64, 0, (n+k-1)/k)
	for i := 0; i < n; i += k {
		var s int64
		for j := i; j < i+k && j < n; j++ {
			s += int64(counts[j])
		}
		out = append(out, s)
	}
	return out
}

// styled wraps s to w columns and renders every line with st.
func styled(st lipgloss.Style, s string, w int) []string {
	var out []string
	for _, l := range strings.Split(layout.Wrap(s, w), "\n") {
		out = append(out, st.Render(l))
	}
	return out
}

// longTest is the longest test that is planned without a warning: past eight weeks, seasons,
// novelty and people leaving drift the effect the test measures.
const longTest = 56

// durationWarnings say when a plan runs longer than eight weeks, and when the traffic can't
// reach the sample in a year at all, with the effect the same traffic can detect in eight
// weeks.
func (m Model) durationWarnings(w int) []string {
	th := m.th
	if m.days <= longTest {
		return nil
	}
	var msg string
	style := th.Warning
	if m.days > 365 {
		style = th.Error
		msg = fmt.Sprintf("! the daily traffic can't reach this sample: %s days at %s entrants a day, more than a year.",
			format.Count(int64(m.days)), trimN(m.in.Daily, 1))
	} else {
		msg = fmt.Sprintf("! %s days is longer than 8 weeks: seasons and novelty drift the effect while it runs.", format.Count(int64(m.days)))
	}
	if mde, ok := reachableMDE(m.in, longTest); ok {
		unit := "%"
		v := mde * 100
		if !m.in.Relative {
			unit = " pp"
		}
		msg += fmt.Sprintf(" In 8 weeks this traffic detects an effect of %s%s.", signed(trimN(v, 1)), unit)
	} else {
		msg += " No effect this traffic can detect fits in 8 weeks."
	}
	return styled(style, msg, w)
}

// reachableMDE is the smallest effect (in the inputs' terms, relative or absolute) whose
// test takes at most days at the inputs' daily traffic: the days a test needs fall as the
// effect grows, so a bisection finds it.
func reachableMDE(in inputs, days int) (float64, bool) {
	if in.Daily <= 0 {
		return 0, false
	}
	takes := func(mde float64) (int, bool) {
		d := in
		d.MDE = mde
		plan, err := abtest.SampleSize(d.design())
		if err != nil {
			return 0, false
		}
		n, err := abtest.DaysToReach(plan, in.Daily)
		return n, err == nil
	}
	hi := 1 - in.Baseline // the treatment rate stays below 1
	if in.Relative {
		hi = (1 - in.Baseline) / in.Baseline
	}
	hi *= 0.999
	if n, ok := takes(hi); !ok || n > days {
		return 0, false
	}
	lo := in.MDE
	for range 50 {
		mid := (lo + hi) / 2
		if n, ok := takes(mid); ok && n <= days {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, true
}
