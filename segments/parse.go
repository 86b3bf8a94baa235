package segments

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// headKeys are the keys that say what kind of condition a mapping is; a condition has
// exactly one.
var headKeys = []string{"did", "did_not", "measure", "last", "first", "trend", "gap", "affinity", "rfm", "user", "segment", "all", "any", "not"}

var windowKeys = []string{"in_last", "between", "since", "during"}

// conditionKeys lists, per head key, every key its condition may have.
var conditionKeys = map[string][]string{
	"did":      {"did", "where", "in_last", "between", "since", "during", "times", "users", "then", "then_not", "within"},
	"did_not":  {"did_not", "where", "in_last", "between", "since", "during"},
	"measure":  {"measure", "of", "where", "in_last", "between", "since", "during", "is"},
	"last":     {"last", "where", "ago"},
	"first":    {"first", "where", "ago"},
	"trend":    {"trend", "where", "in_last", "change"},
	"gap":      {"gap", "where", "vs_average"},
	"affinity": {"affinity", "of", "where", "in_last", "between", "since", "during", "is", "share"},
	"rfm":      {"rfm", "of"},
	"user":     {"user", "is", "in"},
	"segment":  {"segment"},
	"all":      {"all"},
	"any":      {"any"},
	"not":      {"not"},
}

// allConditionKeys is every key any condition takes, for suggestions.
var allConditionKeys = func() []string {
	var all []string
	for _, h := range headKeys {
		for _, k := range conditionKeys[h] {
			if !contains(all, k) {
				all = append(all, k)
			}
		}
	}
	return all
}()

var segmentKeys = []string{"name", "title", "description", "type", "unit", "where", "expect"}

// Parse reads a segment file: one segment mapping, or a mapping with a `segments:` list.
// Every problem is reported, positioned, in an ErrorList; the segments that parsed without
// any problem are returned alongside it.
func Parse(file string, src []byte) ([]*Segment, error) {
	d := &decoder{file: file}
	body := d.document(src)
	if body == nil {
		return nil, d.errs.Err()
	}
	segs := d.segmentFile(body)
	return segs, d.errs.Err()
}

// ParseSegment reads a file that must hold exactly one segment.
func ParseSegment(file string, src []byte) (*Segment, error) {
	segs, err := Parse(file, src)
	if err != nil {
		return nil, err
	}
	if len(segs) != 1 {
		return nil, ErrorList{{Pos: Pos{File: file}, Msg: "file holds " + strconv.Itoa(len(segs)) + " segments; want exactly one"}}
	}
	return segs[0], nil
}

