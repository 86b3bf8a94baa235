package query

import (
	"context"
	"strings"
	"testing"

	"github.com/segscope/segscope/segments"
)

// TestLint runs every check on the engine fixture (first event 2026-01-30, as_of
// 2026-03-31, 30 people): each line of the segment below holds one mistake.
func TestLint(t *testing.T) {
	e := engineFixture(t)
	src := `name: typos
where:
  all:
    - did: purchse
    - did: purchase
      where: {Category: shoes}
    - did: purchase
      where: {category: shoez}
    - did: purchase
      where: {items: "> 100"}
    - did: purchase
      in_last: 365d
    - did: purchase
      times: "< 0"
    - {user: pln, is: pro}
    - {user: plan, is: prp}
    - {affinity: topic, of: article_read, is: tecch, share: ">= 50%"}
    - {did: purchase, between: [2020-01-01, 2020-02-01]}
    - {trend: login, in_last: 60d, change: "< -100%"}
    - {segment: clean}
    - {did: purchase, where: {Plan: pro}}
    - {user: plan, in: [pro, tema]}
expect: {members: ">= 100"}
`
	segs, err := segments.Parse("typos.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	// A list may name values this store lacks (enterprise, toys… for another store's
	// data): only a likely misspelling among them is flagged (prp, below).
	clean := &segments.Segment{Name: "clean", File: "clean.yaml",
		Where: mustCondition(t, `{all: [{did: purchase, where: {category: [shoes, handbags], items: ">= 2"}, in_last: 7d}, {user: plan, in: [pro, team, enterprise]}, {did_not: purchase, since: 2026-03-01}]}`, segments.UnitUser)}
	ws, err := segments.NewWorkspace([]*segments.Segment{segs[0], clean}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Lint(context.Background(), segs[0], ws, fixtureAsOf)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`typos.yaml:4:12: warning: no event named "purchse" in the store (did you mean "purchase"?)`,
		`typos.yaml:6:15: warning: property "Category" is never set on purchase events (did you mean "category"?)`,
		`typos.yaml:8:15: warning: no purchase event has category = "shoez" (did you mean "shoes"?)`,
		`typos.yaml:10:15: warning: no purchase event has items > 100`,
		`typos.yaml:12:7: warning: history too short: in_last 365d needs data from 2025-03-31; the store starts 2026-01-30`,
		`typos.yaml:13:7: warning: times "< 0" can never hold: a count is never below 0`,
		`typos.yaml:15:8: warning: unknown user attribute "pln" (did you mean "plan"?)`,
		`typos.yaml:16:8: warning: no person has plan = "prp" (did you mean "pro"?)`,
		`typos.yaml:17:8: warning: no article_read event has topic = "tecch" (did you mean "tech"?)`,
		`typos.yaml:18:23: warning: between [2020-01-01, 2020-02-01] holds no data: the store's events run from 2026-01-30 to 2026-04-01`,
		`typos.yaml:19:8: warning: change "< -100%" can never hold: a count never falls by more than 100%`,
		`typos.yaml:19:8: warning: history too short: trend in_last 60d compares with the 60d before it and needs data from 2025-12-01; the store starts 2026-01-30`,
		`typos.yaml:21:31: warning: property "Plan" is never set on purchase events ("plan" is a user attribute: test it with user: plan)`,
		`typos.yaml:22:8: warning: no person has plan = "tema" (did you mean "team"?)`,
		`typos.yaml:23:1: warning: expect: members >= 100 can never hold: the store has 30 users`,
	}
	var lines []string
	for _, w := range got {
		lines = append(lines, w.String())
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	for _, w := range got {
		if w.Segment != "typos" {
			t.Errorf("%s: segment %q", w, w.Segment)
		}
	}

	// A second lint on the same data asks the store nothing new.
	f := &e.lint
	f.mu.Lock()
	before := len(f.counts)
	f.mu.Unlock()
	if _, err := e.Lint(context.Background(), segs[0], ws, fixtureAsOf); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	after := len(f.counts)
	f.mu.Unlock()
	if before == 0 || after != before {
		t.Errorf("facts counted: %d, then %d", before, after)
	}
}

func TestCanHold(t *testing.T) {
	cmp := func(s string, kinds ...segments.Kind) segments.Comparison {
		c, err := segments.ParseComparison(s, kinds...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	count, number, pct := segments.KindCount, segments.KindNumber, segments.KindPercent
	cases := []struct {
		c       segments.Comparison
		lo, hi  float64
		integer bool
		want    bool
	}{
		{cmp(">= 0", count), 0, 1e18, true, true},
		{cmp("< 1", count), 0, 1e18, true, true},
		{cmp("<= 0", count), 0, 1e18, true, true},
		{cmp("= 0", count), 0, 1e18, true, true},
		{cmp("!= 0", count), 0, 1e18, true, true},
		{cmp("> 5", number), 1, 5, true, false},
		{cmp(">= 5", number), 1, 5, true, true},
		{cmp("< 1", number), 1, 5, true, false},
		{cmp("= 2.5", number), 1, 5, true, false},
		{cmp("2.2..2.8", number), 1, 5, true, false},
		{cmp("0..1", number), 1, 5, true, true},
		{cmp("> 100%", pct), 0, 1, false, false},
		{cmp(">= 100%", pct), 0, 1, false, true},
		{cmp("< 0%", pct), 0, 1, false, false},
		{cmp("!= 50%", pct), 0, 1, false, true},
	}
	for _, tc := range cases {
		if got := canHold(tc.c, tc.lo, tc.hi, tc.integer); got != tc.want {
			t.Errorf("%s in [%v, %v] integer %v: %v, want %v", tc.c, tc.lo, tc.hi, tc.integer, got, tc.want)
		}
	}
}
