package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestOverlapCommand(t *testing.T) {
	db, ws := segFixture(t)
	code, out, errOut := segRun(t, "overlap", "buyers", "recent_buyers", "pro_users", "--segments", ws, "--db", db,
		"--as-of", fixtureAsOf, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// The contract's field names, spelt here rather than borrowed from the report's types.
	var got struct {
		Segments      []string    `json:"segments"`
		Members       []int64     `json:"members"`
		Intersections [][]int64   `json:"intersections"`
		Jaccard       [][]float64 `json:"jaccard"`
		Universe      int64       `json:"universe"`
		AsOf          string      `json:"as_of"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	// buyers 11; recent_buyers alice frank judy kim mike; pro_users alice carol.
	if !slices.Equal(got.Segments, []string{"buyers", "recent_buyers", "pro_users"}) || !slices.Equal(got.Members, []int64{11, 5, 2}) {
		t.Errorf("segments %v members %v", got.Segments, got.Members)
	}
	want := [][]int64{{11, 5, 1}, {5, 5, 1}, {1, 1, 2}}
	for i := range want {
		if !slices.Equal(got.Intersections[i], want[i]) {
			t.Errorf("intersections[%d] = %v, want %v", i, got.Intersections[i], want[i])
		}
	}
	if got.Jaccard[0][1] != 5.0/11 || got.Universe != 30 || got.AsOf != fixtureAsOf {
		t.Errorf("jaccard %v universe %d as_of %s", got.Jaccard[0][1], got.Universe, got.AsOf)
	}

	code, out, errOut = segRun(t, "overlap", ws, "--db", db, "--as-of", fixtureAsOf)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, w := range []string{"4 segments of 30 users, as of 2026-03-31T00:00:00Z", "[1]  buyers", "5 (45.5%)",
		"[4]  recent_buyers", "5 (100.0%)", "Jaccard (both ÷ either)", "0.455"} {
		if !strings.Contains(out, w) {
			t.Errorf("overlap lacks %q:\n%s", w, out)
		}
	}

	// Users and accounts do not overlap.
	acct := filepath.Join(t.TempDir(), "acct.yaml")
	writeFiles(t, filepath.Dir(acct), map[string]string{"acct.yaml": "name: acct\nunit: account\nwhere: {did: purchase}\n"})
	code, _, errOut = segRun(t, "overlap", filepath.Join(ws, "buyers.yaml"), acct, "--db", db)
	if code != 2 || !strings.Contains(errOut, "overlap needs one unit") {
		t.Errorf("mixed units: exit %d: %s", code, errOut)
	}
}

// TestOverlapListsGroups: --members lists every member of an intersection and --exclusive
// every member of an exclusive group, in the columns of segscope members, to standard
// output or a file.
func TestOverlapListsGroups(t *testing.T) {
	db, ws := segFixture(t)
	base := []string{"overlap", "buyers", "recent_buyers", "pro_users", "--segments", ws, "--db", db, "--as-of", fixtureAsOf}
	ids := func(csv string) []string {
		lines := strings.Split(strings.TrimSpace(csv), "\n")
		if lines[0] != "id,user_id,last_seen,events,revenue" {
			t.Fatalf("header %q", lines[0])
		}
		var out []string
		for _, l := range lines[1:] {
			out = append(out, strings.Split(l, ",")[1])
		}
		return out
	}
	for _, tc := range []struct {
		flags []string
		want  []string
	}{
		// recent_buyers alice frank judy kim mike; pro_users alice carol; all recent buyers buy.
		{[]string{"--members", "recent_buyers,pro_users"}, []string{"alice"}},
		{[]string{"--members", "buyers,recent_buyers"}, []string{"alice", "frank", "judy", "kim", "mike"}},
		{[]string{"--exclusive", "pro_users"}, []string{"carol"}},
		{[]string{"--exclusive", "recent_buyers,pro_users"}, nil}, // alice buys too
		{[]string{"--exclusive", "buyers, recent_buyers"}, []string{"frank", "judy", "kim", "mike"}},
	} {
		code, out, errOut := segRun(t, append(slices.Clone(base), tc.flags...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.flags, code, errOut)
		}
		got := ids(out)
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.flags, got, tc.want)
		}
	}
	// The whole group, not a sample: the exclusive buyers are every buyer not recent and
	// not pro, as many as the matrix implies (11 − 5 recent − 0 other pro buyers).
	code, out, _ := segRun(t, append(slices.Clone(base), "--exclusive", "buyers", "--json")...)
	if code != 0 || strings.Count(out, "\n") != 6 || !strings.Contains(out, `"user_id":`) {
		t.Errorf("--exclusive buyers --json: exit %d:\n%s", code, out)
	}
	file := filepath.Join(t.TempDir(), "both.parquet")
	code, out, errOut := segRun(t, append(slices.Clone(base), "--members", "buyers,recent_buyers", "--format", "parquet", "--out", file)...)
	if code != 0 || !strings.Contains(out, "wrote 5 of 5 members of buyers ∩ recent_buyers to") {
		t.Errorf("--out parquet: exit %d: %s%s", code, out, errOut)
	}
	for _, bad := range []struct {
		flags []string
		err   string
	}{
		{[]string{"--members", "buyers,nobody"}, `"nobody" is not one of the segments compared`},
		{[]string{"--members", "buyers", "--exclusive", "pro_users"}, "not both"},
		{[]string{"--format", "json"}, "go with --members or --exclusive"},
		{[]string{"--members", "buyers", "--format", "parquet"}, "needs --out"},
	} {
		code, _, errOut := segRun(t, append(slices.Clone(base), bad.flags...)...)
		if code == 0 || !strings.Contains(errOut, bad.err) {
			t.Errorf("%v: exit %d: %s", bad.flags, code, errOut)
		}
	}
}
