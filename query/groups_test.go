package query

import (
	"context"
	"slices"
	"sort"
	"testing"

	"github.com/segscope/segscope/segments"
)

func TestOverlapGroups(t *testing.T) {
	e := engineFixture(t)
	ctx := context.Background()
	seg := func(name, src string) *segments.Segment {
		return &segments.Segment{Name: name, Where: mustCondition(t, src, segments.UnitUser)}
	}
	segs := []*segments.Segment{
		seg("recent", `{did: purchase, in_last: 7d}`),                    // alice frank judy kim mike
		seg("big", `{measure: sum(revenue), of: purchase, is: ">= 12"}`), // alice bob judy
		seg("pro", `{user: plan, in: [pro]}`),                            // alice carol
	}
	o, err := e.Overlap(ctx, segs, nil, fixtureAsOf)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		names     []string
		exclusive bool
		want      []string
	}{
		{[]string{"recent", "big"}, false, []string{"alice", "judy"}},
		{[]string{"big", "recent"}, false, []string{"alice", "judy"}},
		{[]string{"recent", "big"}, true, []string{"judy"}},
		{[]string{"recent"}, true, []string{"frank", "kim", "mike"}},
		{[]string{"recent", "big", "pro"}, true, []string{"alice"}},
		{[]string{"big", "pro"}, true, []string{}},
		{[]string{"pro"}, false, []string{"alice", "carol"}},
	} {
		idx, err := o.Indexes(tc.names)
		if err != nil {
			t.Fatal(err)
		}
		group := o.Intersection
		if tc.exclusive {
			group = o.ExclusiveMembers
		}
		set, err := group(idx...)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := e.MemberKeys(ctx, set, segments.UnitUser)
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(keys)
		if !slices.Equal(keys, tc.want) || !slices.Equal(keysOf(t, e, set, segments.UnitUser), tc.want) {
			t.Errorf("%v exclusive=%v: %v, want %v", tc.names, tc.exclusive, keys, tc.want)
		}
	}
	// The exclusive groups partition the union: their sets are what Exclusive counts.
	for _, g := range o.Exclusive() {
		set, err := o.ExclusiveMembers(g.Segments...)
		if err != nil || set.Count() != g.Count {
			t.Errorf("group %v: %d members listed, %d counted (%v)", g.Segments, set.Count(), g.Count, err)
		}
	}
	for _, bad := range [][]string{{"recent", "nope"}, {"big", "big"}, nil} {
		if _, err := o.Indexes(bad); err == nil {
			t.Errorf("Indexes(%v) did not fail", bad)
		}
	}
	if _, err := o.Intersection(7); err == nil {
		t.Error("Intersection of a segment not compared did not fail")
	}
}

func TestMemberKeysAndAllMembers(t *testing.T) {
	e := engineFixture(t)
	ctx := context.Background()
	everyone, err := e.EvaluateCondition(ctx, mustCondition(t, `{did: purchase, times: ">= 0"}`, segments.UnitUser), segments.UnitUser, nil, fixtureAsOf)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := e.MemberKeys(ctx, everyone, segments.UnitUser)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(keys)) != everyone.Count() || len(keys) != len(fixtureUsers) {
		t.Fatalf("%d keys for %d members (%d users)", len(keys), everyone.Count(), len(fixtureUsers))
	}
	all, err := e.AllMembers(ctx, everyone, segments.UnitUser, MembersOptions{AsOf: fixtureAsOf})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(keys) {
		t.Fatalf("AllMembers listed %d, want %d", len(all), len(keys))
	}
	for i := range all {
		if all[i].Key != keys[i] {
			t.Fatalf("member %d: %q by AllMembers, %q by MemberKeys: not the same id order", i, all[i].Key, keys[i])
		}
	}
	accts, err := e.EvaluateCondition(ctx, mustCondition(t, `{did: purchase}`, segments.UnitAccount), segments.UnitAccount, nil, fixtureAsOf)
	if err != nil {
		t.Fatal(err)
	}
	if ak, err := e.MemberKeys(ctx, accts, segments.UnitAccount); err != nil || !slices.Equal(ak, []string{"acc1"}) {
		t.Errorf("account keys %v, %v", ak, err)
	}
	if empty, err := e.MemberKeys(ctx, NewMemberSet(), segments.UnitUser); err != nil || len(empty) != 0 {
		t.Errorf("keys of nobody: %v, %v", empty, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.MemberKeys(cancelled, everyone, segments.UnitUser); err == nil {
		t.Error("a cancelled listing did not fail")
	}
}
