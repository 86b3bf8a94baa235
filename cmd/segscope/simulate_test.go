package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// simFixture is a replay fixture of the sim package: testdata/DIR/events.csv and its
// campaign files.
func simFixture(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "sim", "testdata"}, parts...)...)
}

// simStore loads a sim fixture into a store file through `segscope load`.
func simStore(t *testing.T, dir string) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), dir+".duckdb")
	args := []string{"load", simFixture(dir, "events.csv"), "--db", db}
	if users := simFixture(dir, "users.csv"); fileExistsForTest(users) {
		args = append(args, "--users", users)
	}
	if code, _, errOut := simRun(t, args...); code != 0 {
		t.Fatalf("load %s: exit %d: %s", dir, code, errOut)
	}
	return db
}

func fileExistsForTest(p string) bool { _, err := os.Stat(p); return err == nil }

func simRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func simJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, stdout, stderr := simRun(t, append(append([]string{"simulate"}, args...), "--json")...)
	if code != 0 {
		t.Fatalf("simulate %v: exit %d: %s", args, code, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("simulate %v: not JSON: %v\n%s", args, err, stdout)
	}
	return got
}

// jsonPick re-encodes the named fields for comparison with expectations written as JSON.
func jsonPick(t *testing.T, m map[string]any, keys ...string) string {
	t.Helper()
	sub := map[string]any{}
	for _, k := range keys {
		v, ok := m[k]
		if !ok {
			t.Errorf("field %q missing", k)
		}
		sub[k] = v
	}
	b, _ := json.Marshal(sub)
	return string(b)
}

func TestSimulateJSONOneCampaign(t *testing.T) {
	db := simStore(t, "exit")
	got := simJSON(t, "--db", db, simFixture("exit", "campaign.yaml"))
	// The same replay as sim's TestReplayRules "exit before a step", worked out by hand.
	want := `{"campaign":"exit_test","collisions":0,"conversions":{"holdout":0,"treated":4},"deferred":0,` +
		`"exits":3,"holdout_journeys":0,"journeys":5,"pending":0,"reached":3,"sends":[3,2],"suppressed":0}`
	if g := jsonPick(t, got, "campaign", "journeys", "holdout_journeys", "reached", "sends", "suppressed",
		"deferred", "pending", "exits", "conversions", "collisions"); g != want {
		t.Errorf("\n got %s\nwant %s", g, want)
	}
	if got["as_of"] != "2026-06-30T00:00:00Z" || got["window_days"] != 31.0 {
		t.Errorf("as_of %v, window_days %v", got["as_of"], got["window_days"])
	}
	daily, _ := got["daily"].([]any)
	if len(daily) != 6 {
		t.Fatalf("daily has %d rows, want 6 (05-01 … 05-06): %v", len(daily), got["daily"])
	}
	first, _ := json.Marshal(daily[2])
	wantDay := `{"collisions":0,"conversions":{"holdout":0,"treated":1},"day":"2026-05-03","deferred":[0,0],` +
		`"exits":1,"holdout_journeys":0,"journeys":1,"revenue":{"holdout":0,"treated":40},"sends":[1,0],"suppressed":[0,0]}`
	if string(first) != wantDay {
		t.Errorf("daily[2]\n got %s\nwant %s", first, wantDay)
	}
	steps, _ := got["steps"].([]any)
	if len(steps) != 2 || steps[0].(map[string]any)["channel"] != "email" || steps[0].(map[string]any)["message"] != "You left something behind" {
		t.Errorf("steps %v", got["steps"])
	}
	if rate := got["conversion_rate"].(map[string]any); rate["treated"] != 0.8 || rate["holdout"] != nil {
		t.Errorf("conversion_rate %v, want treated 0.8 and no holdout", rate)
	}
}

