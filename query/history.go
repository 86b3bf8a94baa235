package query

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/segscope/segscope/segments"
)

// A history is a segment evaluated at a run of as_ofs evenly spaced in time — the end of
// every day of the last 90, say — with who entered and who left between one point and the
// next. Every point is an ordinary evaluation through the cache, so its answer is exactly
// what `count --as-of` says for that instant; what makes a history cheap is how the cache is
// filled.
//
// Evaluated plainly, 90 points cost 90 queries per condition. But the conditions that count
// or sum events in a window (did, did_not, then, then_not, last, first, measure's sum and
// avg, trend, affinity) change for a person only when one of their events enters or leaves
// the window, and which point that happens at is arithmetic on the event's time: an event
// at t is inside `in_last: W` for the points p with t ≤ p < t + W. So one query reads each
// relevant event once, turns it into the range of points it counts for, sums those ranges
// per person into their values at every point, and returns only the points where a
// person's membership changes. Go then replays those changes over the points and stores
// each point's member set in the cache, under the same key a plain evaluation at that
// as_of uses. Conditions whose value is not a sum of events (gap, rfm, measure's min, max
// and count_distinct, did with users:) are evaluated point by point; user attributes do
// not depend on time and are copied from the first point. Tests compare every incremental
// condition with plain evaluation at every point, window edges included.

// MaxHistoryPoints bounds the points of one history.
const MaxHistoryPoints = 10_000

// HistorySpan is the as_ofs of a history: From, then every Every after it, Points of them.
type HistorySpan struct {
	From   time.Time
	Every  time.Duration
	Points int
}

