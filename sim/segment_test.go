package sim

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
)

// workspace resolves one segment by name for the trigger checks; the stub membership
// never looks at its condition.
type workspace map[string]*segments.Segment

func (w workspace) Segment(name string) *segments.Segment { return w[name] }

func TestSegmentEntryTriggers(t *testing.T) {
	ctx := context.Background()
	store := openFixture(t, "segment")
	// Members at 00:00 UTC of each day. Entries: 05-01 → {s2}; 05-02 → none (s1 left);
	// 05-03 → {s1, s3} (s1 came back).
	names := map[string][]string{
		"2026-04-30": {"s1"},
		"2026-05-01": {"s1", "s2"},
		"2026-05-02": {"s2"},
		"2026-05-03": {"s1", "s2", "s3"},
	}
	members := map[string][]uint32{}
	for day, users := range names {
		for _, uid := range uidsOf(t, store, users...) {
			members[day] = append(members[day], uint32(uid))
		}
	}
	var asked []string
	opt := Options{
		Segments: workspace{"vip": {Name: "vip"}},
		membership: func(_ context.Context, seg *segments.Segment, asOf time.Time) (*query.MemberSet, error) {
			if seg.Name != "vip" || !asOf.Equal(asOf.Truncate(24*time.Hour)) {
				t.Errorf("asked for %s at %s", seg.Name, asOf)
			}
			day := asOf.Format(time.DateOnly)
			asked = append(asked, day)
			return query.NewMemberSet(members[day]...), nil
		},
	}
	r, err := Run(ctx, store, readCampaigns(t, "segment/campaign.yaml"), opt)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"2026-04-30", "2026-05-01", "2026-05-02", "2026-05-03"}; !reflect.DeepEqual(asked, want) {
		t.Errorf("evaluated at %v, want %v", asked, want)
	}
	want := summary{Journeys: 3, People: 3, Reached: 2, Exits: 1,
		Sends: []int{2}, Deferred: []int{0}, Suppressed: []int{0}, Global: []int{0}, Held: []int{0}, Pending: []int{0},
		Conversions: Arms{Treated: 1}, Revenue: Money{Treated: 42}}
	if got := summarise(r.Campaigns[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}
	for user, want := range map[string][]string{
		"s0": {},
		"s1": {"segment_test 05-03 00:00 | 1:05-03 01:00 sent | end 05-03 01:00"},
		"s2": {"segment_test 05-01 00:00 | 1:05-01 01:00 sent | end 05-01 01:00"},
		// The purchase at 00:30 exits before the 01:00 step.
		"s3": {"segment_test 05-03 00:00 | exit 05-03 00:30 | conv 05-03 00:30 42.00 | end 05-03 00:30"},
	} {
		if got := journeysOf(t, r, user); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", user, got, want)
		}
	}
}

func TestSegmentTriggerNeedsSegments(t *testing.T) {
	store := openFixture(t, "segment")
	_, err := Run(context.Background(), store, readCampaigns(t, "segment/campaign.yaml"), Options{})
	if err == nil {
		t.Fatal("a segment trigger without segments replayed")
	}
	_, err = Run(context.Background(), store, readCampaigns(t, "segment/campaign.yaml"), Options{Segments: workspace{}})
	if err == nil {
		t.Fatal("a trigger on an unknown segment replayed")
	}
}

func TestEntryDays(t *testing.T) {
	day := func(s string) time.Time { return ts(s + "T00:00:00Z") }
	asOf := ts("2026-05-03T12:00:00Z")
	between := func(a, b string) segments.Window {
		from, _ := segments.ParseDate(a)
		to, _ := segments.ParseDate(b)
		return segments.Window{Kind: segments.WindowBetween, Ranges: []segments.DateRange{{From: from, To: to}}}
	}
	for _, tc := range []struct {
		name  string
		w     segments.Window
		first time.Time
		want  []time.Time
	}{
		{"dates, clipped to as_of", between("2026-04-30", "2026-05-10"), time.Time{},
			[]time.Time{day("2026-04-30"), day("2026-05-01"), day("2026-05-02"), day("2026-05-03")}},
		// An instant window holds the midnights inside it.
		{"instants", between("2026-05-01T06:00:00Z", "2026-05-02T00:00:00Z"), time.Time{},
			[]time.Time{day("2026-05-02")}},
		// Without a window: from the midnight after the first event.
		{"all history", segments.Window{}, ts("2026-05-01T09:00:00Z"),
			[]time.Time{day("2026-05-02"), day("2026-05-03")}},
		{"after as_of", between("2026-06-01", "2026-06-02"), time.Time{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := entryDays(tc.w.Resolve(asOf), tc.first); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSegmentEntryWithEngine(t *testing.T) {
	ctx := context.Background()
	store := openFixture(t, "segreal")
	ws, err := segments.LoadWorkspace(filepath.Join("testdata", "segreal"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(ctx, store, []*segments.Campaign{ws.Campaign("thanks")}, Options{Segments: ws, Engine: query.NewEngine(store)})
	if err != nil {
		t.Fatal(err)
	}
	want := summary{Journeys: 3, People: 3, Reached: 3,
		Sends: []int{3}, Deferred: []int{0}, Suppressed: []int{0}, Global: []int{0}, Held: []int{0}, Pending: []int{0},
		Conversions: Arms{Treated: 1}, Revenue: Money{Treated: 30}}
	if got := summarise(r.Campaigns[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}
	for user, want := range map[string][]string{
		// Bought 05-01 10:00: a member from 05-02 00:00. The purchase on 05-05 converts.
		"b1": {"thanks 05-02 00:00 | 1:05-02 02:00 sent | conv 05-05 09:00 30.00 | end 05-02 02:00"},
		// Bought 04-30 12:00: not a member at 04-30 00:00, a member at 05-01 00:00.
		"b2": {"thanks 05-01 00:00 | 1:05-01 02:00 sent | end 05-01 02:00"},
		// Already a member on 04-30 and 05-01 (no entry), out on 05-02, back on 05-04.
		"b3": {"thanks 05-04 00:00 | 1:05-04 02:00 sent | end 05-04 02:00"},
	} {
		if got := journeysOf(t, r, user); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", user, got, want)
		}
	}
}
