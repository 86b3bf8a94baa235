package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/segscope/segscope/segments"
)

// fixtureDay is the fixture's as_of shifted by days (negative: before it).
func fixtureDay(days float64) time.Time {
	return fixtureAsOf.Add(time.Duration(days * 24 * float64(time.Hour)))
}

// TestExplainAgreesWithMembers explains every condition of the language table for the
// people (accounts) it could be about — its members, everyone with an event it names, and
// two who have none — and each leaf's truth, and the segment's, must be what the engine's
// member sets say.
func TestExplainAgreesWithMembers(t *testing.T) {
	e := engineFixture(t)
	ctx := context.Background()
	for _, tc := range languageCases {
		c := mustCondition(t, tc.src, tc.unit)
		set, err := e.EvaluateCondition(ctx, c, tc.unit, nil, fixtureAsOf)
		if err != nil {
			t.Fatal(err)
		}
		seg := &segments.Segment{Name: "case", Unit: tc.unit, Where: c}
		for _, id := range explainCandidates(t, e, c, tc.unit, set) {
			x, err := e.ExplainID(ctx, seg, nil, fixtureAsOf, id)
			if err != nil {
				t.Fatalf("%s: explain %d: %v", tc.name, id, err)
			}
			want := set.Contains(id)
			if x.Member != want {
				t.Errorf("%s: %s: explained member %v, engine says %v", tc.name, x.Key, x.Member, want)
			}
			if len(x.Leaves()) == 1 && x.Leaves()[0].Matched != want {
				t.Errorf("%s: %s: leaf matched %v, engine says %v; evidence %s",
					tc.name, x.Key, x.Leaves()[0].Matched, want, evidenceText(x.Leaves()[0].Evidence))
			}
		}
	}
}

// explainCandidates are the ids a condition's explanation is worth checking for: its
// members, the ids with an event it names (or every id when it names none) and the first
// two ids without.
func explainCandidates(t *testing.T, e *Engine, c segments.Condition, unit segments.Unit, members *MemberSet) []uint32 {
	t.Helper()
	var names []string
	for _, ev := range segments.EventsOf(c) {
		names = append(names, ev.Name)
	}
	universe := e.snapshotFor(t).universe(unit)
	if len(names) == 0 {
		return universe.IDs()
	}
	q := `SELECT DISTINCT uid FROM events WHERE list_contains(?, event)`
	if unit == segments.UnitAccount {
		q = `SELECT DISTINCT a.aid FROM events e JOIN accounts a USING (account_id) WHERE list_contains(?, e.event)`
	}
	rows, err := e.Store().DB().Query(q, names)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ids := members.Bitmap()
	for rows.Next() {
		var id uint32
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids.Add(id)
	}
	extra := 0
	for id := range universe.All() {
		if extra < 2 && !ids.Contains(id) {
			ids.Add(id)
			extra++
		}
	}
	return ids.ToArray()
}

