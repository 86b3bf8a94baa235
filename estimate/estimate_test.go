package estimate

import (
	"math"
	"testing"
)

// TestWilson checks the interval against values computed by hand from the formula:
// 50 of 200 at z = 1.96: p̂ = 0.25, z² = 3.841459, z²/n = 0.0192073, denominator 1.0192073,
// centre (0.25 + 0.0096036) / 1.0192073 = 0.254714, half-width
// 1.959964 · √(0.25·0.75/200 + 3.841459/160000) / 1.0192073 = 1.959964 · 0.0310083 / 1.0192073
// = 0.059632, so [0.195082, 0.314341]. 0 of 100: p̂ = 0, centre = half = 0.0192073/2 / 1.0384146
// ... = 0.018497, so [0, 0.036993]. 1,912 of 20,000: [0.091602, 0.099753].
func TestWilson(t *testing.T) {
	for _, c := range []struct {
		k, n      int64
		low, high float64
	}{
		{50, 200, 0.195082, 0.314341},
		{0, 100, 0, 0.036993},
		{100, 100, 0.963007, 1},
		{1912, 20000, 0.091602, 0.099753},
		{0, 0, 0, 1},
	} {
		lo, hi := Wilson(c.k, c.n, Z95)
		if math.Abs(lo-c.low) > 1e-6 || math.Abs(hi-c.high) > 1e-6 {
			t.Errorf("Wilson(%d, %d) = [%.6f, %.6f], want [%.6f, %.6f]", c.k, c.n, lo, hi, c.low, c.high)
		}
	}
}

// TestFromSample scales the sampled share and its interval to the universe: 1,912 of a
// sample of 20,000 out of 400,000 people is 38,240, between 400,000 × 0.091602 = 36,640.9
// (floored: 36,640) and 400,000 × 0.099753 = 39,901.3 (ceiled: 39,902); the larger side is
// 1,662, shown as ± 1,700 with the estimate to the hundred.
func TestFromSample(t *testing.T) {
	for _, c := range []struct {
		members, size, universe int64
		est, low, high          int64
		text, compact           string
	}{
		{1912, 20000, 400000, 38240, 36640, 39902, "≈ 38,200 ± 1,700", "≈38k±1.7k"},
		{50, 200, 1000, 250, 195, 315, "≈ 250 ± 65", "≈250±65"},
		{0, 100, 10000, 0, 0, 370, "≈ 0–370", "≈0–370"},
		{7, 9, 9, 7, 7, 7, "7", "7"}, // the whole universe: exact
	} {
		got := FromSample(c.members, c.size, c.universe)
		if got.Estimate != c.est || got.Low != c.low || got.High != c.high {
			t.Errorf("FromSample(%d, %d, %d) = %d [%d, %d], want %d [%d, %d]", c.members, c.size, c.universe,
				got.Estimate, got.Low, got.High, c.est, c.low, c.high)
		}
		if s := got.Text(); s != c.text {
			t.Errorf("FromSample(%d, %d, %d).Text() = %q, want %q", c.members, c.size, c.universe, s, c.text)
		}
		if s := got.Compact(); s != c.compact {
			t.Errorf("FromSample(%d, %d, %d).Compact() = %q, want %q", c.members, c.size, c.universe, s, c.compact)
		}
	}
}

func TestRoundingStep(t *testing.T) {
	for m, want := range map[int64]int64{0: 1, 7: 1, 99: 1, 100: 10, 912: 10, 1661: 100, 25000: 1000} {
		if got := roundingStep(m); got != want {
			t.Errorf("roundingStep(%d) = %d, want %d", m, got, want)
		}
	}
}
