package query

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/segscope/segscope/segments"
)

// Engine evaluates segments over one store. Each leaf condition (did, measure, rfm …)
// compiles to one SQL query returning its members' ids, which arrive as a bitstring and are
// kept as a roaring bitmap in a cache keyed by (data version, unit, as_of, the condition's
// canonical text); all/any/not, segment references, counts, the waterfall and overlaps are
// bitmap operations in Go. Changing one condition of a segment therefore re-runs one query.
//
// An Engine is safe for concurrent use; make one per Store and share it, so that every
// caller shares the cache. Every method that queries takes a context, and cancelling it
// interrupts the running DuckDB query.
type Engine struct {
	store *Store
	cache *setCache

	mu   sync.Mutex // guards snap
	snap *snapshot

	lint lintFacts // what Lint has counted, per data version (lint.go)
}

// EngineOptions tune an engine.
type EngineOptions struct {
	// CacheBytes bounds the cache of evaluated conditions; 0 means DefaultCacheBytes.
	CacheBytes int64
}

// NewEngine makes the engine of a store with the default options.
func NewEngine(s *Store) *Engine { return NewEngineWith(s, EngineOptions{}) }

// NewEngineWith makes the engine of a store.
func NewEngineWith(s *Store, opt EngineOptions) *Engine {
	if opt.CacheBytes <= 0 {
		opt.CacheBytes = DefaultCacheBytes
	}
	return &Engine{store: s, cache: newSetCache(opt.CacheBytes)}
}

// Store is the store the engine reads.
func (e *Engine) Store() *Store { return e.store }

