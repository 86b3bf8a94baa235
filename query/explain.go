package query

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/segscope/segscope/segments"
)

// Explain answers "why is this person a member, or not": a segment's condition tree
// evaluated for one person (or account), every leaf with its own truth and the facts that
// decide it, in the units of its comparison — the matching events and the times needed,
// the aggregate, the age of the latest event, the trend's two counts, the R/F/M scores.
//
// The facts come from one small query per leaf over that person's events only (the events
// table is stored in person order, so a person's events are a few row groups), built from
// the same pieces of SQL as the member queries (scan, filters, aggregates), and each leaf's
// truth is decided from its facts in Go by the same rules. Nothing is read from the member
// cache, so an explanation costs milliseconds however cold the engine is; tests cross-check
// every leaf's truth against the member sets the engine computes.

// Explanation is one person's (or account's) answer for one segment at one as_of.
type Explanation struct {
	Segment string
	Unit    segments.Unit
	Key     string // the user_id (account_id for unit: account) asked about
	ID      uint32 // its uid (aid)
	AsOf    time.Time
	Member  bool
	// Nodes is the condition tree in document order, groups (all, any, not) before the
	// conditions inside them.
	Nodes   []ExplainNode
	Elapsed time.Duration
}

// Leaves lists the leaf conditions in document order.
func (x *Explanation) Leaves() []ExplainNode { return Leaves(x.Nodes) }

// Leaves keeps the leaf conditions of nodes.
func Leaves(nodes []ExplainNode) []ExplainNode {
	var out []ExplainNode
	for _, n := range nodes {
		if n.Leaf {
			out = append(out, n)
		}
	}
	return out
}

// ExplainNode is one node of the tree: a group (all, any, not) or a leaf condition.
type ExplainNode struct {
	// Path says where the node sits: "where", "where.all[1]", "where.all[1].not" (the node
	// under that not).
	Path      string
	Depth     int    // 0 for the segment's where:
	Condition string // a leaf in one line (Describe); a group's key
	// Kind is all, any or not for a group; for a leaf did, did_not, then, then_not,
	// measure, last, first, trend, gap, affinity, rfm, user or segment.
	Kind string
	Leaf bool
	// Matched is the node's own truth, before any not: above it.
	Matched bool
	// Negated says an odd number of not: lie above the node: it counts for membership when
	// it does not match.
	Negated  bool
	Pos      segments.Pos
	Evidence Evidence // leaves only
	// Children are a segment reference's own nodes (paths within that segment).
	Children []ExplainNode
}

// Evidence holds the facts behind one leaf; only the fields of its kind are set. Times are
// UTC; durations are seconds; shares and changes are ratios (0.5 is 50%).
type Evidence struct {
	// Needs is the comparison the leaf tests, as written: "times >= 4", "is >= 500",
	// "ago > 90d", "within 2h", "r >= 4, f >= 4".
	Needs string `json:"needs,omitempty"`
	// Window is the events' window resolved at as_of, as intervals ("(a, b]"); trend gives
	// its two periods.
	Window string `json:"window,omitempty"`

	// did, did_not: matching events in the window; for unit: account, the distinct people
	// who did them.
	Count   *int64     `json:"count,omitempty"`
	People  *int64     `json:"people,omitempty"`
	FirstAt *time.Time `json:"first_at,omitempty"`
	LastAt  *time.Time `json:"last_at,omitempty"`

	// then, then_not: the A events in the window, the A the answer rests on and the first B
	// after it, whether that B came within the time allowed, and (then_not) the As too
	// recent for their time to have passed.
	AEvents  *int64     `json:"a_events,omitempty"`
	AAt      *time.Time `json:"a_at,omitempty"`
	BAt      *time.Time `json:"b_at,omitempty"`
	Followed *bool      `json:"followed,omitempty"`
	Pending  *int64     `json:"pending,omitempty"`

	// measure: the aggregate (absent when there is none: avg/min/max of nothing) and the
	// events it was taken over. gap and affinity use Events too.
	Value  *float64 `json:"value,omitempty"`
	Events *int64   `json:"events,omitempty"`

	// last, first: the latest (earliest) matching event and its age at as_of.
	At         *time.Time `json:"at,omitempty"`
	AgoSeconds *float64   `json:"ago_seconds,omitempty"`

	// trend: the counts of the current and previous period and the change between them.
	Current  *int64   `json:"current,omitempty"`
	Previous *int64   `json:"previous,omitempty"`
	Change   *float64 `json:"change,omitempty"`

	// gap: the mean gap between consecutive events, the time since the latest (LastAt), and
	// their ratio.
	MeanGapSeconds    *float64 `json:"mean_gap_seconds,omitempty"`
	CurrentGapSeconds *float64 `json:"current_gap_seconds,omitempty"`
	Ratio             *float64 `json:"ratio,omitempty"`

	// affinity: events with the value among Events (those with the property set), and the
	// share.
	Matching *int64   `json:"matching,omitempty"`
	Share    *float64 `json:"share,omitempty"`

	// rfm: the raw recency (latest event), frequency and monetary values, the scores 1–5,
	// and how many people were ranked.
	LatestAt  *time.Time `json:"latest_at,omitempty"`
	Frequency *int64     `json:"frequency,omitempty"`
	Monetary  *float64   `json:"monetary,omitempty"`
	R         *int       `json:"r,omitempty"`
	F         *int       `json:"f,omitempty"`
	M         *int       `json:"m,omitempty"`
	Ranked    *int64     `json:"ranked,omitempty"`

	// user: the attribute's values (one for a person, one per person of an account; empty
	// when missing).
	Attribute string   `json:"attribute,omitempty"`
	Values    []string `json:"values,omitempty"`

	// segment: membership of the referenced segment.
	Member *bool `json:"member,omitempty"`
}

