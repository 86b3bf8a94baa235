package sampledata

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/segments"
)

// vocab is the generator's vocabulary as the segments package checks names against it.
type vocab struct{}

func (vocab) HasEvent(name string) bool { return slices.Contains(EventNames(), name) }
func (vocab) EventNames() []string      { return EventNames() }
func (vocab) HasAttribute(name string) bool {
	return name != "user_id" && slices.Contains(UserColumns(), name)
}
func (vocab) AttributeNames() []string { return UserColumns()[1:] }

// loadDemoWorkspace writes the embedded workspace to a folder and loads it the way
// `segscope check DIR` and the explorer do.
func loadDemoWorkspace(t *testing.T) *segments.Workspace {
	t.Helper()
	dir := t.TempDir()
	if err := WriteWorkspace(dir); err != nil {
		t.Fatal(err)
	}
	ws, err := segments.LoadWorkspace(dir)
	if err != nil {
		t.Fatalf("demo workspace:\n%v", err)
	}
	return ws
}

func TestWorkspaceFilesParse(t *testing.T) {
	fsys := Workspace()
	segNames, campNames := map[string]string{}, map[string]string{}
	for _, dir := range []string{"segments", "campaigns"} {
		files, err := fs.Glob(fsys, dir+"/*")
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("%s: no files embedded", dir)
		}
		for _, f := range files {
			if path.Ext(f) != ".yaml" {
				t.Errorf("%s: only .yaml files belong in the workspace", f)
				continue
			}
			src, err := fs.ReadFile(fsys, f)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.TrimSuffix(path.Base(f), ".yaml")
			var name string
			if dir == "segments" {
				s, err := segments.ParseSegment(f, src)
				if err != nil {
					t.Errorf("%v", err)
					continue
				}
				name = s.Name
				if s.Title == "" || s.Description == "" || s.Type == segments.TypeNone || s.Expect.Members == nil {
					t.Errorf("%s: every demo segment needs title, description, type and expect.members", f)
				}
				if prev, dup := segNames[name]; dup {
					t.Errorf("%s: segment %q already defined in %s", f, name, prev)
				}
				segNames[name] = f
			} else {
				cs, err := segments.ParseCampaigns(f, src)
				if err != nil {
					t.Errorf("%v", err)
					continue
				}
				if len(cs) != 1 {
					t.Errorf("%s: %d campaigns; want one per file", f, len(cs))
					continue
				}
				name = cs[0].Name
				if cs[0].Title == "" || cs[0].Description == "" {
					t.Errorf("%s: every demo campaign needs title and description", f)
				}
				if prev, dup := campNames[name]; dup {
					t.Errorf("%s: campaign %q already defined in %s", f, name, prev)
				}
				campNames[name] = f
			}
			if name != want {
				t.Errorf("%s: holds %q; name the file after it (%s.yaml)", f, name, name)
			}
			// Files a person keeps in git explain themselves.
			if !strings.HasPrefix(string(src), "#") {
				t.Errorf("%s: start with a comment saying what the %s is for", f, strings.TrimSuffix(dir, "s"))
			}
		}
	}
}

func TestWorkspaceLoadsAndCovers(t *testing.T) {
	ws := loadDemoWorkspace(t)
	if err := ws.Validate(vocab{}); err != nil {
		t.Errorf("names outside the generator's vocabulary:\n%v", err)
	}
	types := map[segments.Type]int{}
	account := false
	kinds := map[string]bool{}
	windows := map[segments.WindowKind]bool{}
	props := PropertyKeys()
	for _, s := range ws.Segments {
		types[s.Type]++
		account = account || s.Unit == segments.UnitAccount
		segments.Walk(s.Where, func(c segments.Condition) bool {
			key := c.Key()
			if sq, ok := c.(*segments.Sequence); ok {
				key = map[bool]string{false: "then", true: "then_not"}[sq.Negated]
			}
			kinds[key] = true
			for _, p := range usedProperties(c) {
				if segments.ColumnOf(p) == segments.NoColumn && !slices.Contains(props, p) {
					t.Errorf("%s: property %q is not one the generator writes", s.Pos, p)
				}
			}
			for _, w := range usedWindows(c) {
				windows[w] = true
			}
			return true
		})
	}
	for _, typ := range segments.Types() {
		if types[typ] == 0 {
			t.Errorf("no demo segment of type %s", typ)
		}
	}
	if !account {
		t.Error("no unit: account segment")
	}
	// The demo shows the whole language.
	for _, k := range []string{"did", "did_not", "then", "then_not", "measure", "last", "first",
		"trend", "gap", "affinity", "rfm", "user", "segment", "all", "any", "not"} {
		if !kinds[k] {
			t.Errorf("no demo segment uses %s", k)
		}
	}
	for _, w := range []segments.WindowKind{segments.WindowInLast, segments.WindowBetween, segments.WindowSince, segments.WindowDuring} {
		if !windows[w] {
			t.Errorf("no demo segment uses the %s window", w)
		}
	}

	// Campaigns: one for each trigger the reference guide describes, replayed inside the
	// demo span.
	start, end, err := Demo().Span()
	if err != nil {
		t.Fatal(err)
	}
	if len(ws.Campaigns) < 5 {
		t.Errorf("%d campaigns; want at least 5", len(ws.Campaigns))
	}
	segmentTriggers := 0
	for _, c := range ws.Campaigns {
		if c.Trigger.Segment != "" {
			segmentTriggers++
		}
		if c.Between.Kind != segments.WindowBetween {
			t.Errorf("%s: give a replay window (between:) inside the demo span", c.Name)
			continue
		}
		iv := c.Between.Ranges[0].Interval()
		if iv.Start.Before(start.Truncate(24*time.Hour)) || iv.End.After(end.Add(time.Second)) {
			t.Errorf("%s: between %s reaches outside the demo span %s … %s", c.Name, c.Between.Ranges[0], start, end)
		}
		for _, p := range campaignProperties(c) {
			if segments.ColumnOf(p) == segments.NoColumn && !slices.Contains(props, p) {
				t.Errorf("%s: property %q is not one the generator writes", c.Name, p)
			}
		}
	}
	if segmentTriggers < 2 {
		t.Errorf("%d campaigns triggered by segment entry; want at least 2", segmentTriggers)
	}
}