func (e *Engine) snapshotFor(t *testing.T) *snapshot {
	t.Helper()
	s, err := e.snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func i64(v int64) *int64        { return &v }
func f64(v float64) *float64    { return &v }
func at(t time.Time) *time.Time { return &t }
func yes(b bool) *bool          { return &b }

// TestExplainEvidence checks the evidence of each leaf kind against the fixture's events,
// computed by hand (testdata/engine/README.md says who did what; T is 2026-03-31).
func TestExplainEvidence(t *testing.T) {
	e := engineFixture(t)
	user, account := segments.UnitUser, segments.UnitAccount
	cases := []struct {
		name, src string
		unit      segments.Unit
		who       string
		matched   bool
		want      Evidence
	}{
		{"did: alice bought at T−3d and T−1d in the last 7 days (T−10d is out), needs 4", `{did: purchase, in_last: 7d, times: ">= 4"}`,
			user, "alice", false, Evidence{Needs: "times >= 4", Window: "(2026-03-24T00:00:00Z, 2026-03-31T00:00:00Z]",
				Count: i64(2), FirstAt: at(fixtureDay(-3)), LastAt: at(fixtureDay(-1))}},
		{"did_not: bob's purchase at T−8d is outside 7 days", `{did_not: purchase, in_last: 7d}`,
			user, "bob", true, Evidence{Needs: "times = 0", Window: "(2026-03-24T00:00:00Z, 2026-03-31T00:00:00Z]", Count: i64(0)}},
		{"then: alice's cart at T−25h, purchase an hour later", `{did: add_to_cart, then: purchase, within: 2h}`,
			user, "alice", true, Evidence{Needs: "within 2h", Window: "(-∞, 2026-03-31T00:00:00Z]", AEvents: i64(1),
				AAt: at(fixtureDay(-1).Add(-time.Hour)), BAt: at(fixtureDay(-1)), Followed: yes(true)}},
		{"then: kim's purchase at the same instant is not after the cart", `{did: add_to_cart, then: purchase, within: 2h}`,
			user, "kim", false, Evidence{Needs: "within 2h", Window: "(-∞, 2026-03-31T00:00:00Z]", AEvents: i64(1),
				AAt: at(fixtureDay(-4)), Followed: yes(false)}},
		{"then_not: grace's cart at T−1h has not had its 2 hours", `{did: add_to_cart, then_not: purchase, within: 2h}`,
			user, "grace", false, Evidence{Needs: "within 2h", Window: "(-∞, 2026-03-31T00:00:00Z]", AEvents: i64(1), Pending: i64(1)}},
		{"then_not: heidi's cart at exactly T−2h, nothing after", `{did: add_to_cart, then_not: purchase, within: 2h}`,
			user, "heidi", true, Evidence{Needs: "within 2h", Window: "(-∞, 2026-03-31T00:00:00Z]", AEvents: i64(1), Pending: i64(0),
				AAt: at(fixtureAsOf.Add(-2 * time.Hour)), Followed: yes(false)}},
		{"then_not: alice bought an hour after her cart", `{did: add_to_cart, then_not: purchase, within: 2h}`,
			user, "alice", false, Evidence{Needs: "within 2h", Window: "(-∞, 2026-03-31T00:00:00Z]", AEvents: i64(1), Pending: i64(0),
				AAt: at(fixtureDay(-1).Add(-time.Hour)), BAt: at(fixtureDay(-1)), Followed: yes(true)}},
		{"measure: alice spent 30 + 20 + 10", `{measure: sum(revenue), of: purchase, is: ">= 50"}`,
			user, "alice", true, Evidence{Needs: "is >= 50", Window: "(-∞, 2026-03-31T00:00:00Z]", Value: f64(60), Events: i64(3)}},
		{"measure: mike's one purchase has no revenue, so no average", `{measure: avg(revenue), of: purchase, is: "< 10"}`,
			user, "mike", false, Evidence{Needs: "is < 10", Window: "(-∞, 2026-03-31T00:00:00Z]", Events: i64(1)}},
		{"last: erin's purchase is exactly 7 days old", `{last: purchase, ago: "> 7d"}`,
			user, "erin", false, Evidence{Needs: "ago > 7d", Count: i64(1), At: at(fixtureDay(-7)), AgoSeconds: f64(7 * 86400)}},
		{"first: frank's first purchase is at as_of", `{first: purchase, ago: "<= 2d"}`,
			user, "frank", true, Evidence{Needs: "ago <= 2d", Count: i64(1), At: at(fixtureAsOf), AgoSeconds: f64(0)}},
		{"last: never did it", `{last: purchase, ago: "> 7d"}`,
			user, "ivan", false, Evidence{Needs: "ago > 7d", Count: i64(0)}},
		{"trend: nina logged in 4 times in the previous week, once in this one", `{trend: login, in_last: 7d, change: "<= -50%"}`,
			user, "nina", true, Evidence{Needs: "change <= -50%",
				Window:  "previous (2026-03-17T00:00:00Z, 2026-03-24T00:00:00Z], current (2026-03-24T00:00:00Z, 2026-03-31T00:00:00Z]",
				Current: i64(1), Previous: i64(4), Change: f64(-0.75)}},
		{"trend: oscar has nothing in the previous week", `{trend: login, in_last: 7d, change: "<= -50%"}`,
			user, "oscar", false, Evidence{Needs: "change <= -50%",
				Window:  "previous (2026-03-17T00:00:00Z, 2026-03-24T00:00:00Z], current (2026-03-24T00:00:00Z, 2026-03-31T00:00:00Z]",
				Current: i64(3), Previous: i64(0)}},
		{"gap: quinn buys every 10 days and last bought 20 days ago", `{gap: purchase, vs_average: ">= 2"}`,
			user, "quinn", true, Evidence{Needs: "vs_average >= 2", Events: i64(3), FirstAt: at(fixtureDay(-40)), LastAt: at(fixtureDay(-20)),
				MeanGapSeconds: f64(10 * 86400), CurrentGapSeconds: f64(20 * 86400), Ratio: f64(2)}},
		{"gap: sam has one purchase", `{gap: purchase, vs_average: ">= 2"}`,
			user, "sam", false, Evidence{Needs: "vs_average >= 2", Events: i64(1), FirstAt: at(fixtureDay(-60)), LastAt: at(fixtureDay(-60)),
				CurrentGapSeconds: f64(60 * 86400)}},
		{"affinity: uma read 3 tech of 4 with a topic", `{affinity: topic, of: article_read, is: tech, share: ">= 75%"}`,
			user, "uma", true, Evidence{Needs: "is tech share >= 75%", Window: "(-∞, 2026-03-31T00:00:00Z]", Matching: i64(3), Events: i64(4), Share: f64(0.75)}},
		{"rfm: rfm3 ranks R 2, F 4, M 3 of 5", `{rfm: {r: ">= 3", f: ">= 4"}, of: order}`,
			user, "rfm3", false, Evidence{Needs: "r >= 3, f >= 4", LatestAt: at(fixtureDay(-5)), Frequency: i64(2), Monetary: f64(20),
				R: ptr(2), F: ptr(4), M: ptr(3), Ranked: i64(5)}},
		{"rfm: someone without orders is not ranked", `{rfm: {r: ">= 3"}, of: order}`,
			user, "alice", false, Evidence{Needs: "r >= 3", Frequency: i64(0), Ranked: i64(5)}},
		{"user: alice's plan", `{user: plan, is: pro}`,
			user, "alice", true, Evidence{Needs: "is pro", Attribute: "plan", Values: []string{"pro"}}},
		{"user: carol has no age", `{user: age, is: ">= 30"}`,
			user, "carol", false, Evidence{Needs: "is >= 30", Attribute: "age", Values: []string{}}},
		{"account: acc1's two people both viewed pricing", `{did: page_view, where: {page: pricing}, users: ">= 2"}`,
			account, "acc1", true, Evidence{Needs: "times >= 1, users >= 2", Window: "(-∞, 2026-03-31T00:00:00Z]",
				Count: i64(2), People: i64(2), FirstAt: at(fixtureDay(-6)), LastAt: at(fixtureDay(-2))}},
		{"account: one of acc1's people is on team", `{user: plan, is: team}`,
			account, "acc1", true, Evidence{Needs: "is team", Attribute: "plan", Values: []string{"pro", "team"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seg := &segments.Segment{Name: "case", Unit: tc.unit, Where: mustCondition(t, tc.src, tc.unit)}
			x, err := e.Explain(context.Background(), seg, nil, fixtureAsOf, tc.who)
			if err != nil {
				t.Fatal(err)
			}
			leaf := x.Leaves()[0]
			if leaf.Matched != tc.matched || x.Member != tc.matched {
				t.Errorf("matched %v, member %v; want %v", leaf.Matched, x.Member, tc.matched)
			}
			if leaf.Evidence.Values != nil {
				slices.Sort(leaf.Evidence.Values)
			}
			if !reflect.DeepEqual(leaf.Evidence, tc.want) {
				t.Errorf("evidence\n got %s\nwant %s", evidenceText(leaf.Evidence), evidenceText(tc.want))
			}
		})
	}
}

func evidenceText(ev Evidence) string {
	b, _ := json.Marshal(ev)
	return string(b)
}

// mustWorkspace makes a workspace of user segments from name → condition.
func mustWorkspace(t *testing.T, conds map[string]string) *segments.Workspace {
	t.Helper()
	var segs []*segments.Segment
	for name, src := range conds {
		segs = append(segs, &segments.Segment{Name: name, Where: mustCondition(t, src, segments.UnitUser)})
	}
	ws, err := segments.NewWorkspace(segs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// TestExplainTree explains a composed segment: paths in document order, a not above a
// leaf, and a segment reference with its own leaves nested.
func TestExplainTree(t *testing.T) {
	e := engineFixture(t)
	ws := mustWorkspace(t, map[string]string{
		"buyers":     `{did: purchase}`,
		"pro_buyers": `{all: [{segment: buyers}, {not: {user: plan, is: pro}}, {any: [{did: login}, {last: purchase, ago: "<= 30d"}]}]}`,
	})
	seg := ws.Segment("pro_buyers")
	x, err := e.Explain(context.Background(), seg, ws, fixtureAsOf, "alice")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		path, kind       string
		matched, negated bool
		children         int
	}
	var got []row
	for _, l := range x.Leaves() {
		got = append(got, row{l.Path, l.Kind, l.Matched, l.Negated, len(l.Children)})
	}
	want := []row{
		{"where.all[0]", "segment", true, false, 1},
		{"where.all[1].not", "user", true, true, 0},
		{"where.all[2].any[0]", "did", false, false, 0},
		{"where.all[2].any[1]", "last", true, false, 0},
	}
	if !slices.Equal(got, want) {
		t.Errorf("leaves\n got %+v\nwant %+v", got, want)
	}
	if x.Member {
		t.Error("alice is on pro: not a member")
	}
	var tree []string
	for _, n := range x.Nodes {
		tree = append(tree, fmt.Sprintf("%d %s %s %v", n.Depth, n.Path, n.Kind, n.Matched))
	}
	wantTree := []string{"0 where all false", "1 where.all[0] segment true", "1 where.all[1] not false",
		"2 where.all[1].not user true", "1 where.all[2] any true", "2 where.all[2].any[0] did false",
		"2 where.all[2].any[1] last true"}
	if !slices.Equal(tree, wantTree) {
		t.Errorf("tree\n got %q\nwant %q", tree, wantTree)
	}
	if c := x.Leaves()[0].Children[0]; c.Path != "where" || c.Kind != "did" || !c.Matched {
		t.Errorf("the reference's leaf %+v", c)
	}
	// Every person: the explanation agrees with the evaluation.
	res, err := e.Evaluate(context.Background(), seg, ws, fixtureAsOf)
	if err != nil {
		t.Fatal(err)
	}
	for id := range e.snapshotFor(t).users.All() {
		x, err := e.ExplainID(context.Background(), seg, ws, fixtureAsOf, id)
		if err != nil {
			t.Fatal(err)
		}
		if x.Member != res.Members.Contains(id) {
			t.Errorf("%s: explained %v, evaluated %v", x.Key, x.Member, res.Members.Contains(id))
		}
	}
}

func TestExplainUnknownPerson(t *testing.T) {
	e := engineFixture(t)
	seg := &segments.Segment{Name: "case", Where: mustCondition(t, `{did: purchase}`, segments.UnitUser)}
	if _, err := e.Explain(context.Background(), seg, nil, fixtureAsOf, "nobody"); !errors.Is(err, ErrNoPerson) {
		t.Errorf("got %v, want ErrNoPerson", err)
	}
	acc := &segments.Segment{Name: "case", Unit: segments.UnitAccount, Where: mustCondition(t, `{did: purchase}`, segments.UnitAccount)}
	if _, err := e.Explain(context.Background(), acc, nil, fixtureAsOf, "alice"); !errors.Is(err, ErrNoPerson) {
		t.Errorf("a user id for an account segment: got %v, want ErrNoPerson", err)
	}
}
