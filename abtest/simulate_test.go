package abtest

import (
	"context"
	"errors"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// At the planned size, 10,000 simulated experiments come out significant about as often as
// the requested power, and null experiments about as often as alpha.
func TestSimulateMatchesPlan(t *testing.T) {
	designs := []Design{
		{Baseline: 0.10, MDE: 0.02, Alpha: 0.05, Power: 0.80},
		{Baseline: 0.20, MDE: 0.05, Alpha: 0.05, Power: 0.80},
		{Baseline: 0.03, MDE: 0.25, Relative: true, Alpha: 0.05, Power: 0.90},
		{Baseline: 0.50, MDE: -0.10, Alpha: 0.01, Power: 0.80},
		{Baseline: 0.10, MDE: 0.02, Alpha: 0.05, Power: 0.80, Ratio: 2},
		{Baseline: 0.45, MDE: -0.20, Alpha: 0.05, Power: 0.90, Formula: FormulaCorrected},
	}
	for i, d := range designs {
		plan := mustPlan(t, d)
		res, err := Simulate(context.Background(), SimConfigFor(plan, 10_000, 0, uint64(100+i)))
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(res.ShareSignificant-d.Power) > 0.02 {
			t.Errorf("%+v at %d/%d: share significant %.4f, requested power %.2f", d, plan.Control, plan.PerTreatment, res.ShareSignificant, d.Power)
		}
		// The corrected test is conservative by design: its false positives sit below alpha.
		lo := plan.ComparisonAlpha - 0.01
		if d.Formula == FormulaCorrected {
			lo = 0
		}
		if res.FalsePositiveRate < lo || res.FalsePositiveRate > plan.ComparisonAlpha+0.01 {
			t.Errorf("%+v: false-positive rate %.4f, alpha %.2f", d, res.FalsePositiveRate, plan.ComparisonAlpha)
		}
		if res.PeekingFalsePositiveRate != res.FalsePositiveRate {
			t.Errorf("one look: peeking rate %.4f must equal the final rate %.4f", res.PeekingFalsePositiveRate, res.FalsePositiveRate)
		}
	}
}

// Peeking: testing at every look and stopping at the first significant one inflates the
// false-positive rate as Armitage, McPherson & Rowe (1969, "Repeated significance tests on
// accumulating data", JRSS A 132, Table 2) computed for normal data: with nominal α = 0.05,
// 0.142 over 5 equally spaced looks and 0.193 over 10. gaussianRepeatedTestRate recomputes
// those figures by numerical integration, and the binomial simulation must agree with it.
func TestSimulatePeekingInflation(t *testing.T) {
	published := map[int]float64{5: 0.142, 10: 0.193}
	for looks, want := range published {
		if got := gaussianRepeatedTestRate(looks, 0.05); math.Abs(got-want) > 0.0015 {
			t.Errorf("%d looks: numerical integration gives %.4f, Armitage et al. publish %.3f", looks, got, want)
		}
	}

	plan := mustPlan(t, Design{Baseline: 0.10, MDE: 0.02, Alpha: 0.05, Power: 0.80})
	for _, looks := range []int{5, 10, 30} {
		res, err := Simulate(context.Background(), SimConfigFor(plan, 10_000, looks, 3))
		if err != nil {
			t.Fatal(err)
		}
		want := gaussianRepeatedTestRate(looks, 0.05)
		if math.Abs(res.PeekingFalsePositiveRate-want) > 0.02 {
			t.Errorf("%d looks: simulated peeking false-positive rate %.4f, theory %.4f", looks, res.PeekingFalsePositiveRate, want)
		}
		if math.Abs(res.FalsePositiveRate-0.05) > 0.01 {
			t.Errorf("%d looks: final-look false-positive rate %.4f, want about 0.05", looks, res.FalsePositiveRate)
		}
	}
}

// gaussianRepeatedTestRate is the chance that a sum of K standard normal increments crosses
// ±z₁₋α/₂·√k at some look k ≤ K: the density of the surviving paths is propagated look by
// look on a grid (the recursion of Armitage et al.) and what never crossed is subtracted.
func gaussianRepeatedTestRate(looks int, alpha float64) float64 {
	const h = 0.01
	z := distuv.UnitNormal.Quantile(1 - alpha/2)
	// Grid points are i·h for |i| ≤ half(k); the step density φ(x−u) only depends on the
	// index difference, so it is tabulated once.
	half := func(k int) int { return int(math.Floor(z * math.Sqrt(float64(k)) / h)) }
	last := 2 * half(looks)             // the widest index difference between two grid points
	kernel := make([]float64, 2*last+1) // kernel[d+last] = φ(d·h)
	for d := -last; d <= last; d++ {
		kernel[d+last] = distuv.UnitNormal.Prob(float64(d) * h)
	}
	n := half(1)
	dens := make([]float64, 2*n+1)
	for i := range dens {
		dens[i] = kernel[i-n+last]
	}
	for k := 2; k <= looks; k++ {
		m := half(k)
		next := make([]float64, 2*m+1)
		for i := range next {
			s := 0.0
			for j, d := range dens {
				s += d * kernel[(i-m)-(j-n)+last]
			}
			next[i] = s * h
		}
		n, dens = m, next
	}
	survive := 0.0
	for _, d := range dens {
		survive += d * h
	}
	return 1 - survive
}

func TestSimulateLiftDistribution(t *testing.T) {
	plan := mustPlan(t, Design{Baseline: 0.10, MDE: 0.02, Alpha: 0.05, Power: 0.80})
	res, err := Simulate(context.Background(), SimConfigFor(plan, 10_000, 0, 9))
	if err != nil {
		t.Fatal(err)
	}
	lift := res.Lift
	if math.Abs(lift.True-0.2) > 1e-12 || lift.Defined != 10_000 {
		t.Fatalf("lift true %v defined %d, want 0.2 and every run", lift.True, lift.Defined)
	}
	// Observed lift is roughly normal around the truth with sd ≈ √(q1/(n p1) + q2/(n p2))·p2/p1.
	sd := math.Sqrt(0.9/(3841*0.1)+0.88/(3841*0.12)) * 1.2
	if math.Abs(lift.Mean-0.2) > 0.01 {
		t.Errorf("mean observed lift %.4f, want about 0.2", lift.Mean)
	}
	median := lift.Quantiles[3]
	if median.P != 0.5 || math.Abs(median.Value-0.2) > 0.01 {
		t.Errorf("median %+v, want about 0.2", median)
	}
	p5, p95 := lift.Quantiles[0].Value, lift.Quantiles[6].Value
	if math.Abs((p95-p5)-2*1.645*sd) > 0.1*2*1.645*sd {
		t.Errorf("5–95%% range %.4f, want about %.4f", p95-p5, 2*1.645*sd)
	}
	for i := 1; i < len(lift.Quantiles); i++ {
		if lift.Quantiles[i].Value < lift.Quantiles[i-1].Value {
			t.Errorf("quantiles out of order: %+v", lift.Quantiles)
		}
	}
	// Significant results overstate the effect (the winner's curse), mildly at 80% power.
	if !(lift.MeanSignificant > lift.Mean && lift.MeanSignificant < 0.3) {
		t.Errorf("mean lift of significant runs %.4f, all runs %.4f", lift.MeanSignificant, lift.Mean)
	}
	h := lift.Histogram
	total := 0
	for _, c := range h.Counts {
		total += c
	}
	if len(h.Counts) != 20 || total != lift.Defined || h.Min >= p5 || h.Max <= p95 {
		t.Errorf("histogram %+v: want 20 bins holding all %d lifts from min to max", h, lift.Defined)
	}
}

// An underpowered test that mostly sees zero control conversions still summarises.
func TestSimulateUndefinedLift(t *testing.T) {
	res, err := Simulate(context.Background(), SimConfig{
		ControlRate: 0.001, TreatmentRate: 0.002, Control: 100, Treatment: 100, Alpha: 0.05, Runs: 2000, Seed: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Lift.Defined >= 2000 || res.Lift.Defined == 0 {
		t.Errorf("defined lifts %d of 2000: expect most control arms without a conversion", res.Lift.Defined)
	}
	if res.ShareSignificant > 0.1 {
		t.Errorf("share significant %.3f for a hopeless test", res.ShareSignificant)
	}
}

func TestSimulateDeterministic(t *testing.T) {
	plan := mustPlan(t, Design{Baseline: 0.10, MDE: 0.02, Alpha: 0.05, Power: 0.80})
	cfg := SimConfigFor(plan, 3000, 12, 42)
	first, err := Simulate(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	prev := runtime.GOMAXPROCS(1)
	single, err := Simulate(context.Background(), cfg)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, single) {
		t.Errorf("one core and %d cores disagree:\n%+v\n%+v", prev, single, first)
	}
	cfg.Seed = 43
	other, err := Simulate(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(first.Lift.Histogram, other.Lift.Histogram) {
		t.Error("seeds 42 and 43 gave the same histogram")
	}
}

func TestSimulateCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg := SimConfig{ControlRate: 0.1, TreatmentRate: 0.12, Control: 1000, Treatment: 1000, Alpha: 0.05, Runs: 1000}
	if _, err := Simulate(ctx, cfg); !errors.Is(err, context.Canceled) {
		t.Errorf("Simulate with a cancelled context: err = %v", err)
	}
}

func TestSimConfigValidation(t *testing.T) {
	ok := SimConfig{ControlRate: 0.1, TreatmentRate: 0.12, Control: 100, Treatment: 100, Alpha: 0.05, Runs: 10}
	cases := []struct {
		name   string
		change func(*SimConfig)
		want   string
	}{
		{"control rate", func(c *SimConfig) { c.ControlRate = 1 }, "control rate"},
		{"treatment rate", func(c *SimConfig) { c.TreatmentRate = 0 }, "treatment rate"},
		{"empty arm", func(c *SimConfig) { c.Treatment = 0 }, "arm sizes must be positive"},
		{"alpha", func(c *SimConfig) { c.Alpha = 0 }, "alpha"},
		{"no runs", func(c *SimConfig) { c.Runs = 0 }, "runs must be between"},
		{"negative looks", func(c *SimConfig) { c.Looks = -1 }, "looks must not be negative"},
		{"more looks than users", func(c *SimConfig) { c.Looks = 101 }, "at least one new user per arm"},
		{"more looks than MaxLooks", func(c *SimConfig) { c.Control, c.Treatment, c.Looks = 1000, 1000, MaxLooks+1 }, "at most 365"},
		{"bins", func(c *SimConfig) { c.Bins = -3 }, "bins"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.change(&cfg)
			if _, err := Simulate(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Simulate(%+v) error = %v, want it to mention %q", cfg, err, tc.want)
			}
		})
	}
}

// BenchmarkSimulate10k is the figure BENCHMARKS.md records: 10,000 experiments of 3,841
// users per arm (baseline 10%, +2 pp), each also run without the effect and analysed at
// 30 daily looks.
func BenchmarkSimulate10k(b *testing.B) {
	plan, err := SampleSize(Design{Baseline: 0.10, MDE: 0.02, Alpha: 0.05, Power: 0.80})
	if err != nil {
		b.Fatal(err)
	}
	cfg := SimConfigFor(plan, 10_000, 30, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Simulate(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSimulate10kNoPeeking is the same without interim looks: one draw per arm.
func BenchmarkSimulate10kNoPeeking(b *testing.B) {
	plan, err := SampleSize(Design{Baseline: 0.10, MDE: 0.02, Alpha: 0.05, Power: 0.80})
	if err != nil {
		b.Fatal(err)
	}
	cfg := SimConfigFor(plan, 10_000, 0, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Simulate(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPeekingLooks(t *testing.T) {
	big := Plan{Control: 3_924_435, PerTreatment: 3_924_435}
	cases := []struct {
		name       string
		days       int
		plan       Plan
		wantLooks  int
		wantCapped bool
	}{
		{"no daily rate", 0, big, 0, false},
		{"one day", 1, big, 1, false},
		{"daily looks", 16, big, 16, false},
		{"a year exactly", MaxLooks, big, MaxLooks, false},
		{"a day over a year", MaxLooks + 1, big, MaxLooks, true},
		{"two thousand years", 784_887, big, MaxLooks, true},
		{"fewer users than days", 168, Plan{Control: 42, PerTreatment: 126}, 42, true},
		{"uneven arms", 30, Plan{Control: 100, PerTreatment: 20}, 20, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			looks, capped := PeekingLooks(tc.days, tc.plan)
			if looks != tc.wantLooks || capped != tc.wantCapped {
				t.Errorf("PeekingLooks(%d, %d/%d) = %d, %v; want %d, %v", tc.days, tc.plan.Control, tc.plan.PerTreatment, looks, capped, tc.wantLooks, tc.wantCapped)
			}
		})
	}
}

// TestSimulateLongTestIsQuick is the case that once took minutes: baseline 50%, +0.1 pp at
// 10 entrants a day runs 784,887 days; capped at MaxLooks looks it simulates in a moment.
func TestSimulateLongTestIsQuick(t *testing.T) {
	plan, err := SampleSize(Design{Baseline: 0.5, MDE: 0.001, Alpha: 0.05, Power: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	days, err := DaysToReach(plan, 10)
	if err != nil || days != 784_887 {
		t.Fatalf("DaysToReach = %d, %v; want 784,887", days, err)
	}
	looks, capped := PeekingLooks(days, plan)
	if looks != MaxLooks || !capped {
		t.Fatalf("PeekingLooks = %d, %v; want %d, true", looks, capped, MaxLooks)
	}
	start := time.Now()
	res, err := Simulate(context.Background(), SimConfigFor(plan, 2000, looks, 1))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("simulating %d looks took %v", looks, d)
	}
	if res.Config.Looks != MaxLooks || res.PeekingFalsePositiveRate <= res.FalsePositiveRate {
		t.Errorf("looks %d, peeking rate %v vs final %v", res.Config.Looks, res.PeekingFalsePositiveRate, res.FalsePositiveRate)
	}
}