// maxExplainRows bounds the A events an explanation of a sequence reads for one person.
const maxExplainRows = 100_000

// Explain explains key's membership of seg at asOf (zero: the latest event). key is a
// user_id, or an account_id for unit: account; ErrNoPerson when the store has none.
func (e *Engine) Explain(ctx context.Context, seg *segments.Segment, r Resolver, asOf time.Time, key string) (*Explanation, error) {
	if seg == nil {
		return nil, errors.New("explain: no segment")
	}
	var id int64
	if seg.Unit == segments.UnitAccount {
		err := e.store.DB().QueryRowContext(ctx, `SELECT aid FROM accounts WHERE account_id = ?`, key).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("explain %s: account %q: %w", seg.Name, key, ErrNoPerson)
		}
		if err != nil {
			return nil, fmt.Errorf("explain %s: account %q: %w", seg.Name, key, err)
		}
	} else {
		uid, err := e.store.FindPerson(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("explain %s: %w", seg.Name, err)
		}
		id = int64(uid)
	}
	return e.explain(ctx, seg, r, asOf, uint32(id), key)
}

// ExplainID explains the membership of the member id (a uid, or an aid for unit:
// account): what the explorer asks for a row it lists.
func (e *Engine) ExplainID(ctx context.Context, seg *segments.Segment, r Resolver, asOf time.Time, id uint32) (*Explanation, error) {
	if seg == nil {
		return nil, errors.New("explain: no segment")
	}
	q := `SELECT user_id FROM users WHERE uid = ?`
	if seg.Unit == segments.UnitAccount {
		q = `SELECT account_id FROM accounts WHERE aid = ?`
	}
	var key string
	err := e.store.DB().QueryRowContext(ctx, q, int64(id)).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("explain %s: id %d: %w", seg.Name, id, ErrNoPerson)
	}
	if err != nil {
		return nil, fmt.Errorf("explain %s: id %d: %w", seg.Name, id, err)
	}
	return e.explain(ctx, seg, r, asOf, id, key)
}

func (e *Engine) explain(ctx context.Context, seg *segments.Segment, r Resolver, asOf time.Time, id uint32, key string) (*Explanation, error) {
	start := time.Now()
	if seg.Where == nil {
		return nil, fmt.Errorf("explain %s: a segment needs a where: condition", seg.Name)
	}
	snap, err := e.snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("explain %s: %w", seg.Name, err)
	}
	x := &explainer{e: e, snap: snap, asOf: snap.resolveAsOf(asOf), r: r, id: id,
		comp: &compiler{unit: seg.Unit, asOf: snap.resolveAsOf(asOf), snap: snap}, stack: []string{seg.Name}}
	var nodes []ExplainNode
	member, err := x.node(ctx, seg.Where, "where", false, 0, &nodes)
	if err != nil {
		return nil, fmt.Errorf("explain %s: %w", seg.Name, err)
	}
	return &Explanation{Segment: seg.Name, Unit: seg.Unit, Key: key, ID: id, AsOf: x.asOf, Member: member,
		Nodes: nodes, Elapsed: time.Since(start)}, nil
}

