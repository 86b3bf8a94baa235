package abtest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/stat/distuv"
)

// SimConfig describes many repetitions of one comparison: a control arm and one treatment
// arm, tested with the pooled two-proportion z-test.
type SimConfig struct {
	// ControlRate and TreatmentRate are the true conversion rates of the experiments with
	// an effect; the null experiments run both arms at ControlRate.
	ControlRate, TreatmentRate float64
	// Control and Treatment are the arm sizes at the end of the experiment.
	Control, Treatment int
	// Alpha is the two-sided significance level of the test.
	Alpha float64
	// ContinuityCorrection tests with the Yates-corrected statistic, the analysis
	// FormulaCorrected plans for.
	ContinuityCorrection bool
	// Runs is the number of experiments simulated, with and without the effect each.
	Runs int
	// Looks is the number of analyses a peeking experimenter runs, evenly spaced in
	// enrolment with the last at full size (one a day for a test running Looks days).
	// Zero or one means only the final analysis. It is at most MaxLooks: PeekingLooks
	// turns a test's days into looks.
	Looks int
	// Seed makes the run reproducible: the same config and seed give the same result on
	// any machine and any number of cores.
	Seed uint64
	// Bins is the number of histogram bins of the observed lift; zero means 20.
	Bins int
}

// SimConfigFor is the simulation of one comparison of a plan: control against one
// treatment arm at the planned sizes, rates and per-comparison alpha.
func SimConfigFor(plan Plan, runs, looks int, seed uint64) SimConfig {
	return SimConfig{
		ControlRate:          plan.ControlRate,
		TreatmentRate:        plan.TreatmentRate,
		Control:              plan.Control,
		Treatment:            plan.PerTreatment,
		Alpha:                plan.ComparisonAlpha,
		ContinuityCorrection: plan.Design.Formula == FormulaCorrected,
		Runs:                 runs,
		Looks:                looks,
		Seed:                 seed,
	}
}

// SimResult summarises the simulated experiments.
type SimResult struct {
	// Config is the input with defaults filled in.
	Config SimConfig
	// ShareSignificant is the share of experiments with the effect whose final analysis
	// was significant (in either direction): the power the plan really has.
	ShareSignificant float64
	// FalsePositiveRate is the share of null experiments (no true effect) whose final
	// analysis was significant; it should be close to Alpha.
	FalsePositiveRate float64
	// PeekingFalsePositiveRate is the share of null experiments that were significant at
	// any of the Looks analyses: what stopping at the first significant look costs.
	PeekingFalsePositiveRate float64
	// Lift is the distribution of the observed relative lift in the experiments with the
	// effect.
	Lift LiftDistribution
}

// LiftDistribution describes observed relative lifts, (treatment rate − control rate) ÷
// control rate, as measured at the end of each experiment.
type LiftDistribution struct {
	// True is the lift the simulation built in.
	True float64
	// Defined counts the experiments whose control arm converted at least once, so that
	// a relative lift exists; the statistics below cover those.
	Defined int
	// Mean is the average observed lift.
	Mean float64
	// MeanSignificant is the average observed lift among significant experiments, NaN
	// when none was: above True when the test is underpowered (the winner's curse).
	MeanSignificant float64
	// Quantiles are the 5th, 10th, 25th, 50th, 75th, 90th and 95th percentiles.
	Quantiles []Quantile
	// Histogram counts the lifts in equal-width bins from the smallest to the largest.
	Histogram Histogram
}

// Quantile is the value below which a share P of the observations fall.
type Quantile struct {
	P, Value float64
}

// Histogram counts observations in len(Counts) equal-width bins spanning [Min, Max].
type Histogram struct {
	Min, Max float64
	Counts   []int
}

// liftQuantiles are the percentiles Simulate reports.
var liftQuantiles = []float64{0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95}

// MaxLooks is the most analyses a peeking simulation runs. Peeking costs one binomial draw
// per arm per look in every null experiment, so a test lasting years at a trickle of daily
// entrants (baseline 50%, +0.1 pp at 10 a day runs 784,887 days) would take minutes to
// simulate look by look. Such a test is simulated with MaxLooks looks evenly spaced in
// enrolment instead, the last at full size: as many checks as a year of daily ones. The
// peeking false-positive rate keeps growing (slowly) with the number of looks, so the
// capped figure understates what checking every day of a longer test costs.
const MaxLooks = 365

// PeekingLooks is how many analyses Simulate should run for a test lasting days days with
// plan's arm sizes: one a day, never more than one per new user of the smaller arm, and at
// most MaxLooks. Zero days (an unknown daily rate) gives zero looks: no peeking simulated.
// capped reports that the looks are fewer than the days, so they are evenly spaced over
// the test rather than daily, and a report must say so.
func PeekingLooks(days int, plan Plan) (looks int, capped bool) {
	if days <= 0 {
		return 0, false
	}
	looks = max(0, min(days, plan.Control, plan.PerTreatment, MaxLooks))
	return looks, looks < days
}