// usedProperties lists the property names a condition reads (filters, measure, affinity).
func usedProperties(c segments.Condition) []string {
	var out []string
	add := func(fs []segments.PropertyFilter) {
		for _, f := range fs {
			out = append(out, f.Property)
		}
	}
	switch c := c.(type) {
	case *segments.Did:
		add(c.Where)
	case *segments.DidNot:
		add(c.Where)
	case *segments.Sequence:
		add(c.Where)
	case *segments.Measure:
		add(c.Where)
		out = append(out, c.Property)
	case *segments.Recency:
		add(c.Where)
	case *segments.Trend:
		add(c.Where)
	case *segments.Gap:
		add(c.Where)
	case *segments.Affinity:
		add(c.Where)
		out = append(out, c.Property)
	}
	return out
}

func usedWindows(c segments.Condition) []segments.WindowKind {
	switch c := c.(type) {
	case *segments.Did:
		return []segments.WindowKind{c.Window.Kind}
	case *segments.DidNot:
		return []segments.WindowKind{c.Window.Kind}
	case *segments.Sequence:
		return []segments.WindowKind{c.Window.Kind}
	case *segments.Measure:
		return []segments.WindowKind{c.Window.Kind}
	case *segments.Affinity:
		return []segments.WindowKind{c.Window.Kind}
	}
	return nil
}

func campaignProperties(c *segments.Campaign) []string {
	var out []string
	for _, em := range []*segments.EventMatch{&c.Trigger.EventMatch, c.Exit} {
		if em == nil {
			continue
		}
		for _, f := range em.Where {
			out = append(out, f.Property)
		}
	}
	if c.Conversion != nil {
		for _, f := range c.Conversion.Where {
			out = append(out, f.Property)
		}
	}
	return out
}

// TestWorkspaceExpectations evaluates every demo segment on Demo() with the reference
// evaluator and checks its expect: bounds, the same check `segscope check` makes with the
// engine on a store loaded from `segscope gen --users 3000 --seed 1 --industry mixed`.
func TestWorkspaceExpectations(t *testing.T) {
	ws := loadDemoWorkspace(t)
	d := collect(t, Demo())
	r := newRefEval(d, ws)

	// Definitions behaviors_test.go scores independently: the same name must give the same
	// members, which checks the reference evaluator itself. The listed ones deliberately
	// say more than README.md's definition.
	scorer := map[string]segmentDef{}
	for _, def := range definitions(d) {
		scorer[def.name] = def
	}
	refined := map[string]string{
		"sale_event_buyers": "also never bought outside a sale",
		"paywall_hitters":   "also never subscribed",
	}

	var table strings.Builder
	fmt.Fprintf(&table, "%-24s %-10s %8s %-12s %s\n", "segment", "type", "members", "expect", "industries")
	byIndustry := map[Industry][]string{}
	for _, s := range ws.Segments {
		m := r.Segment(s.Name)
		if r.err != nil {
			t.Fatalf("%s: %v", s.Name, r.err)
		}
		n := count(m)
		mix := r.industries(s.Unit, m)
		fmt.Fprintf(&table, "%-24s %-10s %8d %-12s %s\n", s.Name, s.Type, n, s.Expect.Members, mix)
		if s.Expect.Members != nil && !s.Expect.Members.Matches(float64(n)) {
			t.Errorf("%s: %d members on Demo(), outside expect %q", s.Pos, n, s.Expect.Members)
		}
		if n == 0 && s.Expect.Members != nil && !s.Expect.Members.MatchesZero() {
			continue
		}
		if top, share := mix.top(); n > 0 && share >= 0.9 {
			byIndustry[top] = append(byIndustry[top], s.Name)
		}
		if def, ok := scorer[s.Name]; ok && refined[s.Name] == "" {
			if want := r.scorerCount(def); want != n {
				t.Errorf("%s: %d members; behaviors_test.go's definition finds %d", s.Name, n, want)
			}
		}
	}
	t.Logf("Demo(), as_of %s:\n%s", time.Unix(d.asOf, 0).UTC().Format(time.RFC3339), table.String())
	for _, in := range Industries() {
		if len(byIndustry[in]) == 0 {
			t.Errorf("no demo segment whose members are (90%%+) %s users", in)
		} else {
			t.Logf("%-10s %s", in, strings.Join(byIndustry[in], ", "))
		}
	}
}

