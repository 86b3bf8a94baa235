package experiment

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/segscope/segscope/abtest"
	"github.com/segscope/segscope/demo"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/sim"
	"github.com/segscope/segscope/tui/theme"
	"github.com/segscope/segscope/tui/timeline"

	sampledata "github.com/segscope/segscope/sample-data"
)

func TestSetParses(t *testing.T) {
	for _, tc := range []struct {
		f       field
		text    string
		rel     bool
		check   func(inputs) bool
		wantErr bool
	}{
		{f: fBaseline, text: "12.5", check: func(in inputs) bool { return near(in.Baseline, 0.125) }},
		{f: fBaseline, text: "3%", check: func(in inputs) bool { return near(in.Baseline, 0.03) }},
		{f: fBaseline, text: "100", wantErr: true},
		{f: fBaseline, text: "abc", wantErr: true},
		{f: fMDE, text: "2", check: func(in inputs) bool { return near(in.MDE, 0.02) }},
		{f: fMDE, text: "-1.5 pp", check: func(in inputs) bool { return near(in.MDE, -0.015) }},
		{f: fMDE, text: "0", wantErr: true},
		{f: fAlpha, text: "0.01", check: func(in inputs) bool { return near(in.Alpha, 0.01) }},
		{f: fAlpha, text: "5%", check: func(in inputs) bool { return near(in.Alpha, 0.05) }},
		{f: fAlpha, text: "5", wantErr: true},
		{f: fPower, text: "90", check: func(in inputs) bool { return near(in.Power, 0.9) }},
		{f: fVariants, text: "3", check: func(in inputs) bool { return in.Variants == 3 }},
		{f: fVariants, text: "1", wantErr: true},
		{f: fDaily, text: "1,250.5", check: func(in inputs) bool { return near(in.Daily, 1250.5) }},
		{f: fDaily, text: "", check: func(in inputs) bool { return in.Daily == 0 }},
		{f: fDaily, text: "-3", wantErr: true},
		{f: fSims, text: "20,000", check: func(in inputs) bool { return in.Sims == 20000 }},
		{f: fSims, text: "2000000", wantErr: true},
	} {
		in := defaultInputs()
		err := in.set(tc.f, tc.text)
		if (err != nil) != tc.wantErr {
			t.Errorf("set(%s, %q): err %v, want error %v", fieldLabels[tc.f], tc.text, err, tc.wantErr)
			continue
		}
		if err == nil && !tc.check(in) {
			t.Errorf("set(%s, %q) gave %+v", fieldLabels[tc.f], tc.text, in)
		}
	}
}

// Every field's edit text parses back to the same value.
func TestEditTextRoundTrips(t *testing.T) {
	in := inputs{Baseline: 0.9079, MDE: -0.015, Alpha: 0.01, Power: 0.85, Variants: 3, Daily: 9.7, Sims: 20000}
	for _, rel := range []bool{false, true} {
		in.Relative = rel
		for f := range fieldCount {
			back := in
			if err := back.set(f, in.editText(f)); err != nil {
				t.Errorf("%s: %q does not parse: %v", fieldLabels[f], in.editText(f), err)
			}
			if back != in {
				t.Errorf("%s: %q parses to %+v, want %+v", fieldLabels[f], in.editText(f), back, in)
			}
		}
	}
}

func TestNudge(t *testing.T) {
	for _, tc := range []struct {
		f    field
		in   inputs
		dir  int
		want func(inputs) bool
	}{
		{fBaseline, inputs{Baseline: 0.10}, 1, func(in inputs) bool { return near(in.Baseline, 0.105) }},
		{fBaseline, inputs{Baseline: 0.01}, -1, func(in inputs) bool { return near(in.Baseline, 0.009) }},
		{fAlpha, inputs{Alpha: 0.05}, -1, func(in inputs) bool { return near(in.Alpha, 0.02) }},
		{fAlpha, inputs{Alpha: 0.03}, 1, func(in inputs) bool { return near(in.Alpha, 0.05) }},
		{fPower, inputs{Power: 0.99}, 1, func(in inputs) bool { return near(in.Power, 0.99) }},
		{fMDE, inputs{MDE: 0.01, Relative: true}, -1, func(in inputs) bool { return near(in.MDE, -0.01) }}, // skips zero
		{fVariants, inputs{Variants: 2}, -1, func(in inputs) bool { return in.Variants == 2 }},
		{fDaily, inputs{}, 1, func(in inputs) bool { return in.Daily == 100 }},
		{fSims, inputs{Sims: 10000}, 1, func(in inputs) bool { return in.Sims == 20000 }},
	} {
		in := tc.in
		in.nudge(tc.f, tc.dir)
		if !tc.want(in) {
			t.Errorf("nudge %s %+d from %+v gave %+v", fieldLabels[tc.f], tc.dir, tc.in, in)
		}
	}
}

