package abtest

import (
	"math"
	"strings"
	"testing"
)

// TestSampleSizeReferences checks SampleSize against figures published by independent
// calculators and texts, to within one user per arm. Each case names its source; where the
// source prints a fractional n, want is that n rounded up, as the source's text does.
func TestSampleSizeReferences(t *testing.T) {
	cases := []struct {
		source string
		design Design
		// want and wantTreatment are the published per-arm sizes (wantTreatment only when
		// the arms differ).
		want, wantTreatment int
	}{
		{
			// R Core Team, stats::power.prop.test help page, Examples:
			// `power.prop.test(p1 = .50, p2 = .75, power = .90)  # => n = 76.7`
			// https://search.r-project.org/CRAN/refmans/stats/html/power.prop.test.html
			// (strict = FALSE is the pooled-under-H0 formula).
			source: "R power.prop.test docs: .50 vs .75, power .90 → 76.7",
			design: Design{Baseline: 0.50, MDE: 0.25, Alpha: 0.05, Power: 0.90},
			want:   77,
		},
		{
			// R. Geskus, Introduction to Medical Statistics 2026 (OUCRU), Exercise class 9
			// answers: power.prop.test(p1=0.2, p2=0.4, power=0.8) gives n = 81.22424,
			// "which we round to the safe values 82 and 109".
			// https://oucru-biostats.github.io/Introduction-to-Medical-Statistics/handouts/day_5/ExerciseRStudioAnswers-9.html
			source: "OUCRU exercise 9: .2 vs .4, power .8 → 81.22",
			design: Design{Baseline: 0.20, MDE: 0.20, Alpha: 0.05, Power: 0.80},
			want:   82,
		},
		{
			// Same source, the 90% power answer: 108.2 per group, rounded to 109.
			source: "OUCRU exercise 9: .2 vs .4, power .9 → 108.2",
			design: Design{Baseline: 0.20, MDE: 0.20, Alpha: 0.05, Power: 0.90},
			want:   109,
		},
		{
			// JMP 13.2 documentation, "Two Sample Proportions": alpha 0.05, proportion 1
			// 0.08, proportion 2 0.06, two-sided, power 0.8: "The Sample Size window shows
			// sample sizes of 2554." https://jmp.com/support/help/13-2/Two_Sample_Proportions.shtml
			source: "JMP 13.2 docs: .08 vs .06, power .8 → 2554",
			design: Design{Baseline: 0.08, MDE: -0.02, Alpha: 0.05, Power: 0.80},
			want:   2554,
		},
		{
			// Evan Miller, Sample Size Calculator, https://www.evanmiller.org/ab-testing/sample-size.html:
			// baseline 20%, minimum detectable effect 5% absolute, power 80%, significance
			// 5% → "1,030 per variation" (his formula: baseline variance under H0; the
			// reproduction at https://stats.stackexchange.com/questions/392979 gets the
			// same). Also the figure DESIGN.md quotes.
			source: "evanmiller.org: 20% + 5pp → 1,030",
			design: Design{Baseline: 0.20, MDE: 0.05, Alpha: 0.05, Power: 0.80, Formula: FormulaEvanMiller},
			want:   1030,
		},
		{
			// J. H. Zar, Biostatistical Analysis (1999), Example 24.26, as run in the UNISTAT
			// manual §6.7.6.1 "Sample Size for Two Proportions": proportions 0.45 and 0.25,
			// power 0.9, confidence 0.95, two-tailed, n2/n1 = 1 → "Estimated Sample Size =
			// 127.2343". https://www.unistat.com/guide/sample-size-and-power-two-proportions/
			// Zar's formula carries Fleiss, Tytun & Ury's continuity correction.
			source: "Zar ex. 24.26 (UNISTAT): .45 vs .25, power .9, corrected → 127.23",
			design: Design{Baseline: 0.45, MDE: -0.20, Alpha: 0.05, Power: 0.90, Formula: FormulaCorrected},
			want:   128,
		},
		{
			// Same source with n2/n1 = 3: "Estimated Sample Size = 83.1527", "n2 is found as
			// 3 x 83.1527 = 249.4581": the unequal-allocation generalisation.
			source: "Zar ex. 24.26 (UNISTAT): ratio 3 → 83.15 and 249.46",
			design: Design{Baseline: 0.45, MDE: -0.20, Alpha: 0.05, Power: 0.90, Ratio: 3, Formula: FormulaCorrected},
			want:   84, wantTreatment: 250,
		},
		{
			// The contract in DESIGN.md ("A/B outcomes"): baseline 10%, +2 pp, α 0.05,
			// power 0.8 → 3,841; baseline 20%, +5 pp → 1,094.
			source: "DESIGN.md contract: 10% + 2pp → 3,841",
			design: Design{Baseline: 0.10, MDE: 0.02, Alpha: 0.05, Power: 0.80},
			want:   3841,
		},
		{
			source: "DESIGN.md contract: 20% + 5pp → 1,094",
			design: Design{Baseline: 0.20, MDE: 0.05, Alpha: 0.05, Power: 0.80},
			want:   1094,
		},
	}
	for _, tc := range cases {
		t.Run(tc.source, func(t *testing.T) {
			plan, err := SampleSize(tc.design)
			if err != nil {
				t.Fatalf("SampleSize: %v", err)
			}
			if d := plan.Control - tc.want; d < -1 || d > 1 {
				t.Errorf("control arm = %d, published %d", plan.Control, tc.want)
			}
			wantT := tc.wantTreatment
			if wantT == 0 {
				wantT = tc.want
			}
			if d := plan.PerTreatment - wantT; d < -1 || d > 1 {
				t.Errorf("treatment arm = %d, published %d", plan.PerTreatment, wantT)
			}
			if plan.Total != plan.Control+plan.PerTreatment {
				t.Errorf("total = %d, want %d + %d", plan.Total, plan.Control, plan.PerTreatment)
			}
		})
	}
}

