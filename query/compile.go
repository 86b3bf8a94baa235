package query

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/segscope/segscope/segments"
)

// compiler turns one leaf condition of a segment (everything but all/any/not and segment
// references, which are set operations) into one SQL query returning the ids of its members
// in a column named id. The same compiler writes the evaluated queries (values as
// parameters) and the self-contained statement (values as literals): the two paths share
// every piece of SQL but the composition, which the cross-check tests compare.
//
// Conventions of the generated SQL: events are aliased e; for unit: account they are joined
// to accounts (a) on account_id, so an event without an account belongs to no account; the
// key column (e.uid or a.aid) is called id; every scan starts with e.ts <= as_of, because
// events after as_of do not exist for any condition.
type compiler struct {
	unit segments.Unit
	asOf time.Time
	snap *snapshot
	// evaluated compiles for the evaluated path: conditions over all history may read the
	// rollup (rollup.go) instead of the events, and rfm takes its scores from thresholds
	// instead of window functions. The self-contained statement, explain and history keep
	// the plain forms, which is what the cross-check tests compare against.
	evaluated bool
	// sample, when set, keeps only the ids in its range (sample.go).
	sample *Sample
}

// leafQuery is one compiled condition. With complement set the query returns the ids that
// are NOT members, and the members are the universe minus them: that is how people without
// any matching event become members (did times "= 0", sum of nothing compared with 0).
type leafQuery struct {
	w          *sqlWriter
	complement bool
}

func (c *compiler) key() string {
	if c.unit == segments.UnitAccount {
		return "a.aid"
	}
	return "e.uid"
}

func (c *compiler) from(w *sqlWriter) {
	if c.unit == segments.UnitAccount {
		w.raw("FROM events e JOIN accounts a ON a.account_id = e.account_id")
		return
	}
	w.raw("FROM events e")
}

// scanSpec says which events a condition looks at.
type scanSpec struct {
	events []string // any of; none means every event
	where  []segments.PropertyFilter
	ivs    []segments.Interval // nil means all history up to as_of
	window bool                // ivs applies (a window was resolved, possibly to nothing)
}

// scan writes FROM … WHERE for the events of spec.
func (c *compiler) scan(w *sqlWriter, spec scanSpec) error {
	c.from(w)
	w.raw(" WHERE e.ts <= ")
	w.value(c.asOf, typeTimestamp)
	if err := eventsPredicate(w, spec.events); err != nil {
		return err
	}
	c.samplePredicate(w, c.key())
	if spec.window {
		w.raw(" AND ")
		windowPredicate(w, spec.ivs)
	}
	for _, f := range spec.where {
		w.raw(" AND ")
		if err := c.filterPredicate(w, f); err != nil {
			return err
		}
	}
	return nil
}

func eventsPredicate(w *sqlWriter, events []string) error {
	switch {
	case len(events) == 0:
		return nil
	case len(events) > segments.MaxList:
		return fmt.Errorf("more than %d event names", segments.MaxList)
	case len(events) == 1:
		w.raw(" AND e.event = ")
		w.value(events[0], typeVarchar)
		return nil
	}
	w.raw(" AND e.event IN (")
	for i, ev := range events {
		if i > 0 {
			w.raw(", ")
		}
		w.value(ev, typeVarchar)
	}
	w.raw(")")
	return nil
}

// windowPredicate writes the union of intervals over e.ts; no interval at all is FALSE (the
// window lies wholly after as_of).
func windowPredicate(w *sqlWriter, ivs []segments.Interval) {
	if len(ivs) == 0 {
		w.raw("FALSE")
		return
	}
	w.raw("(")
	for i, iv := range ivs {
		if i > 0 {
			w.raw(" OR ")
		}
		w.raw("(")
		if !iv.Start.IsZero() {
			w.raw("e.ts ", map[bool]string{true: ">=", false: ">"}[iv.StartIncl], " ")
			w.value(iv.Start, typeTimestamp)
			w.raw(" AND ")
		}
		w.raw("e.ts ", map[bool]string{true: "<=", false: "<"}[iv.EndIncl], " ")
		w.value(iv.End, typeTimestamp)
		w.raw(")")
	}
	w.raw(")")
}

