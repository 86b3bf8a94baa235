package abtest

import (
	"math"
	"sort"
)

// binomialTable draws Binomial(n, p) variates by inverting a precomputed CDF. A simulation
// draws the same (n, p) hundreds of thousands of times (one day's entrants to one arm), so
// building the table once makes every draw one uniform and a binary search over a few
// hundred entries, and the draws are exact: the table spans every outcome whose probability
// is above 1e-18 of the mode's, so the mass it leaves out is below 1e-15.
type binomialTable struct {
	lo  int       // smallest outcome in the table
	cdf []float64 // cdf[i] = P(X ≤ lo+i), normalised so the last entry is 1
}

// tailCut is where the table stops, relative to the probability of the mode.
const tailCut = 1e-18

func newBinomialTable(n int, p float64) binomialTable {
	if n <= 0 || p <= 0 {
		return binomialTable{lo: 0, cdf: []float64{1}}
	}
	if p >= 1 {
		return binomialTable{lo: n, cdf: []float64{1}}
	}
	mode := int(math.Floor(float64(n+1) * p))
	if mode > n {
		mode = n
	}
	odds := p / (1 - p)
	// Walk out from the mode with the ratio P(k+1)/P(k) = (n−k)/(k+1)·p/(1−p), in units of
	// the mode's probability; the mode's own log-probability only serves the normalisation,
	// which the final division does anyway.
	var up []float64
	for k, w := mode, 1.0; k < n; k++ {
		w *= float64(n-k) / float64(k+1) * odds
		if w < tailCut {
			break
		}
		up = append(up, w)
	}
	var down []float64
	for k, w := mode, 1.0; k > 0; k-- {
		w *= float64(k) / float64(n-k+1) / odds
		if w < tailCut {
			break
		}
		down = append(down, w)
	}
	lo := mode - len(down)
	cdf := make([]float64, 0, len(down)+1+len(up))
	total := 0.0
	for i := len(down) - 1; i >= 0; i-- {
		total += down[i]
		cdf = append(cdf, total)
	}
	total += 1
	cdf = append(cdf, total)
	for _, w := range up {
		total += w
		cdf = append(cdf, total)
	}
	for i := range cdf {
		cdf[i] /= total
	}
	cdf[len(cdf)-1] = 1
	return binomialTable{lo: lo, cdf: cdf}
}

// draw maps a uniform u in [0, 1) to the outcome whose CDF step contains it.
func (t binomialTable) draw(u float64) int {
	return t.lo + sort.Search(len(t.cdf)-1, func(i int) bool { return t.cdf[i] > u })
}
