// Package experiment is the explorer's Experiment screen: an A/B test planned on a campaign
// (or on typed numbers), with its inputs edited in place, the sample size and duration, the
// power across effects, and a Monte Carlo of many such experiments: the spread of the
// observed lift, the share significant, the false positives with and without daily
// peeking, and the Bayesian chance to beat control. The statistics come from package
// abtest; the simulation runs in the background and a newer input cancels it.
package experiment

import (
	"context"
	"errors"
	"math"
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/segscope/segscope/abtest"
	"github.com/segscope/segscope/tui/input"
	"github.com/segscope/segscope/tui/list"
	"github.com/segscope/segscope/tui/theme"
	"github.com/segscope/segscope/tui/timeline"
)

// Deps is what the screen works with; nothing yet beyond the context, kept for the
// constructor's shape and future inputs.
type Deps struct {
	// Seed makes the simulation reproducible; zero means 1, as segscope abtest.
	Seed uint64
}

// KeyMap lists the screen's keys.
type KeyMap struct {
	Up, Down, Edit, Less, More, Relative, Reset key.Binding
	Apply, Cancel                               key.Binding
	// The screen scrolls when it is taller than the terminal: the list's keys.
	PageUp, PageDown, Top, Bottom key.Binding
}

// DefaultKeyMap is the screen's bindings.
func DefaultKeyMap() KeyMap {
	nav := list.DefaultKeyMap()
	return KeyMap{
		PageUp: nav.PageUp, PageDown: nav.PageDown, Top: nav.Top, Bottom: nav.Bottom,
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "previous input")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next input")),
		Edit:     key.NewBinding(key.WithKeys("enter", "e"), key.WithHelp("enter", "edit")),
		Less:     key.NewBinding(key.WithKeys("left", "h", "-"), key.WithHelp("←/-", "less")),
		More:     key.NewBinding(key.WithKeys("right", "l", "+", "="), key.WithHelp("→/+", "more")),
		Relative: key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mde relative/absolute")),
		Reset:    key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "reset inputs")),
		Apply:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	if k.Apply.Enabled() {
		return []key.Binding{k.Apply, k.Cancel}
	}
	return []key.Binding{k.Up, k.Down, k.Edit, k.Less, k.More, k.Relative}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	if k.Apply.Enabled() {
		return [][]key.Binding{{k.Apply, k.Cancel}}
	}
	return [][]key.Binding{{k.Up, k.Down, k.Edit}, {k.Less, k.More, k.Relative, k.Reset}, {k.PageUp, k.PageDown, k.Top, k.Bottom}}
}

// source is the campaign the inputs were taken from.
type source struct {
	name      string
	asOf      time.Time
	arm       string // "holdout" or "treated": where the baseline came from; "" when neither
	n, x      int    // that arm's settled journeys and conversions
	daily     float64
	windowDay int
	// The replay's own comparison: treated against holdout, settled journeys.
	treated, holdout abtest.Counts
}

// quickSims is the simulation size while a value is being typed: ten thousand runs take
// from a few milliseconds to a second (with hundreds of daily looks), and the answer must
// follow the keystrokes.
const quickSims = 2000

// histBins is the lift histogram's resolution; the view merges bins to fit its width, so
// it divides by many numbers.
const histBins = 240

// Model is the Experiment screen.
type Model struct {
	ctx    context.Context
	deps   Deps
	th     *theme.Theme
	keys   KeyMap
	spin   spinner.Model
	width  int
	height int

	in      inputs
	src     *source
	srcNote string // why the campaign could not give a baseline
	cursor  field
	editing bool
	saved   inputs // the inputs before editing began (esc restores them)
	input   input.Model
	doc     list.Model // the whole screen as a document: it scrolls when it does not fit
	editErr string

	plan    abtest.Plan
	planErr error
	curve   []abtest.PowerPoint
	days    int
	looks   int

	simID   int
	cancel  context.CancelFunc
	busy    int // runs of the simulation in flight; 0 when idle
	sim     *abtest.SimResult
	simErr  error
	stale   bool // sim is of older inputs (a newer one runs)
	bayes   *bayesResult
	replayP *bayesResult
}

// bayesResult is a chance to beat control and how it was computed.
type bayesResult struct {
	p      float64
	approx bool // normal approximation: the exact sum would be too long
}

