package builder

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/segscope/segscope/demo"
	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/internal/screentest"
	"github.com/segscope/segscope/tui/theme"
)

const estimateSegment = `name: recent_carts
where:
  all:
    - did: add_to_cart
      in_last: 30d
    - did_not: purchase
      in_last: 7d
`

// heldCount is one exact count of the builder, held by a gate until the test releases it.
type heldCount struct {
	seg     *segments.Segment
	ctx     context.Context
	release chan struct{}
	ended   chan error // how it ended: nil, or the context's error
}

// gate stands in for the engine's Evaluate: every exact count waits for its release (or
// for its context to be cancelled), so the test decides when the exact number lands.
type gate struct {
	eng     *query.Engine
	started chan *heldCount
}

func (g *gate) evaluate(ctx context.Context, seg *segments.Segment, r query.Resolver, asOf time.Time) (*query.Result, error) {
	h := &heldCount{seg: seg, ctx: ctx, release: make(chan struct{}), ended: make(chan error, 1)}
	g.started <- h
	select {
	case <-h.release:
		res, err := g.eng.Evaluate(ctx, seg, r, asOf)
		h.ended <- err
		return res, err
	case <-ctx.Done():
		h.ended <- ctx.Err()
		return nil, ctx.Err()
	}
}

// harness runs the builder alone as a program and keeps its latest frame for the test.
type harness struct {
	Model
	frames *screentest.Frames
}

func (h harness) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		h.Model.SetSize(ws.Width, ws.Height)
	} else if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "ctrl+c" {
		return h, tea.Quit
	} else {
		var cmd tea.Cmd
		h.Model, cmd = h.Model.Update(msg)
		defer h.frames.Set(h.Model.View())
		return h, cmd
	}
	h.frames.Set(h.Model.View())
	return h, nil
}

func (h harness) View() tea.View { return tea.NewView(h.Model.View()) }

func next(t *testing.T, g *gate) *heldCount {
	t.Helper()
	select {
	case h := <-g.started:
		return h
	case <-time.After(10 * time.Second):
		t.Fatal("no exact count started")
		return nil
	}
}

