package query

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

const fixtures = "testdata/load"

func fixture(name string) string { return filepath.Join(fixtures, name) }

func memStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustLoad(t *testing.T, s *Store, req LoadRequest) *LoadReport {
	t.Helper()
	rep, err := s.Load(context.Background(), req)
	if err != nil {
		t.Fatalf("load %v: %v", req.Paths, err)
	}
	for _, fr := range append(append([]FileReport{}, rep.Files...), derefReport(rep.Users)...) {
		// Nothing is dropped silently: every row read is loaded, rejected or a duplicate
		// dropped on request.
		if fr.Rows != fr.Loaded+fr.Rejected+fr.DuplicatesDropped || fr.DuplicatesDropped > fr.Duplicates {
			t.Errorf("%s: rows %d != loaded %d + rejected %d + duplicates dropped %d (of %d)", fr.Path, fr.Rows, fr.Loaded, fr.Rejected,
				fr.DuplicatesDropped, fr.Duplicates)
		}
		var byReason int64
		for _, n := range fr.RejectedByReason {
			byReason += n
		}
		if byReason != fr.Rejected {
			t.Errorf("%s: rejected %d but by reason %v", fr.Path, fr.Rejected, fr.RejectedByReason)
		}
	}
	return rep
}

func derefReport(fr *FileReport) []FileReport {
	if fr == nil {
		return nil
	}
	return []FileReport{*fr}
}

// eventRow is one stored event, joined to its user id, as text for comparisons.
type eventRow struct {
	User, Event, TS, Account string
	Revenue                  string // "" when NULL
	Props                    string // "" when NULL
}

