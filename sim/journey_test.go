package sim

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
)

func TestOverCap(t *testing.T) {
	at := func(h float64) time.Time {
		return ts("2026-05-01T00:00:00Z").Add(time.Duration(h * float64(time.Hour)))
	}
	list := func(hs ...float64) []time.Time {
		var out []time.Time
		for _, h := range hs {
			out = append(out, at(h))
		}
		return out
	}
	two := &segments.Cap{Count: 2, Per: segments.Hours(10)}
	for _, tc := range []struct {
		name string
		sent []time.Time
		t    float64
		cap  *segments.Cap
		want bool
	}{
		{"no cap", list(0, 1, 2), 3, nil, false},
		{"room left", list(0), 5, two, false},
		{"two before, within", list(0, 5), 9, two, true},
		{"two before, the first exactly 10h back", list(0, 5), 10, two, false},
		// A later send of a higher-priority campaign counts too.
		{"one before, one after, within", list(0, 9), 5, two, true},
		{"one before, one after, spanning 10h", list(0, 10), 5, two, false},
		{"two after, within", list(3, 8), 1, two, true},
		{"same instant", list(4, 4), 4, two, true},
		{"far apart", list(0, 20, 40), 30, two, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := overCap(tc.sent, at(tc.t), tc.cap); got != tc.want {
				t.Errorf("overCap(%v) = %v, want %v", tc.t, got, tc.want)
			}
		})
	}
}

// fnv1a64 is FNV-1a written out from its definition (offset basis 14695981039346656037,
// prime 1099511628211), independent of hash/fnv, to check the fixture's holdout picks.
func fnv1a64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func TestHoldoutFixtureHashes(t *testing.T) {
	for user, want := range map[string]uint64{"h1": 25, "h2": 92, "h3": 3, "h4": 70, "h79": 30} {
		if got := fnv1a64("holdout_test/"+user) % 100; got != want {
			t.Errorf("%s hashes to %d, the fixture assumes %d", user, got, want)
		}
		if got := segments.InHoldout("holdout_test", user, 30); got != (want < 30) {
			t.Errorf("InHoldout(%s) = %v", user, got)
		}
	}
}

