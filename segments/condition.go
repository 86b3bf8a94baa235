package segments

import "time"

// Condition is one node of a segment's `where:` tree. The set of implementations is closed:
// Did, DidNot, Sequence, Measure, Recency, Trend, Gap, Affinity, RFM, UserAttr, SegmentRef,
// All, Any and Not. The engine switches on the concrete type.
//
// For unit: account every condition aggregates over the account's events instead of the
// person's.
type Condition interface {
	// Position is where the condition's head key (did:, measure:, all: …) was written.
	Position() Pos
	// Key is the condition's head key in the language: "did", "did_not", "measure", "last",
	// "first", "trend", "gap", "affinity", "rfm", "user", "segment", "all", "any", "not".
	Key() string
	isCondition()
}

// Did: the number of matching events in the window satisfies Times.
// Times "= 0" includes people with no events at all.
type Did struct {
	Events    []string // any of these event names
	EventsPos []Pos    // where each name was written (parallel to Events; may be nil)
	Where     []PropertyFilter
	Window    Window
	// Times compares the count of matching events. The parser always sets it (default
	// ">= 1"); a tree built in code may leave it unset, which means the default — read it
	// through TimesOrDefault.
	Times Comparison
	// Users (unit: account only) compares the number of distinct people of the account with
	// matching events; nil when not given. Both Times and Users must hold.
	Users *Comparison
	Pos   Pos
}

// AtLeastOnce is did's default times comparison, ">= 1".
func AtLeastOnce() Comparison { return Comparison{Op: OpGe, Value: 1, Kind: KindCount} }

// TimesOrDefault is Times, or ">= 1" when Times is unset.
func (d *Did) TimesOrDefault() Comparison {
	if d.Times.Op == OpNone {
		return AtLeastOnce()
	}
	return d.Times
}

// DidNot: no matching event in the window — Did with times "= 0".
type DidNot struct {
	Events    []string
	EventsPos []Pos
	Where     []PropertyFilter
	Window    Window
	Pos       Pos
}

// Sequence: `did: A then: B within: D` — some A at t (in Window, matching Where) has a B in
// (t, t+D] and ≤ as_of. With Negated (`then_not: B`): some A at t with t+D ≤ as_of has no B
// in (t, t+D].
type Sequence struct {
	Events    []string // A
	EventsPos []Pos
	Where     []PropertyFilter // filters A's events
	Window    Window           // restricts A's time t
	Then      []string         // B, any of
	ThenPos   []Pos
	Negated   bool // then_not
	Within    Duration
	Pos       Pos
}

// Agg is a measure's aggregate function.
type Agg int

// Aggregates. Sum and count_distinct of nothing are 0; avg, min and max of nothing never
// match.
const (
	AggNone Agg = iota
	AggSum
	AggAvg
	AggMin
	AggMax
	AggCountDistinct
)

// String is the aggregate's name in the language (also a valid SQL aggregate name, with
// count_distinct needing COUNT(DISTINCT …)).
func (a Agg) String() string {
	switch a {
	case AggSum:
		return "sum"
	case AggAvg:
		return "avg"
	case AggMin:
		return "min"
	case AggMax:
		return "max"
	case AggCountDistinct:
		return "count_distinct"
	}
	return ""
}

// EmptyIsZero reports whether the aggregate of no events is 0 (sum, count_distinct) rather
// than missing (avg, min, max, which then never match).
func (a Agg) EmptyIsZero() bool { return a == AggSum || a == AggCountDistinct }

var aggNames = []string{"sum", "avg", "min", "max", "count_distinct"}

// Measure: `measure: sum(revenue) of: purchase is: ">= 100"` — the aggregate of Property
// over the matching events satisfies Is. Of empty means every event.
type Measure struct {
	Agg      Agg
	Property string // a column (revenue, account_id) or a properties key; see ColumnOf
	Of       []string
	OfPos    []Pos
	Where    []PropertyFilter
	Window   Window
	Is       Comparison
	Pos      Pos
}

// Column tells whether the measured property is a column of the events table.
func (m *Measure) Column() Column { return ColumnOf(m.Property) }

// RecencyKind says whether a recency condition looks at the latest or the earliest event.
type RecencyKind int

