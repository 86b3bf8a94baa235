package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The contracts of explain, diff and history (DESIGN.md, "Validating definitions"), read
// with field names spelt here rather than borrowed from the report's types.

type explainLeafJSON struct {
	Path      string            `json:"path"`
	Condition string            `json:"condition"`
	Matched   bool              `json:"matched"`
	Evidence  map[string]any    `json:"evidence"`
	Children  []explainLeafJSON `json:"children"`
}

type explainJSON struct {
	Segment string            `json:"segment"`
	UserID  string            `json:"user_id"`
	AsOf    string            `json:"as_of"`
	Member  bool              `json:"member"`
	Leaves  []explainLeafJSON `json:"leaves"`
}

// TestExplainCommand: erin bought once, exactly 7 days before as_of, so she is a buyer but
// not a recent one; alice bought twice in the last 7 days.
func TestExplainCommand(t *testing.T) {
	db, ws := segFixture(t)
	code, out, errOut := segRun(t, "explain", "recent_buyers", "erin", "--segments", ws, "--db", db, "--as-of", fixtureAsOf, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var x explainJSON
	if err := json.Unmarshal([]byte(out), &x); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if x.Segment != "recent_buyers" || x.UserID != "erin" || x.AsOf != "2026-03-31T00:00:00Z" || x.Member || len(x.Leaves) != 2 {
		t.Fatalf("explain: %+v", x)
	}
	recent, ref := x.Leaves[0], x.Leaves[1]
	if recent.Path != "where.all[0]" || recent.Condition != "did purchase in_last 7d" || recent.Matched ||
		recent.Evidence["count"] != 0.0 || recent.Evidence["needs"] != "times >= 1" {
		t.Errorf("first leaf %+v", recent)
	}
	if ref.Path != "where.all[1]" || ref.Condition != "segment buyers" || !ref.Matched || len(ref.Children) != 1 ||
		ref.Children[0].Path != "where" || !ref.Children[0].Matched || ref.Children[0].Evidence["count"] != 1.0 {
		t.Errorf("the reference %+v", ref)
	}

	code, out, errOut = segRun(t, "explain", filepath.Join(ws, "recent.yaml"), "alice", "--db", db, "--as-of", fixtureAsOf)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, w := range []string{"person alice is a member of recent_buyers", "✓ all",
		"✓ did purchase in_last 7d — 2 matching events, latest 2026-03-30 00:00 UTC; needs times >= 1",
		"✓ segment buyers — member", "      ✓ did purchase — 3 matching events"} {
		if !strings.Contains(out, w) {
			t.Errorf("explain text lacks %q:\n%s", w, out)
		}
	}

	code, _, errOut = segRun(t, "explain", "recent_buyers", "nobody", "--segments", ws, "--db", db)
	if code != 2 || !strings.Contains(errOut, `no person with user id "nobody"`) {
		t.Errorf("unknown person: exit %d: %s", code, errOut)
	}
}

// TestDiffCommand: all buyers against recent buyers (a subset), then a file against its
// own last commit.
func TestDiffCommand(t *testing.T) {
	db, ws := segFixture(t)
	code, out, errOut := segRun(t, "diff", "buyers", "recent_buyers", "--segments", ws, "--db", db, "--as-of", fixtureAsOf, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var d struct {
		Old, New            string
		Entered, Left, Kept int64
		OldMembers          int64 `json:"old_members"`
		NewMembers          int64 `json:"new_members"`
		Samples             map[string][]string
		OldWaterfall        []map[string]any `json:"old_waterfall"`
		NewWaterfall        []map[string]any `json:"new_waterfall"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if d.Old != "buyers" || d.New != "recent_buyers" || d.Entered != 0 || d.Left != 6 || d.Kept != 5 ||
		d.OldMembers != 11 || d.NewMembers != 5 || len(d.NewWaterfall) != 2 {
		t.Errorf("diff: %+v", d)
	}
	// The sample lists members in id order (hash order of the user id); here it is everyone.
	if got := strings.Join(slices.Sorted(slices.Values(d.Samples["left"])), ","); got != "bob,erin,quinn,rita,sam,tina" {
		t.Errorf("left sample %s", got)
	}

	// --members left --out: every member who left.
	list := filepath.Join(t.TempDir(), "left.csv")
	code, _, errOut = segRun(t, "diff", "buyers", "recent_buyers", "--segments", ws, "--db", db, "--as-of", fixtureAsOf,
		"--members", "left", "--out", list)
	body, _ := os.ReadFile(list)
	if code != 0 || strings.Count(string(body), "\n") != 7 || !strings.Contains(string(body), ",tina,") {
		t.Errorf("--members left: exit %d %s:\n%s", code, errOut, body)
	}

	// FILE@REV: the file as committed against the edit.
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	repo := t.TempDir()
	file := filepath.Join(repo, "buyers.yaml")
	writeFiles(t, repo, map[string]string{"buyers.yaml": "name: buyers\nwhere: {did: purchase}\n"})
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "buyers"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, b)
		}
	}
	writeFiles(t, repo, map[string]string{"buyers.yaml": "name: buyers\nwhere: {did: purchase, in_last: 7d}\n"})
	code, out, errOut = segRun(t, "diff", file+"@HEAD", file, "--db", db, "--as-of", fixtureAsOf, "--json")
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil || d.Left != 6 || d.Kept != 5 || d.Old != file+"@HEAD" {
		t.Errorf("diff FILE@HEAD: exit %d %s: %s", code, errOut, out)
	}
	code, _, errOut = segRun(t, "diff", file+"@no_such_rev", file, "--db", db)
	if code != 2 || !strings.Contains(errOut, "no_such_rev") {
		t.Errorf("a bad revision: exit %d: %s", code, errOut)
	}
}

// TestHistoryCommand: recent buyers at the end of each day; a purchase counts for its day
// and the six after it (query.TestHistoryWindowEdges spells the days out).
func TestHistoryCommand(t *testing.T) {
	db, ws := segFixture(t)
	code, out, errOut := segRun(t, "history", "recent_buyers", "--segments", ws, "--db", db,
		"--from", "2026-03-20", "--to", "2026-03-31", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var h struct {
		Segment string `json:"segment"`
		Points  []struct {
			AsOf    string `json:"as_of"`
			Members int64  `json:"members"`
			Entered *int64 `json:"entered"`
			Left    *int64 `json:"left"`
		} `json:"points"`
	}
	if err := json.Unmarshal([]byte(out), &h); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	members := []int64{0, 1, 1, 2, 3, 3, 4, 5, 5, 6, 5, 6}
	if h.Segment != "recent_buyers" || len(h.Points) != len(members) {
		t.Fatalf("history: %s", out)
	}
	if h.Points[0].AsOf != "2026-03-20T23:59:59Z" || h.Points[0].Entered != nil || h.Points[0].Left != nil ||
		h.Points[11].AsOf != "2026-03-31T23:59:59Z" {
		t.Errorf("points %+v … %+v", h.Points[0], h.Points[11])
	}
	for i, p := range h.Points {
		if p.Members != members[i] {
			t.Errorf("%s: %d members, want %d", p.AsOf, p.Members, members[i])
		}
	}
	if last := h.Points[11]; *last.Entered != 2 || *last.Left != 1 {
		t.Errorf("03-31: +%d −%d, want +2 (frank, leo) −1 (erin)", *last.Entered, *last.Left)
	}

	// Weekly, in text.
	code, out, _ = segRun(t, "history", "recent_buyers", "--segments", ws, "--db", db, "--from", "2026-03-17", "--to", "2026-03-31", "--every", "1w")
	if code != 0 || !strings.Contains(out, "2026-03-24T23:59:59Z           3") || !strings.Contains(out, "2026-03-31T23:59:59Z           6") ||
		!strings.Contains(out, "over 3 points") {
		t.Errorf("weekly history: exit %d:\n%s", code, out)
	}
}

// TestLintWarnings: a misspelt property gives 0 members and a positioned warning on stderr
// wherever the definition is used; check fails on it only with --strict.
func TestLintWarnings(t *testing.T) {
	db, ws := segFixture(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"shoes.yaml": "name: shoes\nwhere:\n  did: purchase\n  where: {Category: shoes}\n"})
	file := filepath.Join(dir, "shoes.yaml")
	want := file + `:4:11: warning: property "Category" is never set on purchase events (did you mean "category"?)`
	for _, args := range [][]string{
		{"count", file},
		{"members", file},
		{"overlap", file, filepath.Join(ws, "buyers.yaml")},
		{"explain", file, "alice"},
		{"history", file, "--from", "2026-03-29", "--to", "2026-03-31"},
		{"check", dir},
	} {
		code, _, errOut := segRun(t, append(args, "--db", db)...)
		if code != 0 || !strings.Contains(errOut, want) {
			t.Errorf("%s: exit %d, stderr:\n%s", args[0], code, errOut)
		}
	}
	code, out, errOut := segRun(t, "check", dir, "--db", db, "--strict")
	if code != 1 || !strings.Contains(errOut, want) || !strings.Contains(out, "1 warning") {
		t.Errorf("check --strict: exit %d:\n%s%s", code, out, errOut)
	}
	code, out, _ = segRun(t, "check", dir, "--db", db, "--strict", "--json")
	var line struct {
		Warnings []string `json:"warnings"`
	}
	if code != 1 || json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &line) != nil || len(line.Warnings) != 1 || line.Warnings[0] != want {
		t.Errorf("check --strict --json: exit %d:\n%s", code, out)
	}
	// A sound workspace has nothing to say.
	if code, _, errOut := segRun(t, "check", ws, "--db", db, "--strict"); code != 0 || errOut != "" {
		t.Errorf("check --strict on the fixture workspace: exit %d: %s", code, errOut)
	}
}
