package query

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/segscope/segscope/segments"
)

// Lint checks definitions against the data: what a segment says that the store cannot
// bear out, so that a misspelt property key or an event nobody sends is flagged instead of
// silently counting 0. A definition that lints with warnings still evaluates (the answer
// is just probably not what its author meant); the CLI prints warnings on stderr and
// `check --strict` fails on them.
//
// What it finds: event names the store has never seen; property keys never seen on the
// condition's events; values (and numeric comparisons) no such event has; user
// attributes the store does not have, and attribute values nobody has; windows that reach
// before the store's first event ("history too short") or lie outside its data; and
// comparisons that can never hold (a count below 0, a share above 100%, an RFM score of 6,
// an expect: bound above the universe). Misspellings come with the closest name or value
// the store holds.
//
// The data-bound checks are counts over the condition's events, all of them written into
// one scan per call (a JSON key read on each event of those names: tenths of a second on
// 10M events), and every count is kept per data version, so linting the same definition
// again — the builder does on every edit — costs nothing.

// LintWarning is one problem of a definition, positioned in its file.
type LintWarning struct {
	Pos     segments.Pos
	Segment string
	Msg     string
}

// String renders "file:line:col: warning: message".
func (w LintWarning) String() string {
	if p := w.Pos.String(); p != "" {
		return p + ": warning: " + w.Msg
	}
	return "warning: " + w.Msg
}

// maxLintProbes bounds the data checks one call makes.
const maxLintProbes = 500

// lintSampleRows is how many of an event's rows are read for the property keys suggested
// instead of a misspelt one.
const lintSampleRows = 20_000

// lintFacts remembers, for one data version, what lint has counted and sampled.
type lintFacts struct {
	mu       sync.Mutex
	version  int64
	counts   map[string]int64    // probe key → events (people) matching it
	keys     map[string][]string // events → property keys seen in a sample
	values   map[string][]string // events|key → its most common values
	first    time.Time           // the store's first event
	hasRange bool
}

// reset empties the facts when the data changed.
func (f *lintFacts) reset(version int64) {
	if f.counts != nil && f.version == version {
		return
	}
	f.version, f.hasRange = version, false
	f.counts, f.keys, f.values = map[string]int64{}, map[string][]string{}, map[string][]string{}
}

// Lint checks one segment, and the segments it references, at asOf (zero: the latest
// event).
func (e *Engine) Lint(ctx context.Context, seg *segments.Segment, r Resolver, asOf time.Time) ([]LintWarning, error) {
	return e.LintAll(ctx, []*segments.Segment{seg}, r, asOf)
}

// LintAll checks segments and the segments they reference, each once, in one scan of the
// events. Warnings come in the order of the segments and of their text.
func (e *Engine) LintAll(ctx context.Context, segs []*segments.Segment, r Resolver, asOf time.Time) ([]LintWarning, error) {
	snap, err := e.snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("lint: %w", err)
	}
	l := &linter{e: e, snap: snap, asOf: snap.resolveAsOf(asOf), r: r, seen: map[string]bool{}}
	f := l.facts()
	f.reset(snap.version)
	hasRange := f.hasRange
	f.mu.Unlock()
	if !hasRange {
		first, _, err := e.store.TimeRange(ctx)
		if err != nil {
			return nil, fmt.Errorf("lint: %w", err)
		}
		f = l.facts()
		f.first, f.hasRange = first, true
		f.mu.Unlock()
	}
	for _, s := range segs {
		l.segment(s)
	}
	if err := l.runProbes(ctx); err != nil {
		return nil, fmt.Errorf("lint: %w", err)
	}
	for _, p := range l.probes {
		if err := p.judge(ctx, l); err != nil {
			return nil, fmt.Errorf("lint: %w", err)
		}
	}
	slices.SortStableFunc(l.out, func(a, b LintWarning) int {
		if a.Pos.File != b.Pos.File {
			return strings.Compare(a.Pos.File, b.Pos.File)
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Col - b.Pos.Col
	})
	return slices.CompactFunc(l.out, func(a, b LintWarning) bool { return a == b }), nil
}

// linter is one Lint call.
type linter struct {
	e      *Engine
	snap   *snapshot
	asOf   time.Time
	r      Resolver
	seen   map[string]bool // segments linted
	seg    string          // the segment being linted
	out    []LintWarning
	probes []*lintProbe
}

// facts locks and returns the engine's lint facts.
func (l *linter) facts() *lintFacts {
	l.e.lint.mu.Lock()
	return &l.e.lint
}