// New builds the screen with the default inputs.
func New(ctx context.Context, deps Deps, th *theme.Theme) Model {
	if deps.Seed == 0 {
		deps.Seed = 1
	}
	in := input.New(th.Selected.Reverse(true))
	in.Input.Prompt = ""
	in.Input.CharLimit = 20
	m := Model{ctx: ctx, deps: deps, keys: DefaultKeyMap(), in: defaultInputs(), input: in, doc: list.New(th),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
	m.SetTheme(th)
	m.computePlan()
	if m.planErr == nil {
		m.busy = 1 // Init's simulation
	}
	m.syncKeys()
	return m
}

// Init starts the first simulation.
func (m Model) Init() tea.Cmd {
	// New planned already; the simulation's id 0 is the current one.
	return m.simCmd(m.simID, m.in.Sims)
}

// SetTheme swaps the styles.
func (m *Model) SetTheme(th *theme.Theme) {
	m.th = th
	m.spin.Style = lipgloss.NewStyle().Foreground(th.Accent)
	m.input.SetStyle(th.Selected.Reverse(true))
	m.doc.SetTheme(th)
	m.refresh()
}

// SetSize sets the area the screen draws in.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.refresh()
}

// Capturing reports whether keys are text being typed.
func (m Model) Capturing() bool { return m.editing }

// KeyMap returns the bindings that apply now.
func (m Model) KeyMap() KeyMap { return m.keys }

// Pending names the background work for the status bar; "" when idle.
func (m Model) Pending() string {
	if m.busy > 0 {
		return "simulating experiments"
	}
	return ""
}

func (m *Model) syncKeys() {
	for _, b := range []*key.Binding{&m.keys.Up, &m.keys.Down, &m.keys.Edit, &m.keys.Less, &m.keys.More, &m.keys.Relative, &m.keys.Reset} {
		b.SetEnabled(!m.editing)
	}
	m.keys.Apply.SetEnabled(m.editing)
	m.keys.Cancel.SetEnabled(m.editing)
	if m.src != nil {
		m.keys.Reset.SetHelp("d", "reset to the campaign")
	} else {
		m.keys.Reset.SetHelp("d", "reset inputs")
	}
}

type simMsg struct {
	id      int
	res     *abtest.SimResult
	err     error
	bayes   *bayesResult
	replayP *bayesResult
}

// computePlan sizes the test for the current inputs: closed-form, microseconds.
func (m *Model) computePlan() {
	m.plan, m.planErr, m.curve, m.days, m.looks = abtest.Plan{}, nil, nil, 0, 0
	d := m.in.design()
	plan, err := abtest.SampleSize(d)
	if err != nil {
		m.planErr = err
		return
	}
	m.plan = plan
	if curve, err := abtest.PowerCurve(d, abtest.CurveMDEs(d)); err == nil {
		m.curve = curve
	}
	if m.in.Daily > 0 {
		if days, err := abtest.DaysToReach(plan, m.in.Daily); err == nil {
			m.days = days
		}
	}
	m.looks = looksFor(m.days, plan)
}

// looksFor is how many times a peeking experimenter checks: once a day, never more often
// than once per new user of the smaller arm, at most abtest.MaxLooks (then evenly spaced).
func looksFor(days int, plan abtest.Plan) int {
	looks, _ := abtest.PeekingLooks(days, plan)
	return looks
}

// recompute plans again and starts a simulation of runs experiments, cancelling the one
// running. The result drawn so far stays on screen, marked as stale, until the new one
// lands.
func (m *Model) recompute(runs int) tea.Cmd {
	m.computePlan()
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	m.simID++
	m.stale = m.sim != nil
	if m.planErr != nil {
		m.busy = 0
		return nil
	}
	ctx, cancel := context.WithCancel(m.ctx)
	m.cancel = cancel
	m.busy = 1
	return tea.Batch(m.spin.Tick, m.simCmdCtx(ctx, m.simID, runs))
}

func (m Model) simCmd(id, runs int) tea.Cmd {
	if m.planErr != nil {
		return nil
	}
	return tea.Batch(m.spin.Tick, m.simCmdCtx(m.ctx, id, runs))
}