// NewHistorySpan makes the span from `from` to at most `to`, every `every`.
func NewHistorySpan(from, to time.Time, every time.Duration) (HistorySpan, error) {
	from, to = from.UTC().Truncate(time.Microsecond), to.UTC().Truncate(time.Microsecond)
	switch {
	case every < time.Minute:
		return HistorySpan{}, errors.New("history: the step must be at least a minute")
	case to.Before(from):
		return HistorySpan{}, fmt.Errorf("history: the last point %s is before the first %s",
			to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	n := to.Sub(from)/every + 1
	if n > MaxHistoryPoints {
		return HistorySpan{}, fmt.Errorf("history: %d points; at most %d (take a longer step or a shorter span)", n, MaxHistoryPoints)
	}
	return HistorySpan{From: from, Every: every, Points: int(n)}, nil
}

// At is the as_of of point i.
func (s HistorySpan) At(i int) time.Time { return s.From.Add(time.Duration(i) * s.Every) }

// HistoryPoint is the segment at one as_of.
type HistoryPoint struct {
	AsOf    time.Time
	Members int64
	// Entered and Left count the members gained and lost since the previous point; nil at
	// the first point.
	Entered, Left *int64
}

// History is a segment's membership over a span.
type History struct {
	Segment  string
	Unit     segments.Unit
	Universe int64
	Points   []HistoryPoint
	// Incremental counts the conditions computed for every point by one query; Queries
	// the SQL queries run in all.
	Incremental int
	Queries     int
	Elapsed     time.Duration
}

// History evaluates seg at every as_of of span. each, when given, receives every point as
// soon as it is known, in order (the first one after a single plain evaluation); an error
// from it stops the history.
func (e *Engine) History(ctx context.Context, seg *segments.Segment, r Resolver, span HistorySpan,
	each func(i int, p HistoryPoint) error) (*History, error) {
	start := time.Now()
	if seg == nil || seg.Where == nil {
		return nil, errors.New("history: a segment needs a where: condition")
	}
	if span.Points <= 0 || span.Points > MaxHistoryPoints || span.Every <= 0 {
		return nil, errors.New("history: no points")
	}
	snap, err := e.snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", seg.Name, err)
	}
	h := &History{Segment: seg.Name, Unit: seg.Unit, Universe: snap.universe(seg.Unit).Count()}
	var prev *MemberSet
	point := func(i int) error {
		res, err := e.Evaluate(ctx, seg, r, span.At(i))
		if err != nil {
			return err
		}
		h.Queries += res.Queries
		p := HistoryPoint{AsOf: res.AsOf, Members: res.Count()}
		if prev != nil {
			both := res.Members.AndCount(prev)
			p.Entered, p.Left = ptr(res.Count()-both), ptr(prev.Count()-both)
		}
		prev = res.Members
		h.Points = append(h.Points, p)
		if each != nil {
			return each(i, p)
		}
		return nil
	}
	if err := point(0); err != nil {
		return nil, fmt.Errorf("history %s: %w", seg.Name, err)
	}
	if span.Points > 2 {
		leaves, err := historyLeaves(seg, r)
		if err != nil {
			return nil, fmt.Errorf("history %s: %w", seg.Name, err)
		}
		for _, c := range leaves {
			done, err := e.warmHistory(ctx, snap, c, seg.Unit, span)
			if err != nil {
				return nil, fmt.Errorf("history %s: %w", seg.Name, err)
			}
			if done {
				h.Incremental++
				h.Queries++
			}
		}
	}
	for i := 1; i < span.Points; i++ {
		if err := point(i); err != nil {
			return nil, fmt.Errorf("history %s: %w", seg.Name, err)
		}
	}
	h.Elapsed = time.Since(start)
	return h, nil
}

// historyLeaves lists the distinct leaf conditions of seg and of the segments it
// references (evaluation reports unknown names and cycles; here they are skipped).
func historyLeaves(seg *segments.Segment, r Resolver) ([]segments.Condition, error) {
	var out []segments.Condition
	seen := map[string]bool{}
	visited := map[string]bool{seg.Name: true}
	var walk func(c segments.Condition) error
	walk = func(c segments.Condition) error {
		var err error
		segments.Walk(c, func(c segments.Condition) bool {
			switch x := c.(type) {
			case *segments.All, *segments.Any, *segments.Not:
				return true
			case *segments.SegmentRef:
				if r == nil || visited[x.Name] {
					return false
				}
				visited[x.Name] = true
				if ref := r.Segment(x.Name); ref != nil && ref.Where != nil {
					err = errors.Join(err, walk(ref.Where))
				}
				return false
			}
			text, ferr := segments.FormatCondition(c)
			if ferr != nil {
				err = errors.Join(err, conditionError(c, ferr))
				return false
			}
			if !seen[string(text)] {
				seen[string(text)] = true
				out = append(out, c)
			}
			return false
		})
		return err
	}
	return out, walk(seg.Where)
}

// leafKey is the cache key of a leaf condition evaluated for unit at asOf: what a plain
// evaluation looks up and what a history fills in.
func leafKey(s *snapshot, unit segments.Unit, asOf time.Time, text string) string {
	return fmt.Sprintf("%d|%s|%d|%s", s.version, unit, asOf.UnixMicro(), text)
}

// has reports whether key is cached, without touching its recency.
func (c *setCache) has(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[key]
	return ok
}

// add caches set under key unless it is there already.
func (c *setCache) add(key string, set *MemberSet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok {
		c.put(key, set)
	}
}

// warmHistory fills the cache with c's member set at every point of span, from one
// query, when c allows it and some point is missing; it reports whether it did.
func (e *Engine) warmHistory(ctx context.Context, snap *snapshot, c segments.Condition, unit segments.Unit, span HistorySpan) (bool, error) {
	text, err := segments.FormatCondition(c)
	if err != nil {
		return false, conditionError(c, err)
	}
	keys := make([]string, span.Points)
	missing := false
	for i := range keys {
		keys[i] = leafKey(snap, unit, snap.resolveAsOf(span.At(i)), string(text))
		missing = missing || !e.cache.has(keys[i])
	}
	if !missing {
		return false, nil
	}
	// Once for everyone asking at the same time: a server's visitors all draw the same
	// sparklines when they arrive together, and each would otherwise run this query. The
	// cache holds an empty set under the span's key as the mark that it ran.
	done := false
	_, _, err = e.cache.get(ctx, "history warmed|"+keys[0]+"|"+keys[len(keys)-1], func(ctx context.Context) (*MemberSet, error) {
		var err error
		done, err = e.fillHistory(ctx, snap, c, unit, span, keys)
		return newMemberSet(nil), err
	})
	return done, err
}

// fillHistory is warmHistory's work: c's member set at every point of span into the cache
// under keys, from one query when c allows it.
func (e *Engine) fillHistory(ctx context.Context, snap *snapshot, c segments.Condition, unit segments.Unit, span HistorySpan, keys []string) (bool, error) {
	if _, ok := c.(*segments.UserAttr); ok {
		// No time in it: the first point's set holds at every point.
		first, err := e.EvaluateCondition(ctx, c, unit, nil, span.At(0))
		if err != nil {
			return false, err
		}
		for _, k := range keys[1:] {
			e.cache.add(k, first)
		}
		return false, nil
	}
	hc := &historyCompiler{compiler: compiler{unit: unit, asOf: snap.resolveAsOf(span.At(span.Points - 1)), snap: snap},
		span: span, p0: snap.resolveAsOf(span.From).UnixMicro(), step: span.Every.Microseconds()}
	w := &sqlWriter{}
	ok, empty, err := hc.transitions(w, c)
	if err != nil {
		return false, conditionError(c, err)
	}
	if !ok {
		return false, nil
	}
	if w.err != nil {
		return false, conditionError(c, w.err)
	}
	rows, err := e.store.DB().QueryContext(ctx, w.String(), w.args...)
	if err != nil {
		if ctx.Err() != nil {
			return false, fmt.Errorf("query interrupted: %w", context.Cause(ctx))
		}
		return false, conditionError(c, fmt.Errorf("history query: %w", err))
	}
	defer rows.Close()
	cur := roaring.New()
	if empty {
		cur = snap.universe(unit).Bitmap()
	}
	// The changes come in no order: they are sorted into their points, then replayed.
	joins := make([][]uint32, len(keys))
	leaves := make([][]uint32, len(keys))
	for rows.Next() {
		var id, at int64
		var member bool
		if err := rows.Scan(&id, &at, &member); err != nil {
			return false, conditionError(c, err)
		}
		if at < 0 || at >= int64(len(keys)) {
			return false, conditionError(c, fmt.Errorf("history query: point %d of %d", at, len(keys)))
		}
		if member {
			joins[at] = append(joins[at], uint32(id))
		} else {
			leaves[at] = append(leaves[at], uint32(id))
		}
	}
	if err := rows.Err(); err != nil {
		return false, conditionError(c, err)
	}
	for i := range keys {
		cur.AddMany(joins[i])
		for _, id := range leaves[i] {
			cur.Remove(id)
		}
		e.cache.add(keys[i], newMemberSet(cur.Clone()))
	}
	return true, nil
}

// historyCompiler writes the query of membership changes over a span. Its compiler's
// as_of is the last point: nothing after it matters to any point.
type historyCompiler struct {
	compiler
	span HistorySpan
	p0   int64 // the first point, µs since the epoch
	step int64 // µs between points
}

// firstAtOrAfter writes the index of the first point at or after the instant expr (µs),
// clamped to [0, Points].
func (h *historyCompiler) firstAtOrAfter(w *sqlWriter, expr func()) {
	w.rawf("least(%d, greatest(0, (", h.span.Points)
	expr()
	w.rawf(" - %d + %d) // %d))", h.p0, h.step-1, h.step)
}

// firstAfter writes the index of the first point strictly after the instant expr (µs):
// times are whole microseconds.
func (h *historyCompiler) firstAfter(w *sqlWriter, expr func()) {
	h.firstAtOrAfter(w, func() { expr(); w.raw(" + 1") })
}

// ts is the scanned event's time in µs.
func ts(w *sqlWriter) { w.raw("epoch_us(e.ts)") }

// windowed resolves the window of an event condition for a history: in_last moves with
// every point, so the scan keeps the events that count for some point and exit says
// when each stops counting; every other window is fixed (clipped to the last point), and
// an event counts from its own point on.
func (h *historyCompiler) windowed(win segments.Window) (spec scanSpec, exit func(w *sqlWriter, t func())) {
	if win.Kind != segments.WindowInLast {
		return h.resolve(win), func(w *sqlWriter, _ func()) { w.rawf("%d", h.span.Points) }
	}
	width := win.Last.Std().Microseconds()
	spec = scanSpec{ivs: []segments.Interval{{Start: time.UnixMicro(h.p0 - width).UTC(), End: h.asOf, EndIncl: true}}, window: true}
	return spec, func(w *sqlWriter, t func()) {
		h.firstAtOrAfter(w, func() { t(); w.rawf(" + %d", width) })
	}
}

// transitions writes the query for c when c can be computed incrementally (ok false
// otherwise). Its rows are (id, point, member): from that point on, id's membership is
// member. empty is the membership of people with no relevant events, the state everyone
// starts in.
//
// Each condition is first written as witnesses (id, i0, i1, a, b): a and b count towards
// id's two values at the points i0 ≤ i < i1 (a count or a sum, and a second count where
// the condition needs one: the previous period of a trend, the events a share is taken
// of). Their sums are taken at each point where they change, compared, and kept where the
// answer differs from the one before.
func (h *historyCompiler) transitions(w *sqlWriter, c segments.Condition) (ok, empty bool, err error) {
	// member writes the membership of values a and b (column expressions).
	member := func(a, b string) { w.raw(a, " > 0") }
	// Sums of decimals are kept as the running sums DuckDB adds up; counts are exact.
	exact := true
	switch x := c.(type) {
	case *segments.Did:
		if x.Users != nil {
			return false, false, nil
		}
		times := x.TimesOrDefault()
		empty = times.MatchesZero()
		member = func(a, _ string) { err = compare(w, func() { w.raw(a) }, times) }
		w.raw("WITH wit AS MATERIALIZED (SELECT id, i0, i1, sum(a) AS a, sum(b) AS b FROM (")
		if err := h.countWitnesses(w, x.Events, x.Where, x.Window, nil); err != nil {
			return false, false, err
		}
	case *segments.DidNot:
		empty = true
		member = func(a, _ string) { w.raw(a, " = 0") }
		w.raw("WITH wit AS MATERIALIZED (SELECT id, i0, i1, sum(a) AS a, sum(b) AS b FROM (")
		if err := h.countWitnesses(w, x.Events, x.Where, x.Window, nil); err != nil {
			return false, false, err
		}
	case *segments.Sequence:
		w.raw("WITH wit AS MATERIALIZED (SELECT id, i0, i1, sum(a) AS a, sum(b) AS b FROM (")
		if err := h.sequenceWitnesses(w, x); err != nil {
			return false, false, err
		}
	case *segments.Recency:
		if x.Ago.Op == segments.OpNe || x.Ago.Op == segments.OpNone {
			return false, false, nil
		}
		w.raw("WITH wit AS MATERIALIZED (SELECT id, i0, i1, sum(a) AS a, sum(b) AS b FROM (")
		if err := h.recencyWitnesses(w, x); err != nil {
			return false, false, err
		}
	case *segments.Measure:
		// A sum is a sum of events, an average two (b counts the events with a number);
		// min, max and count_distinct are not, and are evaluated point by point.
		exact = false
		switch x.Agg {
		case segments.AggSum:
			empty = x.Is.MatchesZero()
			// With no event left in the window the sum is exactly 0, whatever rounding the
			// additions and subtractions of decimals left behind.
			member = func(a, b string) {
				err = compare(w, func() { w.raw("CASE WHEN ", b, " = 0 THEN 0 ELSE ", a, " END") }, x.Is)
			}
		case segments.AggAvg:
			member = func(a, b string) {
				w.raw(b, " > 0 AND ")
				err = compare(w, func() { w.raw(a, " / ", b) }, x.Is)
			}
		default:
			return false, false, nil
		}
		w.raw("WITH wit AS MATERIALIZED (SELECT id, i0, i1, sum(a) AS a, sum(b) AS b FROM (")
		if err := h.countWitnesses(w, x.Of, x.Where, x.Window, func() {
			if x.Agg == segments.AggSum {
				w.raw("coalesce(")
				propertyNumber(w, x.Property)
				w.raw(", 0) AS a, 1 AS b ")
				return
			}
			w.raw("coalesce(")
			propertyNumber(w, x.Property)
			w.raw(", 0) AS a, CASE WHEN ")
			propertyNumber(w, x.Property)
			w.raw(" IS NULL THEN 0 ELSE 1 END AS b ")
		}); err != nil {
			return false, false, err
		}
	case *segments.Trend:
		member = func(a, b string) {
			w.raw(b, " > 0 AND ")
			err = compare(w, func() { w.raw("CAST(", a, " - ", b, " AS DOUBLE) / ", b) }, x.Change)
		}
		w.raw("WITH wit AS MATERIALIZED (SELECT id, i0, i1, sum(a) AS a, sum(b) AS b FROM (")
		if err := h.trendWitnesses(w, x); err != nil {
			return false, false, err
		}
	case *segments.Affinity:
		member = func(a, b string) {
			w.raw(b, " > 0 AND ")
			err = compare(w, func() { w.raw("CAST(", a, " AS DOUBLE) / ", b) }, x.Share)
		}
		w.raw("WITH wit AS MATERIALIZED (SELECT id, i0, i1, sum(a) AS a, sum(b) AS b FROM (")
		if err := h.countWitnesses(w, x.Of, x.Where, x.Window, func() {
			w.raw("CASE WHEN ")
			valueEquals(w, x.Property, x.Is)
			w.raw(" THEN 1 ELSE 0 END AS a, 1 AS b ")
		}); err != nil {
			return false, false, err
		}
		w.raw(" AND ")
		propertyRaw(w, x.Property)
		w.raw(" IS NOT NULL")
	default:
		return false, false, nil
	}
	// The witnesses become changes (+ at i0, − at i1), summed per person and point, then
	// running sums give each person's values at every point where they change. The state
	// before a row is its running sum less its own change (exact for counts; sums of
	// decimals take the previous row's sums instead, so that rounding cannot hide a
	// change). Only rows whose membership differs from the one before are returned.
	// Witnesses of one person that count for the same points are added up first: all
	// of history before the first point, for a condition without a window, is one row.
	w.rawf(`) WHERE i0 < i1 GROUP BY id, i0, i1) SELECT id, i, m FROM (SELECT id, i, coalesce(`)
	member("a", "b")
	w.raw(", FALSE) AS m, coalesce(")
	if exact {
		member("(a - da)", "(b - db)")
	} else {
		member("coalesce(lag(a) OVER p, 0)", "coalesce(lag(b) OVER p, 0)")
	}
	w.rawf(`, %[2]t) AS prev FROM (SELECT id, i, a AS da, b AS db, sum(a) OVER r AS a, sum(b) OVER r AS b FROM (
		SELECT id, i, sum(a) AS a, sum(b) AS b FROM (
			SELECT id, unnest([i0, i1]) AS i, unnest([a, -a]) AS a, unnest([b, -b]) AS b FROM wit)
		WHERE i < %[1]d GROUP BY id, i)
		WINDOW r AS (PARTITION BY id ORDER BY i ROWS UNBOUNDED PRECEDING))
	WINDOW p AS (PARTITION BY id ORDER BY i)) WHERE m <> prev`, h.span.Points, empty)
	return true, empty, err
}

// countWitnesses: every matching event counts from its own point until it leaves the
// window; values writes its "a, b" columns (nil: it counts 1 towards a).
func (h *historyCompiler) countWitnesses(w *sqlWriter, events []string, where []segments.PropertyFilter, win segments.Window, values func()) error {
	spec, exit := h.windowed(win)
	spec.events, spec.where = events, where
	w.raw("SELECT ", h.key(), " AS id, ")
	h.firstAtOrAfter(w, func() { ts(w) })
	w.raw(" AS i0, ")
	exit(w, func() { ts(w) })
	w.raw(" AS i1, ")
	if values == nil {
		w.raw("1 AS a, 0 AS b ")
	} else {
		values()
	}
	return h.scan(w, spec)
}

// trendWitnesses: every event counts towards the current period (a) from its point for
// D, then towards the previous one (b) for D more.
func (h *historyCompiler) trendWitnesses(w *sqlWriter, t *segments.Trend) error {
	d := t.Period.Std().Microseconds()
	if d <= 0 {
		return errors.New("in_last: needs a positive duration")
	}
	spec := scanSpec{events: t.Events, where: t.Where, window: true,
		ivs: []segments.Interval{{Start: time.UnixMicro(h.p0 - 2*d).UTC(), End: h.asOf, EndIncl: true}}}
	for period, a := range []string{"1 AS a, 0 AS b", "0 AS a, 1 AS b"} {
		if period > 0 {
			w.raw(" UNION ALL ")
		}
		w.raw("SELECT ", h.key(), " AS id, ")
		h.firstAtOrAfter(w, func() { w.rawf("epoch_us(e.ts) + %d", int64(period)*d) })
		w.raw(" AS i0, ")
		h.firstAtOrAfter(w, func() { w.rawf("epoch_us(e.ts) + %d", int64(period+1)*d) })
		w.raw(" AS i1, ", a, " ")
		if err := h.scan(w, spec); err != nil {
			return err
		}
	}
	return nil
}

// sequenceWitnesses: each A (in its window) with the first B after it. For then, the A
// counts from that B's point, when the B came within D; for then_not, from the point its
// D has passed, when no B came within D. Either way until the A leaves the window.
func (h *historyCompiler) sequenceWitnesses(w *sqlWriter, s *segments.Sequence) error {
	d := s.Within.Std()
	if d <= 0 {
		return errors.New("within: needs a positive duration")
	}
	spec, exit := h.windowed(s.Window)
	spec.events, spec.where = s.Events, s.Where
	a := func() { w.raw("x.us") }
	w.raw("SELECT x.id, ")
	if s.Negated {
		h.firstAtOrAfter(w, func() { w.rawf("x.us + %d", d.Microseconds()) })
	} else {
		h.firstAtOrAfter(w, func() { w.raw("epoch_us(y.ts)") })
	}
	w.raw(" AS i0, ")
	exit(w, a)
	w.raw(" AS i1, 1 AS a, 0 AS b FROM (SELECT ", h.key(), " AS id, e.ts, epoch_us(e.ts) AS us ")
	if err := h.scan(w, spec); err != nil {
		return err
	}
	w.raw(") x ASOF LEFT JOIN (SELECT ", h.key(), " AS id, e.ts ")
	if err := h.scan(w, scanSpec{events: s.Then}); err != nil {
		return err
	}
	w.rawf(") y ON x.id = y.id AND y.ts > x.ts WHERE ")
	if s.Negated {
		w.rawf("y.ts IS NULL OR epoch_us(y.ts) > x.us + %d", d.Microseconds())
	} else {
		w.rawf("y.ts IS NOT NULL AND epoch_us(y.ts) <= x.us + %d", d.Microseconds())
	}
	return nil
}

// recencyWitnesses: for last, each event is the latest from its point until the next
// event's; for first, the earliest event is from its point on. Within that, the points
// whose distance from the event satisfies ago.
func (h *historyCompiler) recencyWitnesses(w *sqlWriter, r *segments.Recency) error {
	lo, hi, err := h.agoRange(r.Ago)
	if err != nil {
		return err
	}
	w.raw("SELECT id, greatest(")
	h.firstAtOrAfter(w, func() { w.raw("t") })
	w.raw(", ")
	lo(w)
	w.raw(") AS i0, least(")
	if r.Which == segments.First {
		w.rawf("%d", h.span.Points)
	} else {
		w.rawf("CASE WHEN nxt IS NULL THEN %d ELSE ", h.span.Points)
		h.firstAtOrAfter(w, func() { w.raw("nxt") })
		w.raw(" END")
	}
	w.raw(", ")
	hi(w)
	w.raw(") AS i1, 1 AS a, 0 AS b FROM (")
	spec := scanSpec{events: r.Events, where: r.Where}
	if r.Which == segments.First {
		w.raw("SELECT ", h.key(), " AS id, min(epoch_us(e.ts)) AS t ")
		if err := h.scan(w, spec); err != nil {
			return err
		}
		w.raw(" GROUP BY ", h.key(), ")")
		return nil
	}
	// Of a person's events up to the first point only the latest can be the latest at any
	// point: the others are dropped before the events are put in order.
	w.raw("SELECT id, t, lead(t) OVER (PARTITION BY id ORDER BY t) AS nxt FROM (SELECT ", h.key(), " AS id, max(epoch_us(e.ts)) AS t ")
	if err := h.scan(w, spec); err != nil {
		return err
	}
	first := time.UnixMicro(h.p0).UTC()
	w.raw(" AND e.ts <= ")
	w.value(first, typeTimestamp)
	w.raw(" GROUP BY ", h.key(), " UNION ALL SELECT ", h.key(), " AS id, epoch_us(e.ts) AS t ")
	if err := h.scan(w, spec); err != nil {
		return err
	}
	w.raw(" AND e.ts > ")
	w.value(first, typeTimestamp)
	w.raw("))")
	return nil
}

// agoRange turns `ago CMP` into the points p with CMP(p − t): [lo, hi) as point indices
// of an event at t (column t, µs). The member query compares the event's time with as_of
// − X, X rounded to microseconds; so does this.
func (h *historyCompiler) agoRange(cmp segments.Comparison) (lo, hi func(w *sqlWriter), err error) {
	micros := func(sec float64) (int64, error) {
		if !finite(sec) || math.Abs(sec) > segments.MaxDurationSeconds*2 {
			return 0, errors.New("ago: duration out of range")
		}
		return int64(math.Round(sec * 1e6)), nil
	}
	x, err := micros(cmp.Value)
	if err != nil {
		return nil, nil, err
	}
	atOrAfter := func(d int64) func(w *sqlWriter) {
		return func(w *sqlWriter) { h.firstAtOrAfter(w, func() { w.rawf("t + %d", d) }) }
	}
	after := func(d int64) func(w *sqlWriter) {
		return func(w *sqlWriter) { h.firstAfter(w, func() { w.rawf("t + %d", d) }) }
	}
	zero := func(w *sqlWriter) { w.raw("0") }
	all := func(w *sqlWriter) { w.rawf("%d", h.span.Points) }
	switch cmp.Op {
	case segments.OpGt:
		return after(x), all, nil
	case segments.OpGe:
		return atOrAfter(x), all, nil
	case segments.OpLt:
		return zero, atOrAfter(x), nil
	case segments.OpLe:
		return zero, after(x), nil
	case segments.OpEq:
		return atOrAfter(x), after(x), nil
	case segments.OpRange:
		y, err := micros(cmp.Hi)
		if err != nil {
			return nil, nil, err
		}
		return atOrAfter(x), after(y), nil
	}
	return nil, nil, errors.New("ago: comparison has no operator")
}