func (l *linter) warn(pos segments.Pos, format string, args ...any) {
	l.out = append(l.out, LintWarning{Pos: pos, Segment: l.seg, Msg: fmt.Sprintf(format, args...)})
}

func (l *linter) segment(s *segments.Segment) {
	if s == nil || s.Where == nil || l.seen[s.Name] {
		return
	}
	l.seen[s.Name] = true
	prev := l.seg
	l.seg = s.Name
	defer func() { l.seg = prev }()
	if s.Expect.Members != nil {
		if u := l.snap.universe(s.Unit).Count(); !canHold(*s.Expect.Members, 0, float64(u), true) {
			l.warn(s.Expect.Pos, "expect: members %s can never hold: the store has %d %ss", s.Expect.Members, u, s.Unit)
		}
	}
	for _, ev := range segments.EventsOf(s.Where) {
		if !l.snap.HasEvent(ev.Name) {
			l.warn(ev.Pos, "no event named %q in the store%s", ev.Name, segments.DidYouMean(ev.Name, l.snap.EventNames()))
		}
	}
	segments.Walk(s.Where, func(c segments.Condition) bool {
		l.condition(c, s.Unit)
		return true
	})
}

// condition checks one node; references are linted as segments of their own.
func (l *linter) condition(c segments.Condition, unit segments.Unit) {
	pos := c.Position()
	switch x := c.(type) {
	case *segments.SegmentRef:
		if l.r != nil {
			l.segment(l.r.Segment(x.Name))
		}
	case *segments.Did:
		l.never(pos, "times", x.TimesOrDefault(), 0, math.Inf(1), true, "a count is never below 0")
		if x.Users != nil {
			l.never(pos, "users", *x.Users, 0, math.Inf(1), true, "a count is never below 0")
		}
		l.window(x.Window, pos)
		l.filters(x.Events, x.Where)
	case *segments.DidNot:
		l.window(x.Window, pos)
		l.filters(x.Events, x.Where)
	case *segments.Sequence:
		l.window(x.Window, pos)
		l.filters(x.Events, x.Where)
	case *segments.Measure:
		if x.Agg == segments.AggCountDistinct {
			l.never(pos, "is", x.Is, 0, math.Inf(1), true, "a count is never below 0")
		}
		l.window(x.Window, pos)
		l.filters(x.Of, x.Where)
		l.property(x.Of, x.Property, pos)
	case *segments.Recency:
		l.never(pos, "ago", x.Ago, 0, math.Inf(1), false, "an event's age is never below 0")
		l.filters(x.Events, x.Where)
	case *segments.Trend:
		l.never(pos, "change", x.Change, -1, math.Inf(1), false, "a count never falls by more than 100%")
		if d := x.Period.Std(); d > 0 {
			l.reach(pos, fmt.Sprintf("trend in_last %s compares with the %s before it and", x.Period, x.Period), l.asOf.Add(-2*d))
		}
		l.filters(x.Events, x.Where)
	case *segments.Gap:
		l.never(pos, "vs_average", x.VsAverage, 0, math.Inf(1), false, "the ratio is never below 0")
		l.filters(x.Events, x.Where)
	case *segments.Affinity:
		l.never(pos, "share", x.Share, 0, 1, false, "a share lies between 0% and 100%")
		l.window(x.Window, pos)
		l.filters(x.Of, x.Where)
		l.property(x.Of, x.Property, pos)
		if x.Column() == segments.NoColumn {
			l.valueProbe(x.Of, segments.PropertyFilter{Property: x.Property, Values: []segments.Value{x.Is}, Pos: pos})
		}
	case *segments.RFM:
		for _, s := range []struct {
			name string
			cmp  *segments.Comparison
		}{{"r", x.R}, {"f", x.F}, {"m", x.M}} {
			if s.cmp != nil {
				l.never(pos, s.name, *s.cmp, 1, 5, true, "scores run from 1 to 5")
			}
		}
	case *segments.UserAttr:
		l.attribute(x, unit)
	}
}

// never warns when cmp cannot hold for any value of [lo, hi] (whole numbers when integer).
func (l *linter) never(pos segments.Pos, key string, cmp segments.Comparison, lo, hi float64, integer bool, why string) {
	if cmp.IsSet() && !canHold(cmp, lo, hi, integer) {
		l.warn(pos, "%s %q can never hold: %s", key, cmp.String(), why)
	}
}

