package query

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/segments"
)

// The vendor fixtures in testdata/load/vendors are written after each vendor's documented
// export schema (see its README): GA4's BigQuery export, Segment's calls, Amplitude's Export
// API, Mixpanel's raw export, PostHog's events as one object, an array, lines and an API
// response.

func vendorFixture(name string) string { return filepath.Join(fixtures, "vendors", name) }

// vendorCase is what one vendor file must give once loaded.
type vendorCase struct {
	files    []string
	flavour  string
	format   Format
	loaded   int64
	events   []eventRow          // must be stored (fields set are compared)
	props    map[string][]string // event name → substrings its properties must hold
	noProps  map[string][]string // event name → substrings its properties must not hold
	members  map[string][]string // condition → its members
	attrs    map[string]string   // "user_id attr" → value (as text)
	attrType map[string]string   // attribute → column type
	account  map[string]string   // user_id → users.account_id
}

func TestLoadVendorExports(t *testing.T) {
	cases := map[string]vendorCase{
		"ga4 bigquery export": {
			files: []string{"ga4_bigquery.ndjson"}, flavour: FlavourGA4, format: FormatNDJSON, loaded: 3,
			events: []eventRow{
				// event_timestamp is microseconds since the epoch, UTC.
				{User: "1234567890.1740819600", Event: "page_view", TS: "2025-03-01T09:00:00.000000"},
				{User: "crm-77", Event: "purchase", TS: "2025-03-01T09:15:00.123456", Revenue: "59.9"},
				{User: "555.1740906000", Event: "page_view", TS: "2025-03-02T09:00:00.000000"},
			},
			props: map[string][]string{
				// event_params flattened by key, with the typed value (int_value is a string
				// in the JSON export, a number here).
				"purchase": {`"page_title":"Checkout"`, `"ga_session_number":3`, `"currency":"EUR"`, `"value":59.9`, `"transaction_id":"T-1001"`},
			},
			noProps: map[string][]string{"purchase": {"event_params", "user_properties", "string_value", "app_info"}},
			members: map[string][]string{
				`{did: page_view, where: {page_title: Home, ga_session_number: ">= 3"}}`: {"1234567890.1740819600"},
				`{did: purchase, where: {items.item_category: Hats}}`:                    {"crm-77"},
				`{did: purchase, where: {items.price: "> 19.99"}}`:                       {"crm-77"},
				`{did: page_view, where: {device.category: mobile, geo.city: Munich}}`:   {"555.1740906000"},
				`{did: page_view, where: {device.web_info.browser: Chrome}}`:             {"1234567890.1740819600"},
				`{user: plan, is: pro}`:               {"crm-77"},
				`{user: lifetime_orders, is: ">= 4"}`: {"crm-77"},
			},
			// user_properties become attributes, by key with the typed value.
			attrs:    map[string]string{"crm-77 plan": "pro", "crm-77 lifetime_orders": "4", "1234567890.1740819600 plan": "free"},
			attrType: map[string]string{"plan": "VARCHAR", "lifetime_orders": "BIGINT"},
		},
		"segment track identify page group": {
			files: []string{"segment_calls.ndjson"}, flavour: FlavourSegment, format: FormatNDJSON, loaded: 6,
			events: []eventRow{
				{User: "anon-7f3a", Event: "page", TS: "2025-03-01T09:00:00.870000"},
				{User: "97980cfea0067", Event: "identify", TS: "2025-03-01T09:05:00.050000"},
				{User: "97980cfea0067", Event: "Order Completed", TS: "2025-03-01T09:10:00.000000", Revenue: "25.0"},
				{User: "97980cfea0067", Event: "group", TS: "2025-03-01T09:12:00.000000", Account: "initech"},
				{User: "97980cfea0067", Event: "identify", TS: "2025-02-15T08:00:00.000000"},
			},
			props: map[string][]string{"page": {`"name":"Pricing"`, `"locale":"en-US"`}},
			members: map[string][]string{
				`{did: page, where: {context.page.path: /pricing}}`:                    {"anon-7f3a"},
				`{did: Order Completed, where: {context.locale: en-US}}`:               {"97980cfea0067"},
				`{did: Order Completed, where: {products.category: Books}}`:            {"97980cfea0067"},
				`{did: Order Completed, where: {products.price: "> 18"}}`:              {"97980cfea0067"},
				`{did: identify, where: {traits.plan: trial}}`:                         {"97980cfea0067"},
				`{did: identify, where: {traits.address.city: Austin}}`:                {"97980cfea0067"},
				`{user: plan, is: pro}`:                                                {"97980cfea0067"},
				`{user: plan, in: [enterprise, trial, premium]}`:                       {},
				`{all: [{user: logins, is: "= 6"}, {user: address.city, is: Austin}]}`: {"97980cfea0067"},
			},
			// The latest identify by event time wins (the trial identify comes last in the
			// file but happened first); a group call's traits are the group's.
			attrs: map[string]string{"97980cfea0067 plan": "pro", "97980cfea0067 logins": "6",
				"97980cfea0067 name": "Peter Gibbons", "97980cfea0067 email": "peter@example.com", "97980cfea0067 address.city": "Austin"},
			attrType: map[string]string{"plan": "VARCHAR", "logins": "BIGINT"},
			account:  map[string]string{"97980cfea0067": "initech"},
		},
		"amplitude export api": {
			files: []string{"amplitude_export.json"}, flavour: FlavourAmplitude, format: FormatNDJSON, loaded: 3,
			events: []eventRow{
				// event_time is UTC without an offset.
				{User: "amp_user_1", Event: "Play Song", TS: "2025-03-01T09:00:00.123000"},
				{User: "amp_user_1", Event: "Purchase", TS: "2025-03-02T18:30:00.000000", Revenue: "9.99"},
				// No user_id: the device stands in.
				{User: "D8F9E604-F01A-4BD9-95C6-8E5357DF265E", Event: "Open App", TS: "2025-03-01T11:00:00.000000"},
			},
			props:   map[string][]string{"Play Song": {`"song_title":"Dancing Queen"`, `"city":"San Francisco"`}},
			noProps: map[string][]string{"Play Song": {"adid", "idfa", "$insert_key"}}, // null everywhere: nothing
			members: map[string][]string{
				`{did: Play Song, where: {genre: pop, data.path: /2/httpapi}}`: {"amp_user_1"},
				// user_properties stay on the event too: the plan as of that event.
				`{did: Play Song, where: {user_properties.plan: free}}`: {"amp_user_1"},
				`{user: plan, is: paid}`:                                {"amp_user_1"},
				`{user: age, is: "> 30"}`:                               {"amp_user_1"},
				`{user: referrer, is: "https://example.fr/"}`:           {"D8F9E604-F01A-4BD9-95C6-8E5357DF265E"},
			},
			attrs:    map[string]string{"amp_user_1 plan": "paid", "amp_user_1 age": "31", "amp_user_1 beta user?": "false"},
			attrType: map[string]string{"age": "BIGINT", "beta user?": "BOOLEAN"},
		},
		"mixpanel export lines": {
			files: []string{"mixpanel_export.jsonl"}, flavour: FlavourMixpanel, format: FormatNDJSON, loaded: 3,
			events: []eventRow{
				{User: "mp-42", Event: "Signed Up", TS: "2025-03-01T09:00:00.000000"},
				{User: "mp-42", Event: "Purchase", TS: "2025-03-01T10:00:00.000000", Revenue: "120.0"},
				// time in milliseconds in newer exports.
				{User: "mp-43", Event: "Page View", TS: "2025-03-01T11:00:00.123000"},
			},
			props:   map[string][]string{"Signed Up": {`"$browser":"Chrome"`, `"plan":"team"`}},
			noProps: map[string][]string{"Signed Up": {"distinct_id", `"time"`}},
			members: map[string][]string{
				`{did: Signed Up, where: {utm.source: newsletter}}`: {"mp-42"},
				`{did: Purchase, where: {cart.sku: B7}}`:            {"mp-42"},
				`{did: Purchase, where: {cart.qty: ">= 2"}}`:        {"mp-42"},
				`{did: Page View, where: {Source: APP}}`:            {"mp-43"},
			},
		},
		"posthog one object, an array, lines and an api response": {
			files:   []string{"posthog_event.json", "posthog_events_array.json", "posthog_events.jsonl", "posthog_api_results.json"},
			flavour: FlavourPostHog, loaded: 7,
			events: []eventRow{
				// An offset is honoured: 10:30:00.25+01:00 is 09:30:00.25 UTC.
				{User: "ph-user-1", Event: "$pageview", TS: "2025-03-01T09:30:00.250000"},
				{User: "ph-user-2", Event: "subscription_started", TS: "2025-03-02T08:15:00.000000", Revenue: "49.0"},
				{User: "ph-user-3", Event: "$autocapture", TS: "2025-03-03T12:00:00.000000"},
				{User: "ph-user-4", Event: "feature_used", TS: "2025-03-04T09:02:30.000000"},
			},
			// properties written as a JSON string are read as the object they hold.
			props: map[string][]string{"$autocapture": {`"$el_text":"Save"`}},
			members: map[string][]string{
				`{did: $pageview, where: {utm.source: google}}`: {"ph-user-1"},
				`{did: $autocapture, where: {$el_text: Save}}`:  {"ph-user-3"},
				`{did: feature_used, where: {feature: export}}`: {"ph-user-4"},
				`{user: plan, is: starter}`:                     {"ph-user-1"},
				`{user: plan, in: [pro, team]}`:                 {"ph-user-2", "ph-user-3"},
			},
			// person_properties, then the event's $set (the later wins).
			attrs: map[string]string{"ph-user-1 plan": "starter", "ph-user-1 email": "max@example.com", "ph-user-2 plan": "pro", "ph-user-3 plan": "team"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := memStore(t)
			var paths []string
			for _, f := range tc.files {
				paths = append(paths, vendorFixture(f))
			}
			rep := mustLoad(t, s, LoadRequest{Paths: paths})
			var loaded int64
			for _, fr := range rep.Files {
				loaded += fr.Loaded
				if fr.Flavour != tc.flavour || (tc.format != "" && fr.Format != tc.format) || fr.Rejected != 0 {
					t.Errorf("%s: %s (%s), %d rejected %v; want %s (%s), none rejected",
						filepath.Base(fr.Path), fr.Flavour, fr.Format, fr.Rejected, fr.Examples, tc.flavour, tc.format)
				}
			}
			if loaded != tc.loaded {
				t.Errorf("loaded %d events, want %d", loaded, tc.loaded)
			}
			stored := storedEvents(t, s)
			for _, w := range tc.events {
				if !containsEvent(stored, w) {
					t.Errorf("no stored event matches %+v; stored:\n%s", w, fmtEvents(stored))
				}
			}
			for event, subs := range tc.props {
				props := propsOf(stored, event)
				for _, sub := range subs {
					if !strings.Contains(props, sub) {
						t.Errorf("%s properties %s lack %s", event, props, sub)
					}
				}
			}
			for event, subs := range tc.noProps {
				props := propsOf(stored, event)
				for _, sub := range subs {
					if strings.Contains(props, sub) {
						t.Errorf("%s properties %s hold %s", event, props, sub)
					}
				}
			}
			e := NewEngine(s)
			for src, want := range tc.members {
				if got := membersOf(t, e, src); !slices.Equal(got, want) {
					t.Errorf("%s: members %v, want %v", src, got, want)
				}
			}
			for k, want := range tc.attrs {
				user, attr, _ := strings.Cut(k, " ")
				if got := attrOf(t, s, user, attr); got != want {
					t.Errorf("%s's %s = %q, want %q", user, attr, got, want)
				}
			}
			for attr, want := range tc.attrType {
				var typ string
				if err := s.DB().QueryRow(`SELECT data_type FROM information_schema.columns WHERE table_name = 'users' AND column_name = ?`, attr).Scan(&typ); err != nil || typ != want {
					t.Errorf("attribute %s: type %q (%v), want %s", attr, typ, err, want)
				}
			}
			for user, want := range tc.account {
				var got sql.NullString
				s.DB().QueryRow(`SELECT account_id FROM users WHERE user_id = ?`, user).Scan(&got)
				if got.String != want {
					t.Errorf("%s's account %q, want %q", user, got.String, want)
				}
			}
		})
	}
}