// Recency kinds.
const (
	Last  RecencyKind = iota // last: E — the latest matching event
	First                    // first: E — the earliest matching event
)

// String is the kind's key: "last" or "first".
func (k RecencyKind) String() string {
	if k == First {
		return "first"
	}
	return "last"
}

// Recency: `last: E ago: "> 30d"` — the time from the latest (First: earliest) matching event
// to as_of satisfies Ago (a KindDuration comparison, in seconds). Never-did never matches.
type Recency struct {
	Which     RecencyKind
	Events    []string
	EventsPos []Pos
	Where     []PropertyFilter
	Ago       Comparison
	Pos       Pos
}

// Trend: `trend: E in_last: D change: "<= -50%"` — (count in the last Period − count in the
// Period before) ÷ count in the Period before satisfies Change (a ratio); a zero previous
// count never matches.
type Trend struct {
	Events    []string
	EventsPos []Pos
	Where     []PropertyFilter
	Period    Duration
	Change    Comparison
	Pos       Pos
}

// Periods resolves the two periods a trend compares: current = (as_of−D, as_of] and
// previous = (as_of−2D, as_of−D].
func (t *Trend) Periods(asOf time.Time) (current, previous Interval) {
	asOf = asOf.UTC()
	d := t.Period.Std()
	current = Interval{Start: asOf.Add(-d), End: asOf, EndIncl: true}
	previous = Interval{Start: asOf.Add(-2 * d), End: asOf.Add(-d), EndIncl: true}
	return current, previous
}

// Gap: `gap: E vs_average: "> 2"` — (as_of − latest E) ÷ the mean gap between consecutive E
// events satisfies VsAverage; needs at least 2 events.
type Gap struct {
	Events    []string
	EventsPos []Pos
	Where     []PropertyFilter
	VsAverage Comparison
	Pos       Pos
}

// Affinity: `affinity: category of: purchase is: shoes share: ">= 50%"` — among the member's
// Of events (every event when Of is empty) with Property set, the share whose Property
// equals Is satisfies Share (a ratio).
type Affinity struct {
	Property string
	Of       []string
	OfPos    []Pos
	Where    []PropertyFilter
	Window   Window
	Is       Value
	Share    Comparison
	Pos      Pos
}

// Column tells whether the affinity's property is a column of the events table.
func (a *Affinity) Column() Column { return ColumnOf(a.Property) }

// RFM: `rfm: {r: ">= 4", f: ">= 4", m: ">= 4"}` — recency, frequency and monetary scores 1–5
// (score = ceil(5 × cume_dist) over people with ≥ 1 Of event, ranking by latest event, count
// and sum(revenue); ties share a score). Nil comparisons are not tested; at least one is set.
type RFM struct {
	R, F, M *Comparison
	Of      []string // the parser fills the default ["purchase"]
	OfPos   []Pos
	Pos     Pos
}

// DefaultRFMEvent is the event RFM scores when `of:` is not given.
const DefaultRFMEvent = "purchase"

// UserAttr: `user: plan is: pro` / `in: [pro, team]` / `is: ">= 30"` — the person's attribute
// matches; a missing attribute never matches. Exactly one of Values (one or more, any of)
// and Cmp (numeric) is set.
type UserAttr struct {
	Attr   string
	Values []Value
	Cmp    *Comparison
	Pos    Pos
}

// SegmentRef: `segment: name` — a member of that segment of the workspace.
type SegmentRef struct {
	Name string
	Pos  Pos
}

// All: every condition holds (`all: [...]`, at least one).
type All struct {
	Conditions []Condition
	Pos        Pos
}

// Any: at least one condition holds (`any: [...]`, at least one).
type Any struct {
	Conditions []Condition
	Pos        Pos
}

// Not: the condition does not hold.
type Not struct {
	Condition Condition
	Pos       Pos
}

