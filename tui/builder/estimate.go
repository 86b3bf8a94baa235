package builder

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
	"github.com/segscope/segscope/tui/chart"
)

// Never wait blind: when the exact count of a draft is slow, the preview first shows an
// estimate from a random sample of people with its 95% interval ("≈ 38,200 ± 1,700",
// marked as an estimate), and the exact number replaces it when it lands.
//
// When is a count slow? The builder cannot know before running it, so it runs the exact
// count and, if no answer has come DefaultEstimateAfter later, starts the sample. Starting
// the sample only then, not beside the exact count from the first moment, is deliberate:
// the two share two cores, so a sample running from the start would slow every count,
// including the fast ones (most recounts in the builder re-run one cached-around
// condition and answer in tens of milliseconds) for a number that is then never shown. A
// count still running at 100 ms is one of the slow ones (a cold condition on a big store:
// 0.3–2 s at 100M events), and the sample — 20,000 people, its conditions cached per
// sample as the draft changes — lands well before it. With the 50 ms pause after a key,
// the estimate is due 150 ms after the keystroke. After a slow count the sample runs first
// instead (estimateFirst).
//
// The sample runs under the exact count's context: a newer edit cancels both, and the
// exact count's end cancels a sample still running. Answers carry their request's number,
// so an older draft's estimate is never drawn for the new text.

// DefaultEstimateAfter is Deps.EstimateAfter's default.
const DefaultEstimateAfter = 100 * time.Millisecond

// estimateDueMsg says request seq has run EstimateAfter.
type estimateDueMsg struct{ seq int }

// estimateMsg answers the sample of request seq.
type estimateMsg struct {
	seq int
	est *query.Estimate
	err error
}

// estimateDue times request seq: once it has run EstimateAfter, an estimate may be drawn.
func (m *Model) estimateDue(seq int) tea.Cmd {
	if m.deps.EstimateAfter < 0 || m.deps.Engine == nil {
		return nil
	}
	return tea.Tick(m.deps.EstimateAfter, func(time.Time) tea.Msg { return estimateDueMsg{seq: seq} })
}

// estimateFirst reports whether the draft's sample runs before its exact count rather than
// when the count has run EstimateAfter: once an exact count of this builder has taken
// longer than that, the store is one where counts are slow (a recount answered from the
// cache in microseconds says nothing about the next cold one), and waiting EstimateAfter
// and then sampling beside the running count put the estimate 0.2–0.4 s after the
// keystroke at 100M events — the sample's small query queues behind the big one's tasks in
// DuckDB's scheduler. Sampling first draws it within ~0.1 s and delays the exact number by
// only the sample's own time (tens of milliseconds).
func (m Model) estimateFirst() bool {
	return m.slowCounts && m.deps.EstimateAfter >= 0 && m.deps.Engine != nil
}

// startEstimate samples the draft of request msg.seq if its exact count has not arrived.
func (m Model) startEstimate(msg estimateDueMsg) tea.Cmd {
	if msg.seq != m.seq || m.counted(msg.seq) || !m.evaluating || m.parsed == nil {
		return nil // a newer edit, or the exact count is already drawn
	}
	return m.sample(msg.seq)
}

// sample estimates the current draft as request seq, under its count's context.
func (m Model) sample(seq int) tea.Cmd {
	ctx, eng, seg, asOf, opt := m.evalCtx, m.deps.Engine, m.parsed, m.deps.AsOf, m.deps.Sample
	res := draftResolver{base: m.deps.Resolver, seg: seg}
	return func() tea.Msg {
		est, err := eng.Estimate(ctx, seg, res, asOf, opt)
		return estimateMsg{seq: seq, est: est, err: err}
	}
}

// applyEstimate keeps an estimate of the current draft while its exact count runs; a
// failed or cancelled sample shows nothing (the exact count, or its error, follows).
func (m Model) applyEstimate(msg estimateMsg) Model {
	if msg.seq != m.seq || m.counted(msg.seq) || msg.err != nil || msg.est == nil {
		return m
	}
	m.estimate, m.estSeq = msg.est, msg.seq
	return m
}

// showEstimate reports whether the preview draws the estimate: it answers the draft as it
// is and the exact count has not.
func (m Model) showEstimate() bool {
	return m.estimate != nil && m.estSeq == m.seq && !m.counted(m.seq) && m.parsed != nil && m.evalErr == nil
}

// counted reports whether the exact count of request seq is drawn.
func (m Model) counted(seq int) bool { return m.result != nil && m.evalSeq == seq }

// estimateLines are the wide preview's lines for the estimate: the number with its margin
// and share, what it is, and the waterfall of estimates.
func (m Model) estimateLines(w int) []string {
	th := m.th
	est := m.estimate
	c := est.Count
	lines := []string{th.Number.Render(c.Text()) +
		th.Subtle.Render(fmt.Sprintf("  of %s %s (%s)", format.Count(c.Universe), m.unitNoun(), format.Share(c.Estimate, c.Universe))) +
		th.Warning.Render("  estimate")}
	lines = append(lines, th.Subtle.Render(fmt.Sprintf("95%% interval %s–%s from a sample of %s",
		format.Count(c.Low), format.Count(c.High), format.Count(c.SampleSize))))
	lines = append(lines, th.Warning.Render("↻ counting exactly…")+th.Subtle.Render(" as of "+format.Timestamp(est.AsOf)))
	if len(est.Waterfall) > 1 {
		lines = append(lines, "", th.Heading.Render("Waterfall")+th.Subtle.Render("  estimated, remaining after each condition"))
		bars := make([]chart.Bar, len(est.Waterfall))
		for i, s := range est.Waterfall {
			bars[i] = chart.Bar{Label: safe.Text(s.Label), Value: s.Remaining.Estimate, Note: format.Share(s.Remaining.Estimate, c.Universe)}
		}
		st := chart.BarStyles{Label: th.Text, Bar: th.Bar, Value: th.Number, Note: th.Subtle}
		lines = append(lines, chart.HBars(bars, w, st, func(n int64) string { return "≈" + format.Count(n) }))
	}
	return lines
}

// estimateCompact is the narrow preview's estimate: the number and what it is, then the
// waterfall of estimates.
func (m Model) estimateCompact() string {
	th := m.th
	est := m.estimate
	c := est.Count
	s := th.Number.Render(c.Text()) + th.Subtle.Render(fmt.Sprintf(" of %s %s", format.Count(c.Universe), m.unitNoun())) +
		th.Warning.Render("  estimate ↻")
	if len(est.Waterfall) > 1 {
		steps := ""
		for i, st := range est.Waterfall {
			if i > 0 {
				steps += " → "
			}
			steps += "≈" + format.Compact(st.Remaining.Estimate)
		}
		s += "\n" + th.Subtle.Render("waterfall ") + th.Text.Render(steps)
	}
	return s
}
