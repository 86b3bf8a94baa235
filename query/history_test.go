package query

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/segscope/segscope/segments"
)

// endOfDay is 23:59:59 UTC of a fixture day.
func endOfDay(t *testing.T, day string) time.Time {
	t.Helper()
	at, err := segments.ParseAsOf(day)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// TestHistoryWindowEdges: purchases in the last 7 days at the end of each day from
// 2026-03-20 to 2026-03-31. At 23:59:59 of day D the window (D−7d 23:59:59, D 23:59:59]
// holds the events of days D−6 … D (all fixture purchases are at 00:00 but judy's 02:00
// and leo's 00:30), so a purchase on day X counts from X to X+6 and leaves on X+7:
// alice 21, 28, 30; bob 23; erin 24; judy 26; kim 27; mike 29; frank and leo 31.
func TestHistoryWindowEdges(t *testing.T) {
	e := engineFixture(t)
	seg := &segments.Segment{Name: "recent", Where: mustCondition(t, `{did: purchase, in_last: 7d}`, segments.UnitUser)}
	span, err := NewHistorySpan(endOfDay(t, "2026-03-20"), endOfDay(t, "2026-03-31"), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var streamed []int
	h, err := e.History(context.Background(), seg, nil, span, func(i int, p HistoryPoint) error {
		streamed = append(streamed, i)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantMembers := []int64{0, 1, 1, 2, 3, 3, 4, 5, 5, 6, 5, 6}
	wantEntered := []int64{-1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 2}
	wantLeft := []int64{-1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1}
	if len(h.Points) != len(wantMembers) {
		t.Fatalf("%d points, want %d", len(h.Points), len(wantMembers))
	}
	for i, p := range h.Points {
		entered, left := int64(-1), int64(-1)
		if p.Entered != nil {
			entered, left = *p.Entered, *p.Left
		}
		if want := span.From.AddDate(0, 0, i); !p.AsOf.Equal(want) {
			t.Errorf("point %d at %s, want %s", i, p.AsOf, want)
		}
		if p.Members != wantMembers[i] || entered != wantEntered[i] || left != wantLeft[i] {
			t.Errorf("%s: members %d +%d −%d, want %d +%d −%d", p.AsOf.Format(time.DateOnly), p.Members, entered, left,
				wantMembers[i], wantEntered[i], wantLeft[i])
		}
	}
	if (h.Points[0].Entered != nil) || h.Points[0].Left != nil {
		t.Error("the first point has no entered/left")
	}
	if !slices.Equal(streamed, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}) {
		t.Errorf("streamed %v", streamed)
	}
	if h.Incremental != 1 {
		t.Errorf("incremental conditions %d, want 1", h.Incremental)
	}
	// Run again: every condition is cached, no query.
	again, err := e.History(context.Background(), seg, nil, span, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Queries != 0 {
		t.Errorf("cached history ran %d queries", again.Queries)
	}
}

// TestHistoryIncrementalMatchesPlain computes conditions for many points in one query
// each and compares every point with the condition compiled plainly for that as_of (the
// member query evaluation runs): hourly points over the fixture's busiest days (events at
// the hour, windows ending exactly on them) and daily points over two months.
func TestHistoryIncrementalMatchesPlain(t *testing.T) {
	ctx := context.Background()
	user, account := segments.UnitUser, segments.UnitAccount
	cases := []struct {
		src  string
		unit segments.Unit
	}{
		{`{did: purchase}`, user},
		{`{did: purchase, in_last: 2d}`, user},
		{`{did: purchase, in_last: 7d, times: ">= 2"}`, user},
		{`{did: purchase, times: "<= 1"}`, user},
		{`{did: purchase, where: {category: [books, toys]}, since: 2026-03-26}`, user},
		{`{did: purchase, between: [2026-03-27, 2026-03-29]}`, user},
		{`{did: login, during: [[2026-03-18, 2026-03-19], [2026-03-29, 2026-03-30]], times: "= 2"}`, user},
		{`{did_not: purchase, in_last: 3d}`, user},
		{`{did: add_to_cart, then: purchase, within: 2h}`, user},
		{`{did: add_to_cart, then: purchase, within: 1d, in_last: 2d}`, user},
		{`{did: add_to_cart, then_not: purchase, within: 2h}`, user},
		{`{did: add_to_cart, then_not: purchase, within: 3h, in_last: 3d}`, user},
		{`{last: purchase, ago: "> 2d"}`, user},
		{`{last: login, ago: "<= 1d"}`, user},
		{`{last: purchase, ago: "1d..3d"}`, user},
		{`{last: login, ago: "< 2d"}`, user},
		{`{last: purchase, ago: ">= 7d"}`, user},
		{`{first: purchase, ago: "<= 3d"}`, user},
		{`{first: login, ago: "= 1d"}`, user},
		{`{measure: sum(revenue), of: purchase, in_last: 3d, is: ">= 10"}`, user},
		{`{measure: sum(revenue), of: purchase, in_last: 2d, is: "= 0"}`, user},
		{`{measure: sum(items), of: purchase, since: 2026-03-20, is: "2..5"}`, user},
		{`{measure: avg(revenue), of: purchase, in_last: 5d, is: "< 15"}`, user},
		{`{trend: login, in_last: 3d, change: "<= -50%"}`, user},
		{`{trend: login, in_last: 2d, change: ">= 0%"}`, user},
		{`{affinity: topic, of: article_read, is: tech, share: ">= 75%"}`, user},
		{`{affinity: category, of: purchase, is: books, share: ">= 50%", in_last: 4d}`, user},
		{`{did: purchase, in_last: 3d}`, account},
		{`{did: add_to_cart, then: purchase, within: 2h}`, account},
		{`{measure: sum(revenue), in_last: 3d, is: "> 20"}`, account},
	}
	spans := []HistorySpan{
		{From: time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC), Every: time.Hour, Points: 4*24 + 14},
		{From: time.Date(2026, 2, 8, 23, 59, 59, 0, time.UTC), Every: 24 * time.Hour, Points: 50},
	}
	for _, tc := range cases {
		c := mustCondition(t, tc.src, tc.unit)
		seg := &segments.Segment{Name: "case", Unit: tc.unit, Where: c}
		t.Run(tc.src+" "+tc.unit.String(), func(t *testing.T) {
			t.Parallel()
			for _, span := range spans {
				e := engineFixture(t)
				h, err := e.History(ctx, seg, nil, span, nil)
				if err != nil {
					t.Fatalf("%s: %v", tc.src, err)
				}
				if h.Incremental != 1 {
					t.Errorf("%s: not computed incrementally", tc.src)
				}
				plain := plainPoints(t, e, c, tc.unit, span)
				for i, p := range h.Points {
					got, err := e.EvaluateCondition(ctx, c, tc.unit, nil, span.At(i))
					if err != nil {
						t.Fatal(err)
					}
					if !got.Equal(plain[i]) || p.Members != plain[i].Count() {
						t.Errorf("%s at %s: history %v (%d), plain %v", tc.src, span.At(i).Format(time.RFC3339),
							keysOf(t, e, got, tc.unit), p.Members, keysOf(t, e, plain[i], tc.unit))
						break
					}
				}
			}
		})
	}
	// What cannot be summed point to point is evaluated at each point.
	for _, src := range []string{`{last: purchase, ago: "!= 1d"}`, `{gap: purchase, vs_average: "> 1"}`,
		`{rfm: {r: ">= 3"}, of: order}`, `{measure: max(revenue), of: purchase, in_last: 3d, is: ">= 10"}`,
		`{user: plan, is: pro}`} {
		seg := &segments.Segment{Name: "case", Where: mustCondition(t, src, user)}
		span := HistorySpan{From: fixtureDay(-3), Every: 24 * time.Hour, Points: 4}
		h, err := engineFixture(t).History(ctx, seg, nil, span, nil)
		if err != nil {
			t.Fatal(err)
		}
		if h.Incremental != 0 {
			t.Errorf("%s: computed incrementally", src)
		}
	}
}

// plainPoints compiles c for each point of span as evaluation does and runs them as one
// statement (a query per point would make this test slow), returning each point's members.
func plainPoints(t *testing.T, e *Engine, c segments.Condition, unit segments.Unit, span HistorySpan) []*MemberSet {
	t.Helper()
	snap := e.snapshotFor(t)
	var parts []string
	complement := false
	for i := range span.Points {
		comp := &compiler{unit: unit, asOf: span.At(i), snap: snap}
		q, err := comp.leaf(c, true)
		if err != nil {
			t.Fatal(err)
		}
		complement = q.complement
		parts = append(parts, fmt.Sprintf("SELECT %d AS p, id FROM (%s)", i, q.w.String()))
	}
	rows, err := e.Store().DB().Query(strings.Join(parts, "\nUNION ALL\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	bms := make([]*roaring.Bitmap, span.Points)
	for i := range bms {
		bms[i] = roaring.New()
	}
	for rows.Next() {
		var p int
		var id uint32
		if err := rows.Scan(&p, &id); err != nil {
			t.Fatal(err)
		}
		bms[p].Add(id)
	}
	out := make([]*MemberSet, span.Points)
	for i, bm := range bms {
		out[i] = newMemberSet(bm)
		if complement {
			out[i] = snap.universe(unit).AndNot(out[i])
		}
	}
	return out
}

func TestHistorySpan(t *testing.T) {
	from := time.Date(2026, 1, 1, 23, 59, 59, 0, time.UTC)
	s, err := NewHistorySpan(from, from.AddDate(0, 0, 89), 24*time.Hour)
	if err != nil || s.Points != 90 || !s.At(89).Equal(from.AddDate(0, 0, 89)) {
		t.Errorf("90 days: %+v %v", s, err)
	}
	if s, err := NewHistorySpan(from, from.AddDate(0, 0, 20), 7*24*time.Hour); err != nil || s.Points != 3 {
		t.Errorf("weekly over 20 days: %+v %v (want 3 points: days 0, 7, 14)", s, err)
	}
	if _, err := NewHistorySpan(from, from.AddDate(0, 0, -1), 24*time.Hour); err == nil {
		t.Error("to before from: no error")
	}
	if _, err := NewHistorySpan(from, from.AddDate(5, 0, 0), time.Minute); err == nil {
		t.Error("millions of points: no error")
	}
}