func TestSimulateJSONSeveralCampaignsWithCap(t *testing.T) {
	db := simStore(t, "collide")
	cart, browse := simFixture("collide", "cart.yaml"), simFixture("collide", "browse.yaml")

	got := simJSON(t, "--db", db, cart, browse)
	if got["collisions"] != 2.0 {
		t.Errorf("collisions %v, want 2", got["collisions"])
	}
	pairs, _ := json.Marshal(got["collision_pairs"])
	if want := `[{"campaigns":["cart_a","browse_b"],"person_days":1},{"campaigns":["browse_b","browse_b"],"person_days":1}]`; string(pairs) != want {
		t.Errorf("collision_pairs\n got %s\nwant %s", pairs, want)
	}

	// The global cap, browse_b first: cart_a's sends are the ones suppressed.
	got = simJSON(t, "--db", db, browse, cart, "--cap", "1 per 1d")
	cs, _ := got["campaigns"].([]any)
	if len(cs) != 2 || got["cap"] != "1 per 1d" || got["collisions"] != 0.0 {
		t.Fatalf("campaigns %d, cap %v, collisions %v", len(cs), got["cap"], got["collisions"])
	}
	for i, want := range []string{
		`{"campaign":"browse_b","sends":[3],"suppressed":1,"suppressed_global":1}`,
		`{"campaign":"cart_a","sends":[0],"suppressed":2,"suppressed_global":2}`,
	} {
		if g := jsonPick(t, cs[i].(map[string]any), "campaign", "sends", "suppressed", "suppressed_global"); g != want {
			t.Errorf("campaign %d\n got %s\nwant %s", i, g, want)
		}
	}
}

func TestSimulateHumanAndPerson(t *testing.T) {
	db := simStore(t, "quiet")
	code, out, errOut := simRun(t, "simulate", "--db", db, simFixture("quiet", "campaign.yaml"), "--person", "q3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"quiet_test\n",
		"journeys  5 · 0.1 a day · 5 people",
		"reached   5 people with at least one message",
		"     1  email   +2h     5         4           0     0        0",
		"     2  push    +1d     5         0           0     0        0",
		"note: 1 person has a tz attribute that is not a time zone",
		"): 1 journey\n", // "Person q3 (uid N)": checked below
		"  2026-05-01 12:00              add_to_cart\n",
		"2026-05-01 12:00  quiet_test  journey starts",
		"2026-05-01 23:00  quiet_test  step 1 email sent (deferred by quiet hours)",
		"2026-05-02 23:00  quiet_test  step 2 push sent\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The person's heading names their uid (numbered in hash order of the user id).
	if !regexp.MustCompile(`(?m)^Person q3 \(uid \d+\): 1 journey$`).MatchString(out) {
		t.Errorf("output lacks the person's heading:\n%s", out)
	}
}

func TestSimulateAsOfAndPersonJSON(t *testing.T) {
	db := simStore(t, "pending")
	got := simJSON(t, "--db", db, simFixture("pending", "campaign.yaml"), "--as-of", "2026-05-10T12:00:00Z", "--person", "p1")
	if g, want := jsonPick(t, got, "sends", "pending", "journeys"), `{"journeys":3,"pending":4,"sends":[2,0]}`; g != want {
		t.Errorf("\n got %s\nwant %s", g, want)
	}
	person, _ := got["person"].(map[string]any)
	var kinds []string
	for _, e := range person["entries"].([]any) {
		m := e.(map[string]any)
		k := m["kind"].(string)
		if o, ok := m["outcome"].(string); ok {
			k += " " + o
		}
		kinds = append(kinds, k)
	}
	// p1's purchase at 13:00 is after as_of: it is not listed and does not exit.
	if want := []string{"event", "journey", "step sent", "step pending"}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("person entries %v, want %v", kinds, want)
	}
}

