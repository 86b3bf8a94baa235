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
