package sampledata

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func writeTemp(t *testing.T, cfg Config) (dir string, sum Summary) {
	t.Helper()
	dir = t.TempDir()
	sum, err := WriteDataset(context.Background(), cfg, dir, CSV())
	if err != nil {
		t.Fatal(err)
	}
	return dir, sum
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestDeterministic(t *testing.T) {
	base := Config{Industry: Mixed, Users: 1500, Seed: 42}
	dirA, sumA := writeTemp(t, base)

	again := base
	again.Workers = 1 // the output must not depend on how the work is split
	dirB, sumB := writeTemp(t, again)
	if sumA.Events != sumB.Events {
		t.Fatalf("events: %d vs %d", sumA.Events, sumB.Events)
	}
	for _, f := range []string{"events.csv", "users.csv"} {
		if fileHash(t, filepath.Join(dirA, f)) != fileHash(t, filepath.Join(dirB, f)) {
			t.Errorf("%s differs between two runs with the same config", f)
		}
	}

	other := base
	other.Seed = 43
	dirC, _ := writeTemp(t, other)
	for _, f := range []string{"events.csv", "users.csv"} {
		if fileHash(t, filepath.Join(dirA, f)) == fileHash(t, filepath.Join(dirC, f)) {
			t.Errorf("%s is the same for seeds 42 and 43", f)
		}
	}
}

// TestPrefixStable: a user's data depends only on the seed and its index, not on how many
// users are generated (except the width of ids, fixed at 7 digits up to 9,999,999 users).
func TestPrefixStable(t *testing.T) {
	small := eventsByUser(t, Config{Industry: Mixed, Users: 100, Seed: 5})
	large := eventsByUser(t, Config{Industry: Mixed, Users: 700, Seed: 5})
	for id, evs := range small {
		if !slices.Equal(evs, large[id]) {
			t.Fatalf("user %s differs between a 100-user and a 700-user run", id)
		}
	}
}

type recordSink struct {
	users  []User
	events []Event
}

func (s *recordSink) User(u User) error   { s.users = append(s.users, u); return nil }
func (s *recordSink) Event(e Event) error { s.events = append(s.events, e); return nil }

func eventsByUser(t *testing.T, cfg Config) map[string][]Event {
	t.Helper()
	var s recordSink
	if err := Generate(context.Background(), cfg, &s); err != nil {
		t.Fatal(err)
	}
	out := map[string][]Event{}
	for _, e := range s.events {
		out[e.UserID] = append(out[e.UserID], e)
	}
	return out
}

// TestCSVValid parses both files back with encoding/csv and checks every field, and that
// the CSV carries exactly what Generate streams.
func TestCSVValid(t *testing.T) {
	cfg := Config{Industry: Mixed, Users: 2000, Seed: 3}
	dir, sum := writeTemp(t, cfg)
	start, end, err := cfg.Span()
	if err != nil {
		t.Fatal(err)
	}
	var stream recordSink
	if err := Generate(context.Background(), cfg, &stream); err != nil {
		t.Fatal(err)
	}

	f, err := os.Open(filepath.Join(dir, "events.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 6
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(header, EventColumns()) {
		t.Fatalf("header %v", header)
	}
	known := EventNames()
	n := 0
	var prevUser string
	var prevTime time.Time
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("row %d: %v", n+2, err)
		}
		want := stream.events[n]
		n++
		userID, name, stamp, account, revenue, props := rec[0], rec[1], rec[2], rec[3], rec[4], rec[5]
		if userID != want.UserID || name != want.Name || account != want.AccountID || props != want.Properties {
			t.Fatalf("row %d: %v, streamed %+v", n+1, rec, want)
		}
		if !slices.Contains(known, name) {
			t.Fatalf("row %d: unknown event %q", n+1, name)
		}
		ts, err := time.Parse(time.RFC3339, stamp)
		if err != nil || !strings.HasSuffix(stamp, "Z") {
			t.Fatalf("row %d: timestamp %q: %v", n+1, stamp, err)
		}
		if !ts.Equal(want.Time) || ts.Before(start) || ts.After(end) {
			t.Fatalf("row %d: timestamp %s outside [%s, %s] or not %s", n+1, ts, start, end, want.Time)
		}
		if userID == prevUser && ts.Before(prevTime) {
			t.Fatalf("row %d: %s's events are not in time order", n+1, userID)
		}
		prevUser, prevTime = userID, ts
		if revenue != "" {
			v, err := strconv.ParseFloat(revenue, 64)
			if err != nil || v <= 0 || !want.HasRevenue || v != want.Revenue {
				t.Fatalf("row %d: revenue %q (streamed %v)", n+1, revenue, want.Revenue)
			}
		} else if want.HasRevenue {
			t.Fatalf("row %d: revenue missing", n+1)
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(props), &obj); err != nil {
			t.Fatalf("row %d: properties %q: %v", n+1, props, err)
		}
		for k := range obj {
			if !slices.Contains(PropertyKeys(), k) {
				t.Fatalf("row %d: unknown property key %q", n+1, k)
			}
		}
	}
	if int64(n) != sum.Events || n != len(stream.events) {
		t.Fatalf("%d rows, summary says %d, stream has %d", n, sum.Events, len(stream.events))
	}

	uf, err := os.Open(filepath.Join(dir, "users.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer uf.Close()
	users, err := csv.NewReader(uf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(users[0], UserColumns()) {
		t.Fatalf("users header %v", users[0])
	}
	if len(users)-1 != cfg.Users {
		t.Fatalf("%d user rows, want %d", len(users)-1, cfg.Users)
	}
	for i, rec := range users[1:] {
		u := stream.users[i]
		if !slices.Equal(rec, u.Record()) {
			t.Fatalf("user row %d: %v, streamed %v", i+2, rec, u.Record())
		}
		if _, err := time.Parse(time.DateOnly, rec[6]); err != nil {
			t.Fatalf("user row %d: signup_date %q", i+2, rec[6])
		}
		if u.Country == "" || u.TZ == "" || u.AgeBand == "" || u.Plan == "" {
			t.Fatalf("user row %d: missing attributes %v", i+2, rec)
		}
		if _, err := time.LoadLocation(u.TZ); err != nil {
			t.Fatalf("user row %d: tz %q: %v", i+2, u.TZ, err)
		}
		if (u.Industry == SaaS) != (u.AccountID != "") {
			t.Fatalf("user row %d: account_id %q for industry %s", i+2, u.AccountID, u.Industry)
		}
	}
}

// TestVocabularyNeedsNoEscaping: the writer copies names and values verbatim in the fast
// path; this is what makes that safe (appendCSVField and appendJSONText still escape).
func TestVocabularyNeedsNoEscaping(t *testing.T) {
	var all []string
	all = append(all, EventNames()...)
	all = append(all, PropertyKeys()...)
	for _, list := range [][]string{signupChannels, webPlatforms, appPlatforms, emailCampaigns, shopPages,
		ecomCategories, retailCategories, retailChannels, saasFeatures, saasUsagePages, saasPaidPlans,
		mediaTopics, mediaPlans, learnTopics, eduTopicsInvest, eduTopicsOther, cardCategories, currencies,
		ageBands, courseIDs} {
		all = append(all, list...)
	}
	for _, c := range []*catalogue{&ecomCatalogue, &retailCatalogue} {
		for _, skus := range c.skus {
			all = append(all, skus...)
		}
	}
	for _, c := range countries {
		all = append(all, c.code)
		all = append(all, c.zones...)
	}
	for _, s := range all {
		if s == "" || strings.ContainsAny(s, ",\"\\\r\n") || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 }) {
			t.Errorf("vocabulary value %q needs escaping", s)
		}
	}
}

func TestFormatting(t *testing.T) {
	st := newStamper(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
	for _, want := range []time.Time{
		time.Date(2026, 11, 27, 23, 59, 59, 0, time.UTC),
		time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 3, 1, 12, 5, 9, 0, time.UTC),
		time.Date(1971, 1, 1, 0, 0, 1, 0, time.UTC),
		time.Date(2100, 12, 31, 6, 7, 8, 0, time.UTC),
	} {
		if got := string(st.append(nil, want.Unix())); got != want.Format(time.RFC3339) {
			t.Errorf("stamp %s: got %s", want.Format(time.RFC3339), got)
		}
	}
	for cents, want := range map[int64]string{0: "0.00", 5: "0.05", 70: "0.70", 4999: "49.99", 100000: "1000.00", -250: "-2.50"} {
		if got := string(appendCents(nil, cents)); got != want {
			t.Errorf("cents %d: got %s, want %s", cents, got, want)
		}
	}
	e := event{np: 3, props: [maxProps]prop{pStr(pkPage, `a"b\c`), pInt(pkItems, 2), pCents(pkPrice, 1999)}}
	plain := string(appendProps(nil, &e, false))
	var obj map[string]any
	if err := json.Unmarshal([]byte(plain), &obj); err != nil {
		t.Fatalf("%s: %v", plain, err)
	}
	if obj["page"] != `a"b\c` || obj["items"] != 2.0 || obj["price"] != 19.99 {
		t.Errorf("round trip: %v", obj)
	}
	row := appendEventRow(nil, st, "u1", "a1", &e)
	rec, err := csv.NewReader(bytes.NewReader(row)).Read()
	if err != nil {
		t.Fatalf("%s: %v", row, err)
	}
	if rec[5] != plain {
		t.Errorf("CSV field %q, want %q", rec[5], plain)
	}
	if got := string(appendCSVField(nil, `x,"y"`)); got != `"x,""y"""` {
		t.Errorf("csv field: %s", got)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{Users: 0},
		{Users: -1},
		{Users: 10, Industry: "farming"},
		{Users: 10, Days: -5},
		{Users: 10, Days: 4000},
	} {
		if _, err := WriteDataset(context.Background(), cfg, t.TempDir(), CSV()); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	if _, err := WriteDataset(context.Background(), Config{Users: 10}, t.TempDir(), Parquet(nil)); err == nil {
		t.Error("parquet without a converter: no error")
	}
	if _, err := ParseIndustry("SaaS"); err != nil {
		t.Error(err)
	}
}

func TestSaleWindows(t *testing.T) {
	ws, err := Demo().SaleWindows()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range ws {
		d := w.Days()
		got = append(got, w.Name+" "+d[0]+" "+d[1])
	}
	want := []string{
		"summer_sale 2025-07-08 2025-07-14",
		"black_friday 2025-11-24 2025-12-01",
		"holiday 2025-12-10 2025-12-24",
		"summer_sale 2026-07-08 2026-07-14",
		"black_friday 2026-11-23 2026-11-27",
	}
	if !slices.Equal(got, want) {
		t.Errorf("sale windows\n got %v\nwant %v", got, want)
	}
	start, end, _ := Demo().Span()
	if start.Format(time.RFC3339) != "2025-06-06T00:00:00Z" || end.Format(time.RFC3339) != "2026-11-27T23:59:59Z" {
		t.Errorf("span %s … %s", start, end)
	}
}

type failingSink struct{ after int }

var errSinkFull = errors.New("sink full")

func (s *failingSink) User(User) error { return nil }
func (s *failingSink) Event(Event) error {
	s.after--
	if s.after < 0 {
		return errSinkFull
	}
	return nil
}

func TestGenerateStops(t *testing.T) {
	err := Generate(context.Background(), Config{Users: 20000, Seed: 1}, &failingSink{after: 1000})
	if !errors.Is(err, errSinkFull) {
		t.Errorf("sink error: got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Generate(ctx, Config{Users: 20000, Seed: 1}, &recordSink{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
	dir := t.TempDir()
	if _, err := WriteDataset(ctx, Config{Users: 20000, Seed: 1}, dir, CSV()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled write: got %v", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("a cancelled write left %d files behind", len(left))
	}
}

// TestDemoSize keeps the embedded demo within what the explorer promises.
func TestDemoSize(t *testing.T) {
	var s recordSink
	start := time.Now()
	if err := Generate(context.Background(), Demo(), &s); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if len(s.users) != 3000 || len(s.events) < 30_000 || len(s.events) > 150_000 {
		t.Errorf("demo: %d users, %d events", len(s.users), len(s.events))
	}
	t.Logf("demo: %d users, %d events in %s", len(s.users), len(s.events), took)
}

// TestOddSpans: short, long and early spans generate without trouble and keep every event
// inside the span (behaviors that need more history simply show less).
func TestOddSpans(t *testing.T) {
	for _, cfg := range []Config{
		{Users: 700, Seed: 1, Days: 1},
		{Users: 700, Seed: 1, Days: 30},
		{Users: 700, Seed: 1, Days: 3650},
		{Users: 700, Seed: 1, Days: 400, End: time.Date(1975, 3, 1, 12, 0, 0, 0, time.UTC)},
		{Users: 700, Seed: 1, End: time.Date(2031, 7, 4, 9, 30, 15, 0, time.FixedZone("x", 3600))},
	} {
		start, end, err := cfg.Span()
		if err != nil {
			t.Fatal(err)
		}
		var s recordSink
		if err := Generate(context.Background(), cfg, &s); err != nil {
			t.Fatal(err)
		}
		if len(s.users) != cfg.Users {
			t.Errorf("days %d end %s: %d users", cfg.Days, end, len(s.users))
		}
		for _, e := range s.events {
			if e.Time.Before(start) || e.Time.After(end) {
				t.Fatalf("days %d end %s: event at %s outside [%s, %s]", cfg.Days, end, e.Time, start, end)
			}
		}
	}
}