// explainer walks one segment's tree for one member id.
type explainer struct {
	e     *Engine
	snap  *snapshot
	asOf  time.Time
	r     Resolver
	id    uint32
	comp  *compiler
	stack []string // segments being explained, to refuse cycles
}

// node explains c and returns its truth, appending it and the nodes inside it in
// document order.
func (x *explainer) node(ctx context.Context, c segments.Condition, path string, negated bool, depth int, nodes *[]ExplainNode) (bool, error) {
	if depth > segments.MaxDepth*4 {
		return false, errors.New("conditions nest too deeply")
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if c == nil {
		return false, errors.New("missing condition")
	}
	at := len(*nodes)
	*nodes = append(*nodes, ExplainNode{Path: path, Depth: depth, Kind: leafKind(c), Negated: negated, Pos: c.Position()})
	group := func(key string, conds []segments.Condition, all bool) (bool, error) {
		if len(conds) == 0 {
			return false, conditionError(c, errors.New("needs at least one condition"))
		}
		truth := all
		for i, child := range conds {
			t, err := x.node(ctx, child, fmt.Sprintf("%s.%s[%d]", path, key, i), negated, depth+1, nodes)
			if err != nil {
				return false, err
			}
			if all {
				truth = truth && t
			} else {
				truth = truth || t
			}
		}
		return truth, nil
	}
	var truth bool
	var err error
	switch n := c.(type) {
	case *segments.All:
		truth, err = group("all", n.Conditions, true)
	case *segments.Any:
		truth, err = group("any", n.Conditions, false)
	case *segments.Not:
		var inner bool
		inner, err = x.node(ctx, n.Condition, path+".not", !negated, depth+1, nodes)
		truth = !inner
	default:
		leaf := &(*nodes)[at]
		leaf.Leaf, leaf.Condition = true, Describe(c)
		if ref, ok := c.(*segments.SegmentRef); ok {
			err = x.reference(ctx, ref, leaf)
		} else {
			err = x.leaf(ctx, c, leaf)
		}
		truth = leaf.Matched
	}
	if err != nil {
		return false, err
	}
	n := &(*nodes)[at]
	n.Matched = truth
	if !n.Leaf {
		n.Condition = n.Kind
	}
	return truth, nil
}

// leafKind names a leaf's kind, telling sequences (then, then_not) from did.
func leafKind(c segments.Condition) string {
	if s, ok := c.(*segments.Sequence); ok {
		if s.Negated {
			return "then_not"
		}
		return "then"
	}
	return c.Key()
}

// reference explains the referenced segment for the same id, its leaves nested.
func (x *explainer) reference(ctx context.Context, ref *segments.SegmentRef, leaf *ExplainNode) error {
	var seg *segments.Segment
	if x.r != nil {
		seg = x.r.Segment(ref.Name)
	}
	if seg == nil {
		return &segments.Error{Pos: ref.Pos, Msg: fmt.Sprintf("unknown segment %q", ref.Name)}
	}
	for i, name := range x.stack {
		if name == ref.Name {
			path := append(append([]string{}, x.stack[i:]...), ref.Name)
			return &segments.Error{Pos: ref.Pos, Msg: "segment reference cycle: " + strings.Join(path, " -> ")}
		}
	}
	if seg.Unit != x.comp.unit {
		return &segments.Error{Pos: ref.Pos, Msg: fmt.Sprintf("segment %q counts %ss, not %ss", ref.Name, seg.Unit, x.comp.unit)}
	}
	if seg.Where == nil || len(x.stack) > maxExplainChain {
		return &segments.Error{Pos: ref.Pos, Msg: fmt.Sprintf("segment %q cannot be explained here", ref.Name)}
	}
	x.stack = append(x.stack, ref.Name)
	defer func() { x.stack = x.stack[:len(x.stack)-1] }()
	var children []ExplainNode
	member, err := x.node(ctx, seg.Where, "where", false, 0, &children)
	if err != nil {
		return err
	}
	leaf.Matched, leaf.Children = member, children
	leaf.Evidence.Member = &member
	return nil
}

// maxExplainChain bounds nested segment references in an explanation.
const maxExplainChain = 64

// mine narrows a scan to the explained id.
func (x *explainer) mine(w *sqlWriter) {
	w.raw(" AND ", x.comp.key(), " = ")
	w.value(int64(x.id), typeBigint)
}

// row runs a one-row query, positioning its error at the condition.
func (x *explainer) row(ctx context.Context, c segments.Condition, w *sqlWriter, dest ...any) error {
	if w.err != nil {
		return conditionError(c, w.err)
	}
	if err := x.e.store.DB().QueryRowContext(ctx, w.String(), w.args...).Scan(dest...); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("query interrupted: %w", context.Cause(ctx))
		}
		return conditionError(c, err)
	}
	return nil
}

