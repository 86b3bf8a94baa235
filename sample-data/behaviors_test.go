package sampledata

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// This file evaluates the segment definitions README.md gives for each planted behavior,
// in plain Go and with the segment language's rules (DESIGN.md): windows are
// (as_of − d, as_of], as_of is the latest event, `then_not` needs t + within ≤ as_of, a
// zero previous count never makes a trend, `gap` needs two events, RFM scores are
// ceil(5 × cume_dist). It checks that each definition finds the users the generator
// planted (recall) and not many others (precision), and prints the counts README.md quotes.

type pev struct {
	name  string
	t     int64
	rev   float64
	props map[string]any
}

type person struct {
	u  User
	ev []pev // time order
}

type dataset struct {
	cfg      Config
	people   []*person
	asOf     int64
	accounts map[string][]*person
}

type collector struct {
	d   *dataset
	cur *person
}

func (c *collector) User(u User) error {
	c.cur = &person{u: u}
	c.d.people = append(c.d.people, c.cur)
	if u.AccountID != "" {
		c.d.accounts[u.AccountID] = append(c.d.accounts[u.AccountID], c.cur)
	}
	return nil
}

func (c *collector) Event(e Event) error {
	var props map[string]any
	if err := json.Unmarshal([]byte(e.Properties), &props); err != nil {
		return fmt.Errorf("properties %q: %w", e.Properties, err)
	}
	t := e.Time.Unix()
	c.cur.ev = append(c.cur.ev, pev{name: e.Name, t: t, rev: e.Revenue, props: props})
	c.d.asOf = max(c.d.asOf, t)
	return nil
}

func collect(t testing.TB, cfg Config) *dataset {
	t.Helper()
	cfg, err := cfg.normalized()
	if err != nil {
		t.Fatal(err)
	}
	d := &dataset{cfg: cfg, accounts: map[string][]*person{}}
	if err := Generate(context.Background(), cfg, &collector{d: d}); err != nil {
		t.Fatal(err)
	}
	return d
}

// window is the set of instants a condition looks at, already cut at as_of.
type window struct{ from, to int64 } // inclusive

func (d *dataset) all() window            { return window{math.MinInt64, d.asOf} }
func (d *dataset) inLast(days int) window { return window{d.asOf - int64(days)*day + 1, d.asOf} }
func (d *dataset) between(a, b string) window {
	from, _ := time.Parse(time.DateOnly, a)
	to, _ := time.Parse(time.DateOnly, b)
	return window{from.Unix(), min(d.asOf, to.Unix()+day-1)}
}

func (w window) has(t int64) bool { return t >= w.from && t <= w.to }

type match func(e *pev) bool

func named(names ...string) match {
	return func(e *pev) bool { return slices.Contains(names, e.name) }
}

func where(names []string, key string, values ...string) match {
	return func(e *pev) bool {
		v, ok := e.props[key].(string)
		return ok && slices.Contains(names, e.name) && slices.Contains(values, v)
	}
}

func (p *person) count(m match, w window) int {
	n := 0
	for i := range p.ev {
		if w.has(p.ev[i].t) && m(&p.ev[i]) {
			n++
		}
	}
	return n
}

// latest is the time of the latest matching event up to as_of, or false.
func (p *person) latest(m match, asOf int64) (int64, bool) {
	for i := len(p.ev) - 1; i >= 0; i-- {
		if p.ev[i].t <= asOf && m(&p.ev[i]) {
			return p.ev[i].t, true
		}
	}
	return 0, false
}

func (p *person) first(m match, asOf int64) (int64, bool) {
	for i := range p.ev {
		if p.ev[i].t <= asOf && m(&p.ev[i]) {
			return p.ev[i].t, true
		}
	}
	return 0, false
}

// thenNot: some A in w at t with t+within ≤ as_of has no B in (t, t+within].
func (p *person) thenNot(a, b match, within int64, w window, asOf int64) bool {
	for i := range p.ev {
		e := &p.ev[i]
		if !w.has(e.t) || !a(e) || e.t+within > asOf {
			continue
		}
		followed := false
		for j := i + 1; j < len(p.ev) && p.ev[j].t <= e.t+within; j++ {
			if p.ev[j].t > e.t && b(&p.ev[j]) {
				followed = true
				break
			}
		}
		if !followed {
			return true
		}
	}
	return false
}

