package abtest

import (
	"fmt"
	"math"
)

// Counts are an arm's observed results.
type Counts struct {
	// Conversions is how many entrants converted, at most Entrants.
	Conversions int
	// Entrants is how many people were in the arm.
	Entrants int
}

func (c Counts) validate(arm string) error {
	if c.Entrants < 0 || c.Conversions < 0 || c.Conversions > c.Entrants {
		return fmt.Errorf("%s: want 0 ≤ conversions ≤ entrants, got %d of %d", arm, c.Conversions, c.Entrants)
	}
	return nil
}

// beta is a Beta(a, b) posterior.
type beta struct{ a, b float64 }

// posteriors combines both arms' counts with the shared Beta(priorAlpha, priorBeta) prior.
func posteriors(control, treatment Counts, priorAlpha, priorBeta float64) (beta, beta, error) {
	if err := control.validate("control"); err != nil {
		return beta{}, beta{}, err
	}
	if err := treatment.validate("treatment"); err != nil {
		return beta{}, beta{}, err
	}
	if !(priorAlpha > 0) || !(priorBeta > 0) || math.IsInf(priorAlpha, 0) || math.IsInf(priorBeta, 0) {
		return beta{}, beta{}, fmt.Errorf("prior Beta(%v, %v): both parameters must be positive", priorAlpha, priorBeta)
	}
	if !isWhole(priorAlpha) && !isWhole(priorBeta) {
		return beta{}, beta{}, fmt.Errorf("prior Beta(%v, %v): the closed form needs a whole-number parameter", priorAlpha, priorBeta)
	}
	post := func(c Counts) beta {
		return beta{priorAlpha + float64(c.Conversions), priorBeta + float64(c.Entrants-c.Conversions)}
	}
	return post(control), post(treatment), nil
}

// ChanceToBeat is the posterior probability that the treatment's true conversion rate is
// above control's, each arm's rate having a Beta(priorAlpha, priorBeta) prior (1, 1 is
// uniform). It is computed exactly with Evan Miller's closed-form sum, not by sampling, and
// needs one of the prior's parameters to be a whole number.
func ChanceToBeat(control, treatment Counts, priorAlpha, priorBeta float64) (float64, error) {
	c, t, err := posteriors(control, treatment, priorAlpha, priorBeta)
	if err != nil {
		return 0, err
	}
	return probAbove(c, t), nil
}

// Loss is the expected shortfall in conversion rate of each decision: how much rate is
// given up, on average over the posterior, by shipping one arm when the other is better.
type Loss struct {
	// ShipTreatment is E[max(control rate − treatment rate, 0)].
	ShipTreatment float64
	// KeepControl is E[max(treatment rate − control rate, 0)].
	KeepControl float64
}

// ExpectedLoss computes both decisions' expected loss under the same model as
// ChanceToBeat, in closed form: E[max(X−Y, 0)] = E[X; X>Y] − E[Y; X>Y], and
// E[X; X>Y] = mean(X)·P(X' > Y) with X' the posterior with one more conversion.
func ExpectedLoss(control, treatment Counts, priorAlpha, priorBeta float64) (Loss, error) {
	c, t, err := posteriors(control, treatment, priorAlpha, priorBeta)
	if err != nil {
		return Loss{}, err
	}
	return Loss{ShipTreatment: expectedExcess(c, t), KeepControl: expectedExcess(t, c)}, nil
}

// expectedExcess is E[max(X − Y, 0)] for X ~ x and Y ~ y.
func expectedExcess(x, y beta) float64 {
	meanX := x.a / (x.a + x.b)
	meanY := y.a / (y.a + y.b)
	xUp := beta{x.a + 1, x.b}
	yUp := beta{y.a + 1, y.b}
	loss := meanX*probAbove(y, xUp) - meanY*probAbove(yUp, x)
	return math.Max(0, loss)
}

// probAbove is P(Y > X) for X ~ x and Y ~ y. Evan Miller's sum
//
//	P(Y > X) = Σ_{i=0}^{a_y−1} B(a_x+i, b_x+b_y) / ((b_y+i)·B(1+i, b_y)·B(a_x, b_x))
//
// needs a whole a_y and has a_y terms. By symmetry (1 − P(X > Y), and the failure rates
// 1−X ~ Beta(b_x, a_x) in reversed order) the same sum can run over a_x, b_x or b_y
// instead; this picks the shortest whole-number one, so the cost is the smallest of the
// four counts (conversions or non-conversions of either arm, plus the prior).
func probAbove(x, y beta) float64 {
	type form struct {
		terms      float64
		complement bool
		x, y       beta
	}
	forms := []form{
		{y.a, false, x, y}, // P(Y > X) directly
		{x.a, true, y, x},  // 1 − P(X > Y)
		{x.b, false, beta{y.b, y.a}, beta{x.b, x.a}}, // P(1−X > 1−Y)
		{y.b, true, beta{x.b, x.a}, beta{y.b, y.a}},  // 1 − P(1−Y > 1−X)
	}
	best := -1
	for i, f := range forms {
		if isWhole(f.terms) && (best < 0 || f.terms < forms[best].terms) {
			best = i
		}
	}
	f := forms[best]
	p := millerSum(f.x, f.y)
	if f.complement {
		p = 1 - p
	}
	return math.Min(1, math.Max(0, p))
}

// millerSum is P(Y > X) by the sum over i < y.a, which must be a whole number.
func millerSum(x, y beta) float64 {
	base := -logBeta(x.a, x.b)
	total := 0.0
	for i := 0.0; i < y.a; i++ {
		total += math.Exp(base + logBeta(x.a+i, x.b+y.b) - math.Log(y.b+i) - logBeta(1+i, y.b))
	}
	return total
}

func logBeta(a, b float64) float64 {
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	return la + lb - lab
}

func isWhole(x float64) bool { return x == math.Trunc(x) && !math.IsInf(x, 0) }