// propsOf is the properties of the first stored event of that name.
func propsOf(stored []eventRow, event string) string {
	for _, e := range stored {
		if e.Event == event {
			return e.Props
		}
	}
	return ""
}

// membersOf evaluates a condition (unit user, default as_of) and checks the bitmap path
// against the whole-segment SQL.
func membersOf(t *testing.T, e *Engine, src string) []string {
	t.Helper()
	seg := &segments.Segment{Name: "vendor", Unit: segments.UnitUser, Where: mustCondition(t, src, segments.UnitUser)}
	res, err := e.Evaluate(context.Background(), seg, nil, time.Time{})
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	got := keysOf(t, e, res.Members, segments.UnitUser)
	if sqlPath := sqlKeys(t, e, seg, nil, time.Time{}); !slices.Equal(sqlPath, got) {
		t.Errorf("%s: whole-segment SQL %v, bitmap path %v", src, sqlPath, got)
	}
	return got
}

// attrOf is a user attribute as text ("" when NULL or missing).
func attrOf(t *testing.T, s *Store, user, attr string) string {
	t.Helper()
	var v sql.NullString
	err := s.DB().QueryRow(`SELECT CAST(`+quoteIdent(attr)+` AS VARCHAR) FROM users WHERE user_id = ?`, user).Scan(&v)
	if err != nil {
		return "error: " + err.Error()
	}
	return v.String
}