// trend is (count in the last d − count in the d before) ÷ count in the d before.
func (p *person) trend(m match, d *dataset, days int) (float64, bool) {
	cur := p.count(m, d.inLast(days))
	prev := p.count(m, window{d.asOf - 2*int64(days)*day + 1, d.asOf - int64(days)*day})
	if prev == 0 {
		return 0, false
	}
	return float64(cur-prev) / float64(prev), true
}

// gapRatio is (as_of − latest) ÷ the mean gap between consecutive matching events.
func (p *person) gapRatio(m match, asOf int64) (float64, bool) {
	var ts []int64
	for i := range p.ev {
		if p.ev[i].t <= asOf && m(&p.ev[i]) {
			ts = append(ts, p.ev[i].t)
		}
	}
	if len(ts) < 2 {
		return 0, false
	}
	mean := float64(ts[len(ts)-1]-ts[0]) / float64(len(ts)-1)
	if mean == 0 {
		return 0, false
	}
	return float64(asOf-ts[len(ts)-1]) / mean, true
}

func (p *person) countDistinct(m match, key string, w window) int {
	seen := map[any]bool{}
	for i := range p.ev {
		if v, ok := p.ev[i].props[key]; ok && w.has(p.ev[i].t) && m(&p.ev[i]) {
			seen[v] = true
		}
	}
	return len(seen)
}

func (p *person) maxNum(m match, key string, w window) (float64, bool) {
	best, ok := math.Inf(-1), false
	for i := range p.ev {
		if v, isNum := p.ev[i].props[key].(float64); isNum && w.has(p.ev[i].t) && m(&p.ev[i]) {
			best, ok = max(best, v), true
		}
	}
	return best, ok
}

// affinity is the share of the events with key set whose value is v.
func (p *person) affinity(m match, key, v string, w window) (float64, bool) {
	n, hit := 0, 0
	for i := range p.ev {
		val, ok := p.ev[i].props[key]
		if !ok || !w.has(p.ev[i].t) || !m(&p.ev[i]) {
			continue
		}
		n++
		if val == v {
			hit++
		}
	}
	if n == 0 {
		return 0, false
	}
	return float64(hit) / float64(n), true
}

// rfmScores scores every person with at least one purchase: score = ceil(5 × cume_dist),
// ties sharing a score; recency ranks later as higher.
func (d *dataset) rfmScores() map[*person][3]int {
	type rfm struct {
		p       *person
		r, f, m float64
	}
	var rows []rfm
	buy := named("purchase")
	for _, p := range d.people {
		var x rfm
		x.p = p
		for i := range p.ev {
			if p.ev[i].t <= d.asOf && buy(&p.ev[i]) {
				x.r = max(x.r, float64(p.ev[i].t))
				x.f++
				x.m += p.ev[i].rev
			}
		}
		if x.f > 0 {
			rows = append(rows, x)
		}
	}
	score := func(get func(rfm) float64) map[*person]int {
		vals := make([]float64, len(rows))
		for i, x := range rows {
			vals[i] = get(x)
		}
		sorted := slices.Clone(vals)
		slices.Sort(sorted)
		out := map[*person]int{}
		for i, x := range rows {
			// cume_dist: the share of rows with a value ≤ this one.
			le, _ := slices.BinarySearch(sorted, math.Nextafter(vals[i], math.Inf(1)))
			out[x.p] = int(math.Ceil(5 * float64(le) / float64(len(rows))))
		}
		return out
	}
	r := score(func(x rfm) float64 { return x.r })
	f := score(func(x rfm) float64 { return x.f })
	m := score(func(x rfm) float64 { return x.m })
	out := map[*person][3]int{}
	for _, x := range rows {
		out[x.p] = [3]int{r[x.p], f[x.p], m[x.p]}
	}
	return out
}

// segmentDef is one README definition: who matches, and which planted behavior it should
// find. minRecall/minPrecision are the floors the test asserts.
type segmentDef struct {
	name                    string
	industry                []Industry // the definition's `user: industry in [...]` filter; nil = all
	planted                 Behavior   // 0: no planted truth, only counted
	account                 bool       // unit: account
	member                  func(d *dataset, p *person) bool
	accMatch                func(d *dataset, members []*person) bool
	minRecall, minPrecision float64
}

