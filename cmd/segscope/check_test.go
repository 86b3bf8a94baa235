package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckCommand(t *testing.T) {
	db, ws := segFixture(t)

	code, out, errOut := segRun(t, "check", ws, "--db", db, "--as-of", fixtureAsOf)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, w := range []string{"ok  buyers", "11 users (36.7%)", "members >= 10", "ok  recent_buyers",
		": 4 segments, 4 ok, 0 failed, 0 errors, 0 definition errors"} {
		if !strings.Contains(out, w) {
			t.Errorf("check lacks %q:\n%s", w, out)
		}
	}

	// Without a store: definitions only.
	code, out, _ = segRun(t, "check", ws)
	if code != 0 || !strings.Contains(out, "valid  buyers") || !strings.Contains(out, "no --db: segments were not evaluated") {
		t.Errorf("check without --db: exit %d:\n%s", code, out)
	}

	// A failing expectation, an unknown event and a broken file: every one reported, exit 1.
	bad := filepath.Join(t.TempDir(), "bad")
	writeFiles(t, bad, map[string]string{
		"few.yaml":   "name: few\nwhere: {did: purchase}\nexpect: {members: \">= 100\"}\n",
		"typo.yaml":  "name: typo\nwhere:\n  did: purchse\n",
		"fine.yaml":  "name: fine\nwhere: {did: order}\nexpect: {members: \"= 5\"}\n",
		"cart.yaml":  "name: cart\nwhere:\n  all:\n    - did: add_to_cart\n      thn_not: purchase\n      within: 2h\n",
		"cycle.yaml": "segments:\n  - name: a\n    where: {segment: b}\n  - name: b\n    where: {segment: a}\n",
	})
	code, out, _ = segRun(t, "check", bad, "--db", db, "--as-of", fixtureAsOf)
	if code != 1 {
		t.Errorf("exit %d, want 1:\n%s", code, out)
	}
	for _, w := range []string{
		filepath.Join(bad, "cart.yaml") + `:5:7: unknown condition key "thn_not" (did you mean "then_not"?)`,
		filepath.Join(bad, "cycle.yaml") + ":5:13: segment reference cycle: a -> b -> a",
		"FAIL   few", "expected >= 100",
		"ok     fine",
		"ERROR  typo", filepath.Join(bad, "typo.yaml") + `:3:8: unknown event "purchse" (did you mean "purchase"?)`,
	} {
		if !strings.Contains(out, w) {
			t.Errorf("check lacks %q:\n%s", w, out)
		}
	}

	code, out, _ = segRun(t, "check", bad, "--db", db, "--as-of", fixtureAsOf, "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var summary struct {
		Summary map[string]any `json:"summary"`
	}
	if code != 1 || json.Unmarshal([]byte(lines[len(lines)-1]), &summary) != nil || summary.Summary["failed"] != float64(1) {
		t.Errorf("check --json: exit %d:\n%s", code, out)
	}
}