// The contract figures are exact, not merely within one.
func TestSampleSizeContractExact(t *testing.T) {
	for _, tc := range []struct {
		baseline, mde float64
		want          int
	}{{0.10, 0.02, 3841}, {0.20, 0.05, 1094}} {
		plan, err := SampleSize(Design{Baseline: tc.baseline, MDE: tc.mde, Alpha: 0.05, Power: 0.8})
		if err != nil {
			t.Fatal(err)
		}
		if plan.PerVariant() != tc.want || plan.Total != 2*tc.want {
			t.Errorf("baseline %v mde %v: per variant %d total %d, want %d and %d", tc.baseline, tc.mde, plan.PerVariant(), plan.Total, tc.want, 2*tc.want)
		}
	}
}

func TestSampleSizeOptions(t *testing.T) {
	base := Design{Baseline: 0.10, MDE: 0.02, Alpha: 0.05, Power: 0.80}
	plan := mustPlan(t, base)

	t.Run("relative mde is the same test", func(t *testing.T) {
		rel := base
		rel.MDE, rel.Relative = 0.2, true
		if got := mustPlan(t, rel); got.Control != plan.Control || math.Abs(got.TreatmentRate-0.12) > 1e-12 {
			t.Errorf("relative 20%% of 10%%: control %d rate %v, want %d and 0.12", got.Control, got.TreatmentRate, plan.Control)
		}
	})
	t.Run("defaults are an even two-arm split", func(t *testing.T) {
		explicit := base
		explicit.Ratio, explicit.Variants = 1, 2
		if got := mustPlan(t, explicit); got != plan {
			t.Errorf("explicit defaults %+v differ from zero values %+v", got, plan)
		}
	})
	t.Run("ratio puts k times the control arm in treatment", func(t *testing.T) {
		for _, k := range []float64{0.5, 2, 3} {
			d := base
			d.Ratio = k
			got := mustPlan(t, d)
			if math.Abs(float64(got.PerTreatment)-k*float64(got.Control)) > k+1 {
				t.Errorf("ratio %v: arms %d and %d", k, got.Control, got.PerTreatment)
			}
			// An uneven split is less efficient: more users in total for the same power.
			if got.Total <= plan.Total {
				t.Errorf("ratio %v: total %d, even split needs %d", k, got.Total, plan.Total)
			}
			pw, err := PowerAt(d, got.Control, got.PerTreatment)
			if err != nil || pw < 0.8 {
				t.Errorf("ratio %v: power at plan = %v (%v), want ≥ 0.8", k, pw, err)
			}
		}
	})
	t.Run("variants add treatment arms at the same alpha", func(t *testing.T) {
		d := base
		d.Variants = 4
		got := mustPlan(t, d)
		if got.Control != plan.Control || got.Total != 4*plan.Control || got.ComparisonAlpha != 0.05 {
			t.Errorf("4 variants: %+v", got)
		}
	})
	t.Run("bonferroni splits alpha between comparisons", func(t *testing.T) {
		d := base
		d.Variants, d.Correction = 4, CorrectionBonferroni
		got := mustPlan(t, d)
		same := base
		same.Alpha = 0.05 / 3
		if want := mustPlan(t, same); got.Control != want.Control || math.Abs(got.ComparisonAlpha-0.05/3) > 1e-15 {
			t.Errorf("bonferroni over 3 comparisons: control %d alpha %v, want %d at %v", got.Control, got.ComparisonAlpha, want.Control, 0.05/3)
		}
		if got.Total != 4*got.Control {
			t.Errorf("total %d, want 4 × %d", got.Total, got.Control)
		}
	})
	t.Run("a drop needs the mirrored test", func(t *testing.T) {
		// 12% → 10% is the same pair of rates as 10% → 12% seen from the other arm.
		d := Design{Baseline: 0.12, MDE: -0.02, Alpha: 0.05, Power: 0.80}
		if got := mustPlan(t, d); got.Control != plan.Control {
			t.Errorf("12%% - 2pp: %d, want %d", got.Control, plan.Control)
		}
	})
	t.Run("the continuity correction costs users", func(t *testing.T) {
		d := base
		d.Formula = FormulaCorrected
		if got := mustPlan(t, d); got.Control <= plan.Control {
			t.Errorf("corrected %d, uncorrected %d", got.Control, plan.Control)
		}
	})
}