func definitions(d *dataset) []segmentDef {
	days := func(n int) int64 { return int64(n) * day }
	purchase := named("purchase")
	var bf []window
	for _, w := range d.cfg.saleWindows() {
		if w.Name == "black_friday" {
			bf = append(bf, d.between(w.Days()[0], w.Days()[1]))
		}
	}
	var rfm map[*person][3]int
	rfmOf := func(p *person) ([3]int, bool) {
		if rfm == nil {
			rfm = d.rfmScores()
		}
		s, ok := rfm[p]
		return s, ok
	}
	securityEvents := named("security_check", "card_freeze", "virtual_card")
	rewardEvents := named("cashback_redeem", "currency_exchange")
	declining := func(activity string) func(*dataset, *person) bool {
		return func(d *dataset, p *person) bool {
			ch, ok := p.trend(named(activity), d, 30)
			return ok && ch <= -0.5 && p.count(named(activity), d.inLast(60)) >= 8
		}
	}
	dormant := func(activity string) func(*dataset, *person) bool {
		return func(d *dataset, p *person) bool {
			return p.count(named(activity), d.all()) >= 3 && p.count(named(activity), d.inLast(60)) == 0
		}
	}
	defs := []segmentDef{
		{name: "cart_abandoners",
			member: func(d *dataset, p *person) bool {
				return p.thenNot(named("add_to_cart"), purchase, 2*hour, d.inLast(7), d.asOf)
			}},
		{name: "first_time_buyers",
			member: func(d *dataset, p *person) bool { return p.count(purchase, d.all()) == 1 }},
		{name: "repeat_buyers",
			member: func(d *dataset, p *person) bool { return p.count(purchase, d.all()) >= 2 }},
		{name: "frequent_buyers",
			member: func(d *dataset, p *person) bool { return p.count(purchase, d.inLast(90)) >= 4 }},
		{name: "lapsed_buyers",
			member: func(d *dataset, p *person) bool {
				last, ok := p.latest(purchase, d.asOf)
				return ok && p.count(purchase, d.all()) >= 2 && d.asOf-last > days(180)
			}},
		{name: "sale_event_buyers",
			member: func(d *dataset, p *person) bool {
				for _, w := range bf {
					if p.count(purchase, w) == 0 {
						return false
					}
				}
				return len(bf) > 0
			}},
		// At-risk loyal members stopped buying too: they are win-back candidates as well.
		{name: "win_back",
			member: func(d *dataset, p *person) bool {
				ratio, ok := p.gapRatio(purchase, d.asOf)
				last, _ := p.latest(purchase, d.asOf)
				return ok && ratio > 2 && d.asOf-last <= days(180)
			}},
		{name: "at_risk_loyal",
			member: func(d *dataset, p *person) bool {
				last, ok := p.latest(purchase, d.asOf)
				ch, okT := p.trend(named("app_open"), d, 30)
				return (p.u.LoyaltyTier == "gold" || p.u.LoyaltyTier == "platinum") &&
					ok && d.asOf-last > days(90) && okT && ch <= -0.5
			}},
		// RFM has no planted truth of its own; the check is that champions are the frequent
		// and regular buyers, and the at-risk are those who stopped.
		{name: "rfm_champions",
			member: func(d *dataset, p *person) bool {
				s, ok := rfmOf(p)
				return ok && s[0] >= 4 && s[1] >= 4 && s[2] >= 4
			}},
		{name: "rfm_at_risk",
			member: func(d *dataset, p *person) bool {
				s, ok := rfmOf(p)
				return ok && s[0] <= 2 && s[1] >= 4 && s[2] >= 4
			}},
		{name: "power_users",
			member: func(d *dataset, p *person) bool {
				return p.count(named("login"), d.inLast(30)) >= 15 &&
					p.countDistinct(named("feature_used"), "feature", d.inLast(30)) >= 5
			}},
		{name: "dormant_users",
			member: dormant("login")},
		{name: "dormant_app_users",
			member: dormant("app_open")},
		{name: "declining_logins",
			member: declining("login")},
		{name: "declining_app_opens",
			member: declining("app_open")},
		{name: "inactive_subscribers",
			member: func(d *dataset, p *person) bool {
				return p.count(named("email_sent"), d.inLast(60)) > 0 && p.count(named("email_open"), d.inLast(60)) == 0
			}},
		{name: "pricing_intent",
			member: func(d *dataset, p *person) bool {
				return p.count(where([]string{"page_view"}, "page", "pricing"), d.inLast(7)) >= 3
			}},
		{name: "high_intent_accounts",
			accMatch: func(d *dataset, members []*person) bool {
				readers := func(page string) int {
					n := 0
					for _, p := range members {
						if p.count(where([]string{"page_view"}, "page", page), d.inLast(14)) > 0 {
							n++
						}
					}
					return n
				}
				return readers("pricing") >= 2 && readers("integrations") >= 2
			}},
		{name: "trial_users",
			member: func(d *dataset, p *person) bool {
				t, ok := p.first(named("trial_start"), d.asOf)
				return ok && d.asOf-t <= days(30)
			}},
		{name: "trial_activated",
			member: func(d *dataset, p *person) bool {
				t, ok := p.first(named("trial_start"), d.asOf)
				return ok && d.asOf-t <= days(30) &&
					p.countDistinct(named("feature_used"), "feature", d.inLast(30)) >= 3
			}},
		{name: "topic_followers",
			member: func(d *dataset, p *person) bool {
				if p.count(named("article_read"), d.all()) < 10 {
					return false
				}
				for _, topic := range mediaTopics {
					if s, ok := p.affinity(named("article_read"), "topic", topic, d.all()); ok && s >= 0.6 {
						return true
					}
				}
				return false
			}},
		{name: "paywall_hitters",
			member: func(d *dataset, p *person) bool { return p.count(named("paywall_hit"), d.inLast(30)) >= 3 }},
		{name: "near_completers",
			member: func(d *dataset, p *person) bool {
				best, ok := p.maxNum(named("course_progress"), "progress", d.all())
				last, okL := p.latest(named("login"), d.asOf)
				return ok && best >= 0.7 && p.count(named("course_complete"), d.all()) == 0 &&
					okL && d.asOf-last > days(7)
			}},
		{name: "course_completers",
			member: func(d *dataset, p *person) bool { return p.count(named("course_complete"), d.all()) > 0 }},
		{name: "security_minded",
			member: func(d *dataset, p *person) bool { return p.count(securityEvents, d.inLast(90)) >= 3 }},
		{name: "reward_minded",
			member: func(d *dataset, p *person) bool { return p.count(rewardEvents, d.inLast(90)) >= 3 }},
		{name: "investment_intent",
			member: func(d *dataset, p *person) bool {
				return p.count(where([]string{"view_education"}, "topic", "etf", "options"), d.inLast(60)) >= 2 &&
					p.count(named("deposit"), d.all()) == 0
			}},
		{name: "new_users",
			member: func(d *dataset, p *person) bool {
				t, ok := p.first(named("signup"), d.asOf)
				return ok && d.asOf-t <= days(30)
			}},
	}
	// Who a definition admits, what it should find and the floors asserted come from the
	// table the workspace gen writes takes its expect: bounds from.
	for i := range defs {
		e, ok := expectations[defs[i].name]
		if !ok {
			panic("no expectation for " + defs[i].name)
		}
		defs[i].industry, defs[i].planted, defs[i].account = e.industries, e.planted, e.account
		defs[i].minRecall, defs[i].minPrecision = e.recall, e.precision
	}
	return defs
}