// maxRuns bounds a simulation's size so that a typo cannot exhaust memory.
const maxRuns = 10_000_000

// chunkRuns is how many experiments share one random stream. It is a constant, not a
// function of the core count, so that results do not depend on the machine.
const chunkRuns = 256

func (c SimConfig) normalized() (SimConfig, error) {
	if c.Bins == 0 {
		c.Bins = 20
	}
	if c.Looks == 0 {
		c.Looks = 1
	}
	switch {
	case !inOpenUnit(c.ControlRate):
		return c, fmt.Errorf("control rate must be in (0, 1), got %v", c.ControlRate)
	case !inOpenUnit(c.TreatmentRate):
		return c, fmt.Errorf("treatment rate must be in (0, 1), got %v", c.TreatmentRate)
	case c.Control < 1 || c.Treatment < 1:
		return c, fmt.Errorf("arm sizes must be positive, got %d and %d", c.Control, c.Treatment)
	case !inOpenUnit(c.Alpha):
		return c, fmt.Errorf("alpha must be in (0, 1), got %v", c.Alpha)
	case c.Runs < 1 || c.Runs > maxRuns:
		return c, fmt.Errorf("runs must be between 1 and %d, got %d", maxRuns, c.Runs)
	case c.Looks < 0:
		return c, fmt.Errorf("looks must not be negative, got %d", c.Looks)
	case c.Looks > MaxLooks:
		return c, fmt.Errorf("looks must be at most %d (MaxLooks), got %d: PeekingLooks spaces a longer test's looks evenly", MaxLooks, c.Looks)
	case c.Looks > min(c.Control, c.Treatment):
		return c, fmt.Errorf("%d looks need at least one new user per arm between looks; the arms have %d and %d", c.Looks, c.Control, c.Treatment)
	case c.Bins < 1 || c.Bins > 1000:
		return c, fmt.Errorf("bins must be between 1 and 1000, got %d", c.Bins)
	}
	return c, nil
}

