package sampledata

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/segscope/segscope/segments"
)

// refEval evaluates parsed segment trees over a generated dataset in plain Go, with the
// language's rules (DESIGN.md) and the scorer's primitives of behaviors_test.go. It is the
// reference the demo workspace's `expect:` bounds are checked against here, independently
// of the DuckDB engine (which `segscope check` runs on the same data).
type refEval struct {
	d        *dataset
	ws       *segments.Workspace
	asOf     int64
	accounts []*refAccount
	attrs    []map[string]string // per person: users.csv columns, "" = missing
	memo     map[string][]bool
	rfm      map[string]map[int][3]int // by unit + of-events: unit index → scores
	err      error                     // the first unsupported construct met
}

// refAccount is a unit: account member: its people and their events merged in time order.
type refAccount struct {
	id      string
	members []*person
	all     *person
}

func newRefEval(d *dataset, ws *segments.Workspace) *refEval {
	r := &refEval{d: d, ws: ws, asOf: d.asOf, memo: map[string][]bool{}, rfm: map[string]map[int][3]int{}}
	cols := UserColumns()
	for _, p := range d.people {
		m := map[string]string{}
		for i, v := range p.u.Record() {
			m[cols[i]] = v
		}
		r.attrs = append(r.attrs, m)
	}
	ids := make([]string, 0, len(d.accounts))
	for id := range d.accounts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a := &refAccount{id: id, members: d.accounts[id], all: &person{}}
		for _, p := range a.members {
			a.all.ev = append(a.all.ev, p.ev...)
		}
		slices.SortStableFunc(a.all.ev, func(x, y pev) int { return int(x.t - y.t) })
		r.accounts = append(r.accounts, a)
	}
	return r
}

func (r *refEval) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

// units is the number of possible members of a unit.
func (r *refEval) units(u segments.Unit) int {
	if u == segments.UnitAccount {
		return len(r.accounts)
	}
	return len(r.d.people)
}

// events is the event history a condition reads for unit member i.
func (r *refEval) events(u segments.Unit, i int) *person {
	if u == segments.UnitAccount {
		return r.accounts[i].all
	}
	return r.d.people[i]
}

// Segment evaluates a segment by name (memoized: segment references reuse it).
func (r *refEval) Segment(name string) []bool {
	if m, ok := r.memo[name]; ok {
		return m
	}
	s := r.ws.Segment(name)
	if s == nil {
		r.fail("unknown segment %q", name)
		return nil
	}
	m := r.cond(s.Where, s.Unit)
	r.memo[name] = m
	return m
}

func count(m []bool) int {
	n := 0
	for _, b := range m {
		if b {
			n++
		}
	}
	return n
}

// span is a resolved window in whole seconds, both ends inclusive.
type span struct{ from, to int64 }

func (r *refEval) spans(w segments.Window) []span {
	var out []span
	for _, iv := range w.Resolve(time.Unix(r.asOf, 0).UTC()) {
		s := span{from: math.MinInt64, to: iv.End.Unix()}
		if !iv.EndIncl {
			s.to--
		}
		if !iv.Start.IsZero() {
			s.from = iv.Start.Unix()
			if !iv.StartIncl {
				s.from++
			}
		}
		out = append(out, s)
	}
	return out
}

func inSpans(t int64, ss []span) bool {
	for _, s := range ss {
		if t >= s.from && t <= s.to {
			return true
		}
	}
	return false
}

// matcher tests an event against event names (any of; none = every event) and filters.
func (r *refEval) matcher(names []string, where []segments.PropertyFilter) func(*pev) bool {
	return func(e *pev) bool {
		if len(names) > 0 && !slices.Contains(names, e.name) {
			return false
		}
		for _, f := range where {
			if !r.filter(f, e) {
				return false
			}
		}
		return true
	}
}

// prop reads a property (or the revenue column) of an event: a string, float64 or bool.
func (r *refEval) prop(e *pev, key string) (any, bool) {
	switch segments.ColumnOf(key) {
	case segments.ColumnRevenue:
		return e.rev, e.rev != 0 // the generator writes revenue only where it is non-zero
	case segments.ColumnAccountID:
		r.fail("account_id filters are not supported by the reference evaluator")
		return nil, false
	}
	v, ok := e.props[key]
	return v, ok
}

func (r *refEval) filter(f segments.PropertyFilter, e *pev) bool {
	v, ok := r.prop(e, f.Property)
	if !ok {
		return false
	}
	if f.Cmp != nil {
		x, isNum := v.(float64)
		return isNum && f.Cmp.Matches(x)
	}
	for _, want := range f.Values {
		if valueEquals(want, v) {
			return true
		}
	}
	return false
}

