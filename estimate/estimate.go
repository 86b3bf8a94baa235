// Package estimate turns a count on a random sample of people into an estimate of the
// whole count with a confidence interval, for the screens that show a number before the
// exact one is ready. It is plain statistics: the sample is drawn by query.
//
// The interval is Wilson's score interval on the sampled share, scaled to the universe.
// Wilson rather than the textbook normal interval (p̂ ± z·√(p̂(1−p̂)/n)) because segments
// are often rare or near-universal: at a share of 0 or 1 the normal interval has no width
// at all, while Wilson's stays honest and never leaves [0, 1]. The sample is drawn without
// replacement from a finite universe, which makes the true interval a little narrower
// than this one (by √(1 − n/N)); the interval errs on the wide side.
package estimate

import (
	"math"

	"github.com/segscope/segscope/report/format"
)

// Z95 is the standard normal quantile of a two-sided 95% interval.
const Z95 = 1.959963984540054

// Wilson is the Wilson score interval of a share with k successes in n trials, at the
// normal quantile z: (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n). No trials give
// the whole of [0, 1].
func Wilson(k, n int64, z float64) (low, high float64) {
	if n <= 0 {
		return 0, 1
	}
	fn := float64(n)
	p := float64(k) / fn
	z2 := z * z
	d := 1 + z2/fn
	centre := (p + z2/(2*fn)) / d
	half := z * math.Sqrt(p*(1-p)/fn+z2/(4*fn*fn)) / d
	return max(0, centre-half), min(1, centre+half)
}

// Count is a member count estimated from a sample of the universe.
type Count struct {
	SampleMembers int64 // members found in the sample
	SampleSize    int64 // people (or accounts) in the sample
	Universe      int64 // people (or accounts) in all
	// Estimate is the sampled share scaled to the universe; Low and High bound the 95%
	// interval likewise. With the whole universe sampled all three are the exact count.
	Estimate, Low, High int64
}

// FromSample estimates the count of a universe whose sample of size held members.
func FromSample(members, size, universe int64) Count {
	c := Count{SampleMembers: members, SampleSize: size, Universe: universe}
	if size <= 0 || universe <= 0 {
		c.High = universe
		return c
	}
	if size >= universe {
		// Everyone was counted: there is nothing to estimate.
		c.Estimate, c.Low, c.High = members, members, members
		return c
	}
	u := float64(universe)
	lo, hi := Wilson(members, size, Z95)
	c.Estimate = int64(math.Round(u * float64(members) / float64(size)))
	c.Low = int64(math.Floor(u * lo))
	c.High = int64(math.Ceil(u * hi))
	return c
}

// Exact reports whether the whole universe was counted.
func (c Count) Exact() bool { return c.SampleSize >= c.Universe && c.Universe > 0 }

// Margin is the interval's larger distance from the estimate: what "±" promises.
func (c Count) Margin() int64 { return max(c.High-c.Estimate, c.Estimate-c.Low, 0) }

// Text is the estimate with its interval, rounded to what the interval can tell apart:
// "≈ 38,200 ± 1,700" (the estimate to the margin's second digit, the margin rounded up),
// "≈ 0–600" when none of the sample matched, and the plain number when it is exact.
func (c Count) Text() string {
	if c.Exact() {
		return format.Count(c.Estimate)
	}
	margin := c.Margin()
	step := roundingStep(margin)
	if c.SampleMembers == 0 {
		return "≈ 0–" + format.Count(roundUp(c.High, step))
	}
	est := (c.Estimate + step/2) / step * step
	return "≈ " + format.Count(est) + " ± " + format.Count(roundUp(margin, step))
}

// Compact is Text in few cells, for a column: "≈38.2k±1.7k".
func (c Count) Compact() string {
	if c.Exact() {
		return format.Compact(c.Estimate)
	}
	if c.SampleMembers == 0 {
		return "≈0–" + format.Compact(c.High)
	}
	return "≈" + format.Compact(c.Estimate) + "±" + format.Compact(max(c.Margin(), 1))
}

// roundingStep keeps two significant digits of the margin: 1,661 → 100, 912 → 10, 7 → 1.
func roundingStep(margin int64) int64 {
	step := int64(1)
	for m := margin; m >= 100; m /= 10 {
		step *= 10
	}
	return step
}

func roundUp(n, step int64) int64 { return (n + step - 1) / step * step }
