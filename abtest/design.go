// Package abtest plans and stress-tests A/B experiments on conversion rates: sample size for
// a two-sided two-proportion z-test, days to reach it, power across effect sizes, a seeded
// Monte Carlo of many experiments (observed lift, share significant, false positives, the
// inflation from peeking daily), the Bayesian chance to beat control, and the expected gain.
//
// It is plain Go over gonum's distributions: no DuckDB, no other segscope package, so the
// CLI, the TUI and the campaign replay can all feed it a Design from wherever they got one.
package abtest

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Formula selects the sample-size approximation. Calculators disagree mostly in which
// variance they put under the null hypothesis; the differences are a few percent, enough
// that a figure only matches its source under the source's formula.
type Formula int

const (
	// FormulaPooled is the contract: the pooled rate's variance under H0, the two arms'
	// own variances under H1, no continuity correction. It is what R's power.prop.test,
	// Stata's power twoproportions (Pearson χ²) and JMP compute.
	FormulaPooled Formula = iota
	// FormulaEvanMiller puts the baseline's variance under H0 (as evanmiller.org does);
	// it needs slightly fewer users than the pooled formula when the treatment is better.
	FormulaEvanMiller
	// FormulaCorrected is the pooled formula with Fleiss, Tytun & Ury's (1980) continuity
	// correction, for analyses that will use the Yates-corrected test (Zar, UNISTAT, the
	// corrected columns of Fleiss's tables).
	FormulaCorrected
)

var formulaNames = map[Formula]string{
	FormulaPooled:     "pooled",
	FormulaEvanMiller: "evanmiller",
	FormulaCorrected:  "corrected",
}

func (f Formula) String() string {
	if s, ok := formulaNames[f]; ok {
		return s
	}
	return fmt.Sprintf("Formula(%d)", int(f))
}

// ParseFormula reads a formula's name as String spells it.
func ParseFormula(s string) (Formula, error) {
	for f, name := range formulaNames {
		if s == name {
			return f, nil
		}
	}
	return 0, fmt.Errorf("unknown formula %q (want pooled, evanmiller or corrected)", s)
}

// Correction says how the significance level is shared between the comparisons of a test
// with several treatment arms.
type Correction int

const (
	// CorrectionNone tests every treatment against control at the full alpha: each
	// comparison keeps its false-positive rate, and the chance that at least one of them is
	// a false positive grows with the number of treatments.
	CorrectionNone Correction = iota
	// CorrectionBonferroni tests each of the m comparisons at alpha/m, which keeps the
	// family-wise false-positive rate at or below alpha and costs users in every arm.
	CorrectionBonferroni
)

func (c Correction) String() string {
	switch c {
	case CorrectionNone:
		return "none"
	case CorrectionBonferroni:
		return "bonferroni"
	}
	return fmt.Sprintf("Correction(%d)", int(c))
}

// Design is what an experimenter decides before a test starts.
type Design struct {
	// Baseline is the control arm's conversion rate, in (0, 1).
	Baseline float64
	// MDE is the minimum detectable effect: the treatment's rate minus the baseline
	// (absolute, 0.02 = two percentage points), or a fraction of the baseline when Relative
	// is set (0.2 = a 20% lift). Negative values plan for detecting a drop.
	MDE float64
	// Relative reads MDE as a fraction of Baseline.
	Relative bool
	// Alpha is the two-sided significance level of one comparison before any Correction,
	// in (0, 1).
	Alpha float64
	// Power is the chance of a significant result when the true effect is MDE, in (0, 1).
	Power float64
	// Ratio is each treatment arm's size relative to control (2 = twice as many users in
	// every treatment arm as in control). Zero means 1, an even split.
	Ratio float64
	// Variants counts the arms including control. Zero means 2, a plain A/B test.
	Variants int
	// Correction shares alpha between the Variants-1 comparisons with control.
	Correction Correction
	// Formula is the sample-size approximation; the zero value is the contract's.
	Formula Formula
}

// maxVariants bounds the arms of one test: far past any real experiment, small enough that
// totals cannot overflow.
const maxVariants = 1000

