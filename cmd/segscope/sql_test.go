package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/segscope/segscope/query"
)

// TestSQLCommand: the printed statement, run through DuckDB on the store, lists the same
// members as count and members.
func TestSQLCommand(t *testing.T) {
	db, ws := segFixture(t)
	code, text, errOut := segRun(t, "sql", "recent_buyers", "--segments", ws, "--db", db, "--as-of", fixtureAsOf)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(text, "-- segment recent_buyers: users as of 2026-03-31T00:00:00Z\nWITH ") || !strings.HasSuffix(text, ";\n") {
		t.Errorf("sql text:\n%s", text)
	}
	s, err := query.Open(context.Background(), db, query.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.DB().Query(text)
	if err != nil {
		t.Fatalf("run printed sql: %v\n%s", err, text)
	}
	var got []string
	for rows.Next() {
		var uid int64
		var id string
		if err := rows.Scan(&uid, &id); err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
	}
	rows.Close()
	s.Close()

	code, out, _ := segRun(t, "members", "recent_buyers", "--segments", ws, "--db", db, "--as-of", fixtureAsOf, "--format", "json", "--limit", "0")
	var want []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		want = append(want, m["user_id"].(string))
	}
	if code != 0 || !slices.Equal(got, want) || len(got) != 5 {
		t.Errorf("sql members %v, members command %v", got, want)
	}

	code, out, _ = segRun(t, "sql", ws, "--db", db, "--json")
	if code != 0 || strings.Count(out, "\n") != 4 || !strings.Contains(out, `"segment":"pro_users","sql":"-- segment pro_users`) {
		t.Errorf("sql --json: exit %d:\n%s", code, out)
	}
}
