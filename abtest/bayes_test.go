package abtest

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/stat/distuv"
)

func TestChanceToBeatReference(t *testing.T) {
	// DESIGN.md ("A/B outcomes"): 49/100 vs 51/100 with Beta(1,1) priors → 0.6108.
	got, err := ChanceToBeat(Counts{Conversions: 49, Entrants: 100}, Counts{Conversions: 51, Entrants: 100}, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-0.6108) > 0.00005 {
		t.Errorf("ChanceToBeat(49/100, 51/100) = %.5f, want 0.6108", got)
	}
}

// The closed form must agree with direct numerical integration of
// P(T > C) = ∫ f_C(x)·(1 − F_T(x)) dx, an independent route to the same number.
func TestChanceToBeatMatchesIntegration(t *testing.T) {
	cases := []struct {
		control, treatment Counts
		a, b               float64
	}{
		{Counts{49, 100}, Counts{51, 100}, 1, 1},
		{Counts{0, 0}, Counts{0, 0}, 1, 1},
		{Counts{3, 40}, Counts{9, 35}, 1, 1},
		{Counts{200, 1000}, Counts{180, 1000}, 1, 1},
		{Counts{380, 3841}, Counts{461, 3841}, 1, 1},
		{Counts{12, 20}, Counts{5, 30}, 2, 5},
		{Counts{12, 20}, Counts{5, 30}, 0.5, 3}, // whole beta, fractional alpha
		{Counts{12, 20}, Counts{5, 30}, 3, 0.5}, // whole alpha, fractional beta
		{Counts{990, 1000}, Counts{995, 1000}, 1, 1},
	}
	for _, tc := range cases {
		got, err := ChanceToBeat(tc.control, tc.treatment, tc.a, tc.b)
		if err != nil {
			t.Fatal(err)
		}
		c := distuv.Beta{Alpha: tc.a + float64(tc.control.Conversions), Beta: tc.b + float64(tc.control.Entrants-tc.control.Conversions)}
		tr := distuv.Beta{Alpha: tc.a + float64(tc.treatment.Conversions), Beta: tc.b + float64(tc.treatment.Entrants-tc.treatment.Conversions)}
		want := integrate01(func(x float64) float64 { return c.Prob(x) * tr.Survival(x) })
		if math.Abs(got-want) > 1e-6 {
			t.Errorf("%+v vs %+v, prior (%v, %v): closed form %.8f, integration %.8f", tc.control, tc.treatment, tc.a, tc.b, got, want)
		}
		// The two arms' chances to beat each other add up to one.
		back, _ := ChanceToBeat(tc.treatment, tc.control, tc.a, tc.b)
		if math.Abs(got+back-1) > 1e-9 {
			t.Errorf("%+v vs %+v: %.10f + %.10f ≠ 1", tc.control, tc.treatment, got, back)
		}
	}
}

// Every one of the four equivalent sums gives the same probability.
func TestProbAboveForms(t *testing.T) {
	x, y := beta{50, 52}, beta{52, 50}
	direct := millerSum(x, y)
	forms := []float64{
		1 - millerSum(y, x),
		millerSum(beta{y.b, y.a}, beta{x.b, x.a}),
		1 - millerSum(beta{x.b, x.a}, beta{y.b, y.a}),
	}
	for i, f := range forms {
		if math.Abs(f-direct) > 1e-12 {
			t.Errorf("form %d = %.14f, direct sum %.14f", i+2, f, direct)
		}
	}
}

func TestChanceToBeatLargeCounts(t *testing.T) {
	// A million entrants per arm: the sum runs over the smaller count and stays exact.
	got, err := ChanceToBeat(Counts{100_000, 1_000_000}, Counts{100_900, 1_000_000}, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Normal approximation: z = 0.0009 / √(0.1·0.9/1e6 + 0.1009·0.8991/1e6) ≈ 2.12.
	se := math.Sqrt(0.1*0.9/1e6 + 0.1009*0.8991/1e6)
	want := distuv.UnitNormal.CDF(0.0009 / se)
	if math.Abs(got-want) > 0.001 {
		t.Errorf("ChanceToBeat at a million per arm = %.5f, normal approximation %.5f", got, want)
	}
}

func TestExpectedLoss(t *testing.T) {
	cases := []struct {
		control, treatment Counts
	}{
		{Counts{49, 100}, Counts{51, 100}},
		{Counts{3, 40}, Counts{9, 35}},
		{Counts{380, 3841}, Counts{461, 3841}},
	}
	for _, tc := range cases {
		got, err := ExpectedLoss(tc.control, tc.treatment, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		c := distuv.Beta{Alpha: 1 + float64(tc.control.Conversions), Beta: 1 + float64(tc.control.Entrants-tc.control.Conversions)}
		tr := distuv.Beta{Alpha: 1 + float64(tc.treatment.Conversions), Beta: 1 + float64(tc.treatment.Entrants-tc.treatment.Conversions)}
		// (C − T)⁺ = ∫₀¹ 1{T ≤ y < C} dy, so by independence
		// E[max(C − T, 0)] = ∫₀¹ F_T(y)·(1 − F_C(y)) dy.
		want := integrate01(func(y float64) float64 { return tr.CDF(y) * c.Survival(y) })
		if math.Abs(got.ShipTreatment-want) > 1e-6 {
			t.Errorf("%+v vs %+v: loss of shipping treatment %.8f, integration %.8f", tc.control, tc.treatment, got.ShipTreatment, want)
		}
		// E[T − C] = loss(keep control) − loss(ship treatment).
		diff := tr.Mean() - c.Mean()
		if math.Abs(got.KeepControl-got.ShipTreatment-diff) > 1e-9 {
			t.Errorf("%+v vs %+v: losses %+v do not differ by the mean difference %.8f", tc.control, tc.treatment, got, diff)
		}
	}
}

func TestBayesValidation(t *testing.T) {
	ok := Counts{10, 100}
	cases := []struct {
		control, treatment Counts
		a, b               float64
		want               string
	}{
		{Counts{101, 100}, ok, 1, 1, "control: want 0 ≤ conversions ≤ entrants"},
		{ok, Counts{-1, 100}, 1, 1, "treatment"},
		{ok, ok, 0, 1, "must be positive"},
		{ok, ok, 1, math.Inf(1), "must be positive"},
		{ok, ok, 0.5, 0.5, "needs a whole-number parameter"},
	}
	for _, tc := range cases {
		_, err := ChanceToBeat(tc.control, tc.treatment, tc.a, tc.b)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ChanceToBeat(%+v, %+v, %v, %v) error = %v, want %q", tc.control, tc.treatment, tc.a, tc.b, err, tc.want)
		}
		if _, err := ExpectedLoss(tc.control, tc.treatment, tc.a, tc.b); err == nil {
			t.Errorf("ExpectedLoss(%+v, %+v, %v, %v): want an error", tc.control, tc.treatment, tc.a, tc.b)
		}
	}
}

// integrate01 integrates f over [0, 1] with Gauss–Legendre quadrature on many panels, fine
// enough for the sharply peaked posteriors of a few thousand users.
func integrate01(f func(float64) float64) float64 {
	const panels = 2000
	total := 0.0
	for i := range panels {
		total += quad.Fixed(f, float64(i)/panels, float64(i+1)/panels, 20, nil, 0)
	}
	return total
}
