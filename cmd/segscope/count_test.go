package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The engine's fixture (query/testdata/engine, described in its README) evaluated at
// fixtureAsOf: 30 people, 11 of whom purchased by then.
const fixtureAsOf = "2026-03-31T00:00:00Z"

func engineFixtureFile(name string) string {
	return filepath.Join("..", "..", "query", "testdata", "engine", name)
}

// segRun runs segscope with args and returns its exit code and output.
func segRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// segFixture loads the engine fixture into a store and writes a workspace of segments next
// to it; it returns the store and the workspace folder.
func segFixture(t *testing.T) (db, ws string) {
	t.Helper()
	dir := t.TempDir()
	db = filepath.Join(dir, "fixture.duckdb")
	if code, _, errOut := segRun(t, "load", engineFixtureFile("events.csv"), "--users", engineFixtureFile("users.csv"), "--db", db); code != 0 {
		t.Fatalf("load: exit %d: %s", code, errOut)
	}
	ws = filepath.Join(dir, "segments")
	writeFiles(t, ws, map[string]string{
		"buyers.yaml": `name: buyers
title: Buyers
where: {did: purchase}
expect: {members: ">= 10"}
`,
		"recent.yaml": `name: recent_buyers
where:
  all:
    - {did: purchase, in_last: 7d}
    - {segment: buyers}
expect: {members: "3..8"}
`,
		"people.yaml": `segments:
  - name: pro_users
    where: {user: plan, is: pro}
  - name: vips
    where: {user: vip, is: true}
`,
	})
	return db, ws
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCountCommand(t *testing.T) {
	db, ws := segFixture(t)

	code, out, errOut := segRun(t, "count", ws, "--db", db, "--as-of", fixtureAsOf, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// One object per line, in file order (buyers.yaml, people.yaml, recent.yaml).
	want := []string{
		`{"segment":"buyers","members":11,"universe":30,"as_of":"2026-03-31T00:00:00Z"}`,
		`{"segment":"pro_users","members":2,"universe":30,"as_of":"2026-03-31T00:00:00Z"}`,
		`{"segment":"vips","members":2,"universe":30,"as_of":"2026-03-31T00:00:00Z"}`,
		`{"segment":"recent_buyers","members":5,"universe":30,"as_of":"2026-03-31T00:00:00Z"}`,
	}
	if got := strings.Split(strings.TrimSpace(out), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("count --json:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}

	// A name inside --segments, with the waterfall; the default as_of is the latest event
	// (dave's purchase a day after the fixture's as_of).
	code, out, errOut = segRun(t, "count", "recent_buyers", "--segments", ws, "--db", db, "--waterfall")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, w := range []string{"recent_buyers  7 of 30 users (23.3%)", "matching  remaining", "did purchase in_last 7d",
		"segment buyers", "as of 2026-04-01T00:00:00Z"} {
		if !strings.Contains(out, w) {
			t.Errorf("count --waterfall lacks %q:\n%s", w, out)
		}
	}

	// The waterfall in JSON.
	code, out, _ = segRun(t, "count", filepath.Join(ws, "recent.yaml"), "--db", db, "--as-of", fixtureAsOf, "--json", "--waterfall")
	// The contract's field names, spelt here rather than borrowed from the report's types.
	type step struct {
		Condition string `json:"condition"`
		Matching  int64  `json:"matching"`
		Remaining int64  `json:"remaining"`
	}
	var res struct {
		Waterfall []step `json:"waterfall"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res.Waterfall) != 2 ||
		res.Waterfall[0] != (step{Condition: "did purchase in_last 7d", Matching: 5, Remaining: 5}) ||
		res.Waterfall[1] != (step{Condition: "segment buyers", Matching: 11, Remaining: 5}) {
		t.Errorf("count --json --waterfall: exit %d: %s", code, out)
	}
	// --as-of with a date means the end of that day.
	code, out, _ = segRun(t, "count", filepath.Join(ws, "buyers.yaml"), "--db", db, "--as-of", "2026-03-30", "--json")
	if code != 0 || !strings.Contains(out, `"members":10,`) || !strings.Contains(out, `"as_of":"2026-03-30T23:59:59Z"`) {
		t.Errorf("count --as-of DATE: exit %d: %s", code, out)
	}
}

func TestCountErrors(t *testing.T) {
	db, ws := segFixture(t)
	bad := filepath.Join(t.TempDir(), "cart.yaml")
	if err := os.WriteFile(bad, []byte(`name: cart
title: Cart abandoners
where:
  all:
    - did: add_to_cart
      in_last: 7d
    - did: add_to_cart
      thn_not: purchase
      within: 2h
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"count", bad, "--db", db}, bad + `:8:7: unknown condition key "thn_not" (did you mean "then_not"?)`},
		{[]string{"count", filepath.Join(ws, "buyers.yaml")}, "--db STORE.duckdb is required"},
		{[]string{"count", "buyers", "--db", db}, "buyers: no such file or folder (to name a segment, give its workspace with --segments DIR)"},
		{[]string{"count", "nobody", "--segments", ws, "--db", db}, `no segment "nobody" in ` + ws},
		{[]string{"count", filepath.Join(ws, "buyers.yaml"), "--db", db, "--as-of", "yesterday"}, `--as-of "yesterday"`},
		{[]string{"count", filepath.Join(ws, "buyers.yaml"), "--db", filepath.Join(ws, "none.duckdb")}, "no store at"},
		{[]string{"count", engineFixtureFile("events.csv"), "--db", db}, "not a segment file (want .yaml or .yml)"},
	}
	for _, tc := range cases {
		code, out, errOut := segRun(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want exit 2 with %q", tc.args, code, errOut, tc.want)
		}
		if out != "" {
			t.Errorf("%v: printed %q on failure", tc.args, out)
		}
	}
}

// TestCountEstimate: --estimate prints each count as an estimate with its 95% interval,
// in text and in JSON (count --json's fields, members the estimate, and the estimate's
// own), the exact count inside the interval; a store no bigger than the sample is
// counted whole and says so.
func TestCountEstimate(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := segRun(t, "gen", "--industry", "ecommerce", "--users", "600", "--seed", "3", "--out", dir); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, errOut)
	}
	db := filepath.Join(dir, "s.duckdb")
	if code, _, errOut := segRun(t, "load", filepath.Join(dir, "events.csv"), "--users", filepath.Join(dir, "users.csv"), "--db", db); code != 0 {
		t.Fatalf("load: exit %d: %s", code, errOut)
	}
	seg := filepath.Join(dir, "buyers.yaml")
	writeFiles(t, dir, map[string]string{"buyers.yaml": "name: buyers\nwhere: {did: purchase}\n"})

	code, out, errOut := segRun(t, "count", seg, "--db", db, "--json")
	if code != 0 {
		t.Fatalf("count: exit %d: %s", code, errOut)
	}
	var exact struct{ Members int64 }
	if err := json.Unmarshal([]byte(out), &exact); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = segRun(t, "count", seg, "--db", db, "--estimate", "--sample-size", "200", "--json")
	if code != 0 {
		t.Fatalf("count --estimate: exit %d: %s", code, errOut)
	}
	var est struct {
		Segment           string
		Members, Universe int64
		AsOf              string `json:"as_of"`
		Estimated         bool
		Low, High         int64
		Confidence        float64
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &est); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"segment", "members", "universe", "as_of", "estimated", "low", "high", "confidence", "sample_size", "sample_members"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("count --estimate --json has no %q: %s", k, out)
		}
	}
	if !est.Estimated || est.Confidence != 0.95 || est.Universe != 600 || est.Low > est.Members || est.Members > est.High {
		t.Errorf("estimate %+v", est)
	}
	if exact.Members < est.Low || exact.Members > est.High {
		t.Errorf("the exact count %d is outside the interval [%d, %d]", exact.Members, est.Low, est.High)
	}
	if n := raw["sample_size"].(float64); n < 120 || n > 300 {
		t.Errorf("sampled %v people, asked for about 200", n)
	}

	code, out, errOut = segRun(t, "count", seg, "--db", db, "--estimate", "--sample-size", "200")
	if code != 0 || !strings.Contains(out, "buyers  ≈ ") || !strings.Contains(out, " ± ") || !strings.Contains(out, "estimate: 95% interval") {
		t.Errorf("count --estimate: exit %d: %s%s", code, out, errOut)
	}
	code, out, _ = segRun(t, "count", seg, "--db", db, "--estimate")
	if code != 0 || !strings.Contains(out, "exact: the sample was everyone") || strings.Contains(out, "≈") {
		t.Errorf("count --estimate on 600 people with a sample of 20,000: %s", out)
	}
}
