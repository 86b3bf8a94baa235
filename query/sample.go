package query

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/segscope/segscope/segments"
)

// Sample restricts an evaluation to the members whose ids lie in [Lo, Hi]: a range of
// uids (or of aids, for unit: account). It is the hook for estimates: uids are dense and
// given in order of first appearance, and the events are laid out by (event, uid, ts)
// (layout.go), so a condition evaluated on a range of uids reads only the row groups of
// that range in each event's run — about the range's share of the rows — and the rollup
// likewise. A caller estimating a count evaluates one (or a few spread) ranges and scales
// by Universe; the result is exact for the people in the range.
type Sample struct {
	Lo, Hi uint32
}

// SampleOf is the range of the first fraction (0, 1] of ids [0, domain) starting at
// start·domain, for a caller that thinks in shares.
func SampleOf(domain uint32, start, fraction float64) (Sample, error) {
	if !(fraction > 0 && fraction <= 1) || !(start >= 0 && start < 1) || domain == 0 {
		return Sample{}, fmt.Errorf("sample: start %v and fraction %v of %d ids", start, fraction, domain)
	}
	lo := uint32(start * float64(domain))
	n := max(uint32(fraction*float64(domain)), 1)
	hi := min(uint64(lo)+uint64(n)-1, uint64(domain)-1)
	return Sample{Lo: lo, Hi: uint32(hi)}, nil
}

func (s *Sample) key() string {
	if s == nil {
		return ""
	}
	return fmt.Sprintf("sample %d-%d|", s.Lo, s.Hi)
}

// restrict keeps the ids of set inside the sample.
func (s *Sample) restrict(set *MemberSet) *MemberSet {
	if s == nil {
		return set
	}
	r := roaring.New()
	r.AddRange(uint64(s.Lo), uint64(s.Hi)+1)
	return newMemberSet(roaring.And(set.bm, r))
}

// samplePredicate narrows a scan to the sample's ids; col is the id column.
func (c *compiler) samplePredicate(w *sqlWriter, col string) {
	if c.sample == nil {
		return
	}
	// The bounds are numbers the engine computed, never segment text.
	w.rawf(" AND %s BETWEEN %d AND %d", col, c.sample.Lo, c.sample.Hi)
}

// EvaluateSample evaluates a segment on the members whose ids lie in s only: its Members
// and Universe are those of the sample. Sampled conditions are cached apart from whole
// ones, under the same engine cache.
func (e *Engine) EvaluateSample(ctx context.Context, seg *segments.Segment, r Resolver, asOf time.Time, s Sample) (*Result, error) {
	if s.Hi < s.Lo {
		return nil, errors.New("evaluate: an empty sample")
	}
	return e.evaluate(ctx, seg, r, asOf, &s)
}