// Simulate runs cfg.Runs experiments with the effect and as many without, spread over the
// machine's cores. Every chunk of experiments draws from its own PCG stream seeded by
// (Seed, chunk number), and results are gathered by experiment index, so the outcome is the
// same for the same config whatever the scheduling. It stops early with ctx's error.
func Simulate(ctx context.Context, cfg SimConfig) (SimResult, error) {
	cfg, err := cfg.normalized()
	if err != nil {
		return SimResult{}, err
	}
	s := newSimulator(cfg)
	out := simOutcomes{
		altSignificant:  make([]bool, cfg.Runs),
		lift:            make([]float64, cfg.Runs),
		nullFinal:       make([]bool, cfg.Runs),
		nullEverAtLooks: make([]bool, cfg.Runs),
	}

	chunks := (cfg.Runs + chunkRuns - 1) / chunkRuns
	workers := min(runtime.GOMAXPROCS(0), chunks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks || ctx.Err() != nil {
					return
				}
				rng := rand.New(rand.NewPCG(cfg.Seed, uint64(c)))
				for i := c * chunkRuns; i < min(cfg.Runs, (c+1)*chunkRuns); i++ {
					s.run(rng, i, &out)
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return SimResult{}, fmt.Errorf("simulate: %w", err)
	}
	return summarise(cfg, out), nil
}

// simulator holds what every experiment shares: the critical value and the CDF tables of
// every binomial draw, built once and only read by the workers.
type simulator struct {
	cfg   SimConfig
	zCrit float64
	// altControl and altTreatment draw the final counts of an experiment with the effect.
	altControl, altTreatment binomialTable
	// controlAt and treatmentAt are the arm sizes at each look (index 0 is the start).
	controlAt, treatmentAt []int
	// nullStep draws one look's new conversions at the control rate, by new users.
	nullStep map[int]binomialTable
}

func newSimulator(cfg SimConfig) *simulator {
	s := &simulator{
		cfg:          cfg,
		zCrit:        distuv.UnitNormal.Quantile(1 - cfg.Alpha/2),
		altControl:   newBinomialTable(cfg.Control, cfg.ControlRate),
		altTreatment: newBinomialTable(cfg.Treatment, cfg.TreatmentRate),
		controlAt:    enrolment(cfg.Control, cfg.Looks),
		treatmentAt:  enrolment(cfg.Treatment, cfg.Looks),
		nullStep:     map[int]binomialTable{},
	}
	for _, sizes := range [][]int{s.controlAt, s.treatmentAt} {
		for l := 1; l < len(sizes); l++ {
			step := sizes[l] - sizes[l-1]
			if _, ok := s.nullStep[step]; !ok {
				s.nullStep[step] = newBinomialTable(step, cfg.ControlRate)
			}
		}
	}
	return s
}

// enrolment spreads n users evenly over looks analyses: sizes[l] is the arm's size at the
// l-th look, sizes[0] = 0 and sizes[looks] = n.
func enrolment(n, looks int) []int {
	sizes := make([]int, looks+1)
	for l := 1; l <= looks; l++ {
		sizes[l] = int(math.Round(float64(n) * float64(l) / float64(looks)))
	}
	return sizes
}

type simOutcomes struct {
	altSignificant  []bool
	lift            []float64 // NaN when the control arm had no conversion
	nullFinal       []bool
	nullEverAtLooks []bool
}

// run simulates experiment i with the effect and without it. Each index is written by
// exactly one goroutine.
func (s *simulator) run(rng *rand.Rand, i int, out *simOutcomes) {
	cfg := s.cfg
	xc := s.altControl.draw(rng.Float64())
	xt := s.altTreatment.draw(rng.Float64())
	out.altSignificant[i] = s.significant(xc, cfg.Control, xt, cfg.Treatment)
	out.lift[i] = math.NaN()
	if xc > 0 {
		rc := float64(xc) / float64(cfg.Control)
		rt := float64(xt) / float64(cfg.Treatment)
		out.lift[i] = (rt - rc) / rc
	}

	ever := false
	yc, yt := 0, 0
	for l := 1; l < len(s.controlAt); l++ {
		yc += s.nullStep[s.controlAt[l]-s.controlAt[l-1]].draw(rng.Float64())
		yt += s.nullStep[s.treatmentAt[l]-s.treatmentAt[l-1]].draw(rng.Float64())
		sig := s.significant(yc, s.controlAt[l], yt, s.treatmentAt[l])
		ever = ever || sig
		if l == len(s.controlAt)-1 {
			out.nullFinal[i] = sig
		}
	}
	out.nullEverAtLooks[i] = ever
}

// significant applies the two-sided pooled z-test to xc/nc against xt/nt.
func (s *simulator) significant(xc, nc, xt, nt int) bool {
	fc, ft := float64(nc), float64(nt)
	pooled := float64(xc+xt) / (fc + ft)
	se := math.Sqrt(pooled * (1 - pooled) * (1/fc + 1/ft))
	if se == 0 {
		return false // nobody or everybody converted: no evidence either way
	}
	diff := math.Abs(float64(xt)/ft - float64(xc)/fc)
	if s.cfg.ContinuityCorrection {
		diff -= (1/fc + 1/ft) / 2
	}
	return diff > s.zCrit*se
}

func summarise(cfg SimConfig, out simOutcomes) SimResult {
	res := SimResult{Config: cfg}
	runs := float64(cfg.Runs)
	res.ShareSignificant = share(out.altSignificant) / runs
	res.FalsePositiveRate = share(out.nullFinal) / runs
	res.PeekingFalsePositiveRate = share(out.nullEverAtLooks) / runs

	lift := LiftDistribution{
		True:            (cfg.TreatmentRate - cfg.ControlRate) / cfg.ControlRate,
		MeanSignificant: math.NaN(),
	}
	defined := make([]float64, 0, cfg.Runs)
	sum, sumSig, nSig := 0.0, 0.0, 0
	for i, l := range out.lift {
		if math.IsNaN(l) {
			continue
		}
		defined = append(defined, l)
		sum += l
		if out.altSignificant[i] {
			sumSig += l
			nSig++
		}
	}
	lift.Defined = len(defined)
	if len(defined) > 0 {
		lift.Mean = sum / float64(len(defined))
		if nSig > 0 {
			lift.MeanSignificant = sumSig / float64(nSig)
		}
		sort.Float64s(defined)
		for _, p := range liftQuantiles {
			lift.Quantiles = append(lift.Quantiles, Quantile{P: p, Value: quantileSorted(defined, p)})
		}
		lift.Histogram = histogram(defined, cfg.Bins)
	}
	res.Lift = lift
	return res
}

func share(flags []bool) float64 {
	n := 0
	for _, f := range flags {
		if f {
			n++
		}
	}
	return float64(n)
}

// quantileSorted interpolates linearly between order statistics (Hyndman & Fan's type 7,
// the default of R and NumPy).
func quantileSorted(sorted []float64, p float64) float64 {
	h := p * float64(len(sorted)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

func histogram(sorted []float64, bins int) Histogram {
	h := Histogram{Min: sorted[0], Max: sorted[len(sorted)-1], Counts: make([]int, bins)}
	width := (h.Max - h.Min) / float64(bins)
	for _, x := range sorted {
		b := bins - 1
		if width > 0 {
			b = min(int((x-h.Min)/width), bins-1)
		}
		h.Counts[b]++
	}
	return h
}
