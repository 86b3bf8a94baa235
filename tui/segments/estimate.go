package segments

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/segscope/segscope/query"
)

// Never wait blind: the list counts its segments exactly, one at a time, so on a big store
// a row waits for every row above it. When the list has not finished DefaultEstimateAfter
// after it started counting — so that a row's exact count is more than that away — a
// second pass estimates each row still without a count from a random sample of people
// (query.Engine.Estimate), one at a time ahead of the exact pass, and the row shows
// "≈38k±1.7k" until its exact count replaces it. A list that fills within the delay (a
// small store, or counts already cached by another visitor) never samples anything.
// Each answer carries the load's generation: a reload or a new as_of drops older ones.

// DefaultEstimateAfter is Deps.EstimateAfter's default: the ~150 ms past which a number
// should not be waited for blind.
const DefaultEstimateAfter = 150 * time.Millisecond

// estimateDueMsg says the counting of generation gen has run EstimateAfter.
type estimateDueMsg struct{ gen int }

// estimateMsg answers the estimate of one segment.
type estimateMsg struct {
	gen  int
	name string
	est  *query.Estimate
	err  error
}

// estimateDue times the counting of the current generation.
func (m Model) estimateDue() tea.Cmd {
	after := m.deps.EstimateAfter
	if after == 0 {
		after = DefaultEstimateAfter
	}
	if after < 0 || m.deps.Engine == nil {
		return nil
	}
	gen := m.gen
	return tea.Tick(after, func(time.Time) tea.Msg { return estimateDueMsg{gen: gen} })
}

// estimateNext estimates the first segment with neither a count nor an estimate.
func (m Model) estimateNext() tea.Cmd {
	if m.deps.Engine == nil {
		return nil
	}
	for _, e := range m.entries {
		if e.counted || e.est != nil || e.estFailed {
			continue
		}
		seg, eng, ws, asOf, ctx, gen, opt := e.seg, m.deps.Engine, m.ws, m.deps.AsOf, m.ctx, m.gen, m.deps.Sample
		return func() tea.Msg {
			est, err := eng.Estimate(ctx, seg, ws, asOf, opt)
			return estimateMsg{gen: gen, name: seg.Name, est: est, err: err}
		}
	}
	return nil
}

// updateEstimate handles the estimate pass's messages.
func (m Model) updateEstimate(msg tea.Msg) (Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case estimateDueMsg:
		if msg.gen != m.gen || !m.counting() {
			return m, nil, true // the list filled in time: nothing to estimate
		}
		return m, m.estimateNext(), true
	case estimateMsg:
		if msg.gen != m.gen {
			return m, nil, true
		}
		for i := range m.entries {
			if e := &m.entries[i]; e.seg.Name == msg.name && !e.counted {
				// A failed sample shows nothing: the exact count, or its error, follows.
				e.est, e.estFailed = msg.est, msg.err != nil
			}
		}
		m.refreshRows()
		return m, m.estimateNext(), true
	}
	return m, nil, false
}

// estimating reports whether a row shows an estimate.
func (m Model) estimating() bool {
	for _, e := range m.entries {
		if !e.counted && e.est != nil {
			return true
		}
	}
	return false
}
