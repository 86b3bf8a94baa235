package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segscope/segscope/bench"
	"github.com/segscope/segscope/report"
)

// TestBenchCommand runs `segscope bench` on a small generated store and checks the report:
// every measurement is there, every engine count equals the hand-written SQL's, the warm
// recount re-ran exactly one query and the overlap none. Times are only checked to be
// there, never against a bound.
func TestBenchCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and loads a dataset")
	}
	code, out, errOut := segRun(t, "bench", "--gen-users", "400", "--runs", "2", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.People != 400 || rep.Events < 400 || rep.Accounts < 1 || rep.Runs != 2 || rep.Mismatches != 0 {
		t.Errorf("store and totals: %d people, %d events, %d accounts, %d runs, %d mismatches",
			rep.People, rep.Events, rep.Accounts, rep.Runs, rep.Mismatches)
	}
	if rep.AsOf == "" || rep.Threads == "" || rep.SnapshotMS <= 0 || rep.FirstReadMS <= 0 {
		t.Errorf("as_of %q, threads %q, snapshot %v ms", rep.AsOf, rep.Threads, rep.SnapshotMS)
	}

	// Cold: one row per case, in order, each agreeing with its hand-written statement.
	cases := bench.ColdCases()
	if len(rep.Cold) != len(cases) {
		t.Fatalf("%d cold rows, want %d", len(rep.Cold), len(cases))
	}
	nonEmpty := 0
	coldMembers := map[string]int64{}
	for i, c := range rep.Cold {
		want := cases[i]
		if c.Kind != want.Kind || c.Unit != want.Unit.String() {
			t.Errorf("row %d: %s (%s), want %s (%s)", i, c.Kind, c.Unit, want.Kind, want.Unit)
		}
		if !c.Match || c.Members != c.HandMembers || c.Members != c.SQLTextMembers {
			t.Errorf("%s: engine %d, hand %d, sql text %d members", c.Kind, c.Members, c.HandMembers, c.SQLTextMembers)
		}
		if c.Members < 0 || c.Members > c.Universe {
			t.Errorf("%s: %d members of %d", c.Kind, c.Members, c.Universe)
		}
		if c.Unit == "user" && c.Universe != 400 {
			t.Errorf("%s: universe %d, want the 400 people", c.Kind, c.Universe)
		}
		if c.Members > 0 && c.Members < c.Universe {
			nonEmpty++
		}
		if len(c.EngineRuns) != 2 || len(c.HandRuns) != 2 || c.EngineMS <= 0 || c.SQLTextMS <= 0 || c.HandMS <= 0 {
			t.Errorf("%s: runs %v %v, medians %v/%v/%v", c.Kind, c.EngineRuns, c.HandRuns, c.EngineMS, c.SQLTextMS, c.HandMS)
		}
		// 400 people fit in an estimate's sample: it counts them all and is exact.
		if len(c.EstimateRuns) != 2 || c.EstimateMS <= 0 || c.Estimate != c.Members || !c.EstimateCovers || c.EstimateSample != c.Universe {
			t.Errorf("%s: estimate %d [%d, %d] of a sample of %d in %v ms (runs %v), want the exact %d of %d",
				c.Kind, c.Estimate, c.EstimateLow, c.EstimateHigh, c.EstimateSample, c.EstimateMS, c.EstimateRuns, c.Members, c.Universe)
		}
		if r := c.EngineMS / c.HandMS; c.Ratio < r*0.999 || c.Ratio > r*1.001 {
			t.Errorf("%s: ratio %v, want engine÷hand %v", c.Kind, c.Ratio, r)
		}
		if !strings.Contains(c.HandSQL, "TIMESTAMP '") && c.Kind != "user" {
			t.Errorf("%s: as_of not substituted in %s", c.Kind, c.HandSQL)
		}
		if strings.Contains(c.HandSQL, "{asof}") {
			t.Errorf("%s: placeholder left in %s", c.Kind, c.HandSQL)
		}
		coldMembers[c.Kind] = c.Members
	}
	// The comparison says something only when most conditions select a proper subset.
	if nonEmpty < len(rep.Cold)/2 {
		t.Errorf("only %d of %d conditions select a proper, non-empty subset", nonEmpty, len(rep.Cold))
	}

	// Warm: the first evaluation runs the five queries; each change re-runs one.
	w := rep.Warm
	if w.FirstQuery != bench.WarmConditions() || len(w.Steps) != bench.WarmConditions() || w.FirstMS <= 0 {
		t.Fatalf("warm: first %d queries in %v ms, %d steps", w.FirstQuery, w.FirstMS, len(w.Steps))
	}
	worst := 0.0
	for i, st := range w.Steps {
		if st.Queries != 1 || st.CacheHits != bench.WarmConditions()-1 {
			t.Errorf("warm step %d (%s): %d queries, %d cached; want 1 and %d", i, st.Changed, st.Queries, st.CacheHits, bench.WarmConditions()-1)
		}
		if !st.Match || st.Members != st.HandMembers {
			t.Errorf("warm step %d: engine %d, hand %d", i, st.Members, st.HandMembers)
		}
		if len(st.EngineRuns) != 2 || st.EngineMS <= 0 || st.HandMS <= 0 {
			t.Errorf("warm step %d: runs %v, hand %v", i, st.EngineRuns, st.HandMS)
		}
		worst = max(worst, st.EngineMS)
	}
	if w.WorstMS != worst {
		t.Errorf("warm worst %v, want %v", w.WorstMS, worst)
	}
	// Raising "times >=" and "sum >=" can only lose members.
	if w.Steps[0].Members > w.Members || w.Steps[1].Members > w.Members {
		t.Errorf("stricter conditions gained members: %d, %d > %d", w.Steps[0].Members, w.Steps[1].Members, w.Members)
	}
	if !strings.Contains(w.Steps[0].Changed, "times >= 4") {
		t.Errorf("warm step 0 changed %q, want its last run's times >= 4 (2 + 1 × 2)", w.Steps[0].Changed)
	}

	// Overlap: ten segments, all from the cache, agreeing with the hand-written statement,
	// each as large as its cold count.
	o := rep.Overlap
	if len(o.Segments) != 10 || len(o.Members) != 10 || o.Queries != 0 || !o.Match || o.EngineMS <= 0 || o.HandMS <= 0 {
		t.Errorf("overlap: %v, members %v, %d queries, match %v, %v ms vs %v ms",
			o.Segments, o.Members, o.Queries, o.Match, o.EngineMS, o.HandMS)
	}
	for i, name := range o.Segments {
		if i < len(o.Members) && o.Members[i] != coldMembers[name] {
			t.Errorf("overlap %s: %d members, cold count %d", name, o.Members[i], coldMembers[name])
		}
	}

	// Issue 3's three targets first, then issue 16's: one per cold kind it names.
	if len(rep.Targets) != 3+len(rep.Cold)-2 || !strings.HasPrefix(rep.Targets[3].Name, "cold ") {
		t.Fatalf("targets: %+v", rep.Targets)
	}
	if rep.Targets[0].Value != w.WorstMS || rep.Targets[1].Value != o.EngineMS {
		t.Errorf("targets %+v do not report the measurements", rep.Targets)
	}

	// The table shows every section and every kind, and no mismatch.
	var buf bytes.Buffer
	if err := (report.Bench{Report: &rep}).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	table := buf.String()
	for _, want := range []string{"Cold count", "Warm recount", "Overlap of 10 cached segments", "Targets", "engine/hand",
		"did_not email_open in_last 60d", "(accounts)", "intersections match"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	for _, c := range cases {
		if !strings.Contains(table, "\n"+c.Kind+" ") {
			t.Errorf("table lacks the row %q", c.Kind)
		}
	}
	if strings.Contains(table, "MISMATCH") {
		t.Errorf("table reports a mismatch:\n%s", table)
	}
}

func TestBenchCommandFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench"}, "--db"},
		{[]string{"bench", "--gen-users", "10", "--db", "x.duckdb"}, "not both"},
		{[]string{"bench", "--db", "x.duckdb", "--runs", "0"}, "--runs"},
		{[]string{"bench", "--db", "/nonexistent/x.duckdb"}, "no store"},
		{[]string{"bench", "--db", "x.duckdb", "--as-of", "yesterday"}, "--as-of"},
	} {
		code, _, errOut := segRun(t, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want an error about %s", tc.args, code, errOut, tc.want)
		}
	}
}