func TestToggleRelativeKeepsTheEffect(t *testing.T) {
	in := inputs{Baseline: 0.2, MDE: 0.05}
	in.toggleRelative()
	if !in.Relative || !near(in.MDE, 0.25) {
		t.Fatalf("absolute 5 pp at 20%% should be +25%%, got %+v", in)
	}
	in.toggleRelative()
	if in.Relative || !near(in.MDE, 0.05) {
		t.Fatalf("back to absolute: %+v", in)
	}
}

func TestMergeBins(t *testing.T) {
	counts := make([]int, 240)
	for i := range counts {
		counts[i] = 1
	}
	for _, tc := range []struct{ width, cols, each int }{{300, 240, 1}, {80, 80, 3}, {44, 40, 6}, {7, 6, 40}} {
		got := mergeBins(counts, tc.width)
		if len(got) != tc.cols || got[0] != int64(tc.each) {
			t.Errorf("width %d: %d columns of %d, want %d of %d", tc.width, len(got), got[0], tc.cols, tc.each)
		}
		var sum int64
		for _, c := range got {
			sum += c
		}
		if sum != 240 {
			t.Errorf("width %d: merged counts sum to %d", tc.width, sum)
		}
	}
}

func TestChanceToBeat(t *testing.T) {
	// DESIGN.md's reference: 49/100 against 51/100 with Beta(1,1) priors.
	b, err := chanceToBeat(abtest.Counts{Conversions: 49, Entrants: 100}, abtest.Counts{Conversions: 51, Entrants: 100})
	if err != nil || b.approx || math.Abs(b.p-0.6108) > 0.00005 {
		t.Errorf("49/100 vs 51/100: %+v, %v; want 0.6108 exact", b, err)
	}
	// Past the exact sum's length the normal approximation answers, and agrees.
	c, tr := abtest.Counts{Conversions: 300_000, Entrants: 3_000_000}, abtest.Counts{Conversions: 301_000, Entrants: 3_000_000}
	approx, _ := chanceToBeat(c, tr)
	exact, err := abtest.ChanceToBeat(c, tr, 1, 1)
	if err != nil || !approx.approx || math.Abs(approx.p-exact) > 0.001 {
		t.Errorf("large counts: approx %+v, exact %v (%v)", approx, exact, err)
	}
}

func TestLooksAreCapped(t *testing.T) {
	plan := abtest.Plan{Control: 5000, PerTreatment: 5000}
	for _, tc := range []struct{ days, want int }{{0, 0}, {60, 60}, {4000, abtest.MaxLooks}} {
		if got := looksFor(tc.days, plan); got != tc.want {
			t.Errorf("looksFor(%d) = %d, want %d", tc.days, got, tc.want)
		}
	}
	if got := looksFor(60, abtest.Plan{Control: 20, PerTreatment: 40}); got != 20 {
		t.Errorf("looks must not exceed the smaller arm: %d", got)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// testRoot stands in for the app: the screen gets the body of a w×h terminal.
type testRoot struct {
	m    Model
	w, h int
}

func (r testRoot) Init() tea.Cmd { return r.m.Init() }

func (r testRoot) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		r.w, r.h = msg.Width, msg.Height
		r.m.SetSize(msg.Width, msg.Height-4)
		return r, nil
	case tea.KeyPressMsg:
		if msg.String() == "q" && !r.m.Capturing() {
			return r, tea.Quit
		}
	}
	var cmd tea.Cmd
	r.m, cmd = r.m.Update(msg)
	return r, cmd
}

func (r testRoot) View() tea.View { return tea.NewView(r.screen()) }

func (r testRoot) screen() string {
	if r.h < 5 {
		return ""
	}
	hm := help.New()
	hm.SetWidth(r.w)
	lines := strings.Split(r.m.View(), "\n")
	if len(lines) > r.h-4 {
		lines = lines[:r.h-4]
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, r.w, "")
	}
	for len(lines) < r.h-4 {
		lines = append(lines, "")
	}
	return strings.Join(append([]string{"segscope · experiment", ""}, append(lines, "pending: "+r.m.Pending(), hm.View(r.m.KeyMap()))...), "\n")
}