// ParseCondition reads a single condition mapping (what the explorer's condition editor
// holds), for a segment of the given unit.
func ParseCondition(file string, src []byte, unit Unit) (Condition, error) {
	d := &decoder{file: file}
	body := d.document(src)
	if body == nil {
		return nil, d.errs.Err()
	}
	c := d.condition(body, 1, unit)
	if err := d.errs.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

func (d *decoder) segmentFile(body ast.Node) []*Segment {
	es, ok := d.mapping(body, "a segment file (one segment, or a segments: list)")
	if !ok {
		return nil
	}
	for _, e := range es {
		if e.key == "segments" {
			return d.segmentList(es)
		}
	}
	before := len(d.errs)
	s := d.segment(body)
	if s == nil || len(d.errs) > before {
		return nil
	}
	return []*Segment{s}
}

func (d *decoder) segmentList(es []entry) []*Segment {
	var list entry
	for _, e := range es {
		if e.key != "segments" {
			d.errorf(e.keyPos, "unknown key %q beside segments: (a segments file holds only the list)%s", e.key, didYouMean(e.key, []string{"segments"}))
			continue
		}
		list = e
	}
	items, ok := d.sequence(list, "segments: takes a list of segments")
	if !ok {
		return nil
	}
	var out []*Segment
	for _, it := range items {
		before := len(d.errs)
		s := d.segment(it)
		if s != nil && len(d.errs) == before {
			out = append(out, s)
		}
	}
	return out
}

func (d *decoder) segment(n ast.Node) *Segment {
	d.conds = 0
	es, ok := d.mapping(n, "a segment")
	if !ok {
		return nil
	}
	s := &Segment{File: d.file, Pos: d.pos(n)}
	m := map[string]entry{}
	for _, e := range es {
		if !contains(segmentKeys, e.key) {
			d.errorf(e.keyPos, "unknown segment key %q%s", e.key, didYouMean(e.key, segmentKeys))
			continue
		}
		m[e.key] = e
	}
	if e, ok := m["name"]; ok {
		if name, ok := d.text(e); ok {
			if !ValidName(name) {
				d.errorf(e.pos, "bad segment name %q: use lowercase letters, digits and _ (at most %d)", name, MaxNameLen)
			} else {
				s.Name = name
			}
		}
	} else {
		d.errorf(s.Pos, "segment needs a name:")
	}
	if e, ok := m["title"]; ok {
		s.Title, _ = d.text(e)
	}
	if e, ok := m["description"]; ok {
		s.Description, _ = d.text(e)
	}
	if e, ok := m["type"]; ok {
		if t, ok := d.text(e); ok {
			if typ, known := ParseType(t); known {
				s.Type = typ
			} else {
				d.errorf(e.pos, "unknown type %q%s; want one of %s", t, didYouMean(t, typeNames[1:]), strings.Join(typeNames[1:], ", "))
			}
		}
	}
	if e, ok := m["unit"]; ok {
		if u, ok := d.text(e); ok {
			switch u {
			case "user":
				s.Unit = UnitUser
			case "account":
				s.Unit = UnitAccount
			default:
				d.errorf(e.pos, "unknown unit %q%s; want user or account", u, didYouMean(u, []string{"user", "account"}))
			}
		}
	}
	if e, ok := m["where"]; ok {
		if _, isSeq := e.node.(*ast.SequenceNode); isSeq {
			d.errorf(e.pos, "where: takes one condition; wrap a list in all: or any:")
		} else if e.empty() {
			d.errorf(e.pos, "where: needs a condition")
		} else {
			s.Where = d.condition(e.node, 1, s.Unit)
		}
	} else {
		d.errorf(s.Pos, "segment needs a where: condition")
	}
	if e, ok := m["expect"]; ok {
		s.Expect = d.expect(e)
	}
	return s
}

func (d *decoder) expect(e entry) Expect {
	x := Expect{Pos: e.keyPos}
	es, ok := d.mapping(e.node, "expect:")
	if !ok {
		return x
	}
	for _, f := range es {
		switch f.key {
		case "members":
			if c, ok := d.comparison(f, KindCount); ok {
				x.Members = &c
			}
		default:
			d.errorf(f.keyPos, "unknown expect key %q%s", f.key, didYouMean(f.key, []string{"members"}))
		}
	}
	return x
}

// condition reads one condition mapping at the given nesting depth (1 for a segment's where).
func (d *decoder) condition(n ast.Node, depth int, unit Unit) Condition {
	if depth > MaxDepth {
		d.errorf(d.pos(n), "conditions nest deeper than %d levels", MaxDepth)
		return nil
	}
	d.conds++
	if d.conds > MaxConditions {
		if d.conds == MaxConditions+1 {
			d.errorf(d.pos(n), "a segment holds at most %d conditions", MaxConditions)
		}
		return nil
	}
	es, ok := d.mapping(n, "a condition")
	if !ok {
		return nil
	}
	var head *entry
	for i := range es {
		if !contains(headKeys, es[i].key) {
			continue
		}
		if head != nil {
			d.errorf(es[i].keyPos, "conflicting keys %q and %q: a condition has exactly one of %s", head.key, es[i].key, strings.Join(headKeys, ", "))
			return nil
		}
		head = &es[i]
	}
	valid := allConditionKeys
	if head != nil {
		valid = conditionKeys[head.key]
	}
	m := map[string]entry{}
	bad := false
	for _, e := range es {
		switch {
		case !contains(allConditionKeys, e.key):
			d.errorf(e.keyPos, "unknown condition key %q%s", e.key, suggestKey(e.key, valid, allConditionKeys))
			bad = true
		case head != nil && !contains(valid, e.key):
			d.errorf(e.keyPos, "key %q does not belong in a %s condition", e.key, head.key)
			bad = true
		default:
			m[e.key] = e
		}
	}
	if head == nil {
		if !bad {
			d.errorf(d.pos(n), "a condition needs one of %s", strings.Join(headKeys, ", "))
		}
		return nil
	}
	c := conditionReader{d: d, m: m, head: *head, unit: unit, depth: depth, bad: bad}
	cond := c.read()
	if bad {
		return nil
	}
	return cond
}

// conditionReader reads one condition whose keys have been checked against its head.
type conditionReader struct {
	d     *decoder
	m     map[string]entry
	head  entry
	unit  Unit
	depth int
	bad   bool // unknown keys were reported: skip the checks a typo would trip
}

// need reports a missing required key.
func (c *conditionReader) need(k string) (entry, bool) {
	e, ok := c.m[k]
	if !ok {
		c.d.errorf(c.head.keyPos, "%s condition needs %q", c.head.key, k)
	}
	return e, ok
}

func (c *conditionReader) events(k string) ([]string, []Pos) {
	e, ok := c.m[k]
	if !ok {
		return nil, nil
	}
	names, pos, _ := c.d.names(e, "event name")
	return names, pos
}

func (c *conditionReader) where() []PropertyFilter {
	e, ok := c.m["where"]
	if !ok {
		return nil
	}
	return c.d.where(e)
}

func (c *conditionReader) window() Window {
	var w Window
	var first *entry
	for _, k := range windowKeys {
		e, ok := c.m[k]
		if !ok {
			continue
		}
		if first != nil {
			// Report at whichever of the two keys comes later in the file.
			a, b := *first, e
			if b.keyPos.compare(a.keyPos) < 0 {
				a, b = b, a
			}
			c.d.errorf(b.keyPos, "conflicting keys %q and %q: a condition takes one window", a.key, b.key)
			return Window{}
		}
		first = &e
	}
	if first == nil {
		return w
	}
	e := *first
	w.Pos = e.keyPos
	switch e.key {
	case "in_last":
		if du, ok := c.d.duration(e, true); ok {
			w.Kind, w.Last = WindowInLast, du
		}
	case "since":
		if dt, ok := c.d.date(e.node, e.pos); ok {
			w.Kind, w.Since = WindowSince, dt
		}
	case "between":
		if r, ok := c.d.dateRange(e.node, e.pos, "between"); ok {
			w.Kind, w.Ranges = WindowBetween, []DateRange{r}
		}
	case "during":
		items, ok := c.d.sequence(e, `"during" takes a list of date pairs: [[2024-11-20, 2024-11-30], [2025-11-20, 2025-11-30]]`)
		if !ok {
			return w
		}
		if len(items) == 0 {
			c.d.errorf(e.pos, `"during" needs at least one date pair`)
			return w
		}
		for _, it := range items {
			if r, ok := c.d.dateRange(it, c.d.pos(it), "during"); ok {
				w.Ranges = append(w.Ranges, r)
			}
		}
		if len(w.Ranges) == len(items) {
			w.Kind = WindowDuring
		} else {
			w.Ranges = nil
		}
	}
	return w
}

func (c *conditionReader) cmp(k string, kinds ...Kind) (Comparison, bool) {
	e, ok := c.need(k)
	if !ok {
		return Comparison{}, false
	}
	return c.d.comparison(e, kinds...)
}

func (c *conditionReader) read() Condition {
	h := c.head
	pos := h.keyPos
	switch h.key {
	case "did":
		return c.did()
	case "did_not":
		ev, evPos := c.events("did_not")
		return &DidNot{Events: ev, EventsPos: evPos, Where: c.where(), Window: c.window(), Pos: pos}
	case "measure":
		m := &Measure{Pos: pos}
		if s, ok := c.d.text(h); ok {
			m.Agg, m.Property = c.d.aggregate(s, h.pos)
		}
		m.Of, m.OfPos = c.events("of")
		m.Where, m.Window = c.where(), c.window()
		m.Is, _ = c.cmp("is", KindNumber)
		return m
	case "last", "first":
		r := &Recency{Pos: pos}
		if h.key == "first" {
			r.Which = First
		}
		r.Events, r.EventsPos = c.events(h.key)
		r.Where = c.where()
		r.Ago, _ = c.cmp("ago", KindDuration)
		return r
	case "trend":
		t := &Trend{Pos: pos}
		t.Events, t.EventsPos = c.events("trend")
		t.Where = c.where()
		if e, ok := c.need("in_last"); ok {
			t.Period, _ = c.d.duration(e, true)
		}
		t.Change, _ = c.cmp("change", KindPercent)
		return t
	case "gap":
		g := &Gap{Pos: pos}
		g.Events, g.EventsPos = c.events("gap")
		g.Where = c.where()
		g.VsAverage, _ = c.cmp("vs_average", KindNumber)
		return g
	case "affinity":
		a := &Affinity{Pos: pos}
		a.Property, _ = c.d.name(h.node, h.pos, "property name")
		a.Of, a.OfPos = c.events("of")
		a.Where, a.Window = c.where(), c.window()
		if e, ok := c.need("is"); ok {
			a.Is, _ = c.d.value(e.node, e.pos)
		}
		if e, ok := c.need("share"); ok {
			if cmp, ok := c.d.comparison(e, KindPercent); ok {
				if share, _ := scalarText(e.node); !cmp.withinShare() {
					c.d.errorf(e.pos, "bad share %q: a share is between 0%% and 100%%", share)
				} else {
					a.Share = cmp
				}
			}
		}
		return a
	case "rfm":
		return c.rfm()
	case "user":
		return c.user()
	case "segment":
		r := &SegmentRef{Pos: pos}
		if name, ok := c.d.text(h); ok {
			if ValidName(name) {
				r.Name = name
			} else {
				c.d.errorf(h.pos, "bad segment name %q: use lowercase letters, digits and _", name)
			}
		}
		return r
	case "all", "any":
		return c.list()
	case "not":
		n := &Not{Pos: pos}
		if h.empty() {
			c.d.errorf(h.pos, "not: needs a condition")
			return n
		}
		n.Condition = c.d.condition(h.node, c.depth+1, c.unit)
		return n
	}
	return nil
}

func (c *conditionReader) did() Condition {
	h := c.head
	ev, evPos := c.events("did")
	then, hasThen := c.m["then"]
	thenNot, hasThenNot := c.m["then_not"]
	if hasThen || hasThenNot {
		if hasThen && hasThenNot {
			a, b := then, thenNot
			if b.keyPos.compare(a.keyPos) < 0 {
				a, b = b, a
			}
			c.d.errorf(b.keyPos, "conflicting keys %q and %q: a sequence has one of them", a.key, b.key)
			return nil
		}
		for _, k := range []string{"times", "users"} {
			if e, ok := c.m[k]; ok {
				c.d.errorf(e.keyPos, "key %q does not belong in a did … then condition", k)
			}
		}
		s := &Sequence{Events: ev, EventsPos: evPos, Where: c.where(), Window: c.window(), Pos: h.keyPos}
		next := then
		if hasThenNot {
			next, s.Negated = thenNot, true
		}
		s.Then, s.ThenPos, _ = c.d.names(next, "event name")
		if e, ok := c.m["within"]; ok {
			s.Within, _ = c.d.duration(e, true)
		} else {
			c.d.errorf(next.keyPos, "%q needs \"within\": how long after %q to look", next.key, "did")
		}
		return s
	}
	if e, ok := c.m["within"]; ok && !c.bad {
		c.d.errorf(e.keyPos, "\"within\" needs \"then\" or \"then_not\"")
	}
	dd := &Did{Events: ev, EventsPos: evPos, Where: c.where(), Window: c.window(), Times: AtLeastOnce(), Pos: h.keyPos}
	if e, ok := c.m["times"]; ok {
		dd.Times, _ = c.d.comparison(e, KindCount)
	}
	if e, ok := c.m["users"]; ok {
		if c.unit != UnitAccount {
			c.d.errorf(e.keyPos, "\"users\" needs unit: account (it counts the people of an account)")
		} else if u, ok := c.d.comparison(e, KindCount); ok {
			dd.Users = &u
		}
	}
	return dd
}

func (c *conditionReader) rfm() Condition {
	h := c.head
	r := &RFM{Pos: h.keyPos, Of: []string{DefaultRFMEvent}}
	if _, ok := c.m["of"]; ok {
		r.Of, r.OfPos = c.events("of")
	}
	es, ok := c.d.mapping(h.node, "rfm:")
	if !ok {
		return r
	}
	for _, e := range es {
		var dst **Comparison
		switch e.key {
		case "r":
			dst = &r.R
		case "f":
			dst = &r.F
		case "m":
			dst = &r.M
		default:
			c.d.errorf(e.keyPos, "unknown rfm key %q%s; want r, f or m", e.key, didYouMean(e.key, []string{"r", "f", "m"}))
			continue
		}
		cmp, ok := c.d.comparison(e, KindNumber)
		if !ok {
			continue
		}
		if cmp.Value < 1 || cmp.Value > 5 || (cmp.Op == OpRange && cmp.Hi > 5) {
			c.d.errorf(e.pos, "RFM scores run from 1 to 5")
			continue
		}
		*dst = &cmp
	}
	if r.R == nil && r.F == nil && r.M == nil && len(es) == 0 {
		c.d.errorf(h.pos, "rfm: needs at least one of r, f, m")
	}
	return r
}

func (c *conditionReader) user() Condition {
	h := c.head
	u := &UserAttr{Pos: h.keyPos}
	u.Attr, _ = c.d.name(h.node, h.pos, "attribute name")
	is, hasIs := c.m["is"]
	in, hasIn := c.m["in"]
	switch {
	case hasIs && hasIn:
		a, b := is, in
		if b.keyPos.compare(a.keyPos) < 0 {
			a, b = b, a
		}
		c.d.errorf(b.keyPos, "conflicting keys %q and %q: test one value, a list or a comparison", a.key, b.key)
	case hasIs:
		if s, isStr := is.node.(*ast.StringNode); isStr && looksLikeComparison(s.Value) {
			if cmp, ok := c.d.comparison(is, KindNumber); ok {
				u.Cmp = &cmp
			}
		} else if v, ok := c.d.value(is.node, is.pos); ok {
			u.Values = []Value{v}
		}
	case hasIn:
		u.Values, _ = c.d.valueList(in)
	default:
		c.d.errorf(h.keyPos, "user condition needs \"is\" or \"in\"")
	}
	return u
}

func (c *conditionReader) list() Condition {
	h := c.head
	items, ok := c.d.sequence(h, h.key+": takes a list of conditions")
	var conds []Condition
	if ok && len(items) == 0 {
		c.d.errorf(h.pos, "%s: needs at least one condition", h.key)
	}
	for _, it := range items {
		if cond := c.d.condition(it, c.depth+1, c.unit); cond != nil {
			conds = append(conds, cond)
		}
	}
	if h.key == "all" {
		return &All{Conditions: conds, Pos: h.keyPos}
	}
	return &Any{Conditions: conds, Pos: h.keyPos}
}

var measureRE = regexp.MustCompile(`^\s*([A-Za-z_]+)\s*\(\s*(.*?)\s*\)\s*$`)

// aggregate reads "sum(revenue)".
func (d *decoder) aggregate(s string, pos Pos) (Agg, string) {
	m := measureRE.FindStringSubmatch(s)
	if m == nil {
		d.errorf(pos, "bad measure %q: want sum(p), avg(p), min(p), max(p) or count_distinct(p)", s)
		return AggNone, ""
	}
	agg := AggNone
	for i, n := range aggNames {
		if n == m[1] {
			agg = Agg(i + 1)
		}
	}
	if agg == AggNone {
		d.errorf(pos, "unknown aggregate %q%s; want sum, avg, min, max or count_distinct", m[1], didYouMean(m[1], aggNames))
		return AggNone, ""
	}
	if msg := badName(m[2]); msg != "" {
		d.errorf(pos, "bad property name %q in measure: %s", m[2], msg)
		return AggNone, ""
	}
	return agg, m[2]
}

// valueList reads `in: [a, b]`.
func (d *decoder) valueList(e entry) ([]Value, bool) {
	items, ok := d.sequence(e, `"`+e.key+`" takes a list of values`)
	if !ok {
		return nil, false
	}
	if len(items) == 0 {
		d.errorf(e.pos, "%q needs at least one value", e.key)
		return nil, false
	}
	var out []Value
	for _, it := range items {
		v, ok1 := d.value(it, d.pos(it))
		if !ok1 {
			ok = false
			continue
		}
		out = append(out, v)
	}
	return out, ok
}

// where reads a `where:` map of property filters.
func (d *decoder) where(e entry) []PropertyFilter {
	es, ok := d.mapping(e.node, "where:")
	if !ok {
		return nil
	}
	if len(es) == 0 {
		d.errorf(e.pos, "where: needs at least one property")
		return nil
	}
	var out []PropertyFilter
	for _, f := range es {
		if msg := badName(f.key); msg != "" {
			d.errorf(f.keyPos, "bad property name %q: %s", f.key, msg)
			continue
		}
		pf := PropertyFilter{Property: f.key, Pos: f.keyPos}
		col := ColumnOf(f.key)
		switch n := f.node.(type) {
		case *ast.SequenceNode:
			vals, ok := d.valueList(f)
			if !ok {
				continue
			}
			pf.Values = vals
		case *ast.StringNode:
			if looksLikeComparison(n.Value) {
				if col == ColumnAccountID {
					d.errorf(f.pos, "account_id is a text column: compare it with a value or a list")
					continue
				}
				cmp, ok := d.comparison(f, KindNumber)
				if !ok {
					continue
				}
				pf.Cmp = &cmp
				break
			}
			pf.Values = []Value{StringValue(n.Value)}
		default:
			v, ok := d.value(f.node, f.pos)
			if !ok {
				continue
			}
			pf.Values = []Value{v}
		}
		if !d.columnTypes(pf) {
			continue
		}
		out = append(out, pf)
	}
	return out
}

// columnTypes checks values against the type of the column a filter reads.
func (d *decoder) columnTypes(pf PropertyFilter) bool {
	for _, v := range pf.Values {
		switch {
		case pf.Column() == ColumnRevenue && v.Kind != ValueNumber:
			d.errorf(pf.Pos, "revenue is a number column: compare it with a number or a comparison like \"> 20\"")
			return false
		case pf.Column() == ColumnAccountID && v.Kind != ValueString:
			d.errorf(pf.Pos, "account_id is a text column: quote the value")
			return false
		}
	}
	return true
}
