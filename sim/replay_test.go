package sim

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
)

// openFixture loads testdata/DIR/events.csv (and users.csv when present) into a fresh
// in-memory store.
func openFixture(t *testing.T, dir string) *query.Store {
	t.Helper()
	ctx := context.Background()
	store, err := query.Open(ctx, "", query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	req := query.LoadRequest{Paths: []string{filepath.Join("testdata", dir, "events.csv")}}
	if users := filepath.Join("testdata", dir, "users.csv"); fileExists(users) {
		req.Users = users
	}
	rep, err := store.Load(ctx, req)
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	if rep.Rejected > 0 {
		t.Fatalf("load %s: %d rows rejected: %+v", dir, rep.Rejected, rep.Files)
	}
	return store
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// uidsOf are the uids of people named by user id, in uid order: a load numbers people in
// hash order of their id, not in order of appearance.
func uidsOf(t testing.TB, store *query.Store, users ...string) []int32 {
	t.Helper()
	out := make([]int32, 0, len(users))
	for _, u := range users {
		uid, err := store.FindPerson(context.Background(), u)
		if err != nil {
			t.Fatalf("find %s: %v", u, err)
		}
		out = append(out, uid)
	}
	slices.Sort(out)
	return out
}

// readCampaigns parses campaign files of testdata.
func readCampaigns(t testing.TB, files ...string) []*segments.Campaign {
	t.Helper()
	var out []*segments.Campaign
	for _, f := range files {
		p := filepath.Join("testdata", f)
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := segments.ParseCampaigns(p, src)
		if err != nil {
			t.Fatalf("parse %s: %v", p, err)
		}
		out = append(out, cs...)
	}
	return out
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// summary is the part of a CampaignReplay the tests state by hand.
type summary struct {
	Journeys, Holdout, People, Reached, Exits int
	Sends, Deferred, Suppressed, Global       []int
	Held, Pending                             []int
	Conversions                               Arms
	Revenue                                   Money
	Collisions                                int
}

func summarise(c *CampaignReplay) summary {
	s := summary{Journeys: c.Journeys, Holdout: c.HoldoutJourneys, People: c.People, Reached: c.Reached,
		Exits: c.Exits, Conversions: c.Conversions, Revenue: c.Revenue, Collisions: c.Collisions}
	for _, st := range c.Steps {
		s.Sends = append(s.Sends, st.Sends)
		s.Deferred = append(s.Deferred, st.Deferred)
		s.Suppressed = append(s.Suppressed, st.Suppressed)
		s.Global = append(s.Global, st.SuppressedGlobal)
		s.Held = append(s.Held, st.Held)
		s.Pending = append(s.Pending, st.Pending)
	}
	return s
}

// describe renders a journey in one line: its start, each step as
// "N:when outcome" (with the planned time when quiet hours moved it), the exit, the
// conversion and the end. Times are 2026's, "MM-DD hh:mm" UTC.
func describe(j Journey) string {
	f := func(t time.Time) string { return t.UTC().Format("01-02 15:04") }
	var b strings.Builder
	if j.Holdout {
		b.WriteString("holdout ")
	}
	b.WriteString(f(j.Start))
	for _, s := range j.Steps {
		fmt.Fprintf(&b, " | %d:%s %s", s.Step+1, f(s.At), s.Outcome)
		if s.Deferred() {
			fmt.Fprintf(&b, " (from %s)", f(s.Planned))
		}
	}
	if !j.ExitAt.IsZero() {
		fmt.Fprintf(&b, " | exit %s", f(j.ExitAt))
	}
	if j.Converted() {
		fmt.Fprintf(&b, " | conv %s %.2f", f(j.ConvertedAt), j.Revenue)
	}
	if j.Open() {
		b.WriteString(" | open")
	} else {
		fmt.Fprintf(&b, " | end %s", f(j.End))
	}
	return b.String()
}

// journeysOf replays one person and describes their journeys.
func journeysOf(t *testing.T, r *Replay, userID string) []string {
	t.Helper()
	ctx := context.Background()
	uid, err := r.FindPerson(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	tl, err := r.PersonTimeline(ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	if tl.UserID != userID {
		t.Fatalf("timeline of %s is %s's", userID, tl.UserID)
	}
	out := []string{}
	for _, j := range tl.Journeys {
		out = append(out, r.Campaigns[j.Campaign].Campaign.Name+" "+describe(j))
	}
	return out
}

// replayCase is one fixture replayed with expectations worked out by hand.
type replayCase struct {
	name      string
	dir       string
	campaigns []string
	opt       Options
	want      []summary           // per campaign
	people    map[string][]string // user id → journeys, described
	collide   int                 // collisions across all campaigns
}

func TestReplayRules(t *testing.T) {
	global := &segments.Cap{Count: 1, Per: segments.Days(1)}
	cases := []replayCase{{
		name: "exit before a step", dir: "exit", campaigns: []string{"exit/campaign.yaml"},
		want: []summary{{Journeys: 5, People: 5, Reached: 3, Exits: 3,
			Sends: []int{3, 2}, Deferred: []int{0, 0}, Suppressed: []int{0, 0}, Global: []int{0, 0},
			Held: []int{0, 0}, Pending: []int{0, 0},
			Conversions: Arms{Treated: 4}, Revenue: Money{Treated: 140}}},
		people: map[string][]string{
			// The purchase at 10:30 comes before the first step: nothing is sent.
			"e1": {"exit_test 05-01 10:00 | exit 05-01 10:30 | conv 05-01 10:30 20.00 | end 05-01 10:30"},
			// A purchase at exactly the step's time cancels the step.
			"e2": {"exit_test 05-02 10:00 | exit 05-02 11:00 | conv 05-02 11:00 30.00 | end 05-02 11:00"},
			"e3": {"exit_test 05-03 10:00 | 1:05-03 11:00 sent | exit 05-03 12:00 | conv 05-03 12:00 40.00 | end 05-03 12:00"},
			// The purchase comes after the last step: no exit, but a conversion.
			"e4": {"exit_test 05-04 10:00 | 1:05-04 11:00 sent | 2:05-05 11:00 sent | conv 05-06 10:00 50.00 | end 05-05 11:00"},
			// A purchase before the trigger neither exits nor converts.
			"e5": {"exit_test 05-05 10:00 | 1:05-05 11:00 sent | 2:05-06 11:00 sent | end 05-06 11:00"},
			// Outside the between window.
			"e6": {},
		},
	}, {
		name: "quiet hours across midnight and per tz", dir: "quiet", campaigns: []string{"quiet/campaign.yaml"},
		want: []summary{{Journeys: 5, People: 5, Reached: 5,
			Sends: []int{5, 5}, Deferred: []int{4, 0}, Suppressed: []int{0, 0}, Global: []int{0, 0},
			Held: []int{0, 0}, Pending: []int{0, 0}}},
		people: map[string][]string{
			// No tz: UTC. 23:30 is quiet; deferred to 08:00 the next morning. The second
			// step lands on 08:00, the first minute outside.
			"q1": {"quiet_test 05-01 21:30 | 1:05-02 08:00 sent (from 05-01 23:30) | 2:05-03 08:00 sent | end 05-03 08:00"},
			// New York (UTC−4 in May): 01:00 UTC is 21:00 there, before the quiet hours.
			"q2": {"quiet_test 05-01 23:00 | 1:05-02 01:00 sent | 2:05-03 01:00 sent | end 05-03 01:00"},
			// Tokyo (UTC+9): 14:00 UTC is 23:00 there, deferred to 08:00 JST = 23:00 UTC,
			// which is inside UTC's quiet hours but not the person's.
			"q3": {"quiet_test 05-01 12:00 | 1:05-01 23:00 sent (from 05-01 14:00) | 2:05-02 23:00 sent | end 05-02 23:00"},
			// Not a time zone: read in UTC.
			"q4": {"quiet_test 05-01 20:30 | 1:05-02 08:00 sent (from 05-01 22:30) | 2:05-03 08:00 sent | end 05-03 08:00"},
			// London (UTC+1 in May): midnight UTC is 01:00 there, after midnight of the
			// span, deferred the same morning to 08:00 BST = 07:00 UTC.
			"q5": {"quiet_test 05-01 22:00 | 1:05-02 07:00 sent (from 05-02 00:00) | 2:05-03 07:00 sent | end 05-03 07:00"},
		},
	}, {
		name: "cap suppression", dir: "cap", campaigns: []string{"cap/campaign.yaml"},
		want: []summary{{Journeys: 4, People: 2, Reached: 2,
			Sends: []int{3, 1}, Deferred: []int{0, 0}, Suppressed: []int{1, 3}, Global: []int{0, 0},
			Held: []int{0, 0}, Pending: []int{0, 0}}},
		people: map[string][]string{
			// The second journey's first send is exactly a day after the last one sent:
			// allowed (a day means less than 24 hours apart).
			"c1": {
				"cap_test 05-01 10:00 | 1:05-01 11:00 sent | 2:05-01 12:00 suppressed | end 05-01 12:00",
				"cap_test 05-02 10:00 | 1:05-02 11:00 sent | 2:05-02 12:00 suppressed | end 05-02 12:00",
			},
			// 10:59 is within a day of 11:00 the day before; 11:59 is not. Suppressed
			// sends do not count against the cap.
			"c2": {
				"cap_test 05-01 10:00 | 1:05-01 11:00 sent | 2:05-01 12:00 suppressed | end 05-01 12:00",
				"cap_test 05-02 09:59 | 1:05-02 10:59 suppressed | 2:05-02 11:59 sent | end 05-02 11:59",
			},
		},
	}, {
		name: "holdout and conversion windows", dir: "holdout", campaigns: []string{"holdout/campaign.yaml"},
		want: []summary{{Journeys: 6, Holdout: 2, People: 5, Reached: 3,
			Sends: []int{4}, Deferred: []int{0}, Suppressed: []int{0}, Global: []int{0},
			Held: []int{2}, Pending: []int{0},
			Conversions: Arms{Treated: 1, Holdout: 1}, Revenue: Money{Treated: 25, Holdout: 10},
			Collisions: 1}},
		collide: 1,
		people: map[string][]string{
			// Control; the purchase exactly 2d after the trigger is inside the window.
			"h1": {"holdout_test holdout 05-01 10:00 | 1:05-01 11:00 held | conv 05-03 10:00 10.00 | end 05-01 11:00"},
			// Two journeys the same day (a collision); the purchase converts the second only:
			// the first's window ends where the second begins.
			"h2": {
				"holdout_test 05-01 10:00 | 1:05-01 11:00 sent | end 05-01 11:00",
				"holdout_test 05-01 12:00 | 1:05-01 13:00 sent | conv 05-02 09:00 25.00 | end 05-01 13:00",
			},
			// Control; the purchase a minute after the window does not count.
			"h3": {"holdout_test holdout 05-01 10:00 | 1:05-01 11:00 held | end 05-01 11:00"},
			// A purchase at the trigger's instant is neither an exit nor a conversion.
			"h4": {"holdout_test 05-01 10:00 | 1:05-01 11:00 sent | end 05-01 11:00"},
			// Hash 30 with a 30% holdout: treated (the test is < 30).
			"h79": {"holdout_test 05-01 10:00 | 1:05-01 11:00 sent | end 05-01 11:00"},
		},
	}, {
		name: "re-entry only after the journey ends", dir: "reentry", campaigns: []string{"reentry/campaign.yaml"},
		want: []summary{{Journeys: 4, People: 2, Reached: 2, Exits: 1,
			Sends: []int{3, 3}, Deferred: []int{0, 0}, Suppressed: []int{0, 0}, Global: []int{0, 0},
			Held: []int{0, 0}, Pending: []int{0, 0},
			Conversions: Arms{Treated: 1}, Revenue: Money{Treated: 15}, Collisions: 1}},
		collide: 1,
		people: map[string][]string{
			// 18:00 is inside the first journey, and so is 05-02 11:00, the instant it ends.
			"r1": {
				"reentry_test 05-01 10:00 | 1:05-01 11:00 sent | 2:05-02 11:00 sent | end 05-02 11:00",
				"reentry_test 05-02 11:01 | 1:05-02 12:01 sent | 2:05-03 12:01 sent | end 05-03 12:01",
			},
			// The exit at 10:20 ends the first journey; the add_to_cart at that same instant
			// is not after it, the one at 10:40 starts the next.
			"r2": {
				"reentry_test 05-03 10:00 | exit 05-03 10:20 | conv 05-03 10:20 15.00 | end 05-03 10:20",
				"reentry_test 05-03 10:40 | 1:05-03 11:40 sent | 2:05-04 11:40 sent | end 05-04 11:40",
			},
		},
	}, {
		name: "pending sends past as_of", dir: "pending", campaigns: []string{"pending/campaign.yaml"},
		opt: Options{AsOf: ts("2026-05-10T12:00:00Z")},
		want: []summary{{Journeys: 3, People: 3, Reached: 2,
			Sends: []int{2, 0}, Deferred: []int{0, 0}, Suppressed: []int{0, 0}, Global: []int{0, 0},
			Held: []int{0, 0}, Pending: []int{1, 3}}},
		people: map[string][]string{
			// The purchase at 13:00 is after as_of: it does not exist.
			"p1": {"pending_test 05-10 10:00 | 1:05-10 11:00 sent | 2:05-11 11:00 pending | open"},
			// The open journey blocks the trigger at 11:50.
			"p2": {"pending_test 05-10 11:30 | 1:05-10 12:30 pending | 2:05-11 12:30 pending | open"},
			"p3": {},
			// A step at exactly as_of is sent.
			"p4": {"pending_test 05-10 11:00 | 1:05-10 12:00 sent | 2:05-11 12:00 pending | open"},
		},
	}, {
		name: "collisions across two campaigns", dir: "collide", campaigns: []string{"collide/cart.yaml", "collide/browse.yaml"},
		want: []summary{
			{Journeys: 2, People: 2, Reached: 2, Sends: []int{2}, Deferred: []int{0}, Suppressed: []int{0}, Global: []int{0},
				Held: []int{0}, Pending: []int{0}, Collisions: 1},
			{Journeys: 4, People: 3, Reached: 3, Sends: []int{4}, Deferred: []int{0}, Suppressed: []int{0}, Global: []int{0},
				Held: []int{0}, Pending: []int{0}, Collisions: 2},
		},
		collide: 2,
		people: map[string][]string{
			"k1": {"cart_a 05-01 10:00 | 1:05-01 11:00 sent | end 05-01 11:00", "browse_b 05-01 12:00 | 1:05-01 14:00 sent | end 05-01 14:00"},
			// 22:00 and 00:30 the next day are different UTC days.
			"k2": {"cart_a 05-01 23:30 | 1:05-02 00:30 sent | end 05-02 00:30", "browse_b 05-01 20:00 | 1:05-01 22:00 sent | end 05-01 22:00"},
			"k3": {"browse_b 05-03 08:00 | 1:05-03 10:00 sent | end 05-03 10:00", "browse_b 05-03 11:00 | 1:05-03 13:00 sent | end 05-03 13:00"},
		},
	}, {
		name: "global cap, cart first", dir: "collide", campaigns: []string{"collide/cart.yaml", "collide/browse.yaml"},
		opt: Options{Cap: global},
		want: []summary{
			{Journeys: 2, People: 2, Reached: 2, Sends: []int{2}, Deferred: []int{0}, Suppressed: []int{0}, Global: []int{0},
				Held: []int{0}, Pending: []int{0}},
			{Journeys: 4, People: 3, Reached: 1, Sends: []int{1}, Deferred: []int{0}, Suppressed: []int{3}, Global: []int{3},
				Held: []int{0}, Pending: []int{0}},
		},
		people: map[string][]string{
			"k1": {"cart_a 05-01 10:00 | 1:05-01 11:00 sent | end 05-01 11:00", "browse_b 05-01 12:00 | 1:05-01 14:00 suppressed_global | end 05-01 14:00"},
			// cart_a's send comes later in time but claims the budget first.
			"k2": {"cart_a 05-01 23:30 | 1:05-02 00:30 sent | end 05-02 00:30", "browse_b 05-01 20:00 | 1:05-01 22:00 suppressed_global | end 05-01 22:00"},
			"k3": {"browse_b 05-03 08:00 | 1:05-03 10:00 sent | end 05-03 10:00", "browse_b 05-03 11:00 | 1:05-03 13:00 suppressed_global | end 05-03 13:00"},
		},
	}, {
		name: "global cap, browse first", dir: "collide", campaigns: []string{"collide/browse.yaml", "collide/cart.yaml"},
		opt: Options{Cap: global},
		want: []summary{
			{Journeys: 4, People: 3, Reached: 3, Sends: []int{3}, Deferred: []int{0}, Suppressed: []int{1}, Global: []int{1},
				Held: []int{0}, Pending: []int{0}},
			{Journeys: 2, People: 2, Reached: 0, Sends: []int{0}, Deferred: []int{0}, Suppressed: []int{2}, Global: []int{2},
				Held: []int{0}, Pending: []int{0}},
		},
		people: map[string][]string{
			"k1": {"browse_b 05-01 12:00 | 1:05-01 14:00 sent | end 05-01 14:00", "cart_a 05-01 10:00 | 1:05-01 11:00 suppressed_global | end 05-01 11:00"},
			"k2": {"browse_b 05-01 20:00 | 1:05-01 22:00 sent | end 05-01 22:00", "cart_a 05-01 23:30 | 1:05-02 00:30 suppressed_global | end 05-02 00:30"},
		},
	}, {
		name: "where filters on trigger and exit", dir: "filters", campaigns: []string{"filters/campaign.yaml"},
		want: []summary{{Journeys: 2, People: 2, Reached: 1, Exits: 1,
			Sends: []int{1}, Deferred: []int{0}, Suppressed: []int{0}, Global: []int{0}, Held: []int{0}, Pending: []int{0},
			Conversions: Arms{Treated: 1}, Revenue: Money{Treated: 12}}},
		people: map[string][]string{
			"f1": {"filter_test 05-01 10:00 | exit 05-01 10:30 | conv 05-01 10:30 12.00 | end 05-01 10:30"},
			"f2": {}, // category hats
			"f3": {}, // price 40
			"f4": {}, // no price
			// price "55.5" as text still compares as a number; a purchase of 5 is no exit.
			"f5": {"filter_test 05-01 10:00 | 1:05-01 11:00 sent | end 05-01 11:00"},
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			store := openFixture(t, tc.dir)
			r, err := Run(ctx, store, readCampaigns(t, tc.campaigns...), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range tc.want {
				if got := summarise(r.Campaigns[i]); !reflect.DeepEqual(got, want) {
					t.Errorf("%s:\n got %+v\nwant %+v", r.Campaigns[i].Campaign.Name, got, want)
				}
			}
			if r.Collisions != tc.collide {
				t.Errorf("collisions %d, want %d", r.Collisions, tc.collide)
			}
			for user, want := range tc.people {
				if got := journeysOf(t, r, user); !reflect.DeepEqual(got, want) {
					t.Errorf("%s:\n got %q\nwant %q", user, got, want)
				}
			}
		})
	}
}