// canHold reports whether some x in [lo, hi] (a whole number when integer) satisfies cmp.
func canHold(cmp segments.Comparison, lo, hi float64, integer bool) bool {
	a, b := lo, hi // the values cmp admits within [lo, hi]
	v := cmp.Value
	switch cmp.Op {
	case segments.OpEq:
		a, b = math.Max(a, v), math.Min(b, v)
	case segments.OpNe:
		return !(lo == hi && lo == v)
	case segments.OpGt:
		a = math.Max(a, math.Nextafter(v, math.Inf(1)))
		if integer {
			a = math.Max(a, math.Floor(v)+1)
		}
	case segments.OpGe:
		a = math.Max(a, v)
	case segments.OpLt:
		b = math.Min(b, math.Nextafter(v, math.Inf(-1)))
		if integer {
			b = math.Min(b, math.Ceil(v)-1)
		}
	case segments.OpLe:
		b = math.Min(b, v)
	case segments.OpRange:
		a, b = math.Max(a, v), math.Min(b, cmp.Hi)
	default:
		return true
	}
	if integer {
		a, b = math.Ceil(a), math.Floor(b)
	}
	return a <= b
}

// window warns about a window that reaches before the store's first event or holds no
// data at all.
func (l *linter) window(win segments.Window, at segments.Pos) {
	pos := win.Pos
	if !pos.IsValid() {
		pos = at
	}
	switch win.Kind {
	case segments.WindowInLast:
		l.reach(pos, "in_last "+win.Last.String(), l.asOf.Add(-win.Last.Std()))
	case segments.WindowSince:
		if win.Since.Time.After(l.asOf) {
			l.warn(pos, "since %s lies after as_of (%s): it holds no events", win.Since, l.asOf.Format(time.RFC3339))
			return
		}
		l.reach(pos, "since "+win.Since.String(), win.Since.Time)
	case segments.WindowBetween, segments.WindowDuring:
		for _, r := range win.Ranges {
			iv := r.Interval()
			switch {
			case iv.Start.After(l.asOf):
				l.warn(pos, "%s %s lies after as_of (%s): it holds no events", win.Kind, r, l.asOf.Format(time.RFC3339))
			case l.firstEvent().IsZero():
			case iv.End.Before(l.firstEvent()):
				l.warn(pos, "%s %s holds no data: the store's events run from %s to %s", win.Kind, r,
					l.firstEvent().Format(time.DateOnly), l.snap.latest.Format(time.DateOnly))
			default:
				l.reach(pos, win.Kind.String()+" "+r.String(), iv.Start)
			}
		}
	}
}

// reach warns when what needs data from `from` on starts before the store's first event.
func (l *linter) reach(pos segments.Pos, what string, from time.Time) {
	first := l.firstEvent()
	if first.IsZero() || !from.Before(first.Truncate(24*time.Hour)) {
		return
	}
	l.warn(pos, "history too short: %s needs data from %s; the store starts %s", what,
		from.Format(time.DateOnly), first.Format(time.DateOnly))
}

// firstEvent is the store's first event time (LintAll reads it once per data version).
func (l *linter) firstEvent() time.Time {
	f := l.facts()
	defer f.mu.Unlock()
	return f.first
}

// probe adds a count to ask the store for.
func (l *linter) probe(p *lintProbe) {
	p.seg = l.seg
	l.probes = append(l.probes, p)
}

// attribute checks a user attribute and its values.
func (l *linter) attribute(u *segments.UserAttr, unit segments.Unit) {
	col, err := l.snap.attribute(u)
	if err != nil {
		l.warn(u.Pos, "unknown user attribute %q%s", u.Attr, segments.DidYouMean(u.Attr, l.snap.AttributeNames()))
		return
	}
	for _, v := range u.Values {
		w := &sqlWriter{}
		col.equals(w, "u."+quoteIdent(col.name), v)
		l.probe(&lintProbe{table: "users", w: w, pos: u.Pos, kind: probeAttrValue,
			attr: col.name, value: v.String(), inList: len(u.Values) > 1})
	}
	if u.Cmp != nil {
		w := &sqlWriter{}
		if err := compare(w, func() { w.raw(col.numeric("u." + quoteIdent(col.name))) }, *u.Cmp); err == nil {
			l.probe(&lintProbe{table: "users", w: w, pos: u.Pos, kind: probeAttrCmp,
				attr: col.name, value: u.Cmp.String()})
		}
	}
}

// known keeps the event names the store has: a check on an unknown event was reported
// already.
func (l *linter) known(events []string) ([]string, bool) {
	var out []string
	for _, ev := range events {
		if l.snap.HasEvent(ev) {
			out = append(out, ev)
		}
	}
	return out, len(events) == 0 || len(out) > 0
}