// scanMine writes the scan of spec narrowed to the explained id.
func (x *explainer) scanMine(w *sqlWriter, spec scanSpec) error {
	if err := x.comp.scan(w, spec); err != nil {
		return err
	}
	x.mine(w)
	return nil
}

func (x *explainer) leaf(ctx context.Context, c segments.Condition, leaf *ExplainNode) error {
	var err error
	switch n := c.(type) {
	case *segments.Did:
		err = x.did(ctx, c, n.Events, n.Where, n.Window, n.TimesOrDefault(), n.Users, leaf)
	case *segments.DidNot:
		err = x.did(ctx, c, n.Events, n.Where, n.Window, segments.Comparison{Op: segments.OpEq, Kind: segments.KindCount}, nil, leaf)
	case *segments.Sequence:
		err = x.sequence(ctx, n, leaf)
	case *segments.Measure:
		err = x.measure(ctx, n, leaf)
	case *segments.Recency:
		err = x.recency(ctx, n, leaf)
	case *segments.Trend:
		err = x.trend(ctx, n, leaf)
	case *segments.Gap:
		err = x.gap(ctx, n, leaf)
	case *segments.Affinity:
		err = x.affinity(ctx, n, leaf)
	case *segments.RFM:
		err = x.rfm(ctx, n, leaf)
	case *segments.UserAttr:
		err = x.userAttr(ctx, n, leaf)
	default:
		err = fmt.Errorf("%T is not a leaf condition", c)
	}
	if err != nil {
		return conditionError(c, err)
	}
	return nil
}