// cartRecovery replays the demo's cart-recovery campaign, as the Timeline screen does.
func cartRecovery(t *testing.T) timeline.CampaignChosenMsg {
	t.Helper()
	ctx := context.Background()
	store, err := demo.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	dir := t.TempDir()
	if err := sampledata.WriteWorkspace(dir); err != nil {
		t.Fatal(err)
	}
	ws, err := segments.LoadWorkspace(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := ws.Campaign("cart_recovery")
	r, err := sim.Run(ctx, store, []*segments.Campaign{c}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return timeline.CampaignChosenMsg{Campaign: c, Replay: r.Campaigns[0], AsOf: r.AsOf}
}

func start(t *testing.T, w, h int) *teatest.TestModel {
	t.Helper()
	m := New(context.Background(), Deps{}, theme.New(true))
	return teatest.NewTestModel(t, testRoot{m: m},
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
}

func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(text)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func final(t *testing.T, tm *teatest.TestModel) testRoot {
	t.Helper()
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	return tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(testRoot)
}

func checkSize(t *testing.T, screen string, w, h int) {
	t.Helper()
	lines := strings.Split(screen, "\n")
	if len(lines) != h {
		t.Errorf("screen has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			t.Errorf("line %d wider than %d: %q", i, w, l)
		}
	}
}

func TestExperimentGolden(t *testing.T) {
	chosen := cartRecovery(t)
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"200x60", 200, 60}} {
		t.Run(size.name, func(t *testing.T) {
			tm := start(t, size.w, size.h)
			tm.Send(chosen)
			waitFor(t, tm, "P(replay)") // lands with the campaign's simulation
			r := final(t, tm)
			if r.m.busy != 0 || r.m.sim == nil || r.m.src == nil {
				t.Fatalf("simulation not done: busy %d, sim %v", r.m.busy, r.m.sim != nil)
			}
			screen := ansi.Strip(r.screen())
			checkSize(t, screen, size.w, size.h)
			golden.RequireEqual(t, screen)
		})
	}
}

func TestDefaultsGolden(t *testing.T) {
	tm := start(t, 80, 24)
	waitFor(t, tm, "P(beat)")
	r := final(t, tm)
	screen := ansi.Strip(r.screen())
	checkSize(t, screen, 80, 24)
	golden.RequireEqual(t, screen)
}

// Typing a value plans at once and simulates quickly; enter keeps it and runs the full
// simulation; esc would have restored the old value.
func TestEditInPlace(t *testing.T) {
	tm := start(t, 100, 30)
	waitFor(t, tm, "P(beat)")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})      // mde
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})     // edit
	tm.Send(tea.KeyPressMsg{Code: tea.KeyBackspace}) // "1"
	tm.Send(tea.KeyPressMsg{Code: tea.KeyBackspace}) // ""
	tm.Type("20")                                    // +20%
	waitFor(t, tm, "(quick")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	r := final(t, tm) // planning is synchronous: 10% → 12% needs the contract's 3,841
	if r.m.editing || !near(r.m.in.MDE, 0.2) || r.m.plan.PerVariant() != 3841 {
		t.Errorf("after editing: editing %v, mde %v, per variant %d", r.m.editing, r.m.in.MDE, r.m.plan.PerVariant())
	}
}

func TestInvalidInputShowsError(t *testing.T) {
	tm := start(t, 100, 30)
	waitFor(t, tm, "P(beat)")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter}) // edit the baseline
	tm.Type("0")                                 // "100"
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "must be above")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	r := final(t, tm)
	if r.m.editing || !near(r.m.in.Baseline, 0.1) {
		t.Errorf("esc should restore the baseline: %+v", r.m.in)
	}
}

// TestNoPlanNoHistogram: inputs that cannot be planned (a treatment rate above 100%) show
// the reason, not the lift histogram of the inputs before them.
func TestNoPlanNoHistogram(t *testing.T) {
	tm := start(t, 200, 60)
	waitFor(t, tm, "Observed lift")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter}) // edit the baseline
	tm.Type("95")                                // +10% of 95% is above 100%
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	r := final(t, tm)
	screen := ansi.Strip(r.screen())
	if r.m.planErr == nil || !strings.Contains(screen, "outside (0, 1)") || strings.Contains(screen, "Observed lift") {
		t.Errorf("an unplannable test: plan error %v\n%s", r.m.planErr, screen)
	}
}
