package query

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/segscope/segscope/segments"
)

// run is one evaluation: the snapshot and as_of it reads, the resolver of segment
// references, the chain of segments being evaluated (to report cycles), the segments it
// already computed, and what it cost.
type run struct {
	e       *Engine
	snap    *snapshot
	asOf    time.Time
	r       Resolver
	stack   []string
	done    map[refKey]*MemberSet
	sample  *Sample // evaluate only the ids in this range (sample.go)
	queries int
	hits    int
}

// refKey names a referenced segment evaluated for one unit.
type refKey struct {
	name string
	unit segments.Unit
}

// maxReferenceChain bounds how deep `segment:` references may nest (a refers to b, which
// refers to c …); a workspace holds no sensible chain anywhere near it.
const maxReferenceChain = 256

func (e *Engine) newRun(ctx context.Context, r Resolver, asOf time.Time) (*run, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	snap, err := e.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return &run{e: e, snap: snap, asOf: snap.resolveAsOf(asOf), r: r, done: map[refKey]*MemberSet{}}, nil
}

// universe is everyone the run may count: the snapshot's universe, within the sample.
func (r *run) universe(unit segments.Unit) *MemberSet {
	return r.sample.restrict(r.snap.universe(unit))
}

// eval computes the members of c: leaves through the cache, composition with bitmaps.
func (r *run) eval(ctx context.Context, c segments.Condition, unit segments.Unit) (*MemberSet, error) {
	return r.evalDepth(ctx, c, unit, 0)
}

// fold evaluates the conditions of a group and combines their sets with op (And for all:,
// Or for any:).
func (r *run) fold(ctx context.Context, group segments.Condition, conds []segments.Condition, unit segments.Unit, depth int, op func(*MemberSet, *MemberSet) *MemberSet) (*MemberSet, error) {
	if len(conds) == 0 {
		return nil, conditionError(group, errors.New("needs at least one condition"))
	}
	var out *MemberSet
	for _, child := range conds {
		set, err := r.evalDepth(ctx, child, unit, depth+1)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = set
		} else {
			out = op(out, set)
		}
	}
	return out, nil
}

func (r *run) evalDepth(ctx context.Context, c segments.Condition, unit segments.Unit, depth int) (*MemberSet, error) {
	if depth > segments.MaxDepth*4 {
		return nil, errors.New("conditions nest too deeply")
	}
	// Bitmap work between statements can be long too: it stops with the evaluation.
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	switch x := c.(type) {
	case nil:
		return nil, errors.New("missing condition")
	case *segments.All:
		return r.fold(ctx, c, x.Conditions, unit, depth, (*MemberSet).And)
	case *segments.Any:
		return r.fold(ctx, c, x.Conditions, unit, depth, (*MemberSet).Or)
	case *segments.Not:
		set, err := r.evalDepth(ctx, x.Condition, unit, depth+1)
		if err != nil {
			return nil, err
		}
		return r.universe(unit).AndNot(set), nil
	case *segments.SegmentRef:
		return r.reference(ctx, x, unit)
	}
	return r.leaf(ctx, c, unit)
}

// reference evaluates a referenced segment once per run: references form a DAG (cycles are
// refused), and a segment reached along many paths (a refers to b twice, b to c twice …)
// is computed the first time and reused, not once per path. Its own condition nests from
// depth 0: the chain of references is bounded by maxReferenceChain instead.
func (r *run) reference(ctx context.Context, ref *segments.SegmentRef, unit segments.Unit) (*MemberSet, error) {
	key := refKey{ref.Name, unit}
	if set, ok := r.done[key]; ok {
		return set, nil
	}
	if len(r.stack) > maxReferenceChain {
		return nil, &segments.Error{Pos: ref.Pos, Msg: fmt.Sprintf("segment references nest deeper than %d: %s -> …", maxReferenceChain, r.stack[0])}
	}
	seg, err := r.enter(ref, unit)
	if err != nil {
		return nil, err
	}
	defer r.leave()
	set, err := r.evalDepth(ctx, seg.Where, unit, 0)
	if err != nil {
		return nil, err
	}
	r.done[key] = set
	return set, nil
}

