package query

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segscope/segscope/segments"
)

// Diff compares two definitions of a segment (an edit, or the file at two revisions) at
// one as_of, member by member: who enters, who leaves, who stays. Both sides evaluate
// through the cache, so the side that was counted before costs nothing, and the groups are
// bitmap differences.
type Diff struct {
	Old, New *Result
	Entered  *MemberSet // members of New that are not members of Old
	Left     *MemberSet // members of Old that are not members of New
	Kept     *MemberSet // members of both
	Elapsed  time.Duration
}

// Diff evaluates both definitions at asOf (zero: the latest event); each side's segment:
// references resolve through its own resolver. Both must count the same unit.
func (e *Engine) Diff(ctx context.Context, old, new *segments.Segment, oldR, newR Resolver, asOf time.Time) (*Diff, error) {
	start := time.Now()
	if old == nil || new == nil {
		return nil, errors.New("diff: two segments needed")
	}
	if old.Unit != new.Unit {
		return nil, fmt.Errorf("diff: the old definition counts %ss and the new one %ss", old.Unit, new.Unit)
	}
	// One as_of for both sides, even if data arrives between the two evaluations.
	asOf, err := e.ResolveAsOf(ctx, asOf)
	if err != nil {
		return nil, fmt.Errorf("diff: %w", err)
	}
	o, err := e.Evaluate(ctx, old, oldR, asOf)
	if err != nil {
		return nil, fmt.Errorf("diff: old: %w", err)
	}
	n, err := e.Evaluate(ctx, new, newR, asOf)
	if err != nil {
		return nil, fmt.Errorf("diff: new: %w", err)
	}
	return &Diff{Old: o, New: n, Entered: n.Members.AndNot(o.Members), Left: o.Members.AndNot(n.Members),
		Kept: n.Members.And(o.Members), Elapsed: time.Since(start)}, nil
}
