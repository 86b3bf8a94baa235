package sampledata

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/segscope/segscope/segments"
)

// The language reference in the repository's README.md ("The segment language" and
// "Campaigns") is written alongside the demo workspace; this test keeps it honest. Every
// ```yaml block must parse, except where a ```text block follows it: then it is an error
// example, and parsing must print exactly that text. Between them the examples must show
// every condition, window and campaign field.

// refExample is one ```yaml block of the reference, with the error text that follows it.
type refExample struct {
	line int // of the block's first YAML line in README.md
	src  string
	errs string // "" for a valid example
}

var errorLineRE = regexp.MustCompile(`^([\w./-]+\.ya?ml):\d+:\d+: `)

func languageReference(t *testing.T) []refExample {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	start := -1
	for i, l := range lines {
		if l == "## The segment language" {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatal(`README.md has no "## The segment language" section`)
	}
	end := len(lines)
	for i := start + 1; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "## ") && lines[i] != "## Campaigns" {
			end = i
			break
		}
	}
	// fence returns the body of the fenced block opening at line i and the line after it.
	fence := func(i int) (string, int) {
		var body []string
		for j := i + 1; j < end; j++ {
			if lines[j] == "```" {
				return strings.Join(body, "\n") + "\n", j + 1
			}
			body = append(body, lines[j])
		}
		t.Fatalf("README.md:%d: unclosed code block", i+1)
		return "", end
	}
	var out []refExample
	for i := start; i < end; i++ {
		if lines[i] != "```yaml" {
			continue
		}
		ex := refExample{line: i + 2}
		ex.src, i = fence(i)
		for i < end && strings.TrimSpace(lines[i]) == "" {
			i++
		}
		if i < end && lines[i] == "```text" {
			if body, next := fence(i); errorLineRE.MatchString(body) {
				ex.errs, i = strings.TrimSpace(body), next
			}
		}
		i--
		out = append(out, ex)
	}
	return out
}

