package query

import (
	"context"
	"fmt"
	"time"

	"github.com/segscope/segscope/estimate"
	"github.com/segscope/segscope/segments"
)

// DefaultSampleSize is about how many people (or accounts) an estimate samples: enough
// for an interval of about ±0.4 points of share at 95% (±1,700 on a 10% segment of
// 400,000 people), few enough that the sample's share of the work is small on a big store.
const DefaultSampleSize = 20_000

// maxSampleRanges is the most hash-ordered runs (one per load that added people) whose
// prefixes an estimate reads as ranges; a store with more falls back to the spread sample.
// Measured with two ranges; a predicate of many more ORed ranges is not.
const maxSampleRanges = 64

// EstimateOptions tune Estimate.
type EstimateOptions struct {
	// SampleSize is about how many ids the sample holds; 0 means DefaultSampleSize. A
	// universe no bigger is counted whole, and the estimate is exact.
	SampleSize int64
}

// Estimate is a segment's member count estimated from a random sample of its universe.
type Estimate struct {
	Segment string
	Unit    segments.Unit
	AsOf    time.Time
	Count   estimate.Count
	// Waterfall is the exact waterfall's estimate: each step's remaining members.
	Waterfall []EstimatedStep
	Sample    Sample
	Elapsed   time.Duration
	Queries   int
	CacheHits int
}

// EstimatedStep is one condition of a top-level `all`, estimated.
type EstimatedStep struct {
	Label     string
	Matching  estimate.Count
	Remaining estimate.Count
}

// Estimate evaluates seg on a random sample of its universe — the first ids of each
// hash-ordered batch (RunsSample) when every id lies in one, else a spread sample
// (SpreadSample); either is unrelated to what people did — and scales the sampled share
// and its Wilson interval to the whole universe. Sampled conditions are cached apart from
// whole ones, so the sample of a segment is read once and a later edit re-reads only the
// condition it changed.
func (e *Engine) Estimate(ctx context.Context, seg *segments.Segment, r Resolver, asOf time.Time, opt EstimateOptions) (*Estimate, error) {
	if seg == nil || seg.Where == nil {
		return nil, fmt.Errorf("estimate: a segment needs a where: condition")
	}
	if opt.SampleSize <= 0 {
		opt.SampleSize = DefaultSampleSize
	}
	snap, err := e.snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("estimate %s: %w", seg.Name, err)
	}
	universe := snap.universe(seg.Unit).Count()
	domain := snap.domain(seg.Unit)
	if domain == 0 || universe == 0 {
		return nil, fmt.Errorf("estimate %s: the store has no %s", seg.Name, unitNoun(seg.Unit))
	}
	fraction := min(1, float64(opt.SampleSize)/float64(universe))
	var s Sample
	if runs := snap.hashRuns(seg.Unit); runs != nil && len(runs) <= maxSampleRanges && fraction < 1 {
		// Every id lies in a batch numbered in hash order: the first ids of each batch are
		// a random sample that reads only its share of the events.
		s, err = RunsSample(runs, fraction)
	} else {
		s, err = SpreadSample(uint32(domain), fraction)
	}
	if err != nil {
		return nil, fmt.Errorf("estimate %s: %w", seg.Name, err)
	}
	var res *Result
	if fraction == 1 {
		// A sample of everyone is the exact evaluation: it shares the exact count's cache
		// (and its query, when one is running) instead of repeating it under a sample key.
		res, err = e.Evaluate(ctx, seg, r, asOf)
	} else {
		res, err = e.EvaluateSample(ctx, seg, r, asOf, s)
	}
	if err != nil {
		return nil, err
	}
	est := &Estimate{Segment: seg.Name, Unit: seg.Unit, AsOf: res.AsOf, Sample: s, Elapsed: res.Elapsed,
		Queries: res.Queries, CacheHits: res.CacheHits}
	scale := func(n int64) estimate.Count { return estimate.FromSample(n, res.Universe, universe) }
	est.Count = scale(res.Count())
	for _, st := range res.Waterfall {
		est.Waterfall = append(est.Waterfall, EstimatedStep{Label: st.Label, Matching: scale(st.Matching), Remaining: scale(st.Remaining)})
	}
	return est, nil
}

func unitNoun(u segments.Unit) string {
	if u == segments.UnitAccount {
		return "accounts"
	}
	return "people"
}