func TestReplayDailyAndWindow(t *testing.T) {
	ctx := context.Background()
	r, err := Run(ctx, openFixture(t, "exit"), readCampaigns(t, "exit/campaign.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := ts("2026-06-30T00:00:00Z"); !r.AsOf.Equal(want) {
		t.Errorf("as_of %s, want the latest event %s", r.AsOf, want)
	}
	c := r.Campaigns[0]
	if c.WindowDays != 31 {
		t.Errorf("window days %d, want 31 (May)", c.WindowDays)
	}
	type row struct {
		Day                string
		Journeys           int
		Sends, Suppressed  []int
		Exits, Conversions int
		Revenue            float64
	}
	var got []row
	for _, d := range c.Daily {
		got = append(got, row{d.Day.Format(time.DateOnly), d.Journeys, d.Sends, d.Suppressed, d.Exits, d.Conversions.Treated, d.Revenue.Treated})
	}
	z := []int{0, 0}
	want := []row{
		{"2026-05-01", 1, z, z, 1, 1, 20},
		{"2026-05-02", 1, z, z, 1, 1, 30},
		{"2026-05-03", 1, []int{1, 0}, z, 1, 1, 40},
		{"2026-05-04", 1, []int{1, 0}, z, 0, 0, 0},
		{"2026-05-05", 1, []int{1, 1}, z, 0, 0, 0},
		{"2026-05-06", 0, []int{0, 1}, z, 0, 1, 50},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("daily:\n got %+v\nwant %+v", got, want)
	}
	if c.Settled.Journeys.Treated != 5 || c.Settled.Conversions.Treated != 4 {
		t.Errorf("settled %+v: without a within every window closes at as_of", c.Settled)
	}
	if rate, ok := c.ConversionRate(false); !ok || rate != 0.8 {
		t.Errorf("treated conversion rate %v %v, want 0.8", rate, ok)
	}
	if _, ok := c.ConversionRate(true); ok {
		t.Error("a holdout rate without holdout journeys")
	}
}

func TestReplayUnknownTZAndWindowFromFirstTrigger(t *testing.T) {
	r, err := Run(context.Background(), openFixture(t, "quiet"), readCampaigns(t, "quiet/campaign.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.UnknownTZ != 1 {
		t.Errorf("unknown tz %d, want 1 (Mars/Olympus)", r.UnknownTZ)
	}
	c := r.Campaigns[0]
	// No between: the window runs from the first trigger (05-01 12:00) to as_of (06-30).
	if !c.Window.Start.Equal(ts("2026-05-01T12:00:00Z")) || c.WindowDays != 61 {
		t.Errorf("window %s, %d days; want from 2026-05-01T12:00 over 61 days", c.Window, c.WindowDays)
	}
}

func TestReplaySettledConversions(t *testing.T) {
	// As of 05-02 12:00 the 2-day windows opened on 05-01 are still open: nothing is
	// settled, though h2's second journey already converted.
	r, err := Run(context.Background(), openFixture(t, "holdout"), readCampaigns(t, "holdout/campaign.yaml"),
		Options{AsOf: ts("2026-05-02T12:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	c := r.Campaigns[0]
	if c.Conversions != (Arms{Treated: 1}) {
		t.Errorf("conversions %+v", c.Conversions)
	}
	// h2's first journey is settled: its window ended at 05-01 12:00, where the second began.
	if c.Settled.Journeys != (Arms{Treated: 1}) || c.Settled.Conversions != (Arms{}) {
		t.Errorf("settled %+v", c.Settled)
	}
}

func TestPersonTimelineInterleaves(t *testing.T) {
	ctx := context.Background()
	r, err := Run(ctx, openFixture(t, "exit"), readCampaigns(t, "exit/campaign.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	uid, err := r.FindPerson(ctx, "e3")
	if err != nil {
		t.Fatal(err)
	}
	tl, err := r.PersonTimeline(ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tl.Entries {
		s := e.At.Format("01-02 15:04") + " " + e.Kind.String()
		switch e.Kind {
		case EntryEvent:
			s += " " + e.Event
		case EntryStep:
			s += " " + e.Channel.String() + " " + e.Outcome.String() + " " + e.Message
		case EntryConversion:
			s += " " + e.Campaign
		}
		got = append(got, strings.TrimSpace(s))
	}
	want := []string{
		"05-03 10:00 event add_to_cart",
		"05-03 10:00 journey",
		"05-03 11:00 step email sent You left something behind",
		"05-03 12:00 event purchase",
		"05-03 12:00 exit",
		"05-03 12:00 conversion exit_test",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("timeline:\n got %q\nwant %q", got, want)
	}
	if _, err := r.FindPerson(ctx, "nobody"); err == nil {
		t.Error("found a person who does not exist")
	}
}

func TestReplayWarnsAboutUnknownEvents(t *testing.T) {
	c := readCampaigns(t, "exit/campaign.yaml")[0]
	c.Trigger.Events = []string{"add_to_crat"}
	r, err := Run(context.Background(), openFixture(t, "exit"), []*segments.Campaign{c}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`campaign exit_test: the store has no "add_to_crat" events`}
	if !reflect.DeepEqual(r.Warnings, want) || r.Campaigns[0].Journeys != 0 {
		t.Errorf("warnings %q, journeys %d; want %q and none", r.Warnings, r.Campaigns[0].Journeys, want)
	}
}

func TestReplayExamplesAndCancel(t *testing.T) {
	store := openFixture(t, "collide")
	cs := readCampaigns(t, "collide/cart.yaml", "collide/browse.yaml")
	r, err := Run(context.Background(), store, cs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Examples are in uid order.
	if got, want := [][]int32{r.Campaigns[0].Examples, r.Campaigns[1].Examples, r.CollisionExamples},
		[][]int32{uidsOf(t, store, "k1", "k2"), uidsOf(t, store, "k1", "k2", "k3"), uidsOf(t, store, "k1", "k3")}; !reflect.DeepEqual(got, want) {
		t.Errorf("examples (cart, browse, collisions) %v, want %v", got, want)
	}
	if r.People != 3 || r.Reached != 3 {
		t.Errorf("people %d reached %d, want 3 and 3", r.People, r.Reached)
	}
	if want := [][]int{{0, 1}, {1, 1}}; !reflect.DeepEqual(r.CollisionPairs, want) {
		t.Errorf("collision pairs %v, want %v", r.CollisionPairs, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, store, cs, Options{}); err == nil {
		t.Error("a cancelled replay succeeded")
	}
}

// Everyone reached is kept, not only the examples: copying or exporting "the people
// reached" from the Timeline takes the whole group.
func TestReplayKeepsEveryoneReached(t *testing.T) {
	const people = 3*MaxExamples + 5 // more than the examples hold
	var b strings.Builder
	b.WriteString("user_id,event,timestamp,account_id,revenue,properties\n")
	for i := range people {
		// p00 … : everyone adds to cart; every third person also browses the same hour,
		// so both campaigns send to them that day (a collision).
		fmt.Fprintf(&b, "p%02d,add_to_cart,2026-05-01T10:00:00Z,,,{}\n", i)
		if i%3 == 0 {
			fmt.Fprintf(&b, "p%02d,product_view,2026-05-01T10:30:00Z,,,{}\n", i)
		}
	}
	// A later event puts as_of past every send (it is the latest event's time).
	b.WriteString("zz,page_view,2026-05-03T00:00:00Z,,,{}\n")
	path := filepath.Join(t.TempDir(), "events.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	store, err := query.Open(ctx, "", query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Load(ctx, query.LoadRequest{Paths: []string{path}}); err != nil {
		t.Fatal(err)
	}
	cs := readCampaigns(t, "collide/cart.yaml", "collide/browse.yaml")
	r, err := Run(ctx, store, cs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var everyoneNames, thirdNames []string
	for i := range people {
		everyoneNames = append(everyoneNames, fmt.Sprintf("p%02d", i))
		if i%3 == 0 {
			thirdNames = append(thirdNames, fmt.Sprintf("p%02d", i))
		}
	}
	everyone, thirds := uidsOf(t, store, everyoneNames...), uidsOf(t, store, thirdNames...)
	cart := r.Campaigns[0]
	if cart.Reached != people || !reflect.DeepEqual(cart.ReachedPeople, everyone) {
		t.Errorf("cart reached %d, people %v; want all %d", cart.Reached, cart.ReachedPeople, people)
	}
	if len(cart.Examples) != MaxExamples || !reflect.DeepEqual(cart.Examples, everyone[:MaxExamples]) {
		t.Errorf("cart examples %v, want the first %d", cart.Examples, MaxExamples)
	}
	if browse := r.Campaigns[1]; !reflect.DeepEqual(browse.ReachedPeople, thirds) {
		t.Errorf("browse reached %v, want %v", browse.ReachedPeople, thirds)
	}
	if !reflect.DeepEqual(r.CollidedPeople, thirds) || !reflect.DeepEqual(r.CollisionExamples, thirds[:MaxExamples]) {
		t.Errorf("collided %v (examples %v), want %v", r.CollidedPeople, r.CollisionExamples, thirds)
	}
}
