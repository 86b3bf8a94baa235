package query

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/segscope/segscope/segments"
)

// TestHashRunsRoundTrip: runs written to meta read back in id order; malformed values are
// errors; covers holds only when the runs are exactly the universe.
func TestHashRunsRoundTrip(t *testing.T) {
	rs, err := parseHashRuns("5-9,0-4")
	if err != nil || !reflect.DeepEqual(rs, hashRuns{{0, 4}, {5, 9}}) || rs.String() != "0-4,5-9" {
		t.Errorf("parse: %v, %v", rs, err)
	}
	for _, bad := range []string{"3", "4-2", "a-b", "1-2,"} {
		if _, err := parseHashRuns(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	universe := roaring.New()
	universe.AddRange(0, 10)
	for _, tc := range []struct {
		runs hashRuns
		want bool
	}{
		{hashRuns{{0, 4}, {5, 9}}, true},
		{hashRuns{{0, 9}}, true},
		{hashRuns{{5, 9}}, false},          // the first ids were given before runs were recorded
		{hashRuns{{0, 4}, {5, 10}}, false}, // an id no one has
		{nil, false},
	} {
		if got := tc.runs.covers(universe); got != tc.want {
			t.Errorf("%v covers [0, 9]: %v, want %v", tc.runs, got, tc.want)
		}
	}
}

// TestRunsSample: the sample takes the first ids of every run in proportion to its length,
// about the fraction asked for in all, and one run is one plain range.
func TestRunsSample(t *testing.T) {
	for _, tc := range []struct {
		name     string
		runs     []IDRange
		fraction float64
		want     []IDRange // the sample's ranges
	}{
		{"one run", []IDRange{{0, 999}}, 0.1, []IDRange{{0, 99}}},
		{"two runs", []IDRange{{0, 899}, {900, 999}}, 0.1, []IDRange{{0, 89}, {900, 909}}},
		{"a run too short for its share", []IDRange{{0, 998}, {999, 999}}, 0.1, []IDRange{{0, 99}}},
		{"rounding carried over", []IDRange{{0, 14}, {15, 29}, {30, 44}}, 0.1, []IDRange{{0, 1}, {15, 15}, {30, 31}}},
		{"everyone", []IDRange{{0, 9}, {10, 19}}, 1, []IDRange{{0, 9}, {10, 19}}},
		{"less than one id", []IDRange{{0, 9}}, 0.01, []IDRange{{0, 0}}},
	} {
		s, err := RunsSample(tc.runs, tc.fraction)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := s.Ranges
		if got == nil {
			got = []IDRange{{s.Lo, s.Hi}}
		}
		if !slices.Equal(got, tc.want) || s.Spread != 0 || s.Lo != tc.want[0].Lo || s.Hi != tc.want[len(tc.want)-1].Hi {
			t.Errorf("%s: sample %+v, want ranges %v", tc.name, s, tc.want)
		}
		var n uint64
		for _, r := range tc.want {
			n += r.Len()
		}
		if ids := s.idSet(); ids.GetCardinality() != n {
			t.Errorf("%s: %d ids, want %d", tc.name, ids.GetCardinality(), n)
		}
	}
	for _, bad := range []struct {
		runs     []IDRange
		fraction float64
	}{{nil, 0.5}, {[]IDRange{{0, 9}}, 0}, {[]IDRange{{5, 9}, {0, 4}}, 0.5}} {
		if _, err := RunsSample(bad.runs, bad.fraction); err == nil {
			t.Errorf("RunsSample(%v, %v) accepted", bad.runs, bad.fraction)
		}
	}
}

// usersInUIDOrder lists the user ids of [lo, hi] in uid order, and in the order a load
// numbers a batch (hashOrder).
func usersInUIDOrder(t *testing.T, s *Store, lo, hi uint32) (byUID, byHash []string) {
	t.Helper()
	for _, order := range []string{"uid", "hash(user_id), user_id"} {
		rows, err := s.DB().Query(`SELECT user_id FROM users WHERE uid BETWEEN ? AND ? ORDER BY `+order, lo, hi)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for rows.Next() {
			var id string
			rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		if order == "uid" {
			byUID = ids
		} else {
			byHash = ids
		}
	}
	return byUID, byHash
}

// TestLoadNumbersInHashOrder: a fresh load numbers each file's new people (and accounts) in
// hash order of their id and records one run per batch; an append adds its own run; the
// estimate then samples a prefix of every run (no spread), and its members are exactly the
// whole evaluation's members among the sampled ids, through a fresh engine's SQL too.
func TestLoadNumbersInHashOrder(t *testing.T) {
	ctx := context.Background()
	s := generatedStore(t, 400)
	runs, err := readHashRuns(ctx, s.DB(), metaUIDRuns)
	if err != nil {
		t.Fatal(err)
	}
	var people int
	s.DB().QueryRow(`SELECT count(*) FROM users`).Scan(&people)
	// The events file's people, then the users file's people without events (if any).
	if len(runs) == 0 || len(runs) > 2 || runs[0].Lo != 0 || runs[len(runs)-1].Hi != uint32(people-1) {
		t.Fatalf("uid runs %v for %d people", runs, people)
	}
	for _, r := range runs {
		if byUID, byHash := usersInUIDOrder(t, s, r.Lo, r.Hi); !slices.Equal(byUID, byHash) {
			t.Errorf("run %v: uids not in hash order: %.5q…, want %.5q…", r, byUID, byHash)
		}
	}
	if aids, err := readHashRuns(ctx, s.DB(), metaAIDRuns); err != nil || len(aids) == 0 || aids[0].Lo != 0 {
		t.Errorf("aid runs %v, %v", aids, err)
	}

	// An append: new people take the next uids, in hash order, as one more run.
	path := filepath.Join(t.TempDir(), "more.csv")
	body := "user_id,event,timestamp\n"
	for _, u := range []string{"zed", "amy", "kim", "bo", "lu", "ned", "ola", "pia"} {
		body += u + ",purchase,2026-11-01T00:00:00Z\n" + u + ",app_open,2026-11-02T00:00:00Z\n"
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	mustLoad(t, s, LoadRequest{Paths: []string{path}})
	after, err := readHashRuns(ctx, s.DB(), metaUIDRuns)
	if err != nil {
		t.Fatal(err)
	}
	added := IDRange{uint32(people), uint32(people + 7)}
	if want := append(slices.Clone(runs), added); !slices.Equal(after, want) {
		t.Fatalf("runs after append %v, want %v", after, want)
	}
	if byUID, byHash := usersInUIDOrder(t, s, added.Lo, added.Hi); !slices.Equal(byUID, byHash) {
		t.Errorf("appended run: uids %q, want hash order %q", byUID, byHash)
	}

	e := NewEngine(s)
	for _, src := range []string{
		`{did: purchase}`,
		`{all: [{did: app_open, in_last: 60d}, {did_not: purchase, in_last: 30d}]}`,
		`{last: app_open, ago: "> 14d"}`,
		`{any: [{user: loyalty_tier, is: gold}, {not: {did: login}}]}`,
		`{did: add_to_cart, then: purchase, within: 2d}`,
	} {
		seg := &segments.Segment{Name: "s", Where: mustCondition(t, src, segments.UnitUser)}
		exact, err := e.Evaluate(ctx, seg, nil, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		est, err := NewEngine(s).Estimate(ctx, seg, nil, time.Time{}, EstimateOptions{SampleSize: 120})
		if err != nil {
			t.Fatal(err)
		}
		smp := est.Sample
		if smp.Spread != 0 || len(smp.Ranges) != len(after) || smp.Ranges[len(after)-1].Lo != added.Lo {
			t.Fatalf("%s: sample %+v, want a prefix of each of the runs %v", src, smp, after)
		}
		if c := est.Count; c.SampleSize < 100 || c.SampleSize > 140 || exact.Count() < c.Low || exact.Count() > c.High {
			t.Errorf("%s: estimate %+v, exact %d", src, c, exact.Count())
		}
		// The sample's members, read cold through the ranges' SQL, are the exact members
		// among its ids.
		part, err := NewEngine(s).EvaluateSample(ctx, seg, nil, time.Time{}, smp)
		if err != nil {
			t.Fatal(err)
		}
		if want := smp.restrict(exact.Members); !part.Members.Equal(want) || part.Universe != int64(smp.idSet().GetCardinality()) {
			t.Errorf("%s: sample has %d members of %d, the whole evaluation %d among its ids", src, part.Count(), part.Universe, want.Count())
		}
		if part.Count() != est.Count.SampleMembers {
			t.Errorf("%s: sample members %d, estimate's %d", src, part.Count(), est.Count.SampleMembers)
		}
	}
	acct := &segments.Segment{Name: "a", Unit: segments.UnitAccount, Where: mustCondition(t, `{did: purchase}`, segments.UnitAccount)}
	if est, err := e.Estimate(ctx, acct, nil, time.Time{}, EstimateOptions{SampleSize: 5}); err != nil || est.Sample.Spread != 0 {
		t.Errorf("account estimate: %+v, %v (want a prefix of the aid runs)", est, err)
	}
}

// TestEstimateWithoutRuns: a store whose ids were given before hash-ordered runs were
// recorded (no runs, or runs that leave its first ids out) estimates from the spread sample
// as before, and its estimate still holds the exact count.
func TestEstimateWithoutRuns(t *testing.T) {
	ctx := context.Background()
	s := generatedStore(t, 300)
	seg := &segments.Segment{Name: "s", Where: mustCondition(t, `{did: app_open, in_last: 30d, times: ">= 2"}`, segments.UnitUser)}
	exact, err := NewEngine(s).Evaluate(ctx, seg, nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// Runs that cover everyone but are too many to list as ranges fall back too.
	var many []string
	for i := range maxSampleRanges {
		many = append(many, fmt.Sprintf("%d-%d", i, i))
	}
	var people int
	s.DB().QueryRow(`SELECT count(*) FROM users`).Scan(&people)
	many = append(many, fmt.Sprintf("%d-%d", maxSampleRanges, people-1))
	for _, runs := range []string{"", fmt.Sprintf("10-%d", people-1), "0-150", strings.Join(many, ",")} {
		if _, err := s.DB().Exec(`DELETE FROM meta WHERE key = ?`, metaUIDRuns); err != nil {
			t.Fatal(err)
		}
		if runs != "" {
			if _, err := s.DB().Exec(`INSERT INTO meta VALUES (?, ?)`, metaUIDRuns, runs); err != nil {
				t.Fatal(err)
			}
		}
		est, err := NewEngine(s).Estimate(ctx, seg, nil, time.Time{}, EstimateOptions{SampleSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		if est.Sample.Spread == 0 || est.Sample.Ranges != nil {
			t.Errorf("runs %.30q: sample %+v, want the spread sample", runs, est.Sample)
		}
		if c := est.Count; exact.Count() < c.Low || exact.Count() > c.High {
			t.Errorf("runs %.30q: exact %d outside [%d, %d]", runs, exact.Count(), c.Low, c.High)
		}
	}
}
