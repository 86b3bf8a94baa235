package query

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/segscope/segscope/segments"
)

// Overlap is how several segments of one unit intersect at one as_of.
type Overlap struct {
	Segments      []string
	Members       []int64   // members of each segment
	Intersections [][]int64 // Intersections[i][j]: members of both i and j (the diagonal is Members)
	Universe      int64
	Unit          segments.Unit
	AsOf          time.Time
	Elapsed       time.Duration
	Queries       int // SQL queries run (0 when every condition was cached)

	sets []*MemberSet
}

// Overlap evaluates segments (all of one unit) and intersects them pairwise. Evaluation goes
// through the cache, so segments evaluated before cost only bitmap operations.
func (e *Engine) Overlap(ctx context.Context, segs []*segments.Segment, r Resolver, asOf time.Time) (_ *Overlap, err error) {
	start := time.Now()
	if len(segs) == 0 {
		return nil, errors.New("overlap: no segments")
	}
	ctx, end := e.budget(ctx) // one budget for all the segments compared
	defer func() { end(err) }()
	o := &Overlap{Unit: segs[0].Unit}
	for _, s := range segs {
		if s == nil {
			return nil, errors.New("overlap: nil segment")
		}
		if s.Unit != o.Unit {
			return nil, fmt.Errorf("overlap: %s counts %ss and %s counts %ss; overlap needs one unit",
				segs[0].Name, o.Unit, s.Name, s.Unit)
		}
		res, err := e.Evaluate(ctx, s, r, asOf)
		if err != nil {
			return nil, fmt.Errorf("overlap: %w", err)
		}
		o.Segments = append(o.Segments, s.Name)
		o.sets = append(o.sets, res.Members)
		o.Members = append(o.Members, res.Members.Count())
		o.Universe, o.AsOf = res.Universe, res.AsOf
		o.Queries += res.Queries
	}
	n := len(o.sets)
	o.Intersections = make([][]int64, n)
	for i := range o.Intersections {
		o.Intersections[i] = make([]int64, n)
	}
	for i := 0; i < n; i++ {
		o.Intersections[i][i] = o.Members[i]
		for j := i + 1; j < n; j++ {
			c := o.sets[i].AndCount(o.sets[j])
			o.Intersections[i][j], o.Intersections[j][i] = c, c
		}
	}
	o.Elapsed = time.Since(start)
	return o, nil
}

// Sets are the member sets of the segments, in order.
func (o *Overlap) Sets() []*MemberSet { return slices.Clone(o.sets) }

// Jaccard is |i ∩ j| ÷ |i ∪ j|, 0 when both are empty.
func (o *Overlap) Jaccard(i, j int) float64 {
	inter := o.Intersections[i][j]
	union := o.Members[i] + o.Members[j] - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

// Share is the part of segment i's members who are also in j, 0 when i is empty.
func (o *Overlap) Share(i, j int) float64 {
	if o.Members[i] == 0 {
		return 0
	}
	return float64(o.Intersections[i][j]) / float64(o.Members[i])
}

// ExclusiveGroup is an UpSet bar: the members in exactly these segments and no other.
type ExclusiveGroup struct {
	Segments []int // indexes into Overlap.Segments, increasing
	Count    int64
}

// Exclusive partitions the union of the segments by exact membership, largest group first
// (ties by segment indexes). Each segment splits every group found so far into its members
// and the rest, so the work grows with the number of non-empty groups, not 2^n.
func (o *Overlap) Exclusive() []ExclusiveGroup {
	type group struct {
		segs []int
		set  *MemberSet
	}
	if len(o.sets) == 0 {
		return nil
	}
	union := o.sets[0]
	for _, s := range o.sets[1:] {
		union = union.Or(s)
	}
	groups := []group{{set: union}}
	for i, s := range o.sets {
		var next []group
		for _, g := range groups {
			in := g.set.And(s)
			out := g.set.AndNot(s)
			if in.Count() > 0 {
				next = append(next, group{segs: append(slices.Clone(g.segs), i), set: in})
			}
			if out.Count() > 0 {
				next = append(next, group{segs: g.segs, set: out})
			}
		}
		groups = next
	}
	out := make([]ExclusiveGroup, 0, len(groups))
	for _, g := range groups {
		out = append(out, ExclusiveGroup{Segments: g.segs, Count: g.set.Count()})
	}
	slices.SortFunc(out, func(a, b ExclusiveGroup) int {
		if a.Count != b.Count {
			if a.Count > b.Count {
				return -1
			}
			return 1
		}
		return slices.Compare(a.Segments, b.Segments)
	})
	return out
}
