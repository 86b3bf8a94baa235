package query

import (
	"context"
	"testing"
	"time"

	"github.com/segscope/segscope/estimate"
	"github.com/segscope/segscope/segments"
)

// TestSpreadSample: the Fibonacci hash keeps about the fraction asked for, spread over the
// whole range (each quarter of the ids holds about a quarter of the sample), and a segment
// evaluated on the sample has exactly the whole evaluation's members among the kept ids —
// through the events, the rollup, a complement and user attributes alike.
func TestSpreadSample(t *testing.T) {
	s, err := SpreadSample(1<<20, 1.0/64)
	if err != nil {
		t.Fatal(err)
	}
	var quarters [4]int
	for id := range uint32(1 << 20) {
		if s.kept(id) {
			quarters[id>>18]++
		}
	}
	for q, n := range quarters {
		if want := (1 << 20) / 64 / 4; n < want*95/100 || n > want*105/100 {
			t.Errorf("quarter %d of the ids holds %d sampled ids, want about %d", q, n, want)
		}
	}
	if all, _ := SpreadSample(10, 1); all.Spread != 0 {
		t.Errorf("a fraction of 1 spreads: %+v", all)
	}
	if _, err := SpreadSample(10, 0); err == nil {
		t.Error("a sample of nothing was accepted")
	}

	ctx := context.Background()
	store := generatedStore(t, 300)
	e := NewEngine(store)
	n, err := e.Universe(ctx, segments.UnitUser)
	if err != nil {
		t.Fatal(err)
	}
	sample, err := SpreadSample(uint32(n), 0.3)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{
		`{last: purchase, ago: "> 30d"}`,
		`{did: app_open, in_last: 30d, times: ">= 2"}`,
		`{did_not: purchase}`,
		`{any: [{user: loyalty_tier, is: gold}, {not: {did: login}}]}`,
		`{did: add_to_cart, then: purchase, within: 2d}`,
	} {
		seg := &segments.Segment{Name: "s", Where: mustCondition(t, src, segments.UnitUser)}
		whole, err := e.Evaluate(ctx, seg, nil, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		// A fresh engine, so that the sample is read through its SQL, not from the whole
		// evaluation's cached sets; then the same engine, from them.
		cold, err := NewEngine(store).EvaluateSample(ctx, seg, nil, time.Time{}, sample)
		if err != nil {
			t.Fatal(err)
		}
		warm, err := e.EvaluateSample(ctx, seg, nil, time.Time{}, sample)
		if err != nil {
			t.Fatal(err)
		}
		want := sample.restrict(whole.Members)
		for _, part := range []*Result{cold, warm} {
			if !part.Members.Equal(want) || part.Count() == 0 {
				t.Errorf("%s: sample has %d members, the whole evaluation %d among the kept ids", src, part.Count(), want.Count())
			}
		}
		if cold.Queries == 0 || warm.Queries != 0 {
			t.Errorf("%s: the cold sample ran %d queries, the one after the whole evaluation %d (want 0)", src, cold.Queries, warm.Queries)
		}
		part := cold
		if part.Universe < n*2/10 || part.Universe > n*4/10 {
			t.Errorf("%s: the sample holds %d of %d people, want about 30%%", src, part.Universe, n)
		}
	}
}

// TestEstimate: the estimate is the sampled share scaled to the universe with its Wilson
// interval, the interval holds the exact count for these segments, and a universe no
// bigger than the sample size is counted whole (exact).
func TestEstimate(t *testing.T) {
	ctx := context.Background()
	e := NewEngine(generatedStore(t, 600))
	for _, src := range []string{
		`{did: purchase}`,
		`{all: [{did: app_open, in_last: 60d}, {did_not: purchase, in_last: 30d}]}`,
		`{last: app_open, ago: "> 14d"}`,
	} {
		seg := &segments.Segment{Name: "s", Where: mustCondition(t, src, segments.UnitUser)}
		exact, err := e.Evaluate(ctx, seg, nil, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		est, err := e.Estimate(ctx, seg, nil, time.Time{}, EstimateOptions{SampleSize: 200})
		if err != nil {
			t.Fatal(err)
		}
		c := est.Count
		if c.Exact() || c.SampleSize < 120 || c.SampleSize > 300 {
			t.Fatalf("%s: sampled %d of %d", src, c.SampleSize, c.Universe)
		}
		if want := estimate.FromSample(c.SampleMembers, c.SampleSize, exact.Universe); c != want {
			t.Errorf("%s: estimate %+v, want %+v", src, c, want)
		}
		if got := exact.Count(); got < c.Low || got > c.High {
			t.Errorf("%s: exact count %d outside the interval [%d, %d] (estimate %d)", src, got, c.Low, c.High, c.Estimate)
		}
		if len(est.Waterfall) != len(exact.Waterfall) {
			t.Errorf("%s: %d estimated steps, %d exact", src, len(est.Waterfall), len(exact.Waterfall))
		}
		whole, err := e.Estimate(ctx, seg, nil, time.Time{}, EstimateOptions{SampleSize: 10_000})
		if err != nil {
			t.Fatal(err)
		}
		if !whole.Count.Exact() || whole.Count.Estimate != exact.Count() {
			t.Errorf("%s: a sample of everyone estimates %+v, exact %d", src, whole.Count, exact.Count())
		}
	}
}