// windowText renders the intervals a scan looks at.
func (x *explainer) windowText(spec scanSpec) string {
	if !spec.window {
		return segments.Interval{End: x.asOf, EndIncl: true}.String()
	}
	if len(spec.ivs) == 0 {
		return "nothing (the window lies after as_of)"
	}
	parts := make([]string, len(spec.ivs))
	for i, iv := range spec.ivs {
		parts[i] = iv.String()
	}
	return strings.Join(parts, " ∪ ")
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func ptr[T any](v T) *T { return &v }

func (x *explainer) did(ctx context.Context, c segments.Condition, events []string, where []segments.PropertyFilter,
	win segments.Window, times segments.Comparison, users *segments.Comparison, leaf *ExplainNode) error {
	if users != nil && x.comp.unit != segments.UnitAccount {
		return errors.New(`"users" needs unit: account`)
	}
	spec := x.comp.resolve(win)
	spec.events, spec.where = events, where
	w := &sqlWriter{}
	w.raw("SELECT count(*), count(DISTINCT e.uid), min(e.ts), max(e.ts) ")
	if err := x.scanMine(w, spec); err != nil {
		return err
	}
	var n, people int64
	var first, last sql.NullTime
	if err := x.row(ctx, c, w, &n, &people, &first, &last); err != nil {
		return err
	}
	ev := &leaf.Evidence
	ev.Count, ev.FirstAt, ev.LastAt, ev.Window = &n, timePtr(first), timePtr(last), x.windowText(spec)
	ev.Needs = "times " + times.String()
	leaf.Matched = times.Matches(float64(n))
	if users != nil {
		ev.People = &people
		ev.Needs += ", users " + users.String()
		leaf.Matched = leaf.Matched && users.Matches(float64(people))
	}
	return nil
}

// sequence reads the person's A events with the first B after each, then decides as the
// member query does: then needs some A whose first B is within D; then_not some A whose D
// has passed by as_of with no B within it.
func (x *explainer) sequence(ctx context.Context, s *segments.Sequence, leaf *ExplainNode) error {
	d := s.Within.Std()
	if d <= 0 {
		return errors.New("within: needs a positive duration")
	}
	spec := x.comp.resolve(s.Window)
	spec.events, spec.where = s.Events, s.Where
	w := &sqlWriter{}
	w.raw("SELECT x.ts, y.ts FROM (SELECT ", x.comp.key(), " AS id, e.ts ")
	if err := x.scanMine(w, spec); err != nil {
		return err
	}
	w.raw(") x ASOF LEFT JOIN (SELECT ", x.comp.key(), " AS id, e.ts ")
	if err := x.scanMine(w, scanSpec{events: s.Then}); err != nil {
		return err
	}
	w.rawf(") y ON x.id = y.id AND y.ts > x.ts ORDER BY x.ts LIMIT %d", maxExplainRows)
	if w.err != nil {
		return w.err
	}
	rows, err := x.e.store.DB().QueryContext(ctx, w.String(), w.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	type pair struct {
		a time.Time
		b *time.Time
	}
	var pairs []pair
	for rows.Next() {
		var a time.Time
		var b sql.NullTime
		if err := rows.Scan(&a, &b); err != nil {
			return err
		}
		pairs = append(pairs, pair{a.UTC(), timePtr(b)})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	within := func(p pair) bool { return p.b != nil && p.b.Sub(p.a) <= d }
	ev := &leaf.Evidence
	ev.AEvents, ev.Window, ev.Needs = ptr(int64(len(pairs))), x.windowText(spec), "within "+s.Within.String()
	var chosen *pair
	if !s.Negated {
		for i := range pairs {
			if within(pairs[i]) {
				chosen = &pairs[i]
				break
			}
		}
		leaf.Matched = chosen != nil
		if chosen == nil && len(pairs) > 0 {
			chosen = &pairs[len(pairs)-1] // the latest A, and when its B came if it did
		}
	} else {
		var pending int64
		var lastDecided *pair
		for i := range pairs {
			p := &pairs[i]
			if p.a.Add(d).After(x.asOf) {
				pending++
				continue
			}
			if !within(*p) {
				if chosen == nil {
					chosen = p
				}
			} else {
				lastDecided = p
			}
		}
		leaf.Matched = chosen != nil
		if chosen == nil {
			chosen = lastDecided
		}
		ev.Pending = &pending
	}
	if chosen != nil {
		ev.AAt, ev.BAt, ev.Followed = &chosen.a, chosen.b, ptr(within(*chosen))
	}
	return nil
}

func (x *explainer) measure(ctx context.Context, m *segments.Measure, leaf *ExplainNode) error {
	switch m.Agg {
	case segments.AggSum, segments.AggCountDistinct, segments.AggAvg, segments.AggMin, segments.AggMax:
	default:
		return errors.New("unknown aggregate")
	}
	spec := x.comp.resolve(m.Window)
	spec.events, spec.where = m.Of, m.Where
	w := &sqlWriter{}
	w.raw("SELECT CAST(")
	measureAggregate(w, m)
	w.raw(" AS DOUBLE), count(*) ")
	if err := x.scanMine(w, spec); err != nil {
		return err
	}
	var v sql.NullFloat64
	var n int64
	if err := x.row(ctx, m, w, &v, &n); err != nil {
		return err
	}
	ev := &leaf.Evidence
	ev.Events, ev.Window, ev.Needs = &n, x.windowText(spec), "is "+m.Is.String()
	if v.Valid {
		ev.Value = &v.Float64
		leaf.Matched = m.Is.Matches(v.Float64)
	}
	return nil
}

func (x *explainer) recency(ctx context.Context, r *segments.Recency, leaf *ExplainNode) error {
	agg := "max(e.ts)"
	if r.Which == segments.First {
		agg = "min(e.ts)"
	}
	w := &sqlWriter{}
	w.raw("SELECT ", agg, ", count(*) ")
	if err := x.scanMine(w, scanSpec{events: r.Events, where: r.Where}); err != nil {
		return err
	}
	var at sql.NullTime
	var n int64
	if err := x.row(ctx, r, w, &at, &n); err != nil {
		return err
	}
	ev := &leaf.Evidence
	ev.At, ev.Count, ev.Needs = timePtr(at), &n, "ago "+r.Ago.String()
	if ev.At != nil {
		ago := float64(x.asOf.Sub(*ev.At).Microseconds()) / 1e6
		ev.AgoSeconds = &ago
		leaf.Matched = r.Ago.Matches(ago)
	}
	return nil
}

func (x *explainer) trend(ctx context.Context, t *segments.Trend, leaf *ExplainNode) error {
	if t.Period.Std() <= 0 {
		return errors.New("in_last: needs a positive duration")
	}
	cur, prev := t.Periods(x.asOf)
	spec := scanSpec{events: t.Events, where: t.Where, ivs: []segments.Interval{{Start: prev.Start, End: cur.End, EndIncl: true}}, window: true}
	w := &sqlWriter{}
	w.raw("SELECT count(*) FILTER (WHERE e.ts > ")
	w.value(cur.Start, typeTimestamp)
	w.raw("), count(*) FILTER (WHERE e.ts <= ")
	w.value(prev.End, typeTimestamp)
	w.raw(") ")
	if err := x.scanMine(w, spec); err != nil {
		return err
	}
	var nCur, nPrev int64
	if err := x.row(ctx, t, w, &nCur, &nPrev); err != nil {
		return err
	}
	ev := &leaf.Evidence
	ev.Current, ev.Previous, ev.Needs = &nCur, &nPrev, "change "+t.Change.String()
	ev.Window = "previous " + prev.String() + ", current " + cur.String()
	if nPrev > 0 {
		change := float64(nCur-nPrev) / float64(nPrev)
		ev.Change = &change
		leaf.Matched = t.Change.Matches(change)
	}
	return nil
}

func (x *explainer) gap(ctx context.Context, g *segments.Gap, leaf *ExplainNode) error {
	w := &sqlWriter{}
	w.raw("SELECT count(*), min(e.ts), max(e.ts) ")
	if err := x.scanMine(w, scanSpec{events: g.Events, where: g.Where}); err != nil {
		return err
	}
	var n int64
	var first, last sql.NullTime
	if err := x.row(ctx, g, w, &n, &first, &last); err != nil {
		return err
	}
	ev := &leaf.Evidence
	ev.Events, ev.FirstAt, ev.LastAt, ev.Needs = &n, timePtr(first), timePtr(last), "vs_average "+g.VsAverage.String()
	if ev.LastAt == nil {
		return nil
	}
	cur := float64(x.asOf.Sub(*ev.LastAt).Microseconds()) / 1e6
	ev.CurrentGapSeconds = &cur
	if n < 2 || !ev.LastAt.After(*ev.FirstAt) {
		return nil
	}
	span := ev.LastAt.UnixMicro() - ev.FirstAt.UnixMicro()
	mean := float64(span) / float64(n-1) / 1e6
	// As the member query computes it: (as_of − latest) × (n − 1) ÷ (latest − earliest), in
	// microseconds, one rounding.
	ratio := float64(x.asOf.UnixMicro()-ev.LastAt.UnixMicro()) * float64(n-1) / float64(span)
	ev.MeanGapSeconds, ev.Ratio = &mean, &ratio
	leaf.Matched = g.VsAverage.Matches(ratio)
	return nil
}

func (x *explainer) affinity(ctx context.Context, a *segments.Affinity, leaf *ExplainNode) error {
	if a.Property == "" {
		return errors.New("no property")
	}
	spec := x.comp.resolve(a.Window)
	spec.events, spec.where = a.Of, a.Where
	w := &sqlWriter{}
	w.raw("SELECT count(*) FILTER (WHERE ")
	valueEquals(w, a.Property, a.Is)
	w.raw("), count(*) ")
	if err := x.scanMine(w, spec); err != nil {
		return err
	}
	w.raw(" AND ")
	propertySet(w, a.Property)
	var k, n int64
	if err := x.row(ctx, a, w, &k, &n); err != nil {
		return err
	}
	ev := &leaf.Evidence
	ev.Matching, ev.Events, ev.Window = &k, &n, x.windowText(spec)
	ev.Needs = "is " + a.Is.String() + " share " + a.Share.String()
	if n > 0 {
		share := float64(k) / float64(n)
		ev.Share = &share
		leaf.Matched = a.Share.Matches(share)
	}
	return nil
}

// rfm ranks everyone with at least one E, as the member query does, and reads where the
// explained id stands: k people at or below its recency, frequency and monetary value
// give the score ceil(5k/n).
func (x *explainer) rfm(ctx context.Context, r *segments.RFM, leaf *ExplainNode) error {
	if r.R == nil && r.F == nil && r.M == nil {
		return errors.New("no score to compare")
	}
	of := r.Of
	if len(of) == 0 {
		of = []string{segments.DefaultRFMEvent}
	}
	w := &sqlWriter{}
	w.raw("WITH p AS MATERIALIZED (SELECT ", x.comp.key(), " AS id, max(e.ts) AS r, count(*) AS f, coalesce(sum(e.revenue), 0) AS m ")
	if err := x.comp.scan(w, scanSpec{events: of}); err != nil {
		return err
	}
	w.raw(" GROUP BY ", x.comp.key(), ") SELECT me.r, me.f, me.m, (SELECT count(*) FROM p), ",
		"(SELECT count(*) FROM p WHERE p.r <= me.r), (SELECT count(*) FROM p WHERE p.f <= me.f), ",
		"(SELECT count(*) FROM p WHERE p.m <= me.m) FROM (SELECT 1) one LEFT JOIN p me ON me.id = ")
	w.value(int64(x.id), typeBigint)
	var latest sql.NullTime
	var f, n, kr, kf, km sql.NullInt64
	var m sql.NullFloat64
	if err := x.row(ctx, r, w, &latest, &f, &m, &n, &kr, &kf, &km); err != nil {
		return err
	}
	ev := &leaf.Evidence
	var needs []string
	for _, s := range []struct {
		name string
		cmp  *segments.Comparison
	}{{"r", r.R}, {"f", r.F}, {"m", r.M}} {
		if s.cmp != nil {
			needs = append(needs, s.name+" "+s.cmp.String())
		}
	}
	ev.Needs = strings.Join(needs, ", ")
	ev.Ranked = ptr(n.Int64)
	if !latest.Valid {
		ev.Frequency = ptr(int64(0))
		return nil
	}
	score := func(k int64) *int { return ptr(int((5*k + n.Int64 - 1) / n.Int64)) }
	ev.LatestAt, ev.Frequency, ev.Monetary = timePtr(latest), &f.Int64, &m.Float64
	ev.R, ev.F, ev.M = score(kr.Int64), score(kf.Int64), score(km.Int64)
	leaf.Matched = (r.R == nil || r.R.Matches(float64(*ev.R))) && (r.F == nil || r.F.Matches(float64(*ev.F))) &&
		(r.M == nil || r.M.Matches(float64(*ev.M)))
	return nil
}

// userAttr reads the attribute and decides with the member query's own predicate, so that
// types compare exactly as there (numbers numerically, dates as dates).
func (x *explainer) userAttr(ctx context.Context, u *segments.UserAttr, leaf *ExplainNode) error {
	col, err := x.snap.attribute(u)
	if err != nil {
		return err
	}
	ident := "u." + quoteIdent(col.name)
	w := &sqlWriter{}
	w.raw("SELECT CAST(to_json(list(CAST(", ident, " AS VARCHAR)) FILTER (WHERE ", ident, " IS NOT NULL)) AS VARCHAR), coalesce(bool_or(")
	if err := userAttrPredicate(w, col, u); err != nil {
		return err
	}
	w.raw("), FALSE) FROM users u")
	if x.comp.unit == segments.UnitAccount {
		w.raw(" JOIN accounts a ON a.account_id = u.account_id WHERE a.aid = ")
	} else {
		w.raw(" WHERE u.uid = ")
	}
	w.value(int64(x.id), typeBigint)
	var list sql.NullString
	if err := x.row(ctx, u, w, &list, &leaf.Matched); err != nil {
		return err
	}
	ev := &leaf.Evidence
	ev.Attribute = col.name
	ev.Values = []string{}
	if list.Valid {
		if err := json.Unmarshal([]byte(list.String), &ev.Values); err != nil {
			return fmt.Errorf("read %s: %w", col.name, err)
		}
	}
	if u.Cmp != nil {
		ev.Needs = "is " + u.Cmp.String()
	} else if len(u.Values) == 1 {
		ev.Needs = "is " + u.Values[0].String()
	} else {
		ev.Needs = "in " + values(u.Values)
	}
	return nil
}
