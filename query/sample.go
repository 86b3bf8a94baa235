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
	// Spread, when not 0, keeps of [Lo, Hi] only the ids whose Fibonacci hash
	// (id × 2654435769 mod 2³²) is below it: about Spread/2³² of them, spread evenly over
	// the range instead of bunched at its start. Ids are given in order of first
	// appearance, so a plain range is one cohort (the earliest or the latest people) and
	// estimates from it are biased for anything that depends on when people came; the
	// hash is unrelated to what people did, so the ids it keeps are a random sample for
	// every condition, and an interval on their share is a real one (SpreadSample). The
	// price is that row groups cannot be skipped: the events of a condition are all read,
	// though only the sampled people's rows are grouped, joined and sorted.
	Spread uint32

	ids *roaring.Bitmap // the sample's ids, made once per evaluation (EvaluateSample)
}

// fibonacci multiplies an id into the hash Spread compares: 2³²/φ, odd, so that the
// multiplication permutes the 32-bit ids and consecutive ids land far apart.
const fibonacci = 2654435769

// kept reports whether the Fibonacci hash keeps id.
func (s *Sample) kept(id uint32) bool { return s.Spread == 0 || id*fibonacci < s.Spread }

// SpreadSample is a random-like sample of about fraction (0, 1] of the ids [0, domain):
// every id whose Fibonacci hash is below fraction·2³² (see Sample.Spread). A fraction of 1
// keeps every id.
func SpreadSample(domain uint32, fraction float64) (Sample, error) {
	if !(fraction > 0 && fraction <= 1) || domain == 0 {
		return Sample{}, fmt.Errorf("sample: fraction %v of %d ids", fraction, domain)
	}
	s := Sample{Lo: 0, Hi: domain - 1}
	if fraction < 1 {
		s.Spread = max(uint32(fraction*(1<<32)), 1)
	}
	return s, nil
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
	if s.Spread != 0 {
		return fmt.Sprintf("sample %d-%d/%d|", s.Lo, s.Hi, s.Spread)
	}
	return fmt.Sprintf("sample %d-%d|", s.Lo, s.Hi)
}

// restrict keeps the ids of set inside the sample.
func (s *Sample) restrict(set *MemberSet) *MemberSet {
	if s == nil {
		return set
	}
	ids := s.ids
	if ids == nil {
		ids = s.idSet()
	}
	return newMemberSet(roaring.And(set.bm, ids))
}

// idSet is every id the sample keeps.
func (s *Sample) idSet() *roaring.Bitmap {
	r := roaring.New()
	if s.Spread == 0 {
		r.AddRange(uint64(s.Lo), uint64(s.Hi)+1)
		return r
	}
	ids := make([]uint32, 0, 1024)
	for id := uint64(s.Lo); id <= uint64(s.Hi); id++ {
		if s.kept(uint32(id)) {
			ids = append(ids, uint32(id))
		}
	}
	r.AddMany(ids)
	return r
}

// samplePredicate narrows a scan to the sample's ids; col is the id column.
func (c *compiler) samplePredicate(w *sqlWriter, col string) {
	if c.sample == nil {
		return
	}
	// The bounds are numbers the engine computed, never segment text.
	w.rawf(" AND %s BETWEEN %d AND %d", col, c.sample.Lo, c.sample.Hi)
	if c.sample.Spread != 0 {
		// The same hash as Sample.kept, in 64-bit arithmetic cut to 32 bits.
		w.rawf(" AND (%s::UBIGINT * %d) %% 4294967296 < %d", col, fibonacci, c.sample.Spread)
	}
}

// EvaluateSample evaluates a segment on the members whose ids lie in s only: its Members
// and Universe are those of the sample. Sampled conditions are cached apart from whole
// ones, under the same engine cache.
func (e *Engine) EvaluateSample(ctx context.Context, seg *segments.Segment, r Resolver, asOf time.Time, s Sample) (*Result, error) {
	if s.Hi < s.Lo {
		return nil, errors.New("evaluate: an empty sample")
	}
	s.ids = s.idSet()
	return e.evaluate(ctx, seg, r, asOf, &s)
}
