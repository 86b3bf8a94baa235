package report

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
)

func i64(v int64) *int64 { return &v }

// TestExplainReport: the tree with ✓/✗ per node, each leaf's facts in its units, untrusted
// text made safe; the JSON keeps only leaves, a reference's under children.
func TestExplainReport(t *testing.T) {
	at := asOf.Add(-24 * time.Hour)
	ago := 86400.0
	x := &query.Explanation{Segment: "frequent", Key: "u1\x1b[2J", AsOf: asOf, Member: false, Nodes: []query.ExplainNode{
		{Path: "where", Kind: "all", Condition: "all", Matched: false},
		{Path: "where.all[0]", Depth: 1, Kind: "did", Leaf: true, Condition: "did purchase in_last 90d times >= 4", Matched: false,
			Evidence: query.Evidence{Needs: "times >= 4", Count: i64(3), LastAt: &at}},
		{Path: "where.all[1]", Depth: 1, Kind: "not", Condition: "not", Matched: true},
		{Path: "where.all[1].not", Depth: 2, Kind: "last", Leaf: true, Negated: true, Condition: "last purchase ago <= 0d", Matched: false,
			Evidence: query.Evidence{Needs: "ago <= 0d", At: &at, AgoSeconds: &ago}},
		{Path: "where.all[2]", Depth: 1, Kind: "segment", Leaf: true, Condition: "segment vip", Matched: true, Children: []query.ExplainNode{
			{Path: "where", Kind: "user", Leaf: true, Condition: "user tier is gold", Matched: true,
				Evidence: query.Evidence{Needs: "is gold", Attribute: "tier", Values: []string{"gold"}}}}},
	}}
	want := "person u1 is not a member of frequent\n" +
		"as of 2026-03-31 00:00 UTC\n\n" +
		"✗ all\n" +
		"  ✗ did purchase in_last 90d times >= 4 — 3 matching events, latest 2026-03-30 00:00 UTC; needs times >= 4\n" +
		"  ✓ not\n" +
		"    ✗ last purchase ago <= 0d — latest 2026-03-30 00:00 UTC, 1d ago; needs ago <= 0d\n" +
		"  ✓ segment vip — member\n" +
		"      ✓ user tier is gold — tier is gold; needs is gold\n"
	if got := text(t, Explain{Explanation: x}); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	var doc struct {
		UserID string `json:"user_id"`
		Leaves []struct {
			Path     string           `json:"path"`
			Matched  bool             `json:"matched"`
			Negated  bool             `json:"negated"`
			Children []map[string]any `json:"children"`
		} `json:"leaves"`
	}
	if err := json.Unmarshal([]byte(jsonText(t, Explain{Explanation: x})), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.UserID != "u1\x1b[2J" || len(doc.Leaves) != 3 || doc.Leaves[1].Path != "where.all[1].not" || !doc.Leaves[1].Negated ||
		len(doc.Leaves[2].Children) != 1 || doc.Leaves[2].Children[0]["path"] != "where" {
		t.Errorf("json %+v", doc)
	}
}

func TestEvidenceSummary(t *testing.T) {
	a := asOf.Add(-3 * time.Hour)
	b := asOf.Add(-2 * time.Hour)
	r, f, m := 2, 4, 3
	ratio, mean, cur := 2.0, 864000.0, 1728000.0
	share, change, money, value := 0.75, -0.75, 20.0, 60.0
	cases := []struct {
		kind string
		ev   query.Evidence
		want string
	}{
		{"then", query.Evidence{Needs: "within 2h", AEvents: i64(1), AAt: &a, BAt: &b}, "first event at 2026-03-30 21:00 UTC, second 1h later; needs within 2h"},
		{"then_not", query.Evidence{Needs: "within 2h", AEvents: i64(1), Pending: i64(1)}, "1 first event (1 too recent to tell); needs within 2h"},
		{"then", query.Evidence{AEvents: i64(0)}, "no first event in the window"},
		{"measure", query.Evidence{Needs: "is >= 50", Value: &value, Events: i64(3)}, "value 60 over 3 events; needs is >= 50"},
		{"measure", query.Evidence{Events: i64(1)}, "no value (1 event, none with the property)"},
		{"first", query.Evidence{}, "never happened"},
		{"trend", query.Evidence{Current: i64(1), Previous: i64(4), Change: &change}, "1 in the current period, 4 in the one before: -75.0%"},
		{"trend", query.Evidence{Current: i64(3), Previous: i64(0)}, "3 in the current period, 0 in the one before: no change from nothing"},
		{"gap", query.Evidence{Events: i64(3), Ratio: &ratio, MeanGapSeconds: &mean, CurrentGapSeconds: &cur}, "mean gap 10d, 20d since the latest: 2×"},
		{"gap", query.Evidence{Events: i64(1)}, "1 event; needs at least 2"},
		{"affinity", query.Evidence{Matching: i64(3), Events: i64(4), Share: &share}, "3 of 4 events with the property: 75.0%"},
		{"rfm", query.Evidence{R: &r, F: &f, M: &m, LatestAt: &a, Frequency: i64(2), Monetary: &money, Ranked: i64(5)},
			"R 2 F 4 M 3 (latest 2026-03-30 21:00 UTC, 2 events, revenue 20.00; 5 ranked)"},
		{"rfm", query.Evidence{Ranked: i64(5)}, "no event: not among the 5 ranked"},
		{"user", query.Evidence{Attribute: "age"}, "age is missing"},
		{"did", query.Evidence{Count: i64(2), People: i64(1)}, "2 matching events by 1 person"},
	}
	for _, tc := range cases {
		if got := EvidenceSummary(query.ExplainNode{Kind: tc.kind, Leaf: true, Evidence: tc.ev}); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.kind, got, tc.want)
		}
	}
}