// startHeld opens estimateSegment in the builder at w×h with its exact counts held by a
// gate and estimates drawn from a sample of about 400 of the demo's people.
func startHeld(t *testing.T, w, h int) (*teatest.TestModel, *gate, *screentest.Frames, *query.Engine) {
	t.Helper()
	ctx := context.Background()
	store, err := demo.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	eng := query.NewEngine(store)
	segs, err := segments.Parse("recent_carts.yaml", []byte(estimateSegment))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(ctx, Deps{Engine: eng, EstimateAfter: time.Millisecond, Sample: query.EstimateOptions{SampleSize: 400}},
		theme.New(true), segs[0], "", []byte(estimateSegment))
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{eng: eng, started: make(chan *heldCount, 16)}
	m.exact = g.evaluate
	fr := &screentest.Frames{}
	tm := teatest.NewTestModel(t, harness{Model: m, frames: fr}, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	return tm, g, fr, eng
}

// TestEstimateThenExact: while the exact count runs, the builder shows the sample's estimate
// with its interval, marked as an estimate, in the count and the waterfall (the golden
// file, 80×24); the exact number then replaces it.
func TestEstimateThenExact(t *testing.T) {
	tm, g, fr, eng := startHeld(t, 80, 24)
	held := next(t, g)
	screen := fr.Until(t, "the estimate", func(s string) bool { return strings.Contains(s, "estimate") })
	golden.RequireEqual(t, []byte(screen))
	if !strings.Contains(screen, "≈") || !strings.Contains(screen, " ± ") || !strings.Contains(screen, "waterfall ≈") {
		t.Errorf("the estimate is not drawn with its interval and waterfall:\n%s", screen)
	}

	close(held.release)
	exact, err := eng.Evaluate(context.Background(), held.seg, nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := format.Count(exact.Count()) + " of "
	screen = fr.Until(t, "the exact count", func(s string) bool { return strings.Contains(s, want) })
	if strings.Contains(screen, "estimate") || strings.Contains(screen, "≈") {
		t.Errorf("the estimate is still drawn beside the exact count:\n%s", screen)
	}
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// TestNewerKeystrokeCancelsOlderCount: typing a new window ("14d") into a condition while
// its count runs cancels every older count (their contexts end), the one left counts the
// text as typed, and the number drawn is that text's.
func TestNewerKeystrokeCancelsOlderCount(t *testing.T) {
	tm, g, fr, eng := startHeld(t, 120, 30)
	first := next(t, g)
	fr.Until(t, "the tree", func(s string) bool { return strings.Contains(s, "did_not") })
	// To the first condition's in_last field, and type over its value.
	for _, k := range []string{"j", "j", "enter", "j", "enter"} {
		tm.Send(keyMsg(k))
	}
	fr.Until(t, "editing in_last", func(s string) bool { return strings.Contains(s, "▸ in_last") })
	tm.Type("14d")
	fr.Until(t, "the draft typed", func(s string) bool { return strings.Contains(s, "in_last 14d") })

	held := []*heldCount{first}
	var last *heldCount
	for last == nil {
		h := next(t, g)
		held = append(held, h)
		if strings.Contains(query.Describe(h.seg.Where), "in_last 14d") {
			last = h
		}
	}
	for _, h := range held[:len(held)-1] {
		select {
		case err := <-h.ended:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("an older count ended with %v, not cancelled", err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("an older count (%s) is still running after a newer keystroke", query.Describe(h.seg.Where))
		}
	}
	if last.ctx.Err() != nil {
		t.Fatalf("the latest count was cancelled: %v", last.ctx.Err())
	}
	close(last.release)
	exact, err := eng.Evaluate(context.Background(), last.seg, nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`\s` + regexp.QuoteMeta(format.Count(exact.Count())) + `  of `)
	fr.Until(t, "the count of the text typed", func(s string) bool {
		return want.MatchString(s) && !strings.Contains(s, "↻") && !strings.Contains(s, "estimate")
	})
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// TestOlderAnswersAreNotDrawn: an estimate or a count answering an older draft arrives
// after a newer edit; neither is drawn.
func TestOlderAnswersAreNotDrawn(t *testing.T) {
	m := Model{seq: 3, evalSeq: 1, parsed: &segments.Segment{}, evaluating: true}
	old := &query.Estimate{}
	m = m.applyEstimate(estimateMsg{seq: 2, est: old})
	if m.estimate != nil || m.showEstimate() {
		t.Error("an older draft's estimate is kept")
	}
	m = m.applyResult(evalMsg{seq: 2, result: &query.Result{}})
	if m.result != nil || m.evalSeq != 1 {
		t.Error("an older draft's count is kept")
	}
	m = m.applyEstimate(estimateMsg{seq: 3, est: old})
	if !m.showEstimate() {
		t.Error("the current draft's estimate is not shown")
	}
	m = m.applyResult(evalMsg{seq: 3, result: &query.Result{Members: query.NewMemberSet(1)}})
	if m.showEstimate() || m.estimate != nil {
		t.Error("the estimate is still shown once the exact count arrived")
	}
}

// TestEstimateReplacesPreviousTotal: once a count is drawn, an edit whose exact count is
// slow shows the new draft's estimate in place of the previous total (the lead saw the old
// total stay while the new one counted), then the new exact number.
func TestEstimateReplacesPreviousTotal(t *testing.T) {
	tm, g, fr, eng := startHeld(t, 120, 30)
	first := next(t, g)
	close(first.release)
	before, err := eng.Evaluate(context.Background(), first.seg, nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	old := format.Count(before.Count()) + "  of "
	fr.Until(t, "the first exact count", func(s string) bool { return strings.Contains(s, old) && !strings.Contains(s, "↻") })
	for _, k := range []string{"j", "j", "enter", "j", "enter"} {
		tm.Send(keyMsg(k))
	}
	fr.Until(t, "editing in_last", func(s string) bool { return strings.Contains(s, "▸ in_last") })
	tm.Type("60d")
	var last *heldCount
	for last == nil {
		h := next(t, g)
		if strings.Contains(query.Describe(h.seg.Where), "in_last 60d") {
			last = h
		}
	}
	est := fr.Until(t, "the new draft's estimate", func(s string) bool { return strings.Contains(s, "estimate") })
	if strings.Contains(est, old) || !strings.Contains(est, "≈") {
		t.Errorf("the previous total is drawn while the new draft counts, not its estimate:\n%s", est)
	}
	close(last.release)
	after, err := eng.Evaluate(context.Background(), last.seg, nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`\s` + regexp.QuoteMeta(format.Count(after.Count())) + `  of `)
	fr.Until(t, "the new exact count", func(s string) bool {
		return want.MatchString(s) && !strings.Contains(s, "↻") && !strings.Contains(s, "estimate")
	})
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// TestEstimateFirstAfterSlowCount: once an exact count took longer than EstimateAfter, the
// next drafts are sampled before their exact counts run, even after a recount answered
// from the cache; before any slow count the sample waits, so quick recounts on a small
// store are not slowed by samples.
func TestEstimateFirstAfterSlowCount(t *testing.T) {
	after := 100 * time.Millisecond
	cases := []struct {
		name   string
		deps   Deps
		counts []time.Duration // the exact counts drawn so far, in order
		first  bool
	}{
		{"no count yet", Deps{Engine: new(query.Engine), EstimateAfter: after}, nil, false},
		{"quick counts", Deps{Engine: new(query.Engine), EstimateAfter: after}, []time.Duration{30 * time.Millisecond, time.Millisecond}, false},
		{"a slow count", Deps{Engine: new(query.Engine), EstimateAfter: after}, []time.Duration{540 * time.Millisecond}, true},
		{"a slow count, then one from the cache", Deps{Engine: new(query.Engine), EstimateAfter: after}, []time.Duration{540 * time.Millisecond, 300 * time.Microsecond}, true},
		{"estimates off", Deps{Engine: new(query.Engine), EstimateAfter: -1}, []time.Duration{540 * time.Millisecond}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := Model{deps: tc.deps}
			for i, d := range tc.counts {
				m.seq = i + 1
				m = m.applyResult(evalMsg{seq: m.seq, result: &query.Result{Elapsed: d}})
			}
			if got := m.estimateFirst(); got != tc.first {
				t.Errorf("estimateFirst = %v, want %v", got, tc.first)
			}
		})
	}
}