// mix counts a member set's people by industry.
type mix map[Industry]int

func (m mix) top() (Industry, float64) {
	total, best, bestN := 0, Industry(""), 0
	for in, n := range m {
		total += n
		if n > bestN || (n == bestN && in < best) {
			best, bestN = in, n
		}
	}
	if total == 0 {
		return "", 0
	}
	return best, float64(bestN) / float64(total)
}

func (m mix) String() string {
	var parts []string
	for _, in := range Industries() {
		if m[in] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", in, m[in]))
		}
	}
	return strings.Join(parts, ", ")
}

func (r *refEval) industries(u segments.Unit, members []bool) mix {
	out := mix{}
	for i, in := range members {
		if !in {
			continue
		}
		if u == segments.UnitAccount {
			out[r.accounts[i].members[0].u.Industry]++
		} else {
			out[r.d.people[i].u.Industry]++
		}
	}
	return out
}

// scorerCount is the member count of a behaviors_test.go definition.
func (r *refEval) scorerCount(def segmentDef) int {
	return evaluate(r.d, def).members
}

// TestFittedWorkspaceHolds writes the workspace `segscope gen` writes beside each industry's
// data and evaluates it with the reference evaluator: every written segment fits the data
// (no unknown event), every expect: bound holds, and the workspace is not empty. The same
// bounds are what `segscope check` checks with the engine (cmd/segscope's tests).
func TestFittedWorkspaceHolds(t *testing.T) {
	if _, ok := expectations["no such segment"]; ok {
		t.Fatal("expectations answers for unknown names")
	}
	for _, s := range loadDemoWorkspace(t).Segments {
		if _, ok := expectations[s.Name]; !ok {
			t.Errorf("demo segment %s: no entry in expectations (say who it can find and what was planted)", s.Name)
		}
	}
	configs := []Config{}
	for _, in := range append(Industries(), Mixed) {
		configs = append(configs, Config{Industry: in, Users: 400, Seed: 7})
	}
	configs = append(configs, Config{Industry: Ecommerce, Users: 3000, Seed: 3}, Config{Industry: SaaS, Users: 3000, Seed: 11})
	for _, cfg := range configs {
		t.Run(fmt.Sprintf("%s-%d-%d", cfg.Industry, cfg.Users, cfg.Seed), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			sum, err := WriteDataset(context.Background(), cfg, dir, CSV())
			if err != nil {
				t.Fatal(err)
			}
			fw, err := WriteWorkspaceFor(dir, sum)
			if err != nil {
				t.Fatal(err)
			}
			if len(fw.Segments) < 4 || fw.Expected < 3 {
				t.Errorf("only %d segments (%d with expect) fit %s", len(fw.Segments), fw.Expected, cfg.Industry)
			}
			if cfg.Industry == Mixed && len(fw.Segments) != len(expectations)-1 { // declining_app_opens is README-only
				t.Errorf("mixed: %d segments, want all of the demo workspace", len(fw.Segments))
			}
			ws, err := segments.LoadWorkspace(dir)
			if err != nil {
				t.Fatalf("fitted workspace:\n%v", err)
			}
			if err := ws.Validate(tallyVocab{sum.Tally}); err != nil {
				t.Errorf("names the data does not have:\n%v", err)
			}
			d := collect(t, cfg)
			r := newRefEval(d, ws)
			for _, s := range ws.Segments {
				n := count(r.Segment(s.Name))
				if r.err != nil {
					t.Fatalf("%s: %v", s.Name, r.err)
				}
				if s.Expect.Members != nil && !s.Expect.Members.Matches(float64(n)) {
					t.Errorf("%s: %d members, outside the written expect %q", s.Name, n, s.Expect.Members)
				}
			}
			if len(ws.Campaigns) == 0 && cfg.Industry != Media {
				t.Errorf("no campaign fits %s", cfg.Industry)
			}
		})
	}
}

// tallyVocab is the vocabulary of one generated dataset.
type tallyVocab struct{ t *Tally }

func (v tallyVocab) HasEvent(name string) bool { return v.t.HasEvent(name) }
func (v tallyVocab) EventNames() []string {
	var out []string
	for _, n := range EventNames() {
		if v.t.HasEvent(n) {
			out = append(out, n)
		}
	}
	return out
}
func (tallyVocab) HasAttribute(name string) bool { return vocab{}.HasAttribute(name) }
func (tallyVocab) AttributeNames() []string      { return vocab{}.AttributeNames() }