func (m Model) simCmdCtx(ctx context.Context, id, runs int) tea.Cmd {
	plan, looks, seed, src := m.plan, m.looks, m.deps.Seed, m.src
	return func() tea.Msg {
		msg := simMsg{id: id}
		c := abtest.Counts{Entrants: plan.Control, Conversions: int(math.Round(float64(plan.Control) * plan.ControlRate))}
		t := abtest.Counts{Entrants: plan.PerTreatment, Conversions: int(math.Round(float64(plan.PerTreatment) * plan.TreatmentRate))}
		if b, err := chanceToBeat(c, t); err == nil {
			msg.bayes = &b
		}
		if src != nil && src.holdout.Entrants > 0 && src.treated.Entrants > 0 {
			if b, err := chanceToBeat(src.holdout, src.treated); err == nil {
				msg.replayP = &b
			}
		}
		if runs > 0 {
			cfg := abtest.SimConfigFor(plan, runs, looks, seed)
			cfg.Bins = histBins
			res, err := abtest.Simulate(ctx, cfg)
			if err != nil {
				msg.err = err
			} else {
				msg.res = &res
			}
		}
		return msg
	}
}

// exactTerms bounds the closed-form sum of the chance to beat control; past it the normal
// approximation of the two Beta posteriors is as good to the digits shown.
const exactTerms = 200_000

// chanceToBeat is P(treatment rate > control rate) with Beta(1,1) priors: exact when the
// sum is short, else by the normal approximation.
func chanceToBeat(control, treatment abtest.Counts) (bayesResult, error) {
	terms := slices.Min([]int{control.Conversions, control.Entrants - control.Conversions,
		treatment.Conversions, treatment.Entrants - treatment.Conversions})
	if terms <= exactTerms {
		p, err := abtest.ChanceToBeat(control, treatment, 1, 1)
		return bayesResult{p: p}, err
	}
	mean := func(c abtest.Counts) (float64, float64) {
		a, b := float64(c.Conversions)+1, float64(c.Entrants-c.Conversions)+1
		return a / (a + b), a * b / ((a + b) * (a + b) * (a + b + 1))
	}
	mc, vc := mean(control)
	mt, vt := mean(treatment)
	return bayesResult{p: distuv.UnitNormal.CDF((mt - mc) / math.Sqrt(vc+vt)), approx: true}, nil
}

// Update handles a message.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	// The app gives every screen every message (another screen's counts, its spinner's
	// ticks); laying the whole screen out again for one that changes nothing here was, with
	// twenty visitors on a server, a sizeable share of the server's own work.
	switch msg := msg.(type) {
	case spinner.TickMsg:
		if msg.ID != m.spin.ID() {
			return m, nil
		}
	case timeline.CampaignChosenMsg, simMsg, tea.KeyPressMsg, tea.MouseWheelMsg:
	default:
		return m, nil
	}
	m, cmd := m.update(msg)
	m.syncKeys()
	m.refresh()
	return m, cmd
}

func (m Model) update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case spinner.TickMsg:
		if msg.ID != m.spin.ID() || m.busy == 0 {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case timeline.CampaignChosenMsg:
		return m, m.useCampaign(msg)
	case simMsg:
		if msg.id != m.simID {
			return m, nil // an older input's simulation
		}
		m.busy, m.cancel = 0, nil
		if msg.err != nil && errors.Is(msg.err, context.Canceled) {
			return m, nil
		}
		m.stale = false
		m.sim, m.simErr, m.bayes, m.replayP = msg.res, msg.err, msg.bayes, msg.replayP
		return m, nil
	case tea.KeyPressMsg:
		if m.editing {
			return m.updateEdit(msg)
		}
		return m.updateKey(msg)
	case tea.MouseWheelMsg:
		m.doc, _, _ = m.doc.Update(msg)
	}
	return m, nil
}