func TestPowerAt(t *testing.T) {
	// R Core Team, stats::power.prop.test help page, Examples:
	// `power.prop.test(n = 50, p1 = .50, p2 = .75)  ## => power = 0.740`
	got, err := PowerAt(Design{Baseline: 0.5, MDE: 0.25, Alpha: 0.05, Power: 0.9}, 50, 50)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-0.740) > 0.0005 {
		t.Errorf("power at n=50 = %.4f, R publishes 0.740", got)
	}

	// The sample size is the smallest n reaching the power: one user fewer falls short.
	for _, d := range []Design{
		{Baseline: 0.10, MDE: 0.02, Alpha: 0.05, Power: 0.80},
		{Baseline: 0.03, MDE: 0.10, Relative: true, Alpha: 0.01, Power: 0.90},
		{Baseline: 0.45, MDE: -0.20, Alpha: 0.05, Power: 0.90, Formula: FormulaCorrected},
	} {
		plan := mustPlan(t, d)
		at, _ := PowerAt(d, plan.Control, plan.PerTreatment)
		below, _ := PowerAt(d, plan.Control-1, plan.PerTreatment-1)
		if at < d.Power || below >= d.Power {
			t.Errorf("%+v: power %.5f at n=%d, %.5f at n-1; want the threshold %.2f between", d, at, plan.Control, below, d.Power)
		}
	}

	if _, err := PowerAt(Design{Baseline: 0.1, MDE: 0.02, Alpha: 0.05, Power: 0.8}, 0, 10); err == nil {
		t.Error("PowerAt with an empty arm: want an error")
	}
}

func TestPowerCurve(t *testing.T) {
	d := Design{Baseline: 0.10, MDE: 0.02, Alpha: 0.05, Power: 0.80}
	plan := mustPlan(t, d)
	mdes := CurveMDEs(d)
	if len(mdes) != 7 {
		t.Fatalf("CurveMDEs = %v, want 7 effects", mdes)
	}
	points, err := PowerCurve(d, mdes)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range points {
		if i > 0 && (p.Power <= points[i-1].Power || p.PerVariant >= points[i-1].PerVariant) {
			t.Errorf("point %d %+v: power must rise and the users needed fall with the effect (previous %+v)", i, p, points[i-1])
		}
		if p.MDE == d.MDE && (p.PerVariant != plan.Control || p.Power < 0.8 || p.Power > 0.801) {
			t.Errorf("at the design's own mde: %+v, want %d users and power just above 0.8", p, plan.Control)
		}
	}
	// Half the effect needs about four times the users.
	if r := float64(points[1].PerVariant) / float64(plan.Control); r < 3.7 || r > 4.1 {
		t.Errorf("half the mde needs %.2f× the users, want about 4×", r)
	}

	// Near the edge of the rate scale, effects that would leave (0, 1) are dropped.
	edge := Design{Baseline: 0.9, MDE: 0.06, Alpha: 0.05, Power: 0.8}
	for _, m := range CurveMDEs(edge) {
		if edge.Baseline+m >= 1 {
			t.Errorf("CurveMDEs(%+v) proposes %v", edge, m)
		}
	}
	if _, err := PowerCurve(edge, []float64{0.2}); err == nil || !strings.Contains(err.Error(), "mde 0.2") {
		t.Errorf("PowerCurve with an impossible effect: err = %v", err)
	}
}