// filters checks each where: entry: its key seen on the events, its values and
// comparisons held by some event.
func (l *linter) filters(events []string, where []segments.PropertyFilter) {
	for _, f := range where {
		if f.Column() == segments.NoColumn {
			l.property(events, f.Property, f.Pos)
		}
		l.valueProbe(events, f)
	}
}

// property probes whether a properties key is set on some event of events.
func (l *linter) property(events []string, key string, pos segments.Pos) {
	if segments.ColumnOf(key) != segments.NoColumn || key == "" {
		return
	}
	evs, ok := l.known(events)
	if !ok {
		return
	}
	w := &sqlWriter{}
	propertySet(w, key)
	l.probe(&lintProbe{events: evs, w: w, pos: pos, kind: probeKey, key: key})
}

// valueProbe probes whether some event of events holds each value of f (or satisfies its
// comparison).
func (l *linter) valueProbe(events []string, f segments.PropertyFilter) {
	evs, ok := l.known(events)
	if !ok {
		return
	}
	if f.Cmp != nil {
		w := &sqlWriter{}
		if propertyCompare(w, f.Property, *f.Cmp) == nil {
			l.probe(&lintProbe{events: evs, w: w, pos: f.Pos, kind: probeCmp, key: f.Property, value: f.Cmp.String()})
		}
		return
	}
	for _, v := range f.Values {
		w := &sqlWriter{}
		valueEquals(w, f.Property, v)
		l.probe(&lintProbe{events: evs, w: w, pos: f.Pos, kind: probeValue, key: f.Property, value: v.String(),
			inList: len(f.Values) > 1})
	}
}

// Kinds of probe.
const (
	probeKey = iota
	probeValue
	probeCmp
	probeAttrValue
	probeAttrCmp
)

// lintProbe is one count lint asks the store for: the events (people, for table "users")
// matching a predicate.
type lintProbe struct {
	table  string   // "" for events, or "users"
	events []string // the events looked at (nil: every event)
	w      *sqlWriter
	pos    segments.Pos
	kind   int
	key    string // the property
	attr   string // the attribute
	value  string // the value or comparison, as written
	// inList says the value is one of several (any of): a list may name values this data
	// does not have on purpose (industries another store has), so it is flagged only when
	// it looks like a misspelling of one it does have.
	inList bool
	seg    string
	n      int64
}

// cacheKey names the probe among the facts: its table, events and predicate with its
// parameters.
func (p *lintProbe) cacheKey() string {
	return fmt.Sprintf("%s|%q|%s|%#v", p.table, p.events, p.w.String(), p.w.args)
}

// runProbes counts every probe that is not known yet: the events' probes in one scan, the
// people's in another.
func (l *linter) runProbes(ctx context.Context) error {
	if len(l.probes) > maxLintProbes {
		l.probes = l.probes[:maxLintProbes]
	}
	var todo []*lintProbe
	f := l.facts()
	for _, p := range l.probes {
		if n, ok := f.counts[p.cacheKey()]; ok {
			p.n = n
		} else {
			todo = append(todo, p)
		}
	}
	f.mu.Unlock()
	for _, table := range []string{"", "users"} {
		var batch []*lintProbe
		for _, p := range todo {
			if p.table == table {
				batch = append(batch, p)
			}
		}
		if len(batch) == 0 {
			continue
		}
		if err := l.count(ctx, table, batch); err != nil {
			return err
		}
	}
	f = l.facts()
	defer f.mu.Unlock()
	for _, p := range todo {
		f.counts[p.cacheKey()] = p.n
	}
	return nil
}

// count runs one scan counting every probe of batch.
func (l *linter) count(ctx context.Context, table string, batch []*lintProbe) error {
	w := &sqlWriter{}
	w.raw("SELECT ")
	var all []string
	everything := false
	for i, p := range batch {
		if i > 0 {
			w.raw(", ")
		}
		w.raw("count(*) FILTER (WHERE TRUE")
		if table == "" {
			if err := eventsPredicate(w, p.events); err != nil {
				return err
			}
			all = append(all, p.events...)
			everything = everything || len(p.events) == 0
		}
		w.raw(" AND ")
		w.raw(p.w.String())
		w.args = append(w.args, p.w.args...)
		w.raw(")")
	}
	if table == "users" {
		w.raw(" FROM users u")
	} else {
		w.raw(" FROM events e WHERE TRUE")
		if !everything {
			if err := eventsPredicate(w, dedupe(all)); err != nil {
				return err
			}
		}
	}
	dest := make([]any, len(batch))
	for i, p := range batch {
		dest[i] = &p.n
	}
	if err := l.e.store.DB().QueryRowContext(ctx, w.String(), w.args...).Scan(dest...); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: %w", context.Cause(ctx))
		}
		return err
	}
	return nil
}