// --replace of a file takes its traits back: the people it touched get the latest value of
// the files left.
func TestTraitsReplaced(t *testing.T) {
	dir := t.TempDir()
	write := func(name, plan, ts string) string {
		path := filepath.Join(dir, name)
		line := `{"type":"identify","userId":"u1","anonymousId":"a1","messageId":"m-` + name + `","timestamp":"` + ts + `","traits":{"plan":"` + plan + `"}}` + "\n"
		if plan == "" {
			line = `{"type":"track","event":"Viewed","userId":"u1","anonymousId":"a1","messageId":"m-` + name + `","timestamp":"` + ts + `"}` + "\n"
		}
		if err := os.WriteFile(path, []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	s := memStore(t)
	first := write("first.ndjson", "pro", "2025-03-01T00:00:00Z")
	second := write("second.ndjson", "team", "2025-03-02T00:00:00Z")
	mustLoad(t, s, LoadRequest{Paths: []string{first, second}})
	if got := attrOf(t, s, "u1", "plan"); got != "team" {
		t.Fatalf("plan %q after both files, want the later team", got)
	}
	write("second.ndjson", "", "2025-03-02T00:00:00Z") // the second file, now without traits
	mustLoad(t, s, LoadRequest{Paths: []string{second}, Replace: true})
	if got := attrOf(t, s, "u1", "plan"); got != "pro" {
		t.Errorf("plan %q after replacing the second file, want the first file's pro", got)
	}
}