// segmentCount is one definition evaluated on a dataset.
type segmentCount struct {
	name                      string
	members, planted, correct int
	population                int            // users (or accounts) the industry filter admits
	others                    map[string]int // members not planted, by what was planted in them
}

func (s segmentCount) recall() float64    { return ratio(s.correct, s.planted) }
func (s segmentCount) precision() float64 { return ratio(s.correct, s.members) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func evaluate(d *dataset, def segmentDef) segmentCount {
	c := segmentCount{name: def.name, others: map[string]int{}}
	if def.account {
		for _, members := range d.accounts {
			c.population++
			planted := members[0].u.Planted.Has(def.planted)
			hit := def.accMatch(d, members)
			c.add(hit, planted)
		}
		return c
	}
	for _, p := range d.people {
		if def.industry != nil && !slices.Contains(def.industry, p.u.Industry) {
			continue
		}
		c.population++
		hit := def.member(d, p)
		c.add(hit, def.planted != 0 && p.u.Planted&def.planted != 0)
		if hit && def.planted != 0 && p.u.Planted&def.planted == 0 {
			c.others[p.u.Planted.String()]++
		}
	}
	return c
}

func (c *segmentCount) add(hit, planted bool) {
	if hit {
		c.members++
	}
	if planted {
		c.planted++
	}
	if hit && planted {
		c.correct++
	}
}

// readmeCounts reads one count column of README.md's behavior table (4: Demo, 6: the 10k
// dataset), so the numbers the demo workspace's `expect:` bounds are written against cannot
// drift from what the generator does.
func readmeCounts(t *testing.T, column int) map[string]int {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`^\| ([a-z_]+)[^|]* \|`)
	out := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		m := row.FindStringSubmatch(line)
		cells := strings.Split(line, "|")
		if m == nil || len(cells) <= column {
			continue
		}
		fields := strings.Fields(strings.ReplaceAll(cells[column], ",", ""))
		if len(fields) == 0 {
			continue
		}
		if n, err := strconv.Atoi(fields[0]); err == nil {
			out[m[1]] = n
		}
	}
	if len(out) < 20 {
		t.Fatalf("README.md: found counts for only %d segments", len(out))
	}
	return out
}