func valueEquals(want segments.Value, v any) bool {
	switch x := v.(type) {
	case string:
		return want.Kind == segments.ValueString && want.Str == x
	case float64:
		return want.Kind == segments.ValueNumber && want.Num == x
	case bool:
		return want.Kind == segments.ValueBool && want.Bool == x
	}
	return false
}

// matching lists the times of p's matching events up to as_of inside the spans (all
// history when ss is nil).
func (r *refEval) matching(p *person, m func(*pev) bool, ss []span) []int64 {
	var ts []int64
	for i := range p.ev {
		e := &p.ev[i]
		if e.t > r.asOf || (ss != nil && !inSpans(e.t, ss)) || !m(e) {
			continue
		}
		ts = append(ts, e.t)
	}
	return ts
}

func (r *refEval) cond(c segments.Condition, u segments.Unit) []bool {
	n := r.units(u)
	out := make([]bool, n)
	each := func(f func(i int, p *person) bool) []bool {
		for i := range n {
			out[i] = f(i, r.events(u, i))
		}
		return out
	}
	switch c := c.(type) {
	case *segments.Did:
		m, ss := r.matcher(c.Events, c.Where), r.spans(c.Window)
		times := c.TimesOrDefault()
		return each(func(i int, p *person) bool {
			if !times.Matches(float64(len(r.matching(p, m, ss)))) {
				return false
			}
			if c.Users == nil {
				return true
			}
			people := 0
			for _, q := range r.accounts[i].members {
				if len(r.matching(q, m, ss)) > 0 {
					people++
				}
			}
			return c.Users.Matches(float64(people))
		})
	case *segments.DidNot:
		m, ss := r.matcher(c.Events, c.Where), r.spans(c.Window)
		return each(func(_ int, p *person) bool { return len(r.matching(p, m, ss)) == 0 })
	case *segments.Sequence:
		a, b := r.matcher(c.Events, c.Where), r.matcher(c.Then, nil)
		ss, within := r.spans(c.Window), c.Within.Seconds()
		return each(func(_ int, p *person) bool {
			bs := r.matching(p, b, nil)
			for _, t := range r.matching(p, a, ss) {
				end := t + within
				if c.Negated && end > r.asOf {
					continue
				}
				followed := slices.ContainsFunc(bs, func(x int64) bool { return x > t && x <= end })
				if followed != c.Negated {
					return true
				}
			}
			return false
		})
	case *segments.Measure:
		m, ss := r.matcher(c.Of, c.Where), r.spans(c.Window)
		return each(func(_ int, p *person) bool {
			x, ok := r.measure(c, p, m, ss)
			return ok && c.Is.Matches(x)
		})
	case *segments.Recency:
		m := r.matcher(c.Events, c.Where)
		return each(func(_ int, p *person) bool {
			ts := r.matching(p, m, nil)
			if len(ts) == 0 {
				return false
			}
			t := ts[len(ts)-1]
			if c.Which == segments.First {
				t = ts[0]
			}
			return c.Ago.Matches(float64(r.asOf - t))
		})
	case *segments.Trend:
		m, d := r.matcher(c.Events, c.Where), c.Period.Seconds()
		cur, prev := []span{{r.asOf - d + 1, r.asOf}}, []span{{r.asOf - 2*d + 1, r.asOf - d}}
		return each(func(_ int, p *person) bool {
			nc, np := len(r.matching(p, m, cur)), len(r.matching(p, m, prev))
			return np > 0 && c.Change.Matches(float64(nc-np)/float64(np))
		})
	case *segments.Gap:
		m := r.matcher(c.Events, c.Where)
		return each(func(_ int, p *person) bool {
			ts := r.matching(p, m, nil)
			if len(ts) < 2 {
				return false
			}
			mean := float64(ts[len(ts)-1]-ts[0]) / float64(len(ts)-1)
			return mean > 0 && c.VsAverage.Matches(float64(r.asOf-ts[len(ts)-1])/mean)
		})
	case *segments.Affinity:
		m, ss := r.matcher(c.Of, c.Where), r.spans(c.Window)
		return each(func(_ int, p *person) bool {
			set, hit := 0, 0
			for i := range p.ev {
				e := &p.ev[i]
				if e.t > r.asOf || !inSpans(e.t, ss) || !m(e) {
					continue
				}
				v, ok := r.prop(e, c.Property)
				if !ok {
					continue
				}
				set++
				if valueEquals(c.Is, v) {
					hit++
				}
			}
			return set > 0 && c.Share.Matches(float64(hit)/float64(set))
		})
	case *segments.RFM:
		scores := r.rfmScores(c.Of, u)
		return each(func(i int, _ *person) bool {
			s, ok := scores[i]
			if !ok {
				return false
			}
			for k, cmp := range []*segments.Comparison{c.R, c.F, c.M} {
				if cmp != nil && !cmp.Matches(float64(s[k])) {
					return false
				}
			}
			return true
		})
	case *segments.UserAttr:
		if u != segments.UnitUser {
			r.fail("user: in a unit: account segment")
			return out
		}
		return each(func(i int, _ *person) bool {
			v := r.attrs[i][c.Attr]
			if v == "" {
				return false
			}
			if c.Cmp != nil {
				x, err := strconv.ParseFloat(v, 64)
				return err == nil && c.Cmp.Matches(x)
			}
			return slices.ContainsFunc(c.Values, func(want segments.Value) bool { return want.String() == v })
		})
	case *segments.SegmentRef:
		if s := r.ws.Segment(c.Name); s == nil || s.Unit != u {
			r.fail("segment %q: missing or of another unit", c.Name)
			return out
		}
		copy(out, r.Segment(c.Name))
		return out
	case *segments.All:
		for i := range out {
			out[i] = true
		}
		for _, sub := range c.Conditions {
			for i, b := range r.cond(sub, u) {
				out[i] = out[i] && b
			}
		}
		return out
	case *segments.Any:
		for _, sub := range c.Conditions {
			for i, b := range r.cond(sub, u) {
				out[i] = out[i] || b
			}
		}
		return out
	case *segments.Not:
		for i, b := range r.cond(c.Condition, u) {
			out[i] = !b
		}
		return out
	}
	r.fail("condition %T is not supported by the reference evaluator", c)
	return out
}