// maxArm bounds one arm's size; an MDE needing more is reported as too small to plan for.
const maxArm = 1e12

// Normalized returns the design with its zero-means-default fields filled in, or an error
// naming the first input that is out of range.
func (d Design) Normalized() (Design, error) {
	if d.Ratio == 0 {
		d.Ratio = 1
	}
	if d.Variants == 0 {
		d.Variants = 2
	}
	if !inOpenUnit(d.Baseline) {
		return d, fmt.Errorf("baseline must be a rate in (0, 1), got %.6g", d.Baseline)
	}
	if d.MDE == 0 || math.IsNaN(d.MDE) || math.IsInf(d.MDE, 0) {
		return d, fmt.Errorf("mde must be a non-zero effect, got %.6g", d.MDE)
	}
	if t := d.treatmentRate(); !inOpenUnit(t) {
		return d, fmt.Errorf("baseline %.6g with mde %.6g gives a treatment rate of %.6g, outside (0, 1)", d.Baseline, d.MDE, t)
	}
	if !inOpenUnit(d.Alpha) {
		return d, fmt.Errorf("alpha must be in (0, 1), got %.6g", d.Alpha)
	}
	if !inOpenUnit(d.Power) {
		return d, fmt.Errorf("power must be in (0, 1), got %.6g", d.Power)
	}
	if !(d.Ratio > 0) || math.IsInf(d.Ratio, 0) {
		return d, fmt.Errorf("ratio must be a positive number, got %.6g", d.Ratio)
	}
	if d.Variants < 2 || d.Variants > maxVariants {
		return d, fmt.Errorf("variants counts the arms including control: want 2 to %d, got %d", maxVariants, d.Variants)
	}
	if d.Correction != CorrectionNone && d.Correction != CorrectionBonferroni {
		return d, fmt.Errorf("unknown correction %v", d.Correction)
	}
	if _, ok := formulaNames[d.Formula]; !ok {
		return d, fmt.Errorf("unknown formula %v", d.Formula)
	}
	if d.Power <= d.ComparisonAlpha()/2 {
		return d, fmt.Errorf("power %.6g is not above the false-positive rate of one tail (%.6g): nothing to plan", d.Power, d.ComparisonAlpha()/2)
	}
	return d, nil
}

// TreatmentRate is the treatment arm's conversion rate the design plans to detect. It is
// meaningful only for a design that Normalized accepts.
func (d Design) TreatmentRate() float64 { return d.treatmentRate() }

func (d Design) treatmentRate() float64 {
	if d.Relative {
		return d.Baseline * (1 + d.MDE)
	}
	return d.Baseline + d.MDE
}

// Comparisons is the number of treatment arms, each compared with control.
func (d Design) Comparisons() int {
	if d.Variants == 0 {
		return 1
	}
	return d.Variants - 1
}

// ComparisonAlpha is the significance level each comparison is tested at.
func (d Design) ComparisonAlpha() float64 {
	if d.Correction == CorrectionBonferroni {
		return d.Alpha / float64(d.Comparisons())
	}
	return d.Alpha
}

// Plan is the sample size a Design needs, with the rates it was computed for.
type Plan struct {
	// Design is the input with defaults filled in.
	Design Design
	// ControlRate and TreatmentRate are the two rates the test distinguishes.
	ControlRate, TreatmentRate float64
	// ComparisonAlpha is the two-sided level each comparison is tested at.
	ComparisonAlpha float64
	// Control is the control arm's size; every arm has it when Ratio is 1.
	Control int
	// PerTreatment is each treatment arm's size: Ratio times the control requirement.
	PerTreatment int
	// Total is the users the whole test needs: control plus every treatment arm.
	Total int
}

// PerVariant is the size of the control arm, which is every arm's size in an even split.
func (p Plan) PerVariant() int { return p.Control }