// enter resolves a segment reference and pushes it on the chain, refusing cycles, unknown
// names and a unit other than the referencing segment's.
func (r *run) enter(ref *segments.SegmentRef, unit segments.Unit) (*segments.Segment, error) {
	var seg *segments.Segment
	if r.r != nil {
		seg = r.r.Segment(ref.Name)
	}
	if seg == nil {
		return nil, &segments.Error{Pos: ref.Pos, Msg: fmt.Sprintf("unknown segment %q", ref.Name)}
	}
	for i, name := range r.stack {
		if name == ref.Name {
			path := append(append([]string{}, r.stack[i:]...), ref.Name)
			return nil, &segments.Error{Pos: ref.Pos, Msg: "segment reference cycle: " + strings.Join(path, " -> ")}
		}
	}
	if seg.Unit != unit {
		return nil, &segments.Error{Pos: ref.Pos, Msg: fmt.Sprintf("segment %q counts %ss, not %ss", ref.Name, seg.Unit, unit)}
	}
	if seg.Where == nil {
		return nil, &segments.Error{Pos: ref.Pos, Msg: fmt.Sprintf("segment %q has no condition", ref.Name)}
	}
	r.stack = append(r.stack, ref.Name)
	return seg, nil
}

func (r *run) leave() { r.stack = r.stack[:len(r.stack)-1] }

// leaf evaluates one leaf condition through the cache.
func (r *run) leaf(ctx context.Context, c segments.Condition, unit segments.Unit) (*MemberSet, error) {
	text, err := segments.FormatCondition(c)
	if err != nil {
		return nil, conditionError(c, err)
	}
	whole := leafKey(r.snap, unit, r.asOf, string(text))
	if r.sample != nil {
		// A condition already evaluated whole answers its sample exactly: an estimate of a
		// draft whose other conditions are cached samples only the condition that changed.
		if set, ok := r.e.cache.peek(whole); ok {
			r.hits++
			return r.sample.restrict(set), nil
		}
	}
	key := r.sample.key() + whole
	set, hit, err := r.e.cache.get(ctx, key, func(ctx context.Context) (*MemberSet, error) {
		comp := &compiler{unit: unit, asOf: r.asOf, snap: r.snap, evaluated: true, sample: r.sample}
		q, err := comp.leaf(c, false)
		if err != nil {
			return nil, err
		}
		r.queries++
		set, err := r.e.fetchSet(ctx, r.snap.domain(unit), q.w.String(), q.w.args)
		if err != nil {
			return nil, conditionError(c, err)
		}
		if q.complement {
			set = r.universe(unit).AndNot(set)
		}
		// Conditions that read no events (user attributes) are not narrowed by the query.
		return r.sample.restrict(set), nil
	})
	if err != nil {
		return nil, err
	}
	if hit {
		r.hits++
	}
	return set, nil
}

// fetchSet runs a query returning a column id and collects the ids as a set. The ids come
// back from DuckDB as one bitstring over [0, domain) (see bitsToSet for why).
func (e *Engine) fetchSet(ctx context.Context, domain uint64, query string, args []any) (*MemberSet, error) {
	if domain == 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return newMemberSet(nil), nil
	}
	q := fmt.Sprintf("SELECT CAST(bitstring_agg(id, 0, %d) AS BLOB) FROM (%s)", domain-1, query)
	var blob []byte
	if err := e.store.DB().QueryRowContext(ctx, q, args...).Scan(&blob); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("query interrupted: %w", context.Cause(ctx))
		}
		return nil, fmt.Errorf("query: %w", err)
	}
	if blob == nil {
		return newMemberSet(nil), nil
	}
	return bitsToSet(blob, domain)
}