// measure aggregates the property over p's matching events in the spans; ok is false when
// the aggregate does not exist (avg, min or max of nothing).
func (r *refEval) measure(c *segments.Measure, p *person, m func(*pev) bool, ss []span) (float64, bool) {
	var nums []float64
	distinct := map[string]bool{}
	for i := range p.ev {
		e := &p.ev[i]
		if e.t > r.asOf || !inSpans(e.t, ss) || !m(e) {
			continue
		}
		v, ok := r.prop(e, c.Property)
		if !ok {
			continue
		}
		distinct[fmt.Sprint(v)] = true
		if x, isNum := v.(float64); isNum {
			nums = append(nums, x)
		}
	}
	switch c.Agg {
	case segments.AggCountDistinct:
		return float64(len(distinct)), true
	case segments.AggSum:
		s := 0.0
		for _, x := range nums {
			s += x
		}
		return s, true
	}
	if len(nums) == 0 {
		return 0, false
	}
	switch c.Agg {
	case segments.AggAvg:
		s := 0.0
		for _, x := range nums {
			s += x
		}
		return s / float64(len(nums)), true
	case segments.AggMin:
		return slices.Min(nums), true
	case segments.AggMax:
		return slices.Max(nums), true
	}
	r.fail("aggregate %v", c.Agg)
	return 0, false
}

// rfmScores scores every unit member with at least one `of` event: score = ceil(5 ×
// cume_dist) by latest event, count and sum(revenue); ties share a score.
func (r *refEval) rfmScores(of []string, u segments.Unit) map[int][3]int {
	key := u.String() + "/" + strings.Join(of, ",")
	if s, ok := r.rfm[key]; ok {
		return s
	}
	m := r.matcher(of, nil)
	type row struct {
		i       int
		r, f, m float64
	}
	var rows []row
	for i := range r.units(u) {
		p := r.events(u, i)
		x := row{i: i}
		for j := range p.ev {
			if e := &p.ev[j]; e.t <= r.asOf && m(e) {
				x.r = max(x.r, float64(e.t))
				x.f++
				x.m += e.rev
			}
		}
		if x.f > 0 {
			rows = append(rows, x)
		}
	}
	score := func(get func(row) float64) []int {
		sorted := make([]float64, len(rows))
		for k, x := range rows {
			sorted[k] = get(x)
		}
		slices.Sort(sorted)
		out := make([]int, len(rows))
		for k, x := range rows {
			le, _ := slices.BinarySearch(sorted, math.Nextafter(get(x), math.Inf(1)))
			out[k] = int(math.Ceil(5 * float64(le) / float64(len(rows))))
		}
		return out
	}
	rs := score(func(x row) float64 { return x.r })
	fs := score(func(x row) float64 { return x.f })
	ms := score(func(x row) float64 { return x.m })
	out := map[int][3]int{}
	for k, x := range rows {
		out[x.i] = [3]int{rs[k], fs[k], ms[k]}
	}
	r.rfm[key] = out
	return out
}