func storedEvents(t *testing.T, s *Store) []eventRow {
	t.Helper()
	rows, err := s.DB().Query(`SELECT u.user_id, e.event, strftime(e.ts, '%Y-%m-%dT%H:%M:%S.%f'), coalesce(e.account_id, ''),
		coalesce(CAST(e.revenue AS VARCHAR), ''), coalesce(CAST(e.properties AS VARCHAR), '')
		FROM events e JOIN users u USING (uid) ORDER BY e.ts, u.user_id, e.event`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []eventRow
	for rows.Next() {
		var r eventRow
		if err := rows.Scan(&r.User, &r.Event, &r.TS, &r.Account, &r.Revenue, &r.Props); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

type rejectRow struct {
	Line   int64
	Reason string
}

func storedRejects(t *testing.T, s *Store) []rejectRow {
	t.Helper()
	rows, err := s.DB().Query(`SELECT line, reason FROM rejected ORDER BY source, line`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []rejectRow
	for rows.Next() {
		var r rejectRow
		if err := rows.Scan(&r.Line, &r.Reason); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func gzipTo(t *testing.T, src, dst string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	if err := os.WriteFile(dst, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// parquetFrom writes a Parquet copy of a CSV fixture with DuckDB, so that no binary fixture
// is committed. Types come from DuckDB's sniffer: timestamp becomes TIMESTAMPTZ, revenue
// DOUBLE, properties VARCHAR.
func parquetFrom(t *testing.T, csvPath, dst string) string {
	t.Helper()
	s := memStore(t)
	_, err := s.DB().Exec(fmt.Sprintf("COPY (SELECT * FROM read_csv(%s)) TO %s (FORMAT parquet)", quoteLiteral(csvPath), quoteLiteral(dst)))
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestLoadFormats reads the same small canonical export in every container format.
func TestLoadFormats(t *testing.T) {
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.csv")
	os.WriteFile(clean, []byte("user_id,event,timestamp,account_id,revenue,properties\n"+
		"u1,signup,2025-03-01T09:00:00Z,acme,,\"{\"\"source\"\":\"\"ads\"\"}\"\n"+
		"u2,purchase,2025-03-01T10:15:00Z,globex,19.5,\"{\"\"sku\"\":\"\"B2\"\"}\"\n"+
		"u1,view,2025-03-02T13:00:00Z,acme,,\n"), 0o644)
	tests := []struct {
		name       string
		path       string
		format     Format
		gzip       bool
		loaded     int64
		rejected   int64
		wantEvents int
	}{
		{"csv", clean, FormatCSV, false, 3, 0, 3},
		{"csv.gz", gzipTo(t, clean, filepath.Join(dir, "clean.csv.gz")), FormatCSV, true, 3, 0, 3},
		{"gzip without .gz", gzipTo(t, clean, filepath.Join(dir, "clean-gz.csv")), FormatCSV, true, 3, 0, 3},
		{"tsv", fixture("canonical.tsv"), FormatTSV, false, 3, 1, 3},
		{"tsv.gz", gzipTo(t, fixture("canonical.tsv"), filepath.Join(dir, "c.tsv.gz")), FormatTSV, true, 3, 1, 3},
		{"parquet", parquetFrom(t, clean, filepath.Join(dir, "clean.parquet")), FormatParquet, false, 3, 0, 3},
		{"ndjson", fixture("canonical.ndjson"), FormatNDJSON, false, 3, 3, 3},
		{"ndjson.gz", gzipTo(t, fixture("canonical.ndjson"), filepath.Join(dir, "c.ndjson.gz")), FormatNDJSON, true, 3, 3, 3},
		{"json array", fixture("canonical.json"), FormatJSON, false, 3, 1, 3},
		{"json array.gz", gzipTo(t, fixture("canonical.json"), filepath.Join(dir, "c.json.gz")), FormatJSON, true, 3, 1, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := memStore(t)
			rep := mustLoad(t, s, LoadRequest{Paths: []string{tc.path}})
			fr := rep.Files[0]
			if fr.Format != tc.format || fr.Gzip != tc.gzip || fr.Flavour != FlavourCanonical {
				t.Errorf("detected %s gzip=%v flavour %s, want %s gzip=%v canonical", fr.Format, fr.Gzip, fr.Flavour, tc.format, tc.gzip)
			}
			if fr.Loaded != tc.loaded || fr.Rejected != tc.rejected {
				t.Errorf("loaded %d rejected %d (%v), want %d and %d", fr.Loaded, fr.Rejected, fr.RejectedByReason, tc.loaded, tc.rejected)
			}
			ev := storedEvents(t, s)
			if len(ev) != tc.wantEvents {
				t.Fatalf("%d events stored, want %d: %+v", len(ev), tc.wantEvents, ev)
			}
			// The first event is the same in every format.
			want := eventRow{User: "u1", Event: "signup", TS: "2025-03-01T09:00:00.000000", Props: `{"source":"ads"}`}
			got := ev[0]
			got.Account = ""
			if got != want {
				t.Errorf("first event %+v, want %+v", got, want)
			}
		})
	}
}

// TestLoadFlavours loads a small export of each vendor, written after their real column
// names, and checks the mapping of a few events.
func TestLoadFlavours(t *testing.T) {
	tests := []struct {
		file     string
		flavour  string
		loaded   int64
		rejected int64
		want     []eventRow // events that must be stored (compared on the fields set)
	}{
		{"segment.ndjson", FlavourSegment, 3, 0, []eventRow{
			{User: "anon-7f3a", Event: "Viewed Pricing", TS: "2025-03-01T09:00:00.870000"},
			{User: "user_1001", Event: "identify", TS: "2025-03-01T09:05:00.050000"},
			{User: "user_1001", Event: "Order Completed", TS: "2025-03-01T09:10:00.000000", Revenue: "25.0"},
		}},
		{"segment_tracks.csv", FlavourSegment, 2, 0, []eventRow{
			{User: "user_1001", Event: "order_completed", TS: "2025-03-01T09:10:00.000000"},
			{User: "anon-2", Event: "viewed_pricing", TS: "2025-03-01T10:00:00.000000"},
		}},
		{"amplitude.json", FlavourAmplitude, 2, 0, []eventRow{
			{User: "amp_user_1", Event: "Purchase", TS: "2025-03-01T09:00:00.123000", Revenue: "9.99"},
			{User: "D8F9E604-F01A-4BD9-95C6-8E5357DF265E", Event: "Open App", TS: "2025-03-01T09:30:00.000000"},
		}},
		{"mixpanel.ndjson", FlavourMixpanel, 3, 0, []eventRow{
			{User: "mp-42", Event: "Signed Up", TS: "2025-03-01T09:00:00.000000",
				Props: `{"$insert_id":"c8a4e3b1f2","$browser":"Chrome","$city":"Austin","mp_lib":"web","plan":"team"}`},
			{User: "mp-42", Event: "Purchase", TS: "2025-03-01T10:00:00.000000", Revenue: "120.0"},
			{User: "mp-43", Event: "Page View", TS: "2025-03-01T11:00:00.123000"},
		}},
		{"mixpanel_flat.csv", FlavourMixpanel, 2, 0, []eventRow{
			{User: "mp-42", Event: "Signed Up", TS: "2025-03-01T09:00:00.000000", Props: `{"$browser":"Chrome","plan":"team"}`},
			{User: "mp-43", Event: "Page View", TS: "2025-03-01T11:00:00.000000", Props: `{"$browser":"Firefox"}`},
		}},
		{"posthog.csv", FlavourPostHog, 2, 0, []eventRow{
			{User: "ph-user-1", Event: "$pageview", TS: "2025-03-01T09:00:00.000000"},
			{User: "ph-user-1", Event: "subscription_started", TS: "2025-03-01T09:15:00.000000", Revenue: "49.0"},
		}},
		{"ga4.csv", FlavourGA4, 2, 0, []eventRow{
			{User: "1234567890.1740819600", Event: "page_view", TS: "2025-03-01T09:00:00.000000"},
			{User: "crm-77", Event: "purchase", TS: "2025-03-01T09:15:00.123456", Revenue: "59.9"},
		}},
		{"online_retail.csv", FlavourTransaction, 4, 1, []eventRow{
			{User: "17850", Event: "purchase", TS: "2010-12-01T08:26:00.000000", Revenue: "15.299999999999999",
				// Quantity and UnitPrice, of which revenue is computed, stay properties.
				Props: `{"InvoiceNo":"536365","StockCode":"85123A","Description":"WHITE HANGING HEART T-LIGHT HOLDER","Quantity":6,"UnitPrice":2.55,"Country":"United Kingdom"}`},
			{User: "14527", Event: "refund", TS: "2010-12-01T09:41:00.000000", Revenue: "-27.5"},
			{User: "12583", Event: "purchase", TS: "2010-12-01T08:45:00.000000", Revenue: "90.0"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			s := memStore(t)
			rep := mustLoad(t, s, LoadRequest{Paths: []string{fixture(tc.file)}})
			fr := rep.Files[0]
			if fr.Flavour != tc.flavour || fr.Loaded != tc.loaded || fr.Rejected != tc.rejected {
				t.Errorf("flavour %s loaded %d rejected %d, want %s %d %d", fr.Flavour, fr.Loaded, fr.Rejected, tc.flavour, tc.loaded, tc.rejected)
			}
			stored := storedEvents(t, s)
			for _, w := range tc.want {
				if !containsEvent(stored, w) {
					t.Errorf("no stored event matches %+v; stored:\n%s", w, fmtEvents(stored))
				}
			}
		})
	}
}

// containsEvent matches on the fields want sets.
func containsEvent(stored []eventRow, want eventRow) bool {
	for _, e := range stored {
		if e.User == want.User && e.Event == want.Event && e.TS == want.TS &&
			(want.Revenue == "" || e.Revenue == want.Revenue) && (want.Props == "" || e.Props == want.Props) &&
			(want.Account == "" || e.Account == want.Account) {
			return true
		}
	}
	return false
}

func fmtEvents(ev []eventRow) string {
	var b strings.Builder
	for _, e := range ev {
		fmt.Fprintf(&b, "  %+v\n", e)
	}
	return b.String()
}

// TestLoadRejections checks every rejection class with its exact line, and that good rows
// around bad ones still load.
func TestLoadRejections(t *testing.T) {
	tests := []struct {
		file    string
		loaded  int64
		rejects []rejectRow
	}{
		{"canonical.csv", 5, []rejectRow{
			{5, ReasonNoUser}, {6, ReasonBadTimestamp}, {7, ReasonBadProperties}, {8, ReasonColumnCount},
			{9, ReasonBadRevenue}, {11, ReasonNoEvent}, {12, ReasonNoTimestamp},
		}},
		// Line 3 is blank: skipped, neither loaded nor rejected.
		{"canonical.ndjson", 3, []rejectRow{{4, ReasonBadJSON}, {5, ReasonNoUser}, {6, ReasonBadJSON}}},
		// JSON arrays number records, not lines.
		{"canonical.json", 3, []rejectRow{{3, ReasonBadTimestamp}}},
		{"online_retail.csv", 4, []rejectRow{{4, ReasonNoUser}}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			s := memStore(t)
			rep := mustLoad(t, s, LoadRequest{Paths: []string{fixture(tc.file)}})
			fr := rep.Files[0]
			if fr.Loaded != tc.loaded {
				t.Errorf("loaded %d, want %d", fr.Loaded, tc.loaded)
			}
			if got := storedRejects(t, s); !reflect.DeepEqual(got, tc.rejects) {
				t.Errorf("rejected rows\n got %v\nwant %v", got, tc.rejects)
			}
			// The report quotes the first rejects by line, with file and raw text.
			n := min(len(tc.rejects), maxExamples)
			if len(fr.Examples) != n {
				t.Fatalf("%d examples, want %d", len(fr.Examples), n)
			}
			for i, ex := range fr.Examples {
				if ex.Line != tc.rejects[i].Line || ex.Reason != tc.rejects[i].Reason || ex.Raw == "" || ex.File != fr.Path {
					t.Errorf("example %d = %+v, want line %d %s", i, ex, tc.rejects[i].Line, tc.rejects[i].Reason)
				}
			}
		})
	}
	t.Run("parquet row numbers", func(t *testing.T) {
		// All-text Parquet (as some exporters write it) goes through the same parsing; its
		// rejects are numbered by row. The CSV's line 8 has too many fields and is dropped
		// on the way, so rows 7… are lines 9….
		dir := t.TempDir()
		src := memStore(t)
		pq := filepath.Join(dir, "c.parquet")
		if _, err := src.DB().Exec(fmt.Sprintf(`COPY (SELECT * FROM read_csv(%s, all_varchar = true, ignore_errors = true))
			TO %s (FORMAT parquet)`, quoteLiteral(fixture("canonical.csv")), quoteLiteral(pq))); err != nil {
			t.Fatal(err)
		}
		s := memStore(t)
		rep := mustLoad(t, s, LoadRequest{Paths: []string{pq}})
		want := []rejectRow{{4, ReasonNoUser}, {5, ReasonBadTimestamp}, {6, ReasonBadProperties},
			{7, ReasonBadRevenue}, {9, ReasonNoEvent}, {10, ReasonNoTimestamp}}
		if got := storedRejects(t, s); !reflect.DeepEqual(got, want) || rep.Files[0].Loaded != 5 {
			t.Errorf("loaded %d, rejects %v, want 5 and %v", rep.Files[0].Loaded, got, want)
		}
		var raw string
		s.DB().QueryRow(`SELECT raw FROM rejected WHERE line = 4`).Scan(&raw)
		if !strings.Contains(raw, `"user_id":null`) || !strings.Contains(raw, `"event":"view"`) {
			t.Errorf("parquet raw %q", raw)
		}
	})
	t.Run("raw text", func(t *testing.T) {
		s := memStore(t)
		mustLoad(t, s, LoadRequest{Paths: []string{fixture("canonical.csv")}})
		var raw string
		if err := s.DB().QueryRow(`SELECT raw FROM rejected WHERE line = 7`).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		// Rebuilt from the fields, quoted as the file quotes them.
		if want := `u2,view,1740916800,globex,,{broken,free`; raw != want {
			t.Errorf("raw %q, want %q", raw, want)
		}
		if err := s.DB().QueryRow(`SELECT raw FROM rejected WHERE line = 8`).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if want := `u3,view,2025-03-03T00:00:00Z,initech,1,2,3,4`; raw != want {
			t.Errorf("raw %q, want %q", raw, want)
		}
	})
}

// TestLoadLinesAfterQuotedNewline: a quoted line break inside a field does not shift the
// lines of later rejected rows (DuckDB counts records; the scan places them on their lines).
func TestLoadLinesAfterQuotedNewline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ml.csv")
	os.WriteFile(path, []byte("user_id,event,timestamp,note\nu1,view,2025-03-01T00:00:00Z,\"two\nlines\"\n,view,2025-03-01T00:00:00Z,x\n"), 0o644)
	s := memStore(t)
	mustLoad(t, s, LoadRequest{Paths: []string{path}})
	got := storedRejects(t, s)
	want := []rejectRow{{4, ReasonNoUser}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rejects %v, want %v", got, want)
	}
}

// readTime reads one text value the way the loader reads a timestamp column with tr, and
// returns the time and the class automatic reading gave it.
func readTime(t *testing.T, s *Store, tr timeReading, in string) (ts, class string) {
	t.Helper()
	c := tr.columns("x", "", "")
	q := fmt.Sprintf(`SELECT CAST(__t AS VARCHAR), __tclass FROM (SELECT *, %s AS __tclass, %s AS __t FROM
		(SELECT *, %s AS __tnum FROM (SELECT *, %s AS __traw, %s AS __tiso FROM (SELECT NULLIF(?, '') AS x))))`,
		c.class, c.ts, c.num, c.raw, c.iso)
	var got, cl sql.NullString
	if err := s.DB().QueryRow(q, in).Scan(&got, &cl); err != nil {
		t.Fatalf("%q: %v", in, err)
	}
	return got.String, cl.String
}

func TestParseTimestamps(t *testing.T) {
	s := memStore(t)
	auto, _ := ParseTimeFormat("")
	tests := []struct{ in, want, class string }{
		{"2025-03-01T09:00:00Z", "2025-03-01 09:00:00", ""},
		{"2025-03-01T09:00:00+02:00", "2025-03-01 07:00:00", ""},
		{"2025-03-01T09:00:00-0500", "2025-03-01 14:00:00", ""},
		{"2025-03-01T09:00:00", "2025-03-01 09:00:00", ""}, // no offset = UTC
		{"2025-03-01 09:00:00", "2025-03-01 09:00:00", ""},
		{"2025-03-01 09:00:00.250 UTC", "2025-03-01 09:00:00.25", ""},
		{"2025-03-01", "2025-03-01 00:00:00", ""},
		{"1740819600", "2025-03-01 09:00:00", timeEpochS},
		{"1740819600.5", "2025-03-01 09:00:00.5", timeEpochS},              // fractional seconds
		{"1740819600123", "2025-03-01 09:00:00.123", timeEpochMS},          // milliseconds
		{"1740819600123456", "2025-03-01 09:00:00.123456", timeEpochUS},    // microseconds (GA4)
		{"1740819600123456789", "2025-03-01 09:00:00.123457", timeEpochNS}, // nanoseconds, through a double
		{"19970101", "1997-01-01 00:00:00", timeCompactDate},               // CDNOW: a date, not August 1970
		{"19970101083000", "1997-01-01 08:30:00", timeCompactDateTime},     // compact date and time
		{"12/1/2010 8:26", "2010-12-01 08:26:00", timeSlashEither},         // Online Retail
		{"12/13/2010 8:26", "2010-12-13 08:26:00", timeMonthFirst},         // only month/day reads it
		{"13/12/2010 08:26:30", "2010-12-13 08:26:30", timeDayFirst},       // only day/month reads it
		{"0", "", timeNumber},           // 1970: no plausible epoch time
		{"19971301", "", timeNumber},    // no date, and 1970 as seconds
		{"99999999999", "", timeNumber}, // year 5138 in seconds, 1973 in ms
		{"yesterday", "", ""},
		{"", "", ""},
		{"1e300", "", timeNumber},
		{"10000-01-01", "10000-01-01 00:00:00", ""}, // read, then rejected by the time range
	}
	for _, tc := range tests {
		got, class := readTime(t, s, auto, tc.in)
		if got != tc.want || class != tc.class {
			t.Errorf("%q → %q (%s), want %q (%s)", tc.in, got, class, tc.want, tc.class)
		}
	}
	// An explicit format reads what it says and nothing else.
	for _, tc := range []struct{ format, in, want string }{
		{"epoch_ms", "1740819600123", "2025-03-01 09:00:00.123"},
		{"epoch_s", "0", "1970-01-01 00:00:00"},
		{"epoch_s", "1e300", ""},
		{"epoch_us", "2025-03-01", ""},
		{"%Y%m%d", "19970101", "1997-01-01 00:00:00"},
		{"%Y%m%d", "2025-03-01", ""},
		{"%d/%m/%Y %H:%M", "1/12/2010 8:26", "2010-12-01 08:26:00"},
		{"%Y-%m-%d %H:%M:%S %z", "2025-03-01 09:00:00 +0200", "2025-03-01 07:00:00"},
	} {
		tr, err := ParseTimeFormat(tc.format)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := readTime(t, s, tr, tc.in); got != tc.want {
			t.Errorf("--time-format %s: %q → %q, want %q", tc.format, tc.in, got, tc.want)
		}
	}
	if _, err := ParseTimeFormat("YYYYMMDD"); err == nil {
		t.Error("a format without % directives is accepted")
	}
}

// TestDecideTimeReading: the classes of a whole column decide, and anything that could be
// misread is refused with the column, an example and the flag that settles it.
func TestDecideTimeReading(t *testing.T) {
	c := func(class string, n int64, ex string) timeClass { return timeClass{class, n, ex} }
	tests := []struct {
		name       string
		classes    []timeClass
		monthFirst bool
		dayFirst   bool
		read       string
		err        string // in the message; "" = no error
	}{
		{"iso only", []timeClass{c("iso", 10, "")}, false, false, "", ""},
		{"compact dates", []timeClass{c(timeCompactDate, 10, "19970101")}, false, false, timeCompactDate, ""},
		{"epoch ms", []timeClass{c(timeEpochMS, 10, "1740819600123")}, false, false, timeEpochMS, ""},
		{"one implausible number", []timeClass{c(timeEpochS, 1000, "1740819600"), c(timeNumber, 1, "0")}, false, false, "",
			`column "ts": the number "0" is no time in 1990–2100`},
		// Each value has one plausible unit: a column may change unit (Mixpanel did).
		{"mixed units", []timeClass{c(timeEpochS, 900, "1740819600"), c(timeEpochMS, 100, "1740819600123")}, false, false, "epoch_s, epoch_ms", ""},
		{"month first", []timeClass{c(timeMonthFirst, 3, "12/13/2010 8:26"), c(timeSlashEither, 3, "12/1/2010 8:26")}, false, false, timeMonthFirst, ""},
		{"day first", []timeClass{c(timeDayFirst, 3, "13/12/2010"), c(timeSlashEither, 3, "1/12/2010")}, false, true, timeDayFirst, ""},
		{"both orders", []timeClass{c(timeDayFirst, 3, "13/12/2010"), c(timeMonthFirst, 3, "12/13/2010")}, false, false, "",
			`"13/12/2010" is day/month`},
		{"only ambiguous", []timeClass{c(timeSlashEither, 3, "12/1/2010 8:26")}, false, false, "",
			`--time-format "%m/%d/%Y %H:%M" or "%d/%m/%Y %H:%M"`},
		{"only ambiguous, pinned month first", []timeClass{c(timeSlashEither, 3, "12/1/2010 8:26")}, true, false, timeMonthFirst, ""},
	}
	for _, tc := range tests {
		dayFirst, read, err := decideTimeReading("ts", tc.classes, tc.monthFirst)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrAmbiguousTime)):
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.err)
		case tc.err == "" && (dayFirst != tc.dayFirst || read != tc.read):
			t.Errorf("%s: day first %v, read %q; want %v, %q", tc.name, dayFirst, read, tc.dayFirst, tc.read)
		}
	}
}

// TestLoadAppendReplaceRefuse: another file appends with stable uids; the same file again is
// refused and changes nothing; with Replace it reloads in place.
func TestLoadAppendReplaceRefuse(t *testing.T) {
	ctx := context.Background()
	s := memStore(t)
	mustLoad(t, s, LoadRequest{Paths: []string{fixture("canonical.csv")}})
	before := uidsOf(t, s)
	if want := hashNumbered(t, s, 0, "u1", "u2", "u4"); !reflect.DeepEqual(before, want) {
		t.Fatalf("uids %v, want %v (hash order)", before, want)
	}
	mustLoad(t, s, LoadRequest{Paths: []string{fixture("online_retail.csv")}})
	after := uidsOf(t, s)
	for u, id := range before {
		if after[u] != id {
			t.Errorf("uid of %s moved from %d to %d", u, id, after[u])
		}
	}
	want := hashNumbered(t, s, 0, "u1", "u2", "u4")
	maps.Copy(want, hashNumbered(t, s, 3, "17850", "14527", "12583"))
	if !reflect.DeepEqual(after, want) {
		t.Errorf("uids after append %v, want %v (each file's new people in hash order after the others)", after, want)
	}
	counts := func() (events, rejected, version int64) {
		s.DB().QueryRow(`SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM rejected)`).Scan(&events, &rejected)
		version, _ = s.DataVersion(ctx)
		return
	}
	e0, r0, v0 := counts()
	if e0 != 9 || r0 != 8 || v0 != 2 {
		t.Fatalf("after two loads: %d events, %d rejected, version %d", e0, r0, v0)
	}

	_, err := s.Load(ctx, LoadRequest{Paths: []string{fixture("canonical.csv")}})
	if !errors.Is(err, ErrAlreadyLoaded) {
		t.Fatalf("reload without Replace: %v, want ErrAlreadyLoaded", err)
	}
	if e, r, v := counts(); e != e0 || r != r0 || v != v0 {
		t.Errorf("refused load changed the store: %d/%d/%d", e, r, v)
	}

	rep := mustLoad(t, s, LoadRequest{Paths: []string{fixture("canonical.csv")}, Replace: true})
	if !rep.Files[0].Replaced {
		t.Error("report does not say replaced")
	}
	if e, r, v := counts(); e != e0 || r != r0 || v != v0+1 {
		t.Errorf("after replace: %d events, %d rejected, version %d; want %d, %d, %d", e, r, v, e0, r0, v0+1)
	}
	if got := uidsOf(t, s); !reflect.DeepEqual(got, after) {
		t.Errorf("uids changed by replace: %v", got)
	}
	var sources int
	s.DB().QueryRow(`SELECT count(*) FROM sources`).Scan(&sources)
	if sources != 2 {
		t.Errorf("%d sources, want 2", sources)
	}
}

// hashNumbered is how a load numbers a batch of new ids from base: in order of DuckDB's
// hash of the external id, ties broken by the id (hashOrder).
func hashNumbered(t *testing.T, s *Store, base int, ids ...string) map[string]int {
	t.Helper()
	rows, err := s.DB().Query(`SELECT id FROM (SELECT unnest(CAST(? AS VARCHAR[])) AS id) ORDER BY `+hashOrder("id"), ids)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out[id] = base + len(out)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func uidsOf(t *testing.T, s *Store) map[string]int {
	t.Helper()
	rows, err := s.DB().Query(`SELECT user_id, uid FROM users`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var u string
		var id int
		rows.Scan(&u, &id)
		out[u] = id
	}
	return out
}

func TestLoadUsersFile(t *testing.T) {
	s := memStore(t)
	rep := mustLoad(t, s, LoadRequest{Paths: []string{fixture("canonical.csv")}, Users: fixture("users.csv")})
	ur := rep.Users
	if ur == nil || ur.Loaded != 3 || ur.Rejected != 2 {
		t.Fatalf("users report %+v, want 3 loaded, 2 rejected", ur)
	}
	if rep.NewUsers != 4 || rep.NewAccounts != 3 {
		t.Errorf("new users %d accounts %d, want 4 and 3", rep.NewUsers, rep.NewAccounts)
	}
	// u9 has no events but is a person: the next uid.
	want := hashNumbered(t, s, 0, "u1", "u2", "u4")
	want["u9"] = 3
	if !reflect.DeepEqual(uidsOf(t, s), want) {
		t.Errorf("uids %v, want %v", uidsOf(t, s), want)
	}
	rows, err := s.DB().Query(`SELECT user_id, coalesce(account_id, ''), coalesce(plan, ''), coalesce(seats, -1), coalesce(CAST(signup_date AS VARCHAR), '')
		FROM users ORDER BY user_id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var u, acct, plan, day string
		var seats int
		rows.Scan(&u, &acct, &plan, &seats, &day)
		got = append(got, fmt.Sprintf("%s %s %s %d %s", u, acct, plan, seats, day))
	}
	rows.Close()
	wantRows := []string{
		"u1 acme pro 5 2025-01-10",
		"u2 globex pro 2 2025-02-15", // the later row wins; no account in the file keeps globex
		"u4   -1 ",
		"u9 initech team 12 2025-02-20",
	}
	if !reflect.DeepEqual(got, wantRows) {
		t.Errorf("users\n got %q\nwant %q", got, wantRows)
	}
	var seatsType string
	s.DB().QueryRow(`SELECT data_type FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'seats'`).Scan(&seatsType)
	if seatsType != "BIGINT" {
		t.Errorf("seats typed %s, want BIGINT (DuckDB's sniffer)", seatsType)
	}
	rj, err := s.DB().Query(`SELECT line, reason FROM rejected WHERE source LIKE '%users.csv' ORDER BY line`)
	if err != nil {
		t.Fatal(err)
	}
	var rr []rejectRow
	for rj.Next() {
		var r rejectRow
		rj.Scan(&r.Line, &r.Reason)
		rr = append(rr, r)
	}
	rj.Close()
	if want := []rejectRow{{3, ReasonDuplicateUser}, {5, ReasonNoUser}}; !reflect.DeepEqual(rr, want) {
		t.Errorf("users rejects %v, want %v", rr, want)
	}
}

func TestLoadUsersFileFormats(t *testing.T) {
	dir := t.TempDir()
	nd := filepath.Join(dir, "users.ndjson")
	os.WriteFile(nd, []byte(`{"user_id":"u1","plan":"pro","seats":5,"beta":true}`+"\n"+`{"user_id":"u7","plan":"free","seats":1,"beta":false}`+"\n"+`{"plan":"x"}`+"\n"), 0o644)
	pq := parquetFrom(t, fixture("users.csv"), filepath.Join(dir, "users.parquet"))
	for _, tc := range []struct {
		path             string
		loaded, rejected int64
	}{{nd, 2, 1}, {pq, 3, 2}} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			s := memStore(t)
			rep := mustLoad(t, s, LoadRequest{Paths: []string{fixture("canonical.tsv")}, Users: tc.path})
			if rep.Users.Loaded != tc.loaded || rep.Users.Rejected != tc.rejected {
				t.Errorf("users loaded %d rejected %d (%v)", rep.Users.Loaded, rep.Users.Rejected, rep.Users.RejectedByReason)
			}
			var plan string
			s.DB().QueryRow(`SELECT plan FROM users WHERE user_id = 'u1'`).Scan(&plan)
			if plan != "pro" {
				t.Errorf("u1 plan %q", plan)
			}
		})
	}
}

func TestLoadMap(t *testing.T) {
	s := memStore(t)
	_, err := s.Load(context.Background(), LoadRequest{Paths: []string{fixture("custom.csv")}})
	if !errors.Is(err, ErrNoColumns) || !strings.Contains(err.Error(), `"member", "what", "when_utc", "amount"`) ||
		!strings.Contains(err.Error(), "--map user_id=COLUMN") {
		t.Fatalf("unmapped custom file: %v", err)
	}
	rep := mustLoad(t, s, LoadRequest{Paths: []string{fixture("custom.csv")},
		Map: map[string]string{"user_id": "member", "event": "what", "timestamp": "when_utc", "revenue": "amount"}})
	if fr := rep.Files[0]; fr.Flavour != FlavourMapped || fr.Loaded != 2 {
		t.Errorf("flavour %s loaded %d", fr.Flavour, fr.Loaded)
	}
	if !containsEvent(storedEvents(t, s), eventRow{User: "m2", Event: "order", TS: "2025-03-01T09:00:00.000000", Revenue: "12.5"}) {
		t.Errorf("mapped event missing:\n%s", fmtEvents(storedEvents(t, s)))
	}
	// --map wins over detection: PostHog's uuid as the user.
	s2 := memStore(t)
	rep = mustLoad(t, s2, LoadRequest{Paths: []string{fixture("posthog.csv")}, Map: map[string]string{"user_id": "uuid"}})
	if fr := rep.Files[0]; fr.Flavour != FlavourPostHog || !reflect.DeepEqual(fr.Mapped, []string{"user_id"}) {
		t.Errorf("flavour %s mapped %v", fr.Flavour, fr.Mapped)
	}
	if got := len(uidsOf(t, s2)); got != 2 {
		t.Errorf("%d users, want 2 (one per uuid)", got)
	}
}

// TestLoadErrors: each failure is one line naming the file, and leaves the store as it was.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	good := fixture("canonical.tsv")
	tests := []struct {
		name string
		req  LoadRequest
		is   error
		msg  string
	}{
		{"no such file", LoadRequest{Paths: []string{good, filepath.Join(dir, "nope.csv")}}, nil, "nope.csv: no such file or folder"},
		{"glob matches nothing", LoadRequest{Paths: []string{filepath.Join(dir, "*.csv")}}, nil, "no files match"},
		{"empty file", LoadRequest{Paths: []string{good, fixture("empty.csv")}}, ErrEmptyFile, "empty.csv: file is empty"},
		{"unknown format", LoadRequest{Paths: []string{fixture("workbook.csv")}}, ErrUnknownFormat, "Excel"},
		{"no columns", LoadRequest{Paths: []string{good, fixture("custom.csv")}}, ErrNoColumns, "custom.csv: no recognisable columns"},
		{"bad map field", LoadRequest{Paths: []string{good}, Map: map[string]string{"who": "member"}}, nil, "unknown field"},
		{"map to missing column", LoadRequest{Paths: []string{good}, Map: map[string]string{"user_id": "nope"}}, nil, "--map user_id=nope: no such column"},
		{"users file without ids", LoadRequest{Paths: []string{good}, Users: fixture("custom.csv")}, ErrNoColumns, "no user id column"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := memStore(t)
			_, err := s.Load(context.Background(), tc.req)
			if err == nil {
				t.Fatal("load succeeded")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.msg) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line containing %q", err, tc.msg)
			}
			assertEmptyStore(t, s)
		})
	}
}

func assertEmptyStore(t *testing.T, s *Store) {
	t.Helper()
	var n int64
	s.DB().QueryRow(`SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM users) + (SELECT count(*) FROM rejected)
		+ (SELECT count(*) FROM sources) + (SELECT count(*) FROM accounts)`).Scan(&n)
	v, _ := s.DataVersion(context.Background())
	if n != 0 || v != 0 {
		t.Errorf("store changed: %d rows, data version %d", n, v)
	}
	// No temporary table outlives a load.
	var temps int
	s.DB().QueryRow(`SELECT count(*) FROM duckdb_tables() WHERE temporary`).Scan(&temps)
	if temps != 0 {
		t.Errorf("%d temporary tables left", temps)
	}
}

func TestLoadCancelled(t *testing.T) {
	s := memStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Load(ctx, LoadRequest{Paths: []string{fixture("canonical.csv")}}); err == nil {
		t.Fatal("cancelled load succeeded")
	}
	assertEmptyStore(t, s)
}

func TestLoadFoldersAndGlobs(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"canonical.tsv", "posthog.csv"} {
		data, _ := os.ReadFile(fixture(f))
		os.WriteFile(filepath.Join(dir, f), data, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("not data"), 0o644)
	for _, paths := range [][]string{{dir}, {filepath.Join(dir, "*")}} {
		s := memStore(t)
		rep := mustLoad(t, s, LoadRequest{Paths: paths})
		var got []string
		for _, fr := range rep.Files {
			got = append(got, filepath.Base(fr.Path)+" "+fr.Flavour)
		}
		sort.Strings(got)
		if want := []string{"canonical.tsv canonical", "posthog.csv posthog"}; !reflect.DeepEqual(got, want) {
			t.Errorf("%v loaded %v, want %v", paths, got, want)
		}
		if rep.Events < 5 {
			t.Errorf("%v: %d events", paths, rep.Events)
		}
	}
}

func TestLoadProgress(t *testing.T) {
	s := memStore(t)
	var phases []Phase
	var last ProgressEvent
	mustLoad(t, s, LoadRequest{Paths: []string{fixture("canonical.tsv"), fixture("posthog.csv")}, Progress: func(e ProgressEvent) {
		phases = append(phases, e.Phase)
		last = e
	}})
	want := []Phase{PhaseReading, PhaseUsers, PhaseReading, PhaseUsers,
		PhaseWriting, PhaseRejecting, PhaseDone, PhaseWriting, PhaseRejecting, PhaseDone, PhaseCommit}
	if !reflect.DeepEqual(phases, want) {
		t.Errorf("phases %v, want %v", phases, want)
	}
	if last.Fraction != 1 || last.BytesTotal == 0 || last.Files != 2 {
		t.Errorf("last event %+v", last)
	}
}

func TestLoadAccounts(t *testing.T) {
	s := memStore(t)
	mustLoad(t, s, LoadRequest{Paths: []string{fixture("canonical.csv")}})
	rows, _ := s.DB().Query(`SELECT aid, account_id FROM accounts ORDER BY aid`)
	got := map[string]int{}
	for rows.Next() {
		var aid int
		var a string
		rows.Scan(&aid, &a)
		got[a] = aid
	}
	rows.Close()
	if want := hashNumbered(t, s, 0, "acme", "globex"); !reflect.DeepEqual(got, want) {
		t.Errorf("accounts %v, want %v (hash order)", got, want)
	}
	// The user's latest event's account, later loads moving it.
	path := filepath.Join(t.TempDir(), "move.csv")
	os.WriteFile(path, []byte("user_id,event,timestamp,account_id\nu1,view,2025-04-01T00:00:00Z,initech\nu1,view,2025-03-30T00:00:00Z,acme\n"), 0o644)
	mustLoad(t, s, LoadRequest{Paths: []string{path}})
	var acct string
	s.DB().QueryRow(`SELECT account_id FROM users WHERE user_id = 'u1'`).Scan(&acct)
	if acct != "initech" {
		t.Errorf("u1's account %q, want initech (its latest event)", acct)
	}
}

func TestLoadReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.duckdb")
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro, err := Open(context.Background(), path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Load(context.Background(), LoadRequest{Paths: []string{fixture("canonical.tsv")}}); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("load into read-only store: %v", err)
	}
}

// TestLoadParquetMatchesCSV: Parquet is read twice rather than staged (see
// prepareEventsFile); the same rows as CSV must give the same uids, accounts, events in the
// the same rejected lines, over several row groups and across an append.
func TestLoadParquetMatchesCSV(t *testing.T) {
	dir := t.TempDir()
	gen := memStore(t)
	for i, part := range []string{"a", "b"} {
		csvPath := filepath.Join(dir, part+".csv")
		// Some people's first rows are bad (no timestamp), so uids follow first good rows;
		// properties include a non-object value and one with leading space.
		q := fmt.Sprintf(`COPY (SELECT 'u' || (hash(i) %% 700)::VARCHAR AS user_id,
			['view','click','purchase'][(i %% 3)::INT + 1] AS event,
			CASE WHEN i %% 97 = 5 THEN NULL ELSE strftime(TIMESTAMP '2025-01-01' + to_seconds(i * 60), '%%Y-%%m-%%dT%%H:%%M:%%SZ') END AS timestamp,
			'acct' || (hash(i) %% 700 // 7)::VARCHAR AS account_id,
			CASE WHEN i %% 10 = 3 THEN (i %% 50)::VARCHAR END AS revenue,
			CASE i %% 5 WHEN 0 THEN '[1,2]' WHEN 1 THEN ' {"p":' || i::VARCHAR || '}' WHEN 2 THEN NULL ELSE '{"page":"/p/' || (i %% 9)::VARCHAR || '"}' END AS properties
			FROM range(%d, %d) t(i)) TO %s (HEADER)`, i*3000, i*3000+3000, quoteLiteral(csvPath))
		if _, err := gen.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
		if _, err := gen.DB().Exec(fmt.Sprintf(`COPY (SELECT * FROM read_csv(%s, all_varchar = true)) TO %s (FORMAT parquet, ROW_GROUP_SIZE 512)`,
			quoteLiteral(csvPath), quoteLiteral(filepath.Join(dir, part+".parquet")))); err != nil {
			t.Fatal(err)
		}
	}
	dump := func(ext string) (out []string) {
		s := memStore(t)
		for _, part := range []string{"a", "b"} {
			rep := mustLoad(t, s, LoadRequest{Paths: []string{filepath.Join(dir, part+"."+ext)}})
			if fr := rep.Files[0]; fr.Loaded == 0 || fr.Rejected == 0 {
				t.Fatalf("%s %s: loaded %d, rejected %d", ext, part, fr.Loaded, fr.Rejected)
			}
		}
		for _, q := range []string{
			`SELECT uid || ' ' || user_id || ' ' || coalesce(account_id, '-') FROM users ORDER BY uid`,
			`SELECT aid || ' ' || account_id FROM accounts ORDER BY aid`,
			// Not by rowid: an INSERT … JOIN may write blocks of rows out of file order (the
			// staged path does too).
			`SELECT concat_ws(' ', uid, event, ts, account_id, revenue, properties) AS r FROM events ORDER BY r`,
			// CSV lines count the header; Parquet rows do not.
			fmt.Sprintf(`SELECT (line - %d) || ' ' || reason FROM rejected ORDER BY source, line`, map[string]int{"csv": 1}[ext]),
		} {
			rows, err := s.DB().Query(q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var v string
				rows.Scan(&v)
				out = append(out, v)
			}
			rows.Close()
		}
		return out
	}
	csv, pq := dump("csv"), dump("parquet")
	if len(csv) < 6000 || !reflect.DeepEqual(csv, pq) {
		for i := range min(len(csv), len(pq)) {
			if csv[i] != pq[i] {
				t.Fatalf("row %d: csv %q, parquet %q (of %d and %d)", i, csv[i], pq[i], len(csv), len(pq))
			}
		}
		t.Fatalf("csv gives %d rows, parquet %d", len(csv), len(pq))
	}
	if all := strings.Join(csv, "\n"); !strings.Contains(all, `{"properties":[1,2]}`) || !strings.Contains(all, ` {"p":1}`) {
		t.Errorf("properties not kept as expected: %q …", csv[:3])
	}
}

// TestLoadParquetFileRowNumberColumn: a Parquet column named file_row_number (the reader's
// own row number otherwise) is an ordinary property, and the file loads through a stage.
func TestLoadParquetFileRowNumberColumn(t *testing.T) {
	dir := t.TempDir()
	pq := filepath.Join(dir, "f.parquet")
	gen := memStore(t)
	if _, err := gen.DB().Exec(fmt.Sprintf(`COPY (SELECT * FROM (VALUES ('u1', 'view', TIMESTAMPTZ '2025-03-01 09:00:00Z', 70),
		('u2', 'view', TIMESTAMPTZ '2025-03-01 10:00:00Z', 71), (NULL, 'view', TIMESTAMPTZ '2025-03-01 11:00:00Z', 72))
		t(user_id, event, timestamp, file_row_number)) TO %s (FORMAT parquet)`, quoteLiteral(pq))); err != nil {
		t.Fatal(err)
	}
	s := memStore(t)
	rep := mustLoad(t, s, LoadRequest{Paths: []string{pq}})
	if fr := rep.Files[0]; fr.Loaded != 2 || fr.Rejected != 1 || len(fr.Examples) != 1 || fr.Examples[0].Line != 3 {
		t.Fatalf("loaded %d rejected %d examples %+v", fr.Loaded, fr.Rejected, fr.Examples)
	}
	if ev := storedEvents(t, s); len(ev) != 2 || ev[1].Props != `{"file_row_number":71}` {
		t.Errorf("events %+v", ev)
	}
}

// TestLoadRealExportTimes: real exports write times that a careless reader misreads. Each
// case loads with one call and the right times, or is refused with the column, an example
// and the --time-format that settles it; the store is then unchanged.
func TestLoadRealExportTimes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cdnow := write("cdnow.csv", "CustomerID,Date,Quantity,Amount\n00001,19970101,1,11.77\n00002,19970112,1,12.00\n00002,19970112,5,77.00\n00003,19970102,2,20.76\n00003,19980628,1,16.99\n")
	epochs := write("epochs.csv", "user_id,event,timestamp\nu1,view,1740819600\nu2,view,1740819700\nu3,view,0\n")
	uk := write("uk.csv", "customer_id,order_date,amount\nc1,13/12/2010 08:00,10\nc2,1/12/2010 09:30,5\n")
	early := write("early.csv", "customer_id,order_date,amount\nc1,1/12/2010 08:00,10\nc2,2/12/2010 09:30,5\n")
	both := write("both.csv", "customer_id,order_date,amount\nc1,13/12/2010 08:00,10\nc2,12/13/2010 09:30,5\n")
	years := write("years.csv", "user_id,event,timestamp\nu1,view,2025-03-01T09:00:00Z\nu2,view,10000-01-01T00:00:00Z\nu3,view,0001-01-01T00:00:00Z\nu4,view,1899-12-31T23:59:59Z\n")

	tests := []struct {
		name       string
		path       string
		timeFormat string
		err        string // the refusal says this; "" loads
		loaded     int64
		first      string
		last       string
		timestamps string
		rejects    map[string]int64
	}{
		{name: "YYYYMMDD dates are dates", path: cdnow, loaded: 5, first: "1997-01-01 00:00:00", last: "1998-06-28 00:00:00", timestamps: "YYYYMMDD"},
		{name: "an implausible epoch number refuses the load", path: epochs,
			err: `timestamps could be misread: column "timestamp": the number "0" is no time in 1990–2100 as epoch seconds, milliseconds or microseconds, nor a YYYYMMDD date; say how to read it with --time-format epoch_s`},
		{name: "--time-format settles it", path: epochs, timeFormat: "epoch_s", loaded: 3, first: "1970-01-01 00:00:00", last: "2025-03-01 09:01:40", timestamps: "epoch_s"},
		{name: "a day above 12 makes the column day first", path: uk, loaded: 2, first: "2010-12-01 09:30:00", last: "2010-12-13 08:00:00", timestamps: "D/M/Y"},
		{name: "early-month days alone are refused", path: early,
			err: `column "order_date": dates such as "1/12/2010 08:00" could be month/day or day/month (no part is above 12); say how to read it with --time-format "%m/%d/%Y %H:%M" or "%d/%m/%Y %H:%M"`},
		{name: "and settled by --time-format", path: early, timeFormat: "%d/%m/%Y %H:%M", loaded: 2, first: "2010-12-01 08:00:00", last: "2010-12-02 09:30:00"},
		{name: "both orders in one column are refused", path: both, err: `"12/13/2010 09:30" is month/day but "13/12/2010 08:00" is day/month`},
		{name: "years outside 1900–2200 are rejected rows", path: years, loaded: 1, first: "2025-03-01 09:00:00", last: "2025-03-01 09:00:00",
			rejects: map[string]int64{ReasonTimeRange: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := memStore(t)
			req := LoadRequest{Paths: []string{tc.path}, TimeFormat: tc.timeFormat}
			if tc.err != "" {
				_, err := s.Load(context.Background(), req)
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrAmbiguousTime) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("load: %v\nwant an error saying %s", err, tc.err)
				}
				assertEmptyStore(t, s)
				return
			}
			rep := mustLoad(t, s, req)
			fr := rep.Files[0]
			if fr.Loaded != tc.loaded {
				t.Errorf("loaded %d, want %d (rejected %v)", fr.Loaded, tc.loaded, fr.RejectedByReason)
			}
			if tc.rejects != nil && !reflect.DeepEqual(fr.RejectedByReason, tc.rejects) {
				t.Errorf("rejected %v, want %v", fr.RejectedByReason, tc.rejects)
			}
			if tc.timestamps != "" && fr.Timestamps != tc.timestamps {
				t.Errorf("timestamps read as %q, want %q", fr.Timestamps, tc.timestamps)
			}
			var first, last string
			s.DB().QueryRow(`SELECT CAST(min(ts) AS VARCHAR), CAST(max(ts) AS VARCHAR) FROM events`).Scan(&first, &last)
			if first != tc.first || last != tc.last {
				t.Errorf("events %s … %s, want %s … %s", first, last, tc.first, tc.last)
			}
			if fr.First.Format(time.DateTime) != tc.first || fr.Last.Format(time.DateTime) != tc.last {
				t.Errorf("report says %v … %v, want %s … %s", fr.First, fr.Last, tc.first, tc.last)
			}
			if _, err := s.Info(context.Background()); err != nil {
				t.Errorf("info: %v", err)
			}
		})
	}
}

// TestLoadMissingValues: the words tools write for a missing value are missing in every
// column: an R write.csv export with NA loads NA as nobody, not as one customer holding
// every anonymous row.
func TestLoadMissingValues(t *testing.T) {
	dir := t.TempDir()
	// R's write.csv: a quoted header with an empty first name (the row names), quoted
	// strings, NA unquoted.
	rcsv := filepath.Join(dir, "r.csv")
	os.WriteFile(rcsv, []byte(`"","user_id","event","timestamp","revenue","plan"
"1","u1","purchase","2025-03-01T09:00:00Z",9.99,"pro"
"2",NA,"purchase","2025-03-01T10:00:00Z",5,"free"
"3","u2","view","2025-03-01T11:00:00Z",NA,NA
"4",NULL,"view","2025-03-01T12:00:00Z",,None
"5","\N","view","2025-03-01T13:00:00Z",nan,"N/A"
"6","u3","view","2025-03-01T14:00:00Z",NaN,null
`), 0o644)
	s := memStore(t)
	rep := mustLoad(t, s, LoadRequest{Paths: []string{rcsv}})
	fr := rep.Files[0]
	if fr.Loaded != 3 || fr.RejectedByReason[ReasonNoUser] != 3 {
		t.Errorf("loaded %d, rejected %v; want 3 and 3 without a user id", fr.Loaded, fr.RejectedByReason)
	}
	var users, withRevenue, withPlan int
	s.DB().QueryRow(`SELECT (SELECT count(*) FROM users), (SELECT count(revenue) FROM events),
		(SELECT count(*) FROM events WHERE properties->>'plan' IS NOT NULL)`).Scan(&users, &withRevenue, &withPlan)
	if users != 3 || withRevenue != 1 || withPlan != 1 {
		t.Errorf("%d people, %d events with revenue, %d with a plan; want 3, 1, 1", users, withRevenue, withPlan)
	}

	// --null '' keeps only the empty value missing; --null adds words.
	s = memStore(t)
	rep = mustLoad(t, s, LoadRequest{Paths: []string{rcsv}, Nulls: []string{""}})
	// NA and NULL are ids then, and NA, nan, NaN revenues are not numbers.
	if _, na := uidsOf(t, s)["NA"]; !na || rep.Files[0].Loaded != 3 || rep.Files[0].RejectedByReason[ReasonBadRevenue] != 3 {
		fr := rep.Files[0]
		t.Errorf("with only empty missing: loaded %d, rejected %v, people %v", fr.Loaded, fr.RejectedByReason, uidsOf(t, s))
	}
	s = memStore(t)
	rep = mustLoad(t, s, LoadRequest{Paths: []string{rcsv}, Nulls: append(append([]string{}, DefaultNulls...), "u3")})
	if rep.Files[0].Loaded != 2 {
		t.Errorf("with u3 missing too: loaded %d, want 2", rep.Files[0].Loaded)
	}

	// JSON and Parquet read the same words as missing.
	nd := filepath.Join(dir, "e.ndjson")
	os.WriteFile(nd, []byte(`{"user_id":"NA","event":"view","timestamp":"2025-03-01T09:00:00Z"}
{"user_id":"u1","event":"view","timestamp":"2025-03-01T09:00:00Z","revenue":"NA"}
`), 0o644)
	s = memStore(t)
	rep = mustLoad(t, s, LoadRequest{Paths: []string{nd}})
	if rep.Files[0].Loaded != 1 || rep.Files[0].RejectedByReason[ReasonNoUser] != 1 {
		t.Errorf("ndjson: loaded %d, rejected %v", rep.Files[0].Loaded, rep.Files[0].RejectedByReason)
	}
}

// TestOnePersonWarning: a person holding a large share of a file's rows is warned of when
// their id reads like a placeholder, or when the file has enough people for the share to
// be far out of line; a small file's biggest customer is not (UCI Online Retail's first
// 328 rows: customer 17850 holds 19.8% of them among a dozen customers).
func TestOnePersonWarning(t *testing.T) {
	cases := []struct {
		name         string
		rows, people int
		top          string
		topRows      int
		warn         string
	}{
		{"a placeholder in a small file", 200, 21, "unknown", 50, `one person, "unknown", holds 25.0% of the rows (50 of 200)`},
		{"a zero id", 150, 15, "0", 30, `one person, "0", holds 20.0% of the rows (30 of 150)`},
		{"a small file's biggest customer", 328, 12, "17850", 65, ""},
		{"one id far above the rest of many", 2000, 200, "u7", 600, `one person, "u7", holds 30.0% of the rows (600 of 2,000)`},
		{"many people, none out of line", 2000, 200, "u7", 15, ""},
		{"a file too small to tell", 60, 3, "unknown", 40, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("user_id,event,timestamp\n")
			for i := range tc.rows {
				user := fmt.Sprintf("p%d", i%(tc.people-1))
				if i < tc.topRows {
					user = tc.top
				}
				fmt.Fprintf(&b, "%s,view,%d\n", user, 1740819600+i*60)
			}
			path := filepath.Join(t.TempDir(), "e.csv")
			os.WriteFile(path, []byte(b.String()), 0o644)
			rep := mustLoad(t, memStore(t), LoadRequest{Paths: []string{path}, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
			w := strings.Join(rep.Files[0].Warnings, "\n")
			switch {
			case tc.warn == "" && strings.Contains(w, "one person"):
				t.Errorf("warns:\n%s", w)
			case tc.warn != "" && !strings.Contains(w, tc.warn):
				t.Errorf("warnings lack %q:\n%s", tc.warn, w)
			}
		})
	}
}

// TestLoadWarnings: the load summary says in words when the times or the people look wrong.
func TestLoadWarnings(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("user_id,event,timestamp\n")
	for i := range 200 {
		user := fmt.Sprintf("u%d", i%20)
		if i%4 == 0 {
			user = "unknown" // a placeholder holding a quarter of the rows
		}
		fmt.Fprintf(&b, "%s,view,%d\n", user, 1740819600+i*3600)
	}
	path := filepath.Join(dir, "e.csv")
	os.WriteFile(path, []byte(b.String()), 0o644)
	s := memStore(t)
	now := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC) // the file runs to 2025-03-09
	rep := mustLoad(t, s, LoadRequest{Paths: []string{path}, Now: now})
	w := strings.Join(rep.Files[0].Warnings, "\n")
	for _, want := range []string{
		`one person, "unknown", holds 25.0% of the rows (50 of 200)`,
		"the latest event is 2025-03-09 16:00 UTC, in the future (now is 2025-03-05 00:00 UTC)",
	} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
	if strings.Contains(w, "before 1990") {
		t.Errorf("warns of old times:\n%s", w)
	}
	old := filepath.Join(dir, "old.csv")
	os.WriteFile(old, []byte("user_id,event,timestamp\nu1,view,1970-08-19T00:00:00Z\n"), 0o644)
	rep = mustLoad(t, s, LoadRequest{Paths: []string{old}})
	if w := strings.Join(rep.Files[0].Warnings, "\n"); !strings.Contains(w, "the earliest event is 1970-08-19 00:00 UTC, before 1990") {
		t.Errorf("warnings: %s", w)
	}
}

// TestLoadWideFile: a CSV with thousands of columns loads in time that grows with its
// size, not with the square of its columns. The cause was each extra column named twice in
// its typed-or-text property expression: DuckDB's common-subexpression pass is quadratic in
// such repeats (10,000 columns, 20 rows: 68 s). Each column is now named once there.
func TestLoadWideFile(t *testing.T) {
	const cols = 3000
	var b strings.Builder
	b.WriteString("user_id,event,timestamp")
	for i := range cols {
		fmt.Fprintf(&b, ",c%d", i)
	}
	b.WriteString("\n")
	for r := range 5 {
		fmt.Fprintf(&b, "u%d,view,2025-03-01T09:00:00Z", r)
		for i := range cols {
			if i == 7 && r == 4 {
				b.WriteString(",seven") // a text value in a column of numbers stays text
				continue
			}
			fmt.Fprintf(&b, ",%d", (r+i)%10)
		}
		b.WriteString("\n")
	}
	path := filepath.Join(t.TempDir(), "wide.csv")
	os.WriteFile(path, []byte(b.String()), 0o644)

	s := memStore(t)
	conn, err := s.DB().Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	l := &loader{conn: conn, q: conn}
	pl, err := planFile(path, "events")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.fingerprint(context.Background(), &pl); err != nil {
		t.Fatal(err)
	}
	src, err := l.openSource(context.Background(), pl, false)
	l.dropTemps()
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	m, _ := detectMapping(src.columnNames(), nil)
	tr, _ := ParseTimeFormat("")
	sqlText := parsedSQL(src, m, reading{time: tr, timeRange: DefaultTimeRange})
	for _, c := range []string{`"c0"`, `"c1234"`, `"c2999"`} {
		// Once in the properties, once in the raw text of a rejected row.
		if n := len(regexp.MustCompile(regexp.QuoteMeta(c)+`[^0-9]`).FindAllString(sqlText, -1)); n > 2 {
			t.Errorf("column %s named %d times in the parsing query", c, n)
		}
	}

	rep := mustLoad(t, s, LoadRequest{Paths: []string{path}})
	if rep.Files[0].Loaded != 5 {
		t.Fatalf("loaded %d", rep.Files[0].Loaded)
	}
	var keys int
	var c5, c7 string
	s.DB().QueryRow(`SELECT json_array_length(json_keys(properties)), properties->>'c5', CAST(properties->'c7' AS VARCHAR)
		FROM events e JOIN users u USING (uid) WHERE u.user_id = 'u4'`).Scan(&keys, &c5, &c7)
	if keys != cols || c5 != "9" || c7 != `"seven"` {
		t.Errorf("properties: %d keys, c5 %q, c7 %s", keys, c5, c7)
	}
	var typed string
	s.DB().QueryRow(`SELECT json_type(properties->'c5') FROM events e JOIN users u USING (uid) WHERE u.user_id = 'u1'`).Scan(&typed)
	if typed != "UBIGINT" && typed != "BIGINT" {
		t.Errorf("c5 stored as %s, want a number", typed)
	}
}

// TestLoadSameContentElsewhere: the same rows under another name (a copy, its .gz) are a
// re-load, refused unless --replace (in the other's place) or --append-anyway.
func TestLoadSameContentElsewhere(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	orig := fixture("canonical.tsv")
	data, _ := os.ReadFile(orig)
	cp := filepath.Join(dir, "copy.tsv")
	os.WriteFile(cp, data, 0o644)
	gz := gzipTo(t, orig, filepath.Join(dir, "copy.tsv.gz"))
	s := memStore(t)
	mustLoad(t, s, LoadRequest{Paths: []string{orig}})
	count := func() (n int64) {
		s.DB().QueryRow(`SELECT count(*) FROM events`).Scan(&n)
		return
	}
	before := count()
	for _, p := range []string{cp, gz} {
		_, err := s.Load(ctx, LoadRequest{Paths: []string{p}})
		if !errors.Is(err, ErrAlreadyLoaded) || !strings.Contains(err.Error(), "the same content as "+mustAbs(t, orig)) ||
			!strings.Contains(err.Error(), "--append-anyway") {
			t.Errorf("%s: %v, want a refusal naming the file loaded before", p, err)
		}
	}
	if count() != before {
		t.Fatalf("a refused load changed the store")
	}
	if _, err := s.Load(ctx, LoadRequest{Paths: []string{cp, gz}, AppendAnyway: true}); err != nil {
		t.Fatalf("--append-anyway: %v", err)
	}
	if count() != 3*before {
		t.Errorf("%d events after appending twice, want %d", count(), 3*before)
	}
	s = memStore(t)
	mustLoad(t, s, LoadRequest{Paths: []string{orig}})
	rep := mustLoad(t, s, LoadRequest{Paths: []string{gz}, Replace: true})
	var sources []string
	rows, _ := s.DB().Query(`SELECT path FROM sources`)
	for rows.Next() {
		var p string
		rows.Scan(&p)
		sources = append(sources, p)
	}
	rows.Close()
	if !rep.Files[0].Replaced || count() != before || len(sources) != 1 || sources[0] != mustAbs(t, gz) {
		t.Errorf("--replace: replaced %v, %d events, sources %v", rep.Files[0].Replaced, count(), sources)
	}
	// Two copies in one load are refused too.
	s = memStore(t)
	if _, err := s.Load(ctx, LoadRequest{Paths: []string{orig, cp}}); !errors.Is(err, ErrAlreadyLoaded) {
		t.Errorf("the same content twice in one load: %v", err)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	return abs
}

// TestLoadCutShortFiles: half a gzip file or a truncated Parquet file fails the load with
// the file and the offset, instead of loading what could be read.
func TestLoadCutShortFiles(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("user_id,event,timestamp\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "u%d,view,2025-03-01T09:%02d:%02dZ\n", i%500, (i/60)%60, i%60)
	}
	csv := filepath.Join(dir, "e.csv")
	os.WriteFile(csv, []byte(b.String()), 0o644)
	gz, _ := os.ReadFile(gzipTo(t, csv, filepath.Join(dir, "full.csv.gz")))
	half := filepath.Join(dir, "half.csv.gz")
	os.WriteFile(half, gz[:len(gz)/2], 0o644)
	flipped := append([]byte{}, gz...)
	flipped[len(flipped)-6] ^= 0xff // inside the CRC-32 trailer
	damaged := filepath.Join(dir, "damaged.csv.gz")
	os.WriteFile(damaged, flipped, 0o644)
	pq, _ := os.ReadFile(parquetFrom(t, csv, filepath.Join(dir, "full.parquet")))
	cut := filepath.Join(dir, "cut.parquet")
	os.WriteFile(cut, pq[:len(pq)-100], 0o644)
	for _, tc := range []struct{ path, want string }{
		{half, fmt.Sprintf("the gzip data ends at byte %d in the middle of its stream", len(gz)/2)},
		{damaged, "the gzip checksum does not match"},
		{cut, "no Parquet footer at the end of the file"},
	} {
		s := memStore(t)
		_, err := s.Load(context.Background(), LoadRequest{Paths: []string{tc.path}})
		if !errors.Is(err, ErrCorruptFile) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("%s: %v\nwant an error saying %q", filepath.Base(tc.path), err, tc.want)
		}
		assertEmptyStore(t, s)
	}
}

// TestLoadMaxRejected: a load rejecting more than the allowed share of a file's rows
// reports and fails, leaving the store unchanged.
func TestLoadMaxRejected(t *testing.T) {
	s := memStore(t)
	// canonical.csv rejects 7 of its 12 rows, 6 malformed and 1 without a user id.
	rep, err := s.Load(context.Background(), LoadRequest{Paths: []string{fixture("canonical.csv")}, LimitRejected: true, MaxRejected: 0.05})
	if !errors.Is(err, ErrTooManyRejected) || !strings.Contains(err.Error(), "rejected 6 of 12 rows (50.0%) as malformed, over the 5% allowed") {
		t.Fatalf("load: %v", err)
	}
	if rep == nil || rep.Files[0].Rejected != 7 || len(rep.Files[0].Examples) == 0 {
		t.Errorf("the report of the refused load: %+v", rep)
	}
	assertEmptyStore(t, s)
	if _, err := s.Load(context.Background(), LoadRequest{Paths: []string{fixture("canonical.csv")}, LimitRejected: true, MaxRejected: 0.6}); err != nil {
		t.Errorf("within the limit: %v", err)
	}
}

// TestLoadVeryLongLines: a 30 MB line is one rejected row ("line too long") and the rows
// around it load; a file that is one long line without a break is refused with one line
// saying where, not with DuckDB's page of text.
func TestLoadVeryLongLines(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("y", 30<<20)
	rows := filepath.Join(dir, "rows.csv")
	os.WriteFile(rows, []byte("user_id,event,timestamp,note\nu1,view,2025-03-01T09:00:00Z,ok\nu2,view,2025-03-01T09:00:00Z,"+long+
		"\nu3,view,2025-03-01T09:00:00Z,ok\n"), 0o644)
	s := memStore(t)
	rep := mustLoad(t, s, LoadRequest{Paths: []string{rows}})
	fr := rep.Files[0]
	if fr.Loaded != 2 || fr.RejectedByReason[ReasonLineTooLong] != 1 {
		t.Errorf("loaded %d, rejected %v; want 2 and 1 line too long", fr.Loaded, fr.RejectedByReason)
	}
	if len(fr.Examples) == 1 && (fr.Examples[0].Line != 3 || len(fr.Examples[0].Raw) > 64<<10) {
		t.Errorf("example: line %d, %d bytes of raw text", fr.Examples[0].Line, len(fr.Examples[0].Raw))
	}

	one := filepath.Join(dir, "one.csv")
	os.WriteFile(one, []byte(long), 0o644)
	_, err := memStore(t).Load(context.Background(), LoadRequest{Paths: []string{one}})
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "line 1 is longer than") {
		t.Errorf("one long line: %v", err)
	}
}

// TestLoadTrace: a traced load writes each statement it runs with its time, the events'
// INSERT among them, one line each.
func TestLoadTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.csv")
	os.WriteFile(path, []byte("user_id,event,timestamp\nu1,view,2025-01-01T00:00:00Z\nu2,buy,2025-01-02T00:00:00Z\n"), 0o644)
	var trace strings.Builder
	mustLoad(t, memStore(t), LoadRequest{Paths: []string{path}, Trace: &trace})
	lines := strings.Split(strings.TrimSpace(trace.String()), "\n")
	line := regexp.MustCompile(`^ *\d+\.\d{3}s  \S.*$`)
	events := false
	for _, l := range lines {
		if !line.MatchString(l) {
			t.Errorf("trace line %q is not a time and a statement", l)
		}
		events = events || strings.Contains(l, "INSERT INTO events")
	}
	if len(lines) < 5 || !events {
		t.Errorf("the trace has %d lines, the events' INSERT among them: %v:\n%s", len(lines), events, trace.String())
	}
}

// TestLoadParquetTypedTimestamps: a Parquet TIMESTAMP column is read as it is, without a
// pass over the file for the classes of its values; the report still says whether any
// value was readable, from the good rows or, when there are none, from the file.
func TestLoadParquetTypedTimestamps(t *testing.T) {
	dir := t.TempDir()
	gen := memStore(t)
	tests := []struct {
		name, rows string
		loaded     int64
		timestamps string
	}{
		{"good rows", `('u1', 'view', TIMESTAMPTZ '2025-03-01 09:00:00Z'), ('u2', 'view', NULL)`, 1, "ISO 8601"},
		{"no good row, readable times", `(NULL, 'view', TIMESTAMPTZ '2025-03-01 09:00:00Z'), (NULL, 'view', NULL)`, 0, "ISO 8601"},
		{"no readable time", `('u1', 'view', CAST(NULL AS TIMESTAMPTZ)), ('u2', 'view', NULL)`, 0, "none readable"},
		{"a DATE column", `('u1', 'view', DATE '2025-03-01')`, 1, "ISO 8601"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pq := filepath.Join(dir, fmt.Sprintf("t%d.parquet", i))
			if _, err := gen.DB().Exec(fmt.Sprintf(`COPY (SELECT * FROM (VALUES %s) t(user_id, event, timestamp)) TO %s (FORMAT parquet)`,
				tc.rows, quoteLiteral(pq))); err != nil {
				t.Fatal(err)
			}
			s := memStore(t)
			rep := mustLoad(t, s, LoadRequest{Paths: []string{pq}})
			if fr := rep.Files[0]; fr.Loaded != tc.loaded || fr.Timestamps != tc.timestamps {
				t.Errorf("loaded %d, timestamps %q; want %d, %q", fr.Loaded, fr.Timestamps, tc.loaded, tc.timestamps)
			}
		})
	}
}
