package query

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/segments"
)

// TestSequenceAgainstNaive checks then/then_not against a direct computation in Go on
// random events placed on a minute grid counted back from as_of, so that events fall on
// the edges of the buckets `then` joins on (multiples of D before as_of), exactly D apart,
// at the same instant, at as_of and after it.
func TestSequenceAgainstNaive(t *testing.T) {
	asOf := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	type ev struct {
		user, event string
		ts          time.Time
	}
	rng := rand.New(rand.NewPCG(3, 9))
	var evs []ev
	var b strings.Builder
	b.WriteString("user_id,event,timestamp\n")
	for u := 0; u < 150; u++ {
		user := fmt.Sprintf("p%03d", u)
		n := 1 + rng.IntN(12)
		for i := 0; i < n; i++ {
			// Minutes before as_of, mostly within 4 days, a few after it; pairs often on
			// whole hours and days.
			m := rng.IntN(6000) - 30
			switch rng.IntN(4) {
			case 0:
				m = m / 60 * 60
			case 1:
				m = m / 1440 * 1440
			}
			e := ev{user: user, event: []string{"a", "b"}[rng.IntN(2)], ts: asOf.Add(-time.Duration(m) * time.Minute)}
			evs = append(evs, e)
			if rng.IntN(8) == 0 { // a tie: the other event at the same instant
				evs = append(evs, ev{user: user, event: map[string]string{"a": "b", "b": "a"}[e.event], ts: e.ts})
			}
		}
	}
	for _, e := range evs {
		fmt.Fprintf(&b, "%s,%s,%s\n", e.user, e.event, e.ts.Format(time.RFC3339))
	}
	path := filepath.Join(t.TempDir(), "events.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	s := memStore(t)
	mustLoad(t, s, LoadRequest{Paths: []string{path}})
	e := NewEngine(s)
	ctx := context.Background()

	naive := func(a, bEv string, d time.Duration, window time.Duration, negated bool) []string {
		byUser := map[string][]ev{}
		for _, x := range evs {
			if !x.ts.After(asOf) {
				byUser[x.user] = append(byUser[x.user], x)
			}
		}
		var out []string
		for user, xs := range byUser {
			member := false
			for _, x := range xs {
				if x.event != a || (window > 0 && !x.ts.After(asOf.Add(-window))) {
					continue
				}
				if negated && x.ts.Add(d).After(asOf) {
					continue
				}
				found := false
				for _, y := range xs {
					if y.event == bEv && y.ts.After(x.ts) && !y.ts.After(x.ts.Add(d)) {
						found = true
					}
				}
				if found != negated {
					member = true
				}
			}
			if member {
				out = append(out, user)
			}
		}
		slices.Sort(out)
		return out
	}
	checked := 0
	for _, within := range []string{"1h", "2h", "90m", "1d", "3d"} {
		d, err := segments.ParseDuration(within)
		if err != nil {
			t.Fatal(err)
		}
		for _, pair := range [][2]string{{"a", "b"}, {"a", "a"}} {
			for _, window := range []string{"", "2d"} {
				for _, negated := range []bool{false, true} {
					key := "then"
					if negated {
						key = "then_not"
					}
					src := fmt.Sprintf("{did: %s, %s: %s, within: %s", pair[0], key, pair[1], within)
					var win time.Duration
					if window != "" {
						src += ", in_last: " + window
						wd, _ := segments.ParseDuration(window)
						win = wd.Std()
					}
					src += "}"
					seg := &segments.Segment{Name: "seq", Where: mustCondition(t, src, segments.UnitUser)}
					res, err := e.Evaluate(ctx, seg, nil, asOf)
					if err != nil {
						t.Fatalf("%s: %v", src, err)
					}
					got := keysOf(t, e, res.Members, segments.UnitUser)
					want := naive(pair[0], pair[1], d.Std(), win, negated)
					if want == nil {
						want = []string{}
					}
					if !slices.Equal(got, want) {
						t.Errorf("%s: engine %d members, naive %d\nengine %v\nnaive  %v", src, len(got), len(want), got, want)
					}
					if text := sqlKeys(t, e, seg, nil, asOf); !slices.Equal(text, want) {
						t.Errorf("%s: sql text %d members, naive %d", src, len(text), len(want))
					}
					if len(want) > 0 && len(want) < 150 {
						checked++
					}
				}
			}
		}
	}
	if checked < 30 {
		t.Errorf("only %d of 40 cases select a proper, non-empty subset", checked)
	}
}