func TestHistoryReport(t *testing.T) {
	h := &query.History{Segment: "recent", Unit: segments.UnitUser, Universe: 30, Points: []query.HistoryPoint{
		{AsOf: asOf, Members: 5},
		{AsOf: asOf.AddDate(0, 0, 1), Members: 6, Entered: i64(2), Left: i64(1)},
	}}
	got := text(t, History{History: h})
	for _, w := range []string{"2026-03-31T00:00:00Z           5\n", "2026-04-01T00:00:00Z           6         +2         −1\n",
		"5 … 6 members; 2 entered and 1 left over 2 points"} {
		if !strings.Contains(got, w) {
			t.Errorf("text lacks %q:\n%s", w, got)
		}
	}
	var doc struct {
		Points []map[string]any `json:"points"`
	}
	if err := json.Unmarshal([]byte(jsonText(t, History{History: h})), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Points) != 2 || doc.Points[0]["entered"] != nil || doc.Points[1]["left"] != 1.0 {
		t.Errorf("json %+v", doc)
	}
	if _, ok := doc.Points[0]["entered"]; !ok {
		t.Error("entered is absent at the first point; want null")
	}
}

func TestDiffReport(t *testing.T) {
	old, nw := result("buyers", 11, 30, segments.UnitUser), result("recent", 5, 30, segments.UnitUser)
	d := &query.Diff{Old: old, New: nw, Entered: query.NewMemberSet(), Left: query.NewMemberSet(5, 6), Kept: query.NewMemberSet(1, 2)}
	r := Diff{Old: "buyers.yaml@HEAD", New: "buyers.yaml", Diff: d, Left: []query.Member{{Key: "bob"}}, Kept: []query.Member{{Key: "alice"}}}
	got := text(t, r)
	for _, w := range []string{"old  buyers.yaml@HEAD  11 users\nnew  buyers.yaml       5 users\n", "entered  0\n     left  2  bob, … 1 more\n"} {
		if !strings.Contains(got, w) {
			t.Errorf("text lacks %q:\n%s", w, got)
		}
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(jsonText(t, r)), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["old"] != "buyers.yaml@HEAD" || doc["entered"] != 0.0 || doc["left"] != 2.0 || doc["kept"] != 2.0 {
		t.Errorf("json %v", doc)
	}
}