func TestSimulateErrors(t *testing.T) {
	db := simStore(t, "exit")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: bad\ntrigger: {event: add_to_cart}\nstepz: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--db", filepath.Join(t.TempDir(), "none.duckdb"), simFixture("exit", "campaign.yaml")}, "no store at"},
		{[]string{"--db", db, simFixture("exit", "campaign.yaml"), "--cap", "3 a week"}, `--cap: bad cap "3 a week"`},
		{[]string{"--db", db, bad}, `bad.yaml:3:1: unknown campaign key "stepz" (did you mean "steps"?)`},
		{[]string{"--db", db, simFixture("exit", "campaign.yaml"), "--person", "nobody"}, `--person: person "nobody": no such person`},
		{[]string{"--db", db, simFixture("exit", "campaign.yaml"), "--as-of", "yesterday"}, `--as-of "yesterday"`},
		{[]string{"--db", db, simFixture("segment", "campaign.yaml"), "--segments", t.TempDir()}, `triggers on segment "vip": no segments found`},
	} {
		code, _, errOut := simRun(t, append([]string{"simulate"}, tc.args...)...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("simulate %v: exit %d, stderr %q; want an error with %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestABTestFromCampaign(t *testing.T) {
	db := simStore(t, "holdout")
	campaign := simFixture("holdout", "campaign.yaml")
	got := abJSON(t, "--campaign", campaign, "--db", db, "--mde", "0.1", "--sims", "0")
	// Settled holdout journeys: h1 converted, h3 did not → baseline 1/2. Six journeys over
	// the 61 days from the first trigger (05-01) to as_of (06-30); revenue (25 + 10) / 2.
	if got["baseline"] != 0.5 {
		t.Errorf("baseline %v, want 0.5", got["baseline"])
	}
	if d, _ := got["daily"].(float64); math.Abs(d-6.0/61) > 1e-12 {
		t.Errorf("daily %v, want 6/61", got["daily"])
	}
	c, _ := got["campaign"].(map[string]any)
	if g, want := jsonPick(t, c, "name", "baseline_from", "journeys", "holdout_journeys", "window_days", "revenue_per_conversion"),
		`{"baseline_from":"holdout","holdout_journeys":2,"journeys":6,"name":"holdout_test","revenue_per_conversion":17.5,"window_days":61}`; g != want {
		t.Errorf("campaign\n got %s\nwant %s", g, want)
	}
	im, _ := got["impact"].(map[string]any)
	if im["entrants"] != 6.0 || im["revenue_per_conversion"] != 17.5 {
		t.Errorf("impact %v, want 6 entrants at 17.5", im)
	}
	// The same plan as from the flags.
	plain := abJSON(t, "--baseline", "0.5", "--mde", "0.1", "--sims", "0")
	if got["per_variant"] != plain["per_variant"] {
		t.Errorf("per_variant %v from the campaign, %v from --baseline 0.5", got["per_variant"], plain["per_variant"])
	}

	// No holdout: the treated journeys' rate, 4 of 5.
	got = abJSON(t, "--campaign", simFixture("exit", "campaign.yaml"), "--db", simStore(t, "exit"), "--mde", "0.1", "--sims", "0", "--daily", "40")
	if got["baseline"] != 0.8 || got["daily"] != 40.0 || got["campaign"].(map[string]any)["baseline_from"] != "treated" {
		t.Errorf("baseline %v daily %v campaign %v", got["baseline"], got["daily"], got["campaign"])
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--campaign", campaign, "--db", db, "--baseline", "0.1", "--mde", "0.02"}, "--baseline and --campaign are exclusive"},
		{[]string{"--baseline", "0.1", "--mde", "0.02", "--db", db}, "--db is for --campaign FILE"},
		{[]string{"--campaign", campaign, "--mde", "0.02"}, "--db STORE.duckdb is required"},
		{[]string{"--campaign", campaign, "--db", db}, "--mde is required"},
	} {
		code, _, stderr := abRun(t, tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("abtest %v: exit %d, stderr %q; want %q", tc.args, code, stderr, tc.want)
		}
	}
}

func TestSimulateSegmentTriggerFindsTheWorkspace(t *testing.T) {
	db := simStore(t, "segreal")
	// The campaign lies in segreal/campaigns; its segment in segreal/segments.
	got := simJSON(t, "--db", db, simFixture("segreal", "campaigns", "thanks.yaml"))
	if g, want := jsonPick(t, got, "campaign", "journeys", "sends", "conversions"),
		`{"campaign":"thanks","conversions":{"holdout":0,"treated":1},"journeys":3,"sends":[3]}`; g != want {
		t.Errorf("\n got %s\nwant %s", g, want)
	}
	// The same with the folder given.
	got = simJSON(t, "--db", db, simFixture("segreal", "campaigns", "thanks.yaml"), "--segments", simFixture("segreal", "segments"))
	if got["journeys"] != 3.0 {
		t.Errorf("with --segments: journeys %v", got["journeys"])
	}
}

func TestSimulateWithoutStoreUsesTheDemo(t *testing.T) {
	code, out, errOut := simRun(t, "simulate", simFixture("exit", "campaign.yaml"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "replaying over the built-in demo dataset") || !strings.Contains(out, "exit_test\n  window    2026-05-01 … 2026-05-31 (31 days)") {
		t.Errorf("stderr %q\nstdout:\n%s", errOut, out)
	}
}
