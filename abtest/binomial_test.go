package abtest

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// The table must be the binomial CDF itself: compare every entry with gonum's.
func TestBinomialTableMatchesCDF(t *testing.T) {
	for _, tc := range []struct {
		n int
		p float64
	}{{1, 0.3}, {10, 0.5}, {130, 0.1}, {128, 0.12}, {3841, 0.1}, {50, 0.01}, {2000, 0.97}, {100000, 0.003}} {
		tab := newBinomialTable(tc.n, tc.p)
		ref := distuv.Binomial{N: float64(tc.n), P: tc.p}
		for i, c := range tab.cdf {
			k := float64(tab.lo + i)
			if want := ref.CDF(k); math.Abs(c-want) > 1e-9 {
				t.Errorf("n=%d p=%v: P(X ≤ %v) = %.12f, gonum %.12f", tc.n, tc.p, k, c, want)
				break
			}
		}
		// Whatever the table leaves out on either side is negligible.
		if tab.lo > 0 {
			if below := ref.CDF(float64(tab.lo - 1)); below > 1e-12 {
				t.Errorf("n=%d p=%v: table starts at %d leaving %g below", tc.n, tc.p, tab.lo, below)
			}
		}
	}
}

func TestBinomialTableEdges(t *testing.T) {
	for _, tc := range []struct {
		n    int
		p    float64
		want int
	}{{0, 0.5, 0}, {10, 0, 0}, {10, 1, 10}} {
		tab := newBinomialTable(tc.n, tc.p)
		for _, u := range []float64{0, 0.5, 0.999999} {
			if got := tab.draw(u); got != tc.want {
				t.Errorf("Binomial(%d, %v).draw(%v) = %d, want %d", tc.n, tc.p, u, got, tc.want)
			}
		}
	}
}

// Draws have the binomial's mean and variance.
func TestBinomialTableMoments(t *testing.T) {
	const draws = 200_000
	rng := rand.New(rand.NewPCG(7, 11))
	for _, tc := range []struct {
		n int
		p float64
	}{{128, 0.1}, {3841, 0.12}, {40, 0.5}} {
		tab := newBinomialTable(tc.n, tc.p)
		sum, sumSq := 0.0, 0.0
		for range draws {
			x := float64(tab.draw(rng.Float64()))
			sum += x
			sumSq += x * x
		}
		mean := sum / draws
		variance := sumSq/draws - mean*mean
		wantMean := float64(tc.n) * tc.p
		wantVar := wantMean * (1 - tc.p)
		// Five standard errors of the sample mean and of the sample variance.
		if se := math.Sqrt(wantVar / draws); math.Abs(mean-wantMean) > 5*se {
			t.Errorf("Binomial(%d, %v): mean %.4f, want %.4f ± %.4f", tc.n, tc.p, mean, wantMean, 5*se)
		}
		if se := wantVar * math.Sqrt(2.0/draws); math.Abs(variance-wantVar) > 5*se {
			t.Errorf("Binomial(%d, %v): variance %.4f, want %.4f ± %.4f", tc.n, tc.p, variance, wantVar, 5*se)
		}
	}
}
