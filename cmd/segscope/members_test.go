package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segscope/segscope/query"
)

func TestMembersCommand(t *testing.T) {
	db, ws := segFixture(t)
	// Every member, in id order (ids are numbered in hash order of the user id, so the
	// order is not alphabetical), with their facts.
	code, all, errOut := segRun(t, "members", "recent_buyers", "--segments", ws, "--db", db, "--as-of", fixtureAsOf,
		"--attrs", "plan,vip", "--limit", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows := strings.Split(strings.TrimSuffix(all, "\n"), "\n")
	if len(rows) != 6 || rows[0] != "id,user_id,last_seen,events,revenue,plan,vip" {
		t.Fatalf("members csv:\n%s", all)
	}
	facts := map[string]string{}
	prev := -1
	for _, r := range rows[1:] {
		var id int
		id_, rest, _ := strings.Cut(r, ",")
		fmt.Sscan(id_, &id)
		if id <= prev {
			t.Errorf("members not in id order: %d after %d", id, prev)
		}
		prev = id
		user, _, _ := strings.Cut(rest, ",")
		facts[user] = rest
	}
	if facts["alice"] != "alice,2026-03-30T00:00:00Z,5,60,pro,true" || facts["frank"] != "frank,2026-03-31T00:00:00Z,1,5,," {
		t.Errorf("members csv:\n%s", all)
	}
	// --limit 2: the first two of them.
	code, out, errOut := segRun(t, "members", "recent_buyers", "--segments", ws, "--db", db, "--as-of", fixtureAsOf,
		"--attrs", "plan,vip", "--limit", "2")
	if want := strings.Join(rows[:3], "\n") + "\n"; code != 0 || out != want {
		t.Errorf("members csv --limit 2: exit %d %s\n%s\nwant:\n%s", code, errOut, out, want)
	}

	code, out, _ = segRun(t, "members", filepath.Join(ws, "recent.yaml"), "--db", db, "--as-of", fixtureAsOf, "--format", "json", "--limit", "0")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var alice map[string]any
	for _, l := range lines {
		if strings.Contains(l, `"alice"`) {
			json.Unmarshal([]byte(l), &alice)
		}
	}
	if code != 0 || len(lines) != 5 || alice == nil ||
		alice["user_id"] != "alice" || alice["events"] != float64(5) || alice["revenue"] != float64(60) {
		t.Errorf("members json: exit %d:\n%s", code, out)
	}

	// Parquet goes to a file, read back here through DuckDB.
	pq := filepath.Join(t.TempDir(), "recent.parquet")
	code, out, errOut = segRun(t, "members", "recent_buyers", "--segments", ws, "--db", db, "--as-of", fixtureAsOf, "--format", "parquet", "--out", pq, "--attrs", "plan")
	if code != 0 || !strings.Contains(out, "wrote 5 of 5 members of recent_buyers to "+pq) {
		t.Fatalf("members parquet: exit %d: %s %s", code, out, errOut)
	}
	s, err := query.Open(context.Background(), "", query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n, revenue float64
	var plan string
	if err := s.DB().QueryRow(`SELECT count(*), sum(revenue), max(plan) FROM read_parquet(?)`, pq).Scan(&n, &revenue, &plan); err != nil {
		t.Fatal(err)
	}
	if n != 5 || revenue != 60+5+12+9 || plan != "pro" {
		t.Errorf("parquet: %v rows, revenue %v, plan %q", n, revenue, plan)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"members", "recent_buyers", "--segments", ws, "--db", db, "--format", "parquet"}, "--format parquet needs --out FILE"},
		{[]string{"members", "recent_buyers", "--segments", ws, "--db", db, "--format", "xml"}, `--format "xml"`},
		{[]string{"members", "recent_buyers", "--segments", ws, "--db", db, "--attrs", "plna"}, `unknown user attribute "plna" (did you mean "plan"?)`},
		{[]string{"members", filepath.Join(ws, "people.yaml"), "--db", db}, "holds 2 segments; members lists one"},
	} {
		code, _, errOut := segRun(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}