// SampleSize computes the users each arm needs for a two-sided two-proportion z-test to
// reach the design's power at its MDE. With allocation ratio k (treatment:control) the
// control arm needs
//
//	n_c = (z₁₋α/₂·√(p̄(1−p̄)(1+1/k)) + z₁₋β·√(p₁(1−p₁)+p₂(1−p₂)/k))² / (p₂−p₁)²,
//	p̄ = (p₁ + k·p₂)/(1+k),
//
// and each treatment arm k·n_c; for k = 1 this is the contract's formula. The Evan Miller
// formula uses p₁ in place of p̄ and rounds to the nearest user as its calculator does; the
// corrected formula applies Fleiss, Tytun & Ury's continuity correction
// n' = n/4·(1+√(1+2(k+1)/(n·k·|p₂−p₁|)))². Sizes are otherwise rounded up.
func SampleSize(d Design) (Plan, error) {
	d, err := d.Normalized()
	if err != nil {
		return Plan{}, err
	}
	p1, p2 := d.Baseline, d.treatmentRate()
	alpha := d.ComparisonAlpha()
	k := d.Ratio
	delta := math.Abs(p2 - p1)

	zAlpha := distuv.UnitNormal.Quantile(1 - alpha/2)
	zBeta := distuv.UnitNormal.Quantile(d.Power)
	sdNull := math.Sqrt(nullVariance(d.Formula, p1, p2, k) * (1 + 1/k))
	sdAlt := math.Sqrt(p1*(1-p1) + p2*(1-p2)/k)
	sum := zAlpha*sdNull + zBeta*sdAlt
	if sum <= 0 {
		return Plan{}, fmt.Errorf("power %.6g is too low to need any users", d.Power)
	}
	n := sum * sum / (delta * delta)
	if d.Formula == FormulaCorrected {
		root := 1 + math.Sqrt(1+2*(k+1)/(n*k*delta))
		n = n / 4 * root * root
	}
	if n*math.Max(1, k) > maxArm {
		return Plan{}, fmt.Errorf("mde %.6g needs about %.3g users per arm: too small an effect to plan for", d.MDE, n)
	}
	round := ceilCount
	if d.Formula == FormulaEvanMiller {
		// evanmiller.org shows the nearest whole number (1,030.2 → 1,030), not the next one;
		// matching its figures is the point of offering this formula.
		round = func(x float64) int { return int(math.Round(x)) }
	}
	control := round(n)
	perTreatment := round(k * n)
	return Plan{
		Design:          d,
		ControlRate:     p1,
		TreatmentRate:   p2,
		ComparisonAlpha: alpha,
		Control:         control,
		PerTreatment:    perTreatment,
		Total:           control + d.Comparisons()*perTreatment,
	}, nil
}

// nullVariance is the per-user variance of a conversion under H0 for the formula.
func nullVariance(f Formula, p1, p2, k float64) float64 {
	if f == FormulaEvanMiller {
		return p1 * (1 - p1)
	}
	pooled := (p1 + k*p2) / (1 + k)
	return pooled * (1 - pooled)
}

// ceilCount rounds a required size up, forgiving the last bits of floating-point noise so
// that an exact integer requirement is not bumped by one.
func ceilCount(x float64) int {
	return int(math.Ceil(x - 1e-9*math.Max(1, x)))
}

// PowerAt is the chance that one comparison of the design comes out significant, in either
// direction, when control has nControl users, the treatment arm nTreatment, and the true
// rates are the design's. It is the normal approximation the sample size inverts, with
// both tails counted, so PowerAt at SampleSize's arms is at least the design's power.
func PowerAt(d Design, nControl, nTreatment int) (float64, error) {
	d, err := d.Normalized()
	if err != nil {
		return 0, err
	}
	if nControl < 1 || nTreatment < 1 {
		return 0, fmt.Errorf("arm sizes must be positive, got %d and %d", nControl, nTreatment)
	}
	return power(d, float64(nControl), float64(nTreatment)), nil
}

func power(d Design, nc, nt float64) float64 {
	p1, p2 := d.Baseline, d.treatmentRate()
	delta := math.Abs(p2 - p1)
	zAlpha := distuv.UnitNormal.Quantile(1 - d.ComparisonAlpha()/2)
	k := nt / nc
	seNull := math.Sqrt(nullVariance(d.Formula, p1, p2, k) * (1/nc + 1/nt))
	seAlt := math.Sqrt(p1*(1-p1)/nc + p2*(1-p2)/nt)
	if d.Formula == FormulaCorrected {
		delta = math.Max(0, delta-(1/nc+1/nt)/2)
	}
	upper := distuv.UnitNormal.CDF((delta - zAlpha*seNull) / seAlt)
	lower := distuv.UnitNormal.CDF((-delta - zAlpha*seNull) / seAlt)
	return upper + lower
}