func TestDesignValidation(t *testing.T) {
	ok := Design{Baseline: 0.1, MDE: 0.02, Alpha: 0.05, Power: 0.8}
	cases := []struct {
		name   string
		change func(*Design)
		want   string
	}{
		{"baseline zero", func(d *Design) { d.Baseline = 0 }, "baseline must be a rate in (0, 1)"},
		{"baseline percent", func(d *Design) { d.Baseline = 10 }, "baseline must be a rate in (0, 1)"},
		{"baseline NaN", func(d *Design) { d.Baseline = math.NaN() }, "baseline"},
		{"mde zero", func(d *Design) { d.MDE = 0 }, "mde must be a non-zero effect"},
		{"mde infinite", func(d *Design) { d.MDE = math.Inf(1) }, "mde must be a non-zero effect"},
		{"treatment above one", func(d *Design) { d.MDE = 0.95 }, "outside (0, 1)"},
		// A rate is shown as people read it: 0.7 + 0.6 is 1.3, not float64's 1.2999999999999998.
		{"treatment printed plainly", func(d *Design) { d.Baseline, d.MDE = 0.7, 0.6 }, "baseline 0.7 with mde 0.6 gives a treatment rate of 1.3, outside (0, 1)"},
		{"treatment at zero", func(d *Design) { d.MDE, d.Relative = -1, true }, "outside (0, 1)"},
		{"alpha zero", func(d *Design) { d.Alpha = 0 }, "alpha must be in (0, 1)"},
		{"alpha one", func(d *Design) { d.Alpha = 1 }, "alpha must be in (0, 1)"},
		{"power one", func(d *Design) { d.Power = 1 }, "power must be in (0, 1)"},
		{"power at alpha", func(d *Design) { d.Power = 0.02 }, "not above the false-positive rate"},
		{"ratio negative", func(d *Design) { d.Ratio = -2 }, "ratio must be a positive number"},
		{"one variant", func(d *Design) { d.Variants = 1 }, "variants counts the arms including control"},
		{"bad correction", func(d *Design) { d.Correction = 7 }, "unknown correction"},
		{"bad formula", func(d *Design) { d.Formula = 9 }, "unknown formula"},
		{"tiny effect", func(d *Design) { d.MDE = 1e-9 }, "too small an effect"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := ok
			tc.change(&d)
			_, err := SampleSize(d)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("SampleSize(%+v) error = %v, want it to mention %q", d, err, tc.want)
			}
		})
	}
}

func TestParseFormula(t *testing.T) {
	for _, f := range []Formula{FormulaPooled, FormulaEvanMiller, FormulaCorrected} {
		got, err := ParseFormula(f.String())
		if err != nil || got != f {
			t.Errorf("ParseFormula(%q) = %v, %v", f.String(), got, err)
		}
	}
	if _, err := ParseFormula("fisher"); err == nil || !strings.Contains(err.Error(), "pooled, evanmiller or corrected") {
		t.Errorf("ParseFormula(fisher) error = %v", err)
	}
}

func TestDaysToReach(t *testing.T) {
	plan := mustPlan(t, Design{Baseline: 0.1, MDE: 0.02, Alpha: 0.05, Power: 0.8}) // 7,682 users
	for _, tc := range []struct {
		daily float64
		want  int
	}{{500, 16}, {7682, 1}, {7681, 2}, {100000, 1}, {3841, 2}} {
		got, err := DaysToReach(plan, tc.daily)
		if err != nil || got != tc.want {
			t.Errorf("DaysToReach(%d users, %v/day) = %d, %v; want %d", plan.Total, tc.daily, got, err, tc.want)
		}
	}
	for _, bad := range []float64{0, -5, math.NaN(), math.Inf(1)} {
		if _, err := DaysToReach(plan, bad); err == nil {
			t.Errorf("DaysToReach(%v/day): want an error", bad)
		}
	}
	if _, err := DaysToReach(Plan{}, 10); err == nil {
		t.Error("DaysToReach of an empty plan: want an error")
	}
}

func TestExpectedImpact(t *testing.T) {
	d := Design{Baseline: 0.1, MDE: 0.2, Relative: true, Alpha: 0.05, Power: 0.8}
	got, err := ExpectedImpact(d, 50_000, 40)
	if err != nil {
		t.Fatal(err)
	}
	// 50,000 × (12% − 10%) = 1,000 extra conversions, × 40 = 40,000.
	if math.Abs(got.ExtraConversions-1000) > 1e-6 || math.Abs(got.ExtraRevenue-40000) > 1e-4 || got.Entrants != 50000 {
		t.Errorf("ExpectedImpact = %+v, want 1000 conversions and 40000 revenue", got)
	}
	if _, err := ExpectedImpact(d, -1, 40); err == nil {
		t.Error("negative entrants: want an error")
	}
	if _, err := ExpectedImpact(d, 10, math.NaN()); err == nil {
		t.Error("NaN revenue: want an error")
	}
}

func mustPlan(t *testing.T, d Design) Plan {
	t.Helper()
	plan, err := SampleSize(d)
	if err != nil {
		t.Fatalf("SampleSize(%+v): %v", d, err)
	}
	return plan
}