// topKeys lists the keys at the top level of a block-style YAML mapping.
func topKeys(src string) []string {
	var keys []string
	for _, l := range strings.Split(src, "\n") {
		if l == "" || l[0] == ' ' || l[0] == '#' || l[0] == '-' {
			continue
		}
		if k, _, ok := strings.Cut(l, ":"); ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// parseExample parses a block as what it is: a campaign file, a segment file, or a single
// condition (the snippets under "Conditions").
func parseExample(file, src string) (segs []*segments.Segment, camps []*segments.Campaign, cond segments.Condition, err error) {
	keys := topKeys(src)
	has := func(k string) bool {
		for _, x := range keys {
			if x == k {
				return true
			}
		}
		return false
	}
	switch {
	case has("trigger") || has("campaigns"):
		camps, err = segments.ParseCampaigns(file, []byte(src))
	case has("name") || has("segments"):
		segs, err = segments.Parse(file, []byte(src))
	default:
		unit := segments.UnitUser
		if strings.Contains(src, "users:") {
			unit = segments.UnitAccount
		}
		cond, err = segments.ParseCondition(file, []byte(src), unit)
	}
	return segs, camps, cond, err
}

func TestLanguageReference(t *testing.T) {
	examples := languageReference(t)
	if len(examples) < 20 {
		t.Fatalf("found %d yaml examples in README.md's language reference", len(examples))
	}
	kinds := map[string]bool{}
	windows := map[segments.WindowKind]bool{}
	fields := map[string]bool{}
	errorExamples := 0
	for _, ex := range examples {
		file := "README.md"
		if ex.errs != "" {
			file = errorLineRE.FindStringSubmatch(ex.errs)[1]
		}
		segs, camps, cond, err := parseExample(file, ex.src)
		if ex.errs != "" {
			errorExamples++
			if err == nil || err.Error() != ex.errs {
				t.Errorf("README.md:%d: the example's errors are\n%v\nREADME.md says\n%s", ex.line, err, ex.errs)
			}
			continue
		}
		if err != nil {
			t.Errorf("README.md:%d: example does not parse:\n%v", ex.line, err)
			continue
		}
		var conds []segments.Condition
		for _, s := range segs {
			conds = append(conds, s.Where)
			if s.Unit == segments.UnitAccount {
				fields["unit: account"] = true
			}
			if s.Expect.Members != nil {
				fields["expect"] = true
			}
		}
		if cond != nil {
			conds = append(conds, cond)
		}
		for _, c := range conds {
			segments.Walk(c, func(c segments.Condition) bool {
				key := c.Key()
				if sq, ok := c.(*segments.Sequence); ok {
					key = map[bool]string{false: "then", true: "then_not"}[sq.Negated]
				}
				kinds[key] = true
				for _, w := range usedWindows(c) {
					windows[w] = true
				}
				if d, ok := c.(*segments.Did); ok && d.Users != nil {
					fields["users"] = true
				}
				return true
			})
		}
		for _, c := range camps {
			fields["trigger.event"] = fields["trigger.event"] || len(c.Trigger.Events) > 0
			fields["trigger.segment"] = fields["trigger.segment"] || c.Trigger.Segment != ""
			fields["trigger.where"] = fields["trigger.where"] || len(c.Trigger.Where) > 0
			fields["exit"] = fields["exit"] || c.Exit != nil
			fields["cap"] = fields["cap"] || c.Cap != nil
			fields["quiet_hours"] = fields["quiet_hours"] || c.QuietHours != nil
			fields["holdout"] = fields["holdout"] || c.Holdout > 0
			fields["conversion"] = fields["conversion"] || c.Conversion != nil
			fields["between"] = fields["between"] || c.Between.Kind == segments.WindowBetween
			for _, st := range c.Steps {
				fields["message"] = fields["message"] || st.Message != ""
			}
		}
	}
	for _, k := range []string{"did", "did_not", "then", "then_not", "measure", "last", "first",
		"trend", "gap", "affinity", "rfm", "user", "segment", "all", "any", "not"} {
		if !kinds[k] {
			t.Errorf("the language reference has no parsed example of %s", k)
		}
	}
	// The window table shows between/since/during inline; examples must use in_last.
	if !windows[segments.WindowInLast] {
		t.Error("the language reference has no parsed example with in_last")
	}
	for _, f := range []string{"unit: account", "users", "expect", "trigger.event", "trigger.segment",
		"trigger.where", "exit", "cap", "quiet_hours", "holdout", "conversion", "between", "message"} {
		if !fields[f] {
			t.Errorf("the language reference has no parsed example of %s", f)
		}
	}
	if errorExamples < 3 {
		t.Errorf("%d error examples; want segment and campaign errors shown", errorExamples)
	}
}

// TestLanguageReferenceWindows parses the window spellings the reference's table shows,
// which are not in yaml blocks of their own.
func TestLanguageReferenceWindows(t *testing.T) {
	for _, w := range []string{
		"in_last: 7d",
		"between: [2025-11-24, 2025-11-30]",
		"since: 2026-01-01",
		"during: [[2024-11-25, 2024-12-02], [2025-11-24, 2025-12-01]]",
		`between: ["2025-11-24T10:00:00Z", "2025-11-30T18:00:00+02:00"]`,
	} {
		if _, err := segments.ParseCondition("w.yaml", []byte("did: purchase\n"+w+"\n"), segments.UnitUser); err != nil {
			t.Errorf("%s: %v", w, err)
		}
	}
}

// TestLanguageReferenceWorkspaceErrors rebuilds the workspace behind the reference's
// example of workspace and store errors and checks the messages it quotes.
func TestLanguageReferenceWorkspaceErrors(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "Workspace and store checks read the same way:\n\n```text\n")
	if !ok {
		t.Fatal("README.md: the workspace error example is missing")
	}
	want, _, _ := strings.Cut(after, "```")
	dir := t.TempDir()
	files := map[string]string{
		"a.yaml": "name: a\nwhere: {segment: b}\n",
		"b.yaml": "name: b\nwhere:\n  all:\n    - segment: a\n    - segment: vip_buyer\n",
		"c.yaml": "name: c\nwhere:\n  all:\n    - did: add_to_kart\n    - user: loyalty_teir\n      is: gold\n",
	}
	if err := os.Mkdir(dir+"/segments", 0o755); err != nil {
		t.Fatal(err)
	}
	for name, src := range files {
		if err := os.WriteFile(dir+"/segments/"+name, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ws, loadErr := segments.LoadWorkspace(dir)
	if loadErr == nil {
		t.Fatal("the broken workspace loaded without errors")
	}
	got := loadErr.Error() + "\n" + ws.Validate(vocab{}).Error() + "\n"
	if got = strings.ReplaceAll(got, dir+"/", ""); got != want {
		t.Errorf("workspace errors:\n%s\nREADME.md says:\n%s", got, want)
	}
}