// PowerPoint is one row of a power curve.
type PowerPoint struct {
	// MDE is the effect, read as the design reads its own MDE (absolute or relative).
	MDE float64
	// TreatmentRate is the rate that effect gives the treatment arm.
	TreatmentRate float64
	// Power is the chance of a significant result at the design's planned arm sizes.
	Power float64
	// PerVariant is the control arm size the design's power would need at this MDE.
	PerVariant int
}

// PowerCurve answers, for each effect in mdes, both questions a planner asks: with the
// users this design plans for, how likely is a significant result; and how many users
// would this effect need for the design's power.
func PowerCurve(d Design, mdes []float64) ([]PowerPoint, error) {
	plan, err := SampleSize(d)
	if err != nil {
		return nil, err
	}
	points := make([]PowerPoint, 0, len(mdes))
	for _, m := range mdes {
		at := plan.Design
		at.MDE = m
		need, err := SampleSize(at)
		if err != nil {
			return nil, fmt.Errorf("power curve at mde %v: %w", m, err)
		}
		points = append(points, PowerPoint{
			MDE:           m,
			TreatmentRate: need.TreatmentRate,
			Power:         power(need.Design, float64(plan.Control), float64(plan.PerTreatment)),
			PerVariant:    need.Control,
		})
	}
	return points, nil
}

// CurveMDEs proposes the effects a power curve should show around the design's MDE: from
// a quarter of it to twice it, keeping only those whose treatment rate is a valid rate.
func CurveMDEs(d Design) []float64 {
	var mdes []float64
	for _, f := range []float64{0.25, 0.5, 0.75, 1, 1.25, 1.5, 2} {
		at := d
		at.MDE = d.MDE * f
		if _, err := SampleSize(at); err == nil {
			mdes = append(mdes, at.MDE)
		}
	}
	return mdes
}

// DaysToReach is how many whole days of dailyEntrants (everyone entering the experiment
// per day, across all arms) it takes to enrol the plan's total.
func DaysToReach(plan Plan, dailyEntrants float64) (int, error) {
	if !(dailyEntrants > 0) || math.IsInf(dailyEntrants, 0) {
		return 0, fmt.Errorf("daily entrants must be a positive number, got %v", dailyEntrants)
	}
	if plan.Total <= 0 {
		return 0, errors.New("plan has no users: compute it with SampleSize")
	}
	return ceilCount(float64(plan.Total) / dailyEntrants), nil
}

// Impact is what shipping a treatment is expected to add.
type Impact struct {
	// Entrants is how many people the projection covers.
	Entrants float64
	// ExtraConversions is Entrants × (treatment rate − baseline).
	ExtraConversions float64
	// ExtraRevenue is ExtraConversions × revenue per conversion.
	ExtraRevenue float64
}

// ExpectedImpact projects the extra conversions and revenue among entrants if the
// treatment's true effect is the design's MDE.
func ExpectedImpact(d Design, entrants, revenuePerConversion float64) (Impact, error) {
	d, err := d.Normalized()
	if err != nil {
		return Impact{}, err
	}
	if !(entrants >= 0) || math.IsInf(entrants, 0) {
		return Impact{}, fmt.Errorf("entrants must be a non-negative number, got %v", entrants)
	}
	if !(revenuePerConversion >= 0) || math.IsInf(revenuePerConversion, 0) {
		return Impact{}, fmt.Errorf("revenue per conversion must be a non-negative number, got %v", revenuePerConversion)
	}
	extra := entrants * (d.treatmentRate() - d.Baseline)
	return Impact{Entrants: entrants, ExtraConversions: extra, ExtraRevenue: extra * revenuePerConversion}, nil
}

func inOpenUnit(x float64) bool { return x > 0 && x < 1 }
