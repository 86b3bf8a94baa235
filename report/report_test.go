package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/abtest"
	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
)

var asOf = time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)

func result(name string, members, universe int, unit segments.Unit, wf ...query.WaterfallStep) *query.Result {
	ids := make([]uint32, members)
	for i := range ids {
		ids[i] = uint32(i)
	}
	return &query.Result{Segment: name, Unit: unit, AsOf: asOf, Members: query.NewMemberSet(ids...),
		Universe: int64(universe), Waterfall: wf}
}

func text(t *testing.T, r Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func jsonText(t *testing.T, r Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestCounts(t *testing.T) {
	wf := []query.WaterfallStep{{Label: "did purchase", Matching: 1200, Remaining: 1200}, {Label: "did\x1b]52;c;aGk=\x07 cart", Matching: 30, Remaining: 12}}
	c := Counts{Results: []*query.Result{result("buyers", 12, 1500, segments.UnitUser, wf...), result("big_accounts", 3, 40, segments.UnitAccount)}, Waterfall: true}
	// Names line up, counts right-aligned; escape sequences in labels are dropped.
	want := "buyers        12 of 1,500 users (0.8%)\n" +
		"       matching  remaining\n" +
		"    1     1,200      1,200  did purchase\n" +
		"    2        30         12  did cart\n" +
		"big_accounts   3 of 40 accounts (7.5%)\n" +
		"      matching  remaining\n" +
		"as of 2026-03-31T00:00:00Z\n"
	if got := text(t, c); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	lines := strings.Split(strings.TrimSpace(jsonText(t, c)), "\n")
	if len(lines) != 2 || lines[1] != `{"segment":"big_accounts","members":3,"universe":40,"as_of":"2026-03-31T00:00:00Z"}` ||
		!strings.Contains(lines[0], `"waterfall":[{"condition":"did purchase","matching":1200,"remaining":1200},`) {
		t.Errorf("json lines:\n%s", strings.Join(lines, "\n"))
	}
}

func TestOverlap(t *testing.T) {
	o := Overlap{Overlap: &query.Overlap{Segments: []string{"a", "b"}, Members: []int64{10, 4},
		Intersections: [][]int64{{10, 2}, {2, 4}}, Universe: 100, Unit: segments.UnitUser, AsOf: asOf}}
	got := text(t, o)
	for _, want := range []string{"2 segments of 100 users, as of 2026-03-31T00:00:00Z", "[1]  a        10       —          2 (20.0%)",
		"[2]  b        4        2 (50.0%)  —", "0.167"} {
		if !strings.Contains(got, want) {
			t.Errorf("text lacks %q:\n%s", want, got)
		}
	}
	var shape struct {
		Jaccard [][]float64 `json:"jaccard"`
		AsOf    string      `json:"as_of"`
	}
	if err := json.Unmarshal([]byte(jsonText(t, o)), &shape); err != nil || shape.Jaccard[0][1] != 2.0/12 || shape.AsOf != "2026-03-31T00:00:00Z" {
		t.Errorf("json: %v %+v", err, shape)
	}
}

func TestCheck(t *testing.T) {
	seg := func(name, expect string) *segments.Segment {
		s := &segments.Segment{Name: name, File: name + ".yaml", Unit: segments.UnitUser}
		if expect != "" {
			cmp, err := segments.ParseComparison(expect, segments.KindCount)
			if err != nil {
				t.Fatal(err)
			}
			s.Expect.Members = &cmp
		}
		return s
	}
	c := &Check{Args: []string{"segs"}, Store: "shop.duckdb", AsOf: asOf, Problems: []string{"c.yaml:1:1: broken"}}
	c.Evaluated(seg("ok_one", ">= 10"), result("ok_one", 12, 100, segments.UnitUser), nil)
	c.Evaluated(seg("too_few", ">= 50"), result("too_few", 12, 100, segments.UnitUser), nil)
	c.Evaluated(seg("fails", ""), nil, errors.New("evaluate fails:\nline two"))
	c.Invalid(seg("unknown", ""), errors.New(`unknown event "x"`))
	if !c.Failed() {
		t.Error("Failed() = false")
	}
	got := text(t, c)
	for _, want := range []string{"c.yaml:1:1: broken\n\n", "ok     ok_one   12 users (12.0%)  members >= 10",
		"FAIL   too_few  12 users (12.0%)  expected >= 50", "ERROR  fails                      evaluate fails:; line two",
		"segs on shop.duckdb as of 2026-03-31T00:00:00Z: 4 segments, 1 ok, 1 failed, 2 errors, 1 definition errors"} {
		if !strings.Contains(got, want) {
			t.Errorf("text lacks %q:\n%s", want, got)
		}
	}
	js := jsonText(t, c)
	if !strings.Contains(js, `{"status":"error","error":"c.yaml:1:1: broken"}`) || !strings.Contains(js, `"status":"fail","members":12,"universe":100`) ||
		!strings.HasSuffix(js, `{"summary":{"as_of":"2026-03-31T00:00:00Z","errors":3,"failed":1,"ok":1,"segments":4}}`+"\n") {
		t.Errorf("json:\n%s", js)
	}
	valid := &Check{Args: []string{"segs"}}
	valid.Valid(seg("v", ">= 1"))
	if valid.Failed() || !strings.Contains(text(t, valid), "valid  v    members >= 1") {
		t.Errorf("without a store:\n%s", text(t, valid))
	}
}

// The DESIGN reference plan: baseline 10%, +2 points, α 0.05, power 0.8 → 3,841 per arm.
func TestABTest(t *testing.T) {
	in := ABTestInput{Design: abtest.Design{Baseline: 0.1, MDE: 0.02, Alpha: 0.05, Power: 0.8, Ratio: 1, Variants: 2},
		Daily: 500, Sims: 400, Seed: 1, Entrants: 10000, Revenue: 20}
	plan, err := PlanABTest(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if plan.PerVariant != 3841 || plan.Days != 16 || plan.Simulation == nil || plan.Impact == nil {
		t.Fatalf("plan %+v", plan)
	}
	got := text(t, plan)
	for _, want := range []string{"power 80%", "control rate    10.00%", "treatment rate  12.00%   +2.00 pp (+20.0%)",
		"  control    3,841\n  treatment  3,841\n  total      7,682\n  days          16  at 500 entrants a day\n", "← planned", "^ true +20.0%",
		"10,000 entrants bring +200 conversions and +4,000 revenue compared with control."} {
		if !strings.Contains(got, want) {
			t.Errorf("text lacks %q:\n%s", want, got)
		}
	}
	var shape map[string]any
	if err := json.Unmarshal([]byte(jsonText(t, plan)), &shape); err != nil || shape["per_variant"] != 3841.0 {
		t.Errorf("json: %v %v", err, shape["per_variant"])
	}
}

// On a terminal an id is made safe; a file keeps it exactly.
func TestMembers(t *testing.T) {
	id := "u1\x1b]0;title\x07"
	m := NewMembers([]query.Member{{ID: 7, Key: id, LastSeen: asOf, Events: 3, Revenue: 112.96999999999998,
		Attrs: map[string]any{"plan": "pro", "signup": time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)}}}, segments.UnitUser, []string{"plan", "signup"})
	if m.Len() != 1 {
		t.Fatalf("Len = %d", m.Len())
	}
	want := "id,user_id,last_seen,events,revenue,plan,signup\n7,u1,2026-03-31T00:00:00Z,3,112.97,pro,2025-01-02\n"
	if got := text(t, m); got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	path := filepath.Join(t.TempDir(), "m.csv")
	if err := m.WriteFile(context.Background(), path, "csv"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), id) {
		t.Errorf("the file lost the exact id: %q", b)
	}
	if js := jsonText(t, m); !strings.Contains(js, `"signup":"2025-01-02"`) || !strings.Contains(js, `"revenue":112.97`) {
		t.Errorf("json %s", js)
	}
}