// LatestEvent is the timestamp of the latest event, the default as_of. A store without
// events answers the zero time.
func (e *Engine) LatestEvent(ctx context.Context) (time.Time, error) {
	s, err := e.snapshot(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return s.latest, nil
}

// Universe counts everyone a segment of that unit could hold: all people (uid 0..n-1,
// including people without events) or all accounts.
func (e *Engine) Universe(ctx context.Context, unit segments.Unit) (int64, error) {
	s, err := e.snapshot(ctx)
	if err != nil {
		return 0, err
	}
	return s.universe(unit).Count(), nil
}

// Vocabulary is the store's event names and user attributes, for segments.Validate.
func (e *Engine) Vocabulary(ctx context.Context) (segments.Vocabulary, error) {
	s, err := e.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// CacheStats reports how many evaluated conditions the cache holds and their bytes.
func (e *Engine) CacheStats() (entries int, bytes int64) { return e.cache.stats() }

// ClearCache forgets every evaluated condition (benchmarks of cold evaluation use it).
func (e *Engine) ClearCache() { e.cache.clear() }

// Resolver finds the segments that `segment:` references name. *segments.Workspace
// satisfies it.
type Resolver interface {
	Segment(name string) *segments.Segment
}

// Result is one segment evaluated at one as_of.
type Result struct {
	Segment  string
	Unit     segments.Unit
	AsOf     time.Time
	Members  *MemberSet
	Universe int64
	// Waterfall: for a top-level `all`, each of its conditions in order with the members it
	// matches alone and the members remaining after it and every condition before it;
	// otherwise one step for the whole condition.
	Waterfall []WaterfallStep
	Elapsed   time.Duration
	Queries   int // SQL queries run for this evaluation
	CacheHits int // leaf conditions answered from the cache
}

// Count is the number of members.
func (r *Result) Count() int64 { return r.Members.Count() }

// WaterfallStep is one condition of a top-level `all`.
type WaterfallStep struct {
	Label     string // the condition in one line, e.g. "did add_to_cart in_last 7d"
	Condition segments.Condition
	Matching  int64 // members of this condition alone
	Remaining int64 // members of this and every condition before it
}

// ResolveAsOf is the as_of an evaluation uses: asOf itself, or the latest event when asOf is
// zero (the current time, to the second, when the store has no events). It is truncated to
// microseconds, the store's precision, and in UTC.
func (e *Engine) ResolveAsOf(ctx context.Context, asOf time.Time) (time.Time, error) {
	s, err := e.snapshot(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return s.resolveAsOf(asOf), nil
}

func (s *snapshot) resolveAsOf(asOf time.Time) time.Time {
	if asOf.IsZero() {
		asOf = s.latest
		if asOf.IsZero() {
			asOf = time.Now().Truncate(time.Second)
		}
	}
	return asOf.UTC().Truncate(time.Microsecond)
}

// Evaluate computes a segment's members at asOf (the zero time means the latest event).
// References to other segments go through r, which may be nil when there are none.
func (e *Engine) Evaluate(ctx context.Context, seg *segments.Segment, r Resolver, asOf time.Time) (res *Result, err error) {
	return e.evaluate(ctx, seg, r, asOf, nil)
}

// evaluate is Evaluate, on a sample of the members when sample is set.
func (e *Engine) evaluate(ctx context.Context, seg *segments.Segment, r Resolver, asOf time.Time, sample *Sample) (res *Result, err error) {
	start := time.Now()
	if seg == nil || seg.Where == nil {
		return nil, errors.New("evaluate: a segment needs a where: condition")
	}
	ctx, end := e.budget(ctx)
	defer func() { end(err) }()
	run, err := e.newRun(ctx, r, asOf)
	if err != nil {
		return nil, fmt.Errorf("evaluate %s: %w", seg.Name, err)
	}
	run.stack = []string{seg.Name}
	run.sample = sample
	res = &Result{Segment: seg.Name, Unit: seg.Unit, AsOf: run.asOf, Universe: run.universe(seg.Unit).Count()}
	if all, ok := seg.Where.(*segments.All); ok && len(all.Conditions) > 0 {
		var members *MemberSet
		for _, c := range all.Conditions {
			set, err := run.eval(ctx, c, seg.Unit)
			if err != nil {
				return nil, fmt.Errorf("evaluate %s: %w", seg.Name, err)
			}
			if members == nil {
				members = set
			} else {
				members = members.And(set)
			}
			res.Waterfall = append(res.Waterfall, WaterfallStep{Label: Describe(c), Condition: c,
				Matching: set.Count(), Remaining: members.Count()})
		}
		res.Members = members
	} else {
		set, err := run.eval(ctx, seg.Where, seg.Unit)
		if err != nil {
			return nil, fmt.Errorf("evaluate %s: %w", seg.Name, err)
		}
		res.Members = set
		res.Waterfall = []WaterfallStep{{Label: Describe(seg.Where), Condition: seg.Where,
			Matching: set.Count(), Remaining: set.Count()}}
	}
	res.Queries, res.CacheHits = run.queries, run.hits
	res.Elapsed = time.Since(start)
	return res, nil
}

// EvaluateCondition computes the members of one condition at asOf (zero: the latest event).
func (e *Engine) EvaluateCondition(ctx context.Context, c segments.Condition, unit segments.Unit, r Resolver, asOf time.Time) (_ *MemberSet, err error) {
	if c == nil {
		return nil, errors.New("evaluate: no condition")
	}
	ctx, end := e.budget(ctx)
	defer func() { end(err) }()
	run, err := e.newRun(ctx, r, asOf)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	set, err := run.eval(ctx, c, unit)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	return set, nil
}

// budgetKey marks a context that already carries an evaluation's budget.
type budgetKey struct{}

// budget gives one evaluation its deadline on a store with a query timeout (a served one):
// the timeout is counted once for all of the evaluation's statements and the bitmap work
// between them, however many segments it references, instead of once per statement. A
// call inside an evaluation that already has its budget (Overlap evaluating each
// segment) shares it. end reports an evaluation stopped by its budget to the store's
// OnInterrupt, once.
func (e *Engine) budget(ctx context.Context) (_ context.Context, end func(error)) {
	lim := e.store.limits.Load()
	if lim == nil || lim.QueryTimeout <= 0 || ctx.Value(budgetKey{}) != nil {
		return ctx, func(error) {}
	}
	start := time.Now()
	cause := fmt.Errorf("%w (limit %v for the whole evaluation)", ErrQueryTimeout, lim.QueryTimeout)
	bctx, cancel := context.WithTimeoutCause(ctx, lim.QueryTimeout, cause)
	bctx = context.WithValue(bctx, budgetKey{}, true)
	return bctx, func(err error) {
		defer cancel()
		if err != nil && ctx.Err() == nil && errors.Is(context.Cause(bctx), ErrQueryTimeout) && lim.OnInterrupt != nil {
			lim.OnInterrupt(ctx, Interrupt{TimedOut: true, Elapsed: time.Since(start)})
		}
	}
}