// judge turns a probe's count into a warning, with the closest name or value the store
// holds when there is none.
func (p *lintProbe) judge(ctx context.Context, l *linter) error {
	if p.n > 0 {
		return nil
	}
	on, event := "any event", "event"
	if len(p.events) > 0 {
		on, event = strings.Join(p.events, "/")+" events", strings.Join(p.events, "/")+" event"
	}
	l.seg = p.seg
	switch p.kind {
	case probeKey:
		keys, err := l.sampleKeys(ctx, p.events)
		if err != nil {
			return err
		}
		hint := segments.DidYouMean(p.key, keys)
		for _, a := range l.snap.AttributeNames() {
			if hint == "" && (strings.EqualFold(a, p.key) || segments.DidYouMean(p.key, []string{a}) != "") {
				hint = fmt.Sprintf(" (%q is a user attribute: test it with user: %s)", a, a)
			}
		}
		l.warn(p.pos, "property %q is never set on %s%s", p.key, on, hint)
	case probeValue:
		values, err := l.topValues(ctx, p.events, p.key)
		if err != nil {
			return err
		}
		hint := segments.DidYouMean(p.value, values)
		if len(values) == 0 || p.inList && hint == "" {
			return nil // the key itself is never set (reported as such), or a list's other value
		}
		l.warn(p.pos, "no %s has %s = %q%s", event, p.key, p.value, hint)
	case probeCmp:
		l.warn(p.pos, "no %s has %s %s", event, p.key, p.value)
	case probeAttrValue:
		values, err := l.e.store.AttributeValues(ctx, p.attr, 50)
		if err != nil {
			return err
		}
		hint := segments.DidYouMean(p.value, values)
		if p.inList && hint == "" {
			return nil
		}
		l.warn(p.pos, "no person has %s = %q%s", p.attr, p.value, hint)
	case probeAttrCmp:
		l.warn(p.pos, "no person has %s %s", p.attr, p.value)
	}
	return nil
}

// sampleKeys lists the property keys set on a sample of the events' rows (every event's
// when events is nil), for suggestions.
func (l *linter) sampleKeys(ctx context.Context, events []string) ([]string, error) {
	k := fmt.Sprintf("%q", events)
	f := l.facts()
	keys, ok := f.keys[k]
	f.mu.Unlock()
	if ok {
		return keys, nil
	}
	w := &sqlWriter{}
	// Nested keys too, as the dotted paths a definition uses (propkeys.go).
	w.raw("SELECT rid, p FROM (SELECT e.rowid AS rid, e.properties AS p FROM events e WHERE json_type(e.properties) = 'OBJECT'")
	if err := eventsPredicate(w, events); err != nil {
		return nil, err
	}
	w.rawf(" LIMIT %d)", lintSampleRows)
	q := fmt.Sprintf("WITH src AS (%s), %s SELECT DISTINCT key FROM walk", w.String(), propertyKeyWalk("src", keyWalkDepth))
	keys, err := stringColumn(ctx, l.e.store.DB(), q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("sample property keys: %w", err)
	}
	keys = append(keys, string(segments.ColumnRevenue), string(segments.ColumnAccountID))
	f = l.facts()
	f.keys[k] = keys
	f.mu.Unlock()
	return keys, nil
}

// topValues lists a property's most common values on the events, for suggestions.
func (l *linter) topValues(ctx context.Context, events []string, key string) ([]string, error) {
	k := fmt.Sprintf("%q|%q", events, key)
	f := l.facts()
	values, ok := f.values[k]
	f.mu.Unlock()
	if ok {
		return values, nil
	}
	w := &sqlWriter{}
	w.raw("SELECT v FROM (SELECT ")
	propertyValueRows(w, key)
	w.raw(" AS v FROM events e WHERE TRUE")
	if err := eventsPredicate(w, events); err != nil {
		return nil, err
	}
	w.raw(") WHERE v IS NOT NULL GROUP BY v ORDER BY count(*) DESC, v LIMIT 50")
	values, err := stringColumn(ctx, l.e.store.DB(), w.String(), w.args...)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("read values of %s: %w", key, err)
	}
	f = l.facts()
	f.values[k] = values
	f.mu.Unlock()
	return values, nil
}