func checkBehaviors(t *testing.T, cfg Config, documented map[string]int) {
	d := collect(t, cfg)
	if end := d.cfg.End.Unix(); d.asOf > end || d.asOf < end-day {
		t.Errorf("as_of %s is not within the last day of the span", time.Unix(d.asOf, 0).UTC())
	}
	var table strings.Builder
	fmt.Fprintf(&table, "%-22s %8s %8s %8s %7s %7s\n", "segment", "members", "planted", "of", "recall", "precis.")
	for _, def := range definitions(d) {
		c := evaluate(d, def)
		if c.population == 0 {
			continue // the dataset has none of the definition's industry
		}
		fmt.Fprintf(&table, "%-22s %8d %8d %8d %7.3f %7.3f\n", c.name, c.members, c.planted, c.population, c.recall(), c.precision())
		if c.members == 0 {
			t.Errorf("%s: no members", c.name)
		}
		if documented != nil {
			want, ok := documented[c.name]
			if !ok {
				t.Errorf("%s: no count in README.md", c.name)
			} else if diff := c.members - want; diff*diff > max(9, want*want/25) {
				t.Errorf("%s: %d members, README.md says %d (more than 20%% off)", c.name, c.members, want)
			}
		}
		if def.planted == 0 {
			continue
		}
		if c.planted == 0 {
			t.Errorf("%s: nothing planted", c.name)
		}
		if c.recall() < def.minRecall {
			t.Errorf("%s: recall %.3f < %.2f (%d of %d planted found)", c.name, c.recall(), def.minRecall, c.correct, c.planted)
		}
		if c.precision() < def.minPrecision {
			t.Errorf("%s: precision %.3f < %.2f (%d of %d members planted; the others: %v)",
				c.name, c.precision(), def.minPrecision, c.correct, c.members, c.others)
		}
	}
	t.Logf("%s, %d users, seed %d, as_of %s:\n%s", cfg.Industry, cfg.Users, cfg.Seed,
		time.Unix(d.asOf, 0).UTC().Format(time.RFC3339), table.String())
}

func TestBehaviorsDemo(t *testing.T) { checkBehaviors(t, Demo(), readmeCounts(t, 4)) }

// TestBehaviorsPerIndustry runs every single-industry dataset on another seed, so the
// floors hold beyond the two datasets README.md quotes.
func TestBehaviorsPerIndustry(t *testing.T) {
	for _, in := range Industries() {
		t.Run(string(in), func(t *testing.T) {
			t.Parallel()
			checkBehaviors(t, Config{Industry: in, Users: 2000, Seed: 7}, nil)
		})
	}
}

func TestBehaviorsMixed10k(t *testing.T) {
	if testing.Short() {
		t.Skip("10k users: skipped with -short")
	}
	checkBehaviors(t, Config{Industry: Mixed, Users: 10000, Seed: 1}, readmeCounts(t, 6))
}