// Position, Key and isCondition implement Condition for each condition type.
func (c *Did) Position() Pos        { return c.Pos }
func (c *DidNot) Position() Pos     { return c.Pos }
func (c *Sequence) Position() Pos   { return c.Pos }
func (c *Measure) Position() Pos    { return c.Pos }
func (c *Recency) Position() Pos    { return c.Pos }
func (c *Trend) Position() Pos      { return c.Pos }
func (c *Gap) Position() Pos        { return c.Pos }
func (c *Affinity) Position() Pos   { return c.Pos }
func (c *RFM) Position() Pos        { return c.Pos }
func (c *UserAttr) Position() Pos   { return c.Pos }
func (c *SegmentRef) Position() Pos { return c.Pos }
func (c *All) Position() Pos        { return c.Pos }
func (c *Any) Position() Pos        { return c.Pos }
func (c *Not) Position() Pos        { return c.Pos }

func (c *Did) Key() string        { return "did" }
func (c *DidNot) Key() string     { return "did_not" }
func (c *Sequence) Key() string   { return "did" }
func (c *Measure) Key() string    { return "measure" }
func (c *Recency) Key() string    { return c.Which.String() }
func (c *Trend) Key() string      { return "trend" }
func (c *Gap) Key() string        { return "gap" }
func (c *Affinity) Key() string   { return "affinity" }
func (c *RFM) Key() string        { return "rfm" }
func (c *UserAttr) Key() string   { return "user" }
func (c *SegmentRef) Key() string { return "segment" }
func (c *All) Key() string        { return "all" }
func (c *Any) Key() string        { return "any" }
func (c *Not) Key() string        { return "not" }

func (*Did) isCondition()        {}
func (*DidNot) isCondition()     {}
func (*Sequence) isCondition()   {}
func (*Measure) isCondition()    {}
func (*Recency) isCondition()    {}
func (*Trend) isCondition()      {}
func (*Gap) isCondition()        {}
func (*Affinity) isCondition()   {}
func (*RFM) isCondition()        {}
func (*UserAttr) isCondition()   {}
func (*SegmentRef) isCondition() {}
func (*All) isCondition()        {}
func (*Any) isCondition()        {}
func (*Not) isCondition()        {}

// Children returns the conditions directly inside c (for All, Any and Not), else nil.
func Children(c Condition) []Condition {
	switch c := c.(type) {
	case *All:
		return c.Conditions
	case *Any:
		return c.Conditions
	case *Not:
		if c.Condition != nil {
			return []Condition{c.Condition}
		}
	}
	return nil
}

// Walk visits c and everything inside it, depth first, parents before children. When fn
// returns false the children of that condition are skipped. Nil conditions are not visited.
func Walk(c Condition, fn func(Condition) bool) {
	if c == nil || !fn(c) {
		return
	}
	for _, child := range Children(c) {
		Walk(child, fn)
	}
}

// Refs lists the segment references inside c, in the order they are written.
func Refs(c Condition) []*SegmentRef {
	var refs []*SegmentRef
	Walk(c, func(c Condition) bool {
		if r, ok := c.(*SegmentRef); ok {
			refs = append(refs, r)
		}
		return true
	})
	return refs
}

// EventRef is one event name used by a condition, with where it was written.
type EventRef struct {
	Name string
	Pos  Pos
}

// EventsOf lists every event name c and its children use (did, then, of, last …), in order
// of writing, with their positions (the condition's position when none was recorded).
func EventsOf(c Condition) []EventRef {
	var out []EventRef
	add := func(names []string, pos []Pos, fallback Pos) {
		for i, n := range names {
			p := fallback
			if i < len(pos) && pos[i].IsValid() {
				p = pos[i]
			}
			out = append(out, EventRef{Name: n, Pos: p})
		}
	}
	Walk(c, func(c Condition) bool {
		switch c := c.(type) {
		case *Did:
			add(c.Events, c.EventsPos, c.Pos)
		case *DidNot:
			add(c.Events, c.EventsPos, c.Pos)
		case *Sequence:
			add(c.Events, c.EventsPos, c.Pos)
			add(c.Then, c.ThenPos, c.Pos)
		case *Measure:
			add(c.Of, c.OfPos, c.Pos)
		case *Recency:
			add(c.Events, c.EventsPos, c.Pos)
		case *Trend:
			add(c.Events, c.EventsPos, c.Pos)
		case *Gap:
			add(c.Events, c.EventsPos, c.Pos)
		case *Affinity:
			add(c.Of, c.OfPos, c.Pos)
		case *RFM:
			add(c.Of, c.OfPos, c.Pos)
		}
		return true
	})
	return out
}