// useCampaign fills the baseline and the daily rate from a campaign's replay: the baseline
// is the conversion rate of its settled holdout journeys (the rate without the messages),
// or of its treated journeys when there is no usable holdout, as segscope abtest
// --campaign does.
func (m *Model) useCampaign(msg timeline.CampaignChosenMsg) tea.Cmd {
	if msg.Replay == nil || msg.Campaign == nil {
		return nil
	}
	c := msg.Replay
	s := &source{name: msg.Campaign.Name, asOf: msg.AsOf, daily: c.DailyEntrants(), windowDay: c.WindowDays,
		treated: abtest.Counts{Entrants: c.Settled.Journeys.Treated, Conversions: c.Settled.Conversions.Treated},
		holdout: abtest.Counts{Entrants: c.Settled.Journeys.Holdout, Conversions: c.Settled.Conversions.Holdout}}
	usable := func(rate float64, ok bool) bool { return ok && rate > 0 && rate < 1 }
	m.srcNote = ""
	if rate, ok := c.ConversionRate(true); usable(rate, ok) {
		s.arm, s.n, s.x = "holdout", s.holdout.Entrants, s.holdout.Conversions
		m.in.Baseline = rate
	} else if rate, ok := c.ConversionRate(false); usable(rate, ok) {
		s.arm, s.n, s.x = "treated", s.treated.Entrants, s.treated.Conversions
		m.in.Baseline = rate
	} else {
		m.srcNote = "no conversion rate between 0 and 1 among its settled journeys: the baseline is kept"
	}
	if s.daily > 0 {
		m.in.Daily = s.daily
	}
	m.src = s
	if m.editing {
		m.editing = false
		m.input.Stop()
	}
	m.editErr = ""
	return m.recompute(m.in.Sims)
}

// reset goes back to the defaults, or to what the campaign gave.
func (m *Model) reset() {
	in := defaultInputs()
	if s := m.src; s != nil {
		if s.arm != "" && s.n > 0 {
			in.Baseline = float64(s.x) / float64(s.n)
		}
		in.Daily = s.daily
	}
	m.in = in
}

func (m Model) updateKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	if key.Matches(msg, k.PageUp, k.PageDown, k.Top, k.Bottom) {
		m.doc, _, _ = m.doc.Update(msg) // the screen scrolls when it is taller than the terminal
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Up):
		m.cursor = (m.cursor + fieldCount - 1) % fieldCount
		m.doc.ScrollTo(1 + int(m.cursor))
	case key.Matches(msg, k.Down):
		m.cursor = (m.cursor + 1) % fieldCount
		m.doc.ScrollTo(1 + int(m.cursor))
	case key.Matches(msg, k.Edit):
		m.editing, m.saved, m.editErr = true, m.in, ""
		return m, m.input.Start(m.in.editText(m.cursor)) // selected: typing replaces it
	case key.Matches(msg, k.Less), key.Matches(msg, k.More):
		dir := 1
		if key.Matches(msg, k.Less) {
			dir = -1
		}
		before := m.in
		m.in.nudge(m.cursor, dir)
		if m.in == before {
			return m, nil
		}
		return m, m.recompute(m.in.Sims)
	case key.Matches(msg, k.Relative):
		m.in.toggleRelative()
		return m, m.recompute(m.in.Sims)
	case key.Matches(msg, k.Reset):
		m.reset()
		return m, m.recompute(m.in.Sims)
	}
	return m, nil
}

// updateEdit types into the focused input. Every valid value is planned and simulated at
// once (with quickSims runs); enter keeps it and runs the full simulation, esc restores
// what was there before.
func (m Model) updateEdit(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Cancel):
		m.editing, m.editErr = false, ""
		m.input.Stop()
		changed := m.in != m.saved
		m.in = m.saved
		if changed {
			return m, m.recompute(m.in.Sims)
		}
		return m, nil
	case key.Matches(msg, k.Apply):
		in := m.in
		if err := in.set(m.cursor, m.input.Value()); err != nil {
			m.editErr = err.Error()
			return m, nil
		}
		m.in, m.editing, m.editErr = in, false, ""
		m.input.Stop()
		return m, m.recompute(m.in.Sims)
	}
	var cmd tea.Cmd
	before := m.input.Value()
	m.input, cmd = m.input.Update(msg)
	if m.input.Value() == before {
		return m, cmd
	}
	in := m.in
	if err := in.set(m.cursor, m.input.Value()); err != nil {
		m.editErr = err.Error()
		return m, cmd
	}
	m.editErr = ""
	m.in = in
	return m, tea.Batch(cmd, m.recompute(min(m.in.Sims, quickSims)))
}