// TestBenchBaseline: --baseline makes the plain store from the source files with CREATE
// TABLE … AS SELECT, runs every hand-written statement there too, and their counts equal
// the engine's.
func TestBenchBaseline(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and loads a dataset")
	}
	dir := t.TempDir()
	if code, out, errOut := segRun(t, "gen", "--users", "200", "--format", "parquet", "--out", dir); code != 0 {
		t.Fatalf("gen: exit %d: %s\n%s", code, errOut, out)
	}
	db := filepath.Join(dir, "s.duckdb")
	events, users := filepath.Join(dir, "events.parquet"), filepath.Join(dir, "users.csv")
	if code, out, errOut := segRun(t, "load", events, "--users", users, "--db", db); code != 0 {
		t.Fatalf("load: exit %d: %s\n%s", code, errOut, out)
	}
	plain := filepath.Join(dir, "plain.duckdb")
	code, out, errOut := segRun(t, "bench", "--db", db, "--baseline", plain, "--baseline-from", events,
		"--baseline-users", users, "--runs", "1", "--json")
	if code != 0 {
		t.Fatalf("bench: exit %d: %s\n%s", code, errOut, out)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Baseline == nil || rep.Baseline.Events != rep.Events || rep.Baseline.CreateSeconds <= 0 || rep.Mismatches != 0 {
		t.Fatalf("baseline %+v for %d events, %d mismatches", rep.Baseline, rep.Events, rep.Mismatches)
	}
	for _, c := range rep.Cold {
		if c.BaselineMembers != c.Members || c.BaselineMS <= 0 || len(c.BaselineRuns) != 1 ||
			!strings.Contains(c.BaselineSQL, "user_id") && !strings.Contains(c.BaselineSQL, "account_id") {
			t.Errorf("%s: plain store %d members in %v ms, engine %d\n%s", c.Kind, c.BaselineMembers, c.BaselineMS, c.Members, c.BaselineSQL)
		}
	}
	// The plain store stays for the next run, which opens it instead of making it again.
	code, out, errOut = segRun(t, "bench", "--db", db, "--baseline", plain, "--runs", "1")
	if code != 0 || !strings.Contains(out, "plain/engine") || !strings.Contains(out, "baseline "+plain) {
		t.Fatalf("second bench: exit %d: %s\n%s", code, errOut, out)
	}
	if code, _, errOut := segRun(t, "bench", "--db", db, "--baseline", filepath.Join(dir, "none.duckdb")); code == 0 || !strings.Contains(errOut, "--baseline-from") {
		t.Errorf("a missing baseline without --baseline-from: exit %d, %s", code, errOut)
	}
}