// opSQL maps the language's operators to SQL; a range is written with BETWEEN.
func opSQL(op segments.Op) (string, error) {
	switch op {
	case segments.OpEq:
		return "=", nil
	case segments.OpNe:
		return "<>", nil
	case segments.OpGt:
		return ">", nil
	case segments.OpGe:
		return ">=", nil
	case segments.OpLt:
		return "<", nil
	case segments.OpLe:
		return "<=", nil
	case segments.OpRange:
		return "BETWEEN", nil
	}
	return "", errors.New("comparison has no operator")
}

// compare writes `expr op value` (or BETWEEN) for a numeric comparison; expr writes the left
// side once.
func compare(w *sqlWriter, expr func(), cmp segments.Comparison) error {
	op, err := opSQL(cmp.Op)
	if err != nil {
		return err
	}
	if !finite(cmp.Value) || (cmp.Op == segments.OpRange && !finite(cmp.Hi)) {
		return errors.New("comparison with a number that is not finite")
	}
	w.raw("(")
	expr()
	w.raw(" ", op, " ")
	w.value(cmp.Value, typeDouble)
	if cmp.Op == segments.OpRange {
		w.raw(" AND ")
		w.value(cmp.Hi, typeDouble)
	}
	w.raw(")")
	return nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// The text of a properties key: NULL when the key is missing or JSON null.
func propertyText(w *sqlWriter, key string) {
	w.raw("json_extract_string(e.properties, ")
	w.value(jsonPointer(key), typeVarchar)
	w.raw(")")
}

// propertyNumber is a property read as a number: NULL when missing or not numeric.
func propertyNumber(w *sqlWriter, key string) {
	switch segments.ColumnOf(key) {
	case segments.ColumnRevenue:
		w.raw("e.revenue")
	case segments.ColumnAccountID:
		w.raw("TRY_CAST(e.account_id AS DOUBLE)")
	default:
		w.raw("TRY_CAST(")
		propertyText(w, key)
		w.raw(" AS DOUBLE)")
	}
}

// propertyRaw is a property as it is stored: the revenue and account_id columns, or the
// text of a properties key. Its NULL means "not set".
func propertyRaw(w *sqlWriter, key string) {
	switch segments.ColumnOf(key) {
	case segments.ColumnRevenue:
		w.raw("e.revenue")
	case segments.ColumnAccountID:
		w.raw("e.account_id")
	default:
		propertyText(w, key)
	}
}

// valueEquals writes "property = v" with the language's equality: a string compares with the
// property's text, a number numerically (so `items: 3` matches 3 and 3.0), a boolean with
// JSON's true/false. Revenue is a number column: a string that is not a number matches
// nothing. A missing property matches nothing.
func valueEquals(w *sqlWriter, key string, v segments.Value) {
	switch segments.ColumnOf(key) {
	case segments.ColumnRevenue:
		switch v.Kind {
		case segments.ValueNumber:
			w.raw("e.revenue = ")
			w.value(v.Num, typeDouble)
		case segments.ValueString:
			w.raw("e.revenue = TRY_CAST(")
			w.value(v.Str, typeVarchar)
			w.raw(" AS DOUBLE)")
		default:
			w.raw("FALSE")
		}
		return
	case segments.ColumnAccountID:
		w.raw("e.account_id = ")
		w.value(v.String(), typeVarchar)
		return
	}
	if dottedKey(key) {
		valueEqualsAny(w, key, v)
		return
	}
	switch v.Kind {
	case segments.ValueNumber:
		propertyNumber(w, key)
		w.raw(" = ")
		w.value(v.Num, typeDouble)
	default:
		propertyText(w, key)
		w.raw(" = ")
		w.value(v.String(), typeVarchar)
	}
}

// filterPredicate writes one entry of a where: map.
func (c *compiler) filterPredicate(w *sqlWriter, f segments.PropertyFilter) error {
	if f.Cmp != nil {
		return propertyCompare(w, f.Property, *f.Cmp)
	}
	if len(f.Values) == 0 {
		return fmt.Errorf("where %s: no value to compare", f.Property)
	}
	if len(f.Values) > segments.MaxList {
		return fmt.Errorf("where %s: more than %d values", f.Property, segments.MaxList)
	}
	w.raw("(")
	for i, v := range f.Values {
		if i > 0 {
			w.raw(" OR ")
		}
		valueEquals(w, f.Property, v)
	}
	w.raw(")")
	return nil
}

// leaf compiles one leaf condition.
func (c *compiler) leaf(cond segments.Condition, inline bool) (*leafQuery, error) {
	w := &sqlWriter{inline: inline}
	var (
		complement bool
		err        error
	)
	switch x := cond.(type) {
	case *segments.Did:
		complement, err = c.did(w, x.Events, x.Where, x.Window, x.TimesOrDefault(), x.Users)
	case *segments.DidNot:
		complement, err = c.did(w, x.Events, x.Where, x.Window, segments.Comparison{Op: segments.OpEq, Kind: segments.KindCount}, nil)
	case *segments.Sequence:
		err = c.sequence(w, x)
	case *segments.Measure:
		complement, err = c.measure(w, x)
	case *segments.Recency:
		err = c.recency(w, x)
	case *segments.Trend:
		err = c.trend(w, x)
	case *segments.Gap:
		err = c.gap(w, x)
	case *segments.Affinity:
		err = c.affinity(w, x)
	case *segments.RFM:
		err = c.rfm(w, x)
	case *segments.UserAttr:
		err = c.userAttr(w, x)
	default:
		err = fmt.Errorf("%T is not a leaf condition", cond)
	}
	if err == nil {
		err = w.err
	}
	if err != nil {
		return nil, conditionError(cond, err)
	}
	return &leafQuery{w: w, complement: complement}, nil
}

// conditionError positions an error at the condition when it is not positioned already.
func conditionError(cond segments.Condition, err error) error {
	var se *segments.Error
	var sl segments.ErrorList
	if errors.As(err, &se) || errors.As(err, &sl) {
		return err
	}
	return &segments.Error{Pos: cond.Position(), Msg: cond.Key() + ": " + err.Error()}
}

func (c *compiler) resolve(win segments.Window) scanSpec {
	if win.Kind == segments.WindowAll {
		return scanSpec{}
	}
	return scanSpec{ivs: win.Resolve(c.asOf), window: true}
}

// did: the count of matching events (and, for accounts, of distinct people with them)
// satisfies the comparisons. When zero satisfies every comparison, people without matching
// events are members, so the query returns the complement instead.
func (c *compiler) did(w *sqlWriter, events []string, where []segments.PropertyFilter, win segments.Window,
	times segments.Comparison, users *segments.Comparison) (bool, error) {
	if users != nil && c.unit != segments.UnitAccount {
		return false, errors.New(`"users" needs unit: account`)
	}
	spec := c.resolve(win)
	spec.events, spec.where = events, where
	complement := times.MatchesZero() && (users == nil || users.MatchesZero())
	// The common cases "at least once" and "never" need no counting.
	atLeastOnce := users == nil && times.Op == segments.OpGe && times.Value == 1 ||
		users == nil && times.Op == segments.OpGt && times.Value == 0
	neverOnly := users == nil && times.Op == segments.OpEq && times.Value == 0
	pp := perPerson{}
	if users == nil {
		pp = c.perPersonFor(spec)
	}
	if atLeastOnce || neverOnly {
		w.raw("SELECT ", pp.distinct(), c.key(), " AS id ")
		return neverOnly, c.scanPerPerson(w, pp, spec)
	}
	w.raw("SELECT ", c.key(), " AS id ")
	if err := c.scanPerPerson(w, pp, spec); err != nil {
		return false, err
	}
	pp.having(w, c.key())
	if complement {
		w.raw("NOT ")
	}
	w.raw("(")
	if err := compare(w, func() { w.raw(pp.count()) }, times); err != nil {
		return false, err
	}
	if users != nil {
		w.raw(" AND ")
		if err := compare(w, func() { w.raw("count(DISTINCT e.uid)") }, *users); err != nil {
			return false, err
		}
	}
	w.raw(")")
	return complement, nil
}

// sequence: some A at t has a B in (t, t+D] (and ≤ as_of); with then_not, some A at t with
// t+D ≤ as_of has none.
//
// `then` is an equi-join on (person, time bucket): time is cut into buckets of D counted
// back from as_of, r = (as_of − ts) div D, so a B in (t, t+D] lies in A's bucket or the
// next later one (r or r − 1). Each A is joined to the Bs of those two buckets of the same
// person and the pair checked exactly. A join on the person alone (what one writes by hand)
// pairs every A with every B of the person, which grows with the square of a heavy user's
// history (page_view then page_view); here only Bs within 2D of each A are candidates. It
// measured 1.1–1.2× the plain join on typical data and faster than an ASOF join (BENCHMARKS.md).
//
// `then_not` is the same buckets in an anti join: the As that no B of the same person
// matches. There B's bucket is emitted twice, r and r + 1, so that each A probes once: an
// A is a member's witness only when none of the Bs in its bucket or the next later one
// lies in (t, t+D]. It took 30–45% less CPU than the ASOF join it replaced (for each A the
// first B after it, then checked against D) on 100M events, 15–40% on 10M (issue 16).
func (c *compiler) sequence(w *sqlWriter, s *segments.Sequence) error {
	d := s.Within.Std()
	if d <= 0 {
		return errors.New("within: needs a positive duration")
	}
	spec := c.resolve(s.Window)
	spec.events, spec.where = s.Events, s.Where
	// B only matters after the earliest possible A and up to the last A + D.
	bspec := scanSpec{events: s.Then}
	if spec.window && len(spec.ivs) > 0 {
		first, last := spec.ivs[0], spec.ivs[len(spec.ivs)-1]
		iv := segments.Interval{Start: first.Start, End: last.End.Add(d), EndIncl: true}
		if iv.End.After(c.asOf) {
			iv.End = c.asOf
		}
		bspec.ivs, bspec.window = []segments.Interval{iv}, true
	}
	return c.sequenceBuckets(w, spec, bspec, d, s.Negated)
}

// maxBucket bounds a sequence's bucket number so that (id << 32) + bucket is one BIGINT key
// that tells people and buckets apart: ids are 32-bit and non-negative. Events more than
// 2^32 − 1 buckets before as_of (8,000 years for the smallest D, a minute) share the last
// bucket, which only adds candidates; every pair is still checked on its timestamps.
const maxBucket = 1<<32 - 1

// sequenceBuckets writes `then` (and `then_not`, negated) as the bucketed equi-join
// described at sequence. For `then` A's bucket is emitted twice, as r and r − 1 (never
// below 0: nothing is after as_of); for `then_not` B's, as r and r + 1.
//
// It is a semi join, and lists an id once per A that has a B, not once per person: the
// probe of an A stops at its first B instead of producing every pair, and a person's
// repeats cost nothing where the ids go (a bitstring when evaluated, IN/INTERSECT in the
// statement), where a DISTINCT was a hash aggregate over every pair. Together 5–25% less
// CPU on 100M events, as much as before on 10M (issue 16, measured on a busy machine).
func (c *compiler) sequenceBuckets(w *sqlWriter, spec, bspec scanSpec, d time.Duration, negated bool) error {
	// r, or r + shift (a list, unnested into one row per element) clamped to maxBucket.
	bucket := func(shift string) {
		w.raw("least((")
		w.value(c.asOf.UnixMicro(), typeBigint)
		w.raw(" - epoch_us(e.ts)) // ")
		w.value(d.Microseconds(), typeBigint)
		w.rawf("%s, %d)", shift, maxBucket)
	}
	w.raw("SELECT x.id FROM (SELECT ", c.key(), " AS id, e.ts, (CAST(", c.key(), " AS BIGINT) << 32) + ")
	if negated {
		bucket("")
	} else {
		w.raw("greatest(")
		bucket("")
		w.raw(" - unnest([0, 1]), 0)")
	}
	w.raw(" AS k ")
	if err := c.scan(w, spec); err != nil {
		return err
	}
	join := "SEMI"
	if negated {
		// An A too close to as_of cannot be known to have no B within D yet.
		w.raw(" AND e.ts <= ")
		w.value(c.asOf.Add(-d), typeTimestamp)
		join = "ANTI"
	}
	w.raw(") x ", join, " JOIN (SELECT e.ts, (CAST(", c.key(), " AS BIGINT) << 32) + ")
	if negated {
		bucket(" + unnest([0, 1])")
	} else {
		bucket("")
	}
	w.raw(" AS k ")
	if err := c.scan(w, bspec); err != nil {
		return err
	}
	w.raw(") y ON x.k = y.k AND y.ts > x.ts AND y.ts <= x.ts + to_seconds(")
	w.value(int64(d/time.Second), typeBigint)
	w.raw(")")
	return nil
}

// measure: the aggregate of a property over the matching events satisfies the comparison.
// Events whose property is missing (or not a number, for sum/avg/min/max) are left out of
// the aggregate; sum and count_distinct of nothing are 0, avg/min/max of nothing are NULL
// and never match.
func (c *compiler) measure(w *sqlWriter, m *segments.Measure) (bool, error) {
	if m.Property == "" {
		return false, errors.New("no property to measure")
	}
	spec := c.resolve(m.Window)
	spec.events, spec.where = m.Of, m.Where
	switch m.Agg {
	case segments.AggSum, segments.AggCountDistinct, segments.AggAvg, segments.AggMin, segments.AggMax:
	default:
		return false, errors.New("unknown aggregate")
	}
	complement := m.Agg.EmptyIsZero() && m.Is.MatchesZero()
	pp := perPerson{}
	if segments.ColumnOf(m.Property) == segments.ColumnRevenue {
		pp = c.perPersonFor(spec)
	}
	agg, ok := pp.revenueAgg(m.Agg)
	if !ok {
		pp = perPerson{}
	}
	w.raw("SELECT ", c.key(), " AS id ")
	if err := c.scanPerPerson(w, pp, spec); err != nil {
		return false, err
	}
	pp.having(w, c.key())
	if complement {
		w.raw("NOT ")
	}
	if pp.rollup {
		return complement, compare(w, func() { w.raw(agg) }, m.Is)
	}
	return complement, compare(w, func() { measureAggregate(w, m) }, m.Is)
}

// measureAggregate writes a measure's aggregate over the scanned events: sum and
// count_distinct of nothing are 0, avg/min/max of nothing NULL.
func measureAggregate(w *sqlWriter, m *segments.Measure) {
	if dottedKey(m.Property) {
		measureAggregateAny(w, m)
		return
	}
	switch m.Agg {
	case segments.AggSum:
		w.raw("coalesce(sum(")
		propertyNumber(w, m.Property)
		w.raw("), 0)")
	case segments.AggCountDistinct:
		w.raw("count(DISTINCT ")
		propertyRaw(w, m.Property)
		w.raw(")")
	default:
		w.raw(m.Agg.String(), "(") // avg, min, max: fixed names from the enum
		propertyNumber(w, m.Property)
		w.raw(")")
	}
}

// recency: the time from the latest (or earliest) matching event to as_of satisfies the
// comparison. "ago op X" is turned around into "time op' as_of − X" so DuckDB compares
// timestamps instead of computing a duration per person.
func (c *compiler) recency(w *sqlWriter, r *segments.Recency) error {
	op, err := opSQL(r.Ago.Op)
	if err != nil {
		return err
	}
	at := func(sec float64) (time.Time, error) {
		if !finite(sec) || math.Abs(sec) > segments.MaxDurationSeconds*2 {
			return time.Time{}, errors.New("ago: duration out of range")
		}
		return c.asOf.Add(-time.Duration(math.Round(sec*1e6)) * time.Microsecond), nil
	}
	spec := scanSpec{events: r.Events, where: r.Where}
	pp := c.perPersonFor(spec)
	w.raw("SELECT ", c.key(), " AS id ")
	if err := c.scanPerPerson(w, pp, spec); err != nil {
		return err
	}
	agg := pp.latest()
	if r.Which == segments.First {
		agg = pp.earliest()
	}
	pp.having(w, c.key())
	w.raw(agg, " ")
	lo, err := at(r.Ago.Value)
	if err != nil {
		return err
	}
	if r.Ago.Op == segments.OpRange {
		hi, err := at(r.Ago.Hi)
		if err != nil {
			return err
		}
		w.raw("BETWEEN ")
		w.value(hi, typeTimestamp)
		w.raw(" AND ")
		w.value(lo, typeTimestamp)
		return nil
	}
	flipped := map[string]string{">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "=", "<>": "<>"}[op]
	w.raw(flipped, " ")
	w.value(lo, typeTimestamp)
	return nil
}

// trend: (count in the last D − count in the D before) ÷ count in the D before satisfies
// the comparison; a zero previous count never matches. The scan reads both periods, which
// meet at cur.Start, so per person it counts all of them (n) and the current ones (cur):
// the previous count is n − cur, exactly. Two aggregates instead of the three filtered
// counts it took before (current, and previous twice): 3–15% less CPU at 100M events.
func (c *compiler) trend(w *sqlWriter, t *segments.Trend) error {
	if t.Period.Std() <= 0 {
		return errors.New("in_last: needs a positive duration")
	}
	cur, prev := t.Periods(c.asOf)
	spec := scanSpec{events: t.Events, where: t.Where, ivs: []segments.Interval{{Start: prev.Start, End: cur.End, EndIncl: true}}, window: true}
	w.raw("SELECT id FROM (SELECT ", c.key(), " AS id, count(*) AS n, count_if(e.ts > ")
	w.value(cur.Start, typeTimestamp)
	w.raw(") AS cur ")
	if err := c.scan(w, spec); err != nil {
		return err
	}
	w.raw(" GROUP BY ", c.key(), ") WHERE n - cur > 0 AND ")
	return compare(w, func() { w.raw("CAST(cur - (n - cur) AS DOUBLE) / (n - cur)") }, t.Change)
}

// gap: (as_of − latest E) ÷ the mean gap between consecutive E events satisfies the
// comparison. The mean of consecutive gaps is (latest − earliest) ÷ (n − 1), so no window
// function is needed. It needs at least 2 events; when they all share one instant the mean
// gap is 0, the ratio undefined, and the person never matches. Computed in microseconds as
// (as_of − latest) × (n − 1) ÷ (latest − earliest), one rounding.
func (c *compiler) gap(w *sqlWriter, g *segments.Gap) error {
	spec := scanSpec{events: g.Events, where: g.Where}
	pp := c.perPersonFor(spec)
	w.raw("SELECT ", c.key(), " AS id ")
	if err := c.scanPerPerson(w, pp, spec); err != nil {
		return err
	}
	n, last, first := pp.count(), pp.latest(), pp.earliest()
	pp.having(w, c.key())
	w.raw(n, " >= 2 AND ", last, " > ", first, " AND ")
	return compare(w, func() {
		w.raw("CAST(")
		w.value(c.asOf.UnixMicro(), typeBigint)
		w.raw(" - epoch_us(", last, ") AS DOUBLE) * (", n, " - 1) / (epoch_us(", last, ") - epoch_us(", first, "))")
	}, g.VsAverage)
}

// affinity: among the member's matching events with the property set, the share whose
// property equals the value satisfies the comparison. Members need at least one such event:
// the share of nothing is undefined and never matches. The property is read once per
// event, in a projection under the grouping (v: set or not, hit: equal or not), rather
// than once to filter and again to count: reading a property from the JSON is most of
// the query's cost (≈40% less CPU than reading it twice on 10M events).
func (c *compiler) affinity(w *sqlWriter, a *segments.Affinity) error {
	if a.Property == "" {
		return errors.New("no property")
	}
	spec := c.resolve(a.Window)
	spec.events, spec.where = a.Of, a.Where
	w.raw("SELECT id FROM (SELECT ", c.key(), " AS id, ")
	propertySet(w, a.Property)
	w.raw(" AS v, ")
	valueEquals(w, a.Property, a.Is)
	w.raw(" AS hit ")
	if err := c.scan(w, spec); err != nil {
		return err
	}
	w.raw(") GROUP BY id HAVING count_if(v) > 0 AND ")
	return compare(w, func() {
		w.raw("CAST(count_if(v AND hit) AS DOUBLE) / count_if(v)")
	}, a.Share)
}

// rfm: recency, frequency and monetary scores 1–5 over everyone with at least one E:
// score = ceil(5 × cume_dist), ranking by the latest E (later is higher), the count of E and
// the sum of their revenue. cume_dist is k/n with k the rows ranked at or below (ties are
// peers, so they share a score); the score is computed in integers as (5k + n − 1) div n,
// which is ceil(5k/n) exactly, where 5 × a double k/n could round up past a whole number.
func (c *compiler) rfm(w *sqlWriter, r *segments.RFM) error {
	if r.R == nil && r.F == nil && r.M == nil {
		return errors.New("no score to compare")
	}
	of := r.Of
	if len(of) == 0 {
		of = []string{segments.DefaultRFMEvent}
	}
	scores := []struct {
		cmp *segments.Comparison
		col string
	}{{r.R, "r"}, {r.F, "f"}, {r.M, "m"}}
	// Scores rank everyone with an E: a sample is taken from the result, not the ranking.
	sample := c.sample
	c.sample = nil
	defer func() { c.sample = sample }()
	if c.evaluated {
		return c.rfmThresholds(w, of, scores)
	}
	w.raw("SELECT id FROM (SELECT id")
	for _, s := range scores {
		if s.cmp != nil {
			w.rawf(", (5 * count(*) OVER (ORDER BY %[1]s) + n - 1) // n AS %[1]s_score", s.col)
		}
	}
	spec := scanSpec{events: of}
	pp := c.perPersonFor(spec)
	w.raw(" FROM (SELECT id, r, f, m, count(*) OVER () AS n FROM (SELECT ", c.key(),
		" AS id, ", pp.latest(), " AS r, ", pp.count(), " AS f, coalesce(", pp.revenueSum(), ", 0) AS m ")
	if err := c.scanPerPerson(w, pp, spec); err != nil {
		return err
	}
	if !pp.single {
		w.raw(" GROUP BY ", c.key())
	}
	w.raw("))) WHERE ")
	first := true
	for _, s := range scores {
		if s.cmp == nil {
			continue
		}
		if !first {
			w.raw(" AND ")
		}
		first = false
		col := s.col + "_score"
		if err := compare(w, func() { w.raw(col) }, *s.cmp); err != nil {
			return err
		}
	}
	return nil
}

// userAttr: the person's attribute matches; a missing (NULL) attribute never matches. For
// unit: account an account is a member when one of its people matches.
func (c *compiler) userAttr(w *sqlWriter, u *segments.UserAttr) error {
	col, err := c.snap.attribute(u)
	if err != nil {
		return err
	}
	if c.unit == segments.UnitAccount {
		w.raw("SELECT DISTINCT a.aid AS id FROM users u JOIN accounts a ON a.account_id = u.account_id WHERE ")
	} else {
		w.raw("SELECT u.uid AS id FROM users u WHERE ")
	}
	return userAttrPredicate(w, col, u)
}

// userAttrPredicate writes whether the users row u matches the condition, by the column's
// type; NULL (a missing attribute) never matches.
func userAttrPredicate(w *sqlWriter, col attrColumn, u *segments.UserAttr) error {
	ident := "u." + quoteIdent(col.name)
	if u.Cmp != nil {
		return compare(w, func() { w.raw(col.numeric(ident)) }, *u.Cmp)
	}
	if len(u.Values) == 0 {
		return errors.New("no value to compare")
	}
	if len(u.Values) > segments.MaxList {
		return fmt.Errorf("more than %d values", segments.MaxList)
	}
	w.raw("(")
	for i, v := range u.Values {
		if i > 0 {
			w.raw(" OR ")
		}
		col.equals(w, ident, v)
	}
	w.raw(")")
	return nil
}
