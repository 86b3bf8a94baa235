package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/segscope/segscope/query"
)

func loadFixture(name string) string {
	return filepath.Join("..", "..", "query", "testdata", "load", name)
}

func loadRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestLoadCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "shop.duckdb")
	code, out, errOut := loadRun(t, "load", loadFixture("canonical.csv"), "--users", loadFixture("users.csv"), "--db", db, "--max-rejected", "100%")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"canonical.csv  csv (canonical)",
		"5 events loaded, 7 rejected",
		"rejected: 1 bad revenue, 1 bad timestamp, 1 broken JSON properties, 1 no event name, 1 no timestamp, 1 no user id, 1 wrong column count",
		"canonical.csv:5: no user id: ,view,2025-03-02T12:00:00Z,,,,",
		"canonical.csv:8: wrong column count: u3,view,2025-03-03T00:00:00Z,initech,1,2,3,4",
		"… all 7 in the store's rejected table",
		"users.csv  csv (users)",
		"3 people loaded, 2 rejected",
		"users.csv:3: duplicate user id: u2,free,US,1,2025-02-01,",
		": 5 events, 4 new people, 3 new accounts in ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if errOut != "" {
		t.Errorf("stderr not quiet off a terminal: %q", errOut)
	}

	// Another file appends; the same file again is refused with one line.
	if code, _, errOut := loadRun(t, "load", loadFixture("posthog.csv"), "--db", db); code != 0 {
		t.Fatalf("append: exit %d: %s", code, errOut)
	}
	code, _, errOut = loadRun(t, "load", loadFixture("canonical.csv"), "--db", db)
	if code == 0 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "already loaded into this store; use --replace") {
		t.Errorf("duplicate: exit %d, stderr %q", code, errOut)
	}
	code, out, _ = loadRun(t, "load", loadFixture("canonical.csv"), "--db", db, "--replace", "--max-rejected", "100%")
	if code != 0 || !strings.Contains(out, "csv (canonical), replaced") {
		t.Errorf("replace: exit %d:\n%s", code, out)
	}

	code, out, errOut = loadRun(t, "info", "--db", db, "--json")
	if code != 0 {
		t.Fatalf("info: exit %d: %s", code, errOut)
	}
	var info map[string]any
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("info --json: %v\n%s", err, out)
	}
	for k, want := range map[string]float64{"events": 7, "users": 5, "accounts": 3, "rejected": 9} {
		if got, _ := info[k].(float64); got != want {
			t.Errorf("info %s = %v, want %v", k, info[k], want)
		}
	}
	names, _ := info["event_names"].(map[string]any)
	if names["signup"] != float64(2) || names["$pageview"] != float64(1) {
		t.Errorf("event_names %v", names)
	}
	for _, k := range []string{"first", "last"} {
		if s, _ := info[k].(string); !strings.HasPrefix(s, "2025-03-0") {
			t.Errorf("%s = %v", k, info[k])
		}
	}

	code, out, _ = loadRun(t, "info", "--db", db)
	for _, want := range []string{"events    7", "people    5", "event names (6)", "events per day", "properties (", "user attributes (4)", "seats", "sources (3)"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("info lacks %q (exit %d):\n%s", want, code, out)
		}
	}
}

func TestLoadCommandErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"no db", []string{"load", loadFixture("canonical.csv")}, "--db STORE.duckdb is required"},
		{"no files", []string{"load", "--db", filepath.Join(dir, "x.duckdb")}, "name at least one FILE"},
		{"bad path", []string{"load", filepath.Join(dir, "nope.csv"), "--db", filepath.Join(dir, "a.duckdb")}, "nope.csv: no such file or folder"},
		{"empty file", []string{"load", loadFixture("empty.csv"), "--db", filepath.Join(dir, "b.duckdb")}, "empty.csv: file is empty"},
		{"unknown format", []string{"load", loadFixture("workbook.csv"), "--db", filepath.Join(dir, "c.duckdb")}, "unknown format"},
		{"no columns", []string{"load", loadFixture("custom.csv"), "--db", filepath.Join(dir, "d.duckdb")},
			`no user_id, event, timestamp column among "member", "what", "when_utc", "amount"; name them with --map user_id=COLUMN`},
		{"bad map", []string{"load", loadFixture("custom.csv"), "--map", "who=member", "--db", filepath.Join(dir, "e.duckdb")}, `unknown field "who"`},
		{"info without store", []string{"info", "--db", filepath.Join(dir, "none.duckdb")}, "no store at"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := loadRun(t, tc.args...)
			if code != 2 || out != "" {
				t.Errorf("exit %d, stdout %q", code, out)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "segscope: ") || !strings.Contains(errOut, tc.msg) {
				t.Errorf("stderr %q, want one line with %q", errOut, tc.msg)
			}
		})
	}
	// A load that fails leaves no store behind when it would have created one.
	if _, err := os.Stat(filepath.Join(dir, "b.duckdb")); !os.IsNotExist(err) {
		t.Errorf("failed load left a store: %v", err)
	}
	// …and leaves an existing store unchanged.
	db := filepath.Join(dir, "kept.duckdb")
	if code, _, errOut := loadRun(t, "load", loadFixture("canonical.tsv"), "--db", db, "--max-rejected", "100%"); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, _ := loadRun(t, "load", loadFixture("posthog.csv"), loadFixture("empty.csv"), "--db", db); code != 2 {
		t.Errorf("exit %d", code)
	}
	_, out, _ := loadRun(t, "info", "--db", db, "--json")
	if !strings.Contains(out, `"events": 3,`) || !strings.Contains(out, `"data_version": 1`) {
		t.Errorf("store changed by a failed load:\n%s", out)
	}
}

// TestHelperHoldStoreCmd is not a test: TestLoadCommandLocked runs the test binary again
// with it selected, so that another process holds the store.
func TestHelperHoldStoreCmd(t *testing.T) {
	path := os.Getenv("SEGSCOPE_TEST_HOLD_STORE")
	if path == "" {
		t.Skip("helper process only")
	}
	s, err := query.Open(context.Background(), path, query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	os.Stdout.WriteString("ready\n")
	io.Copy(io.Discard, os.Stdin)
}

func TestLoadCommandLocked(t *testing.T) {
	db := filepath.Join(t.TempDir(), "locked.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldStoreCmd$")
	cmd.Env = append(os.Environ(), "SEGSCOPE_TEST_HOLD_STORE="+db)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("helper: %q %v", line, err)
	}
	for _, args := range [][]string{
		{"load", loadFixture("canonical.tsv"), "--db", db},
		{"info", "--db", db},
	} {
		code, _, errOut := loadRun(t, args...)
		if code != 2 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "store is in use by another process") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("the held store was removed: %v", err)
	}
}

// syncBuffer lets the bar's ticking goroutine and the test share a buffer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLoadBar(t *testing.T) {
	var buf syncBuffer
	bar := newLoadBar(&buf)
	bar.update(query.ProgressEvent{File: "/data/a.csv", Index: 0, Files: 2, Phase: query.PhaseReading, Fraction: 0})
	bar.update(query.ProgressEvent{File: "/data/a.csv", Index: 0, Files: 2, Phase: query.PhaseUsers, Rows: 12_000, Fraction: 0.5})
	bar.stop()
	out := buf.String()
	for _, want := range []string{"\r\033[K", " 50%  1/2 a.csv  users  12k rows", "rows/s", "████████████░░░░░░░░░░░░"} {
		if !strings.Contains(out, want) {
			t.Errorf("bar output lacks %q: %q", want, out)
		}
	}
	if !strings.HasSuffix(out, "\r\033[K") {
		t.Errorf("bar not cleared at the end: %q", out)
	}
}

// TestLoadCommandRealExports: the time and missing-value flags as a person types them, the
// report's time range and warnings, and --json.
func TestLoadCommandRealExports(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	cdnow := write("cdnow.csv", "CustomerID,Date,Quantity,Amount\n00001,19970101,1,11.77\n00002,19970112,1,12.00\n")
	epochs := write("epochs.csv", "user_id,event,timestamp\nu1,view,1740819600\nu3,view,0\n")
	rcsv := write("r.csv", "\"\",\"user_id\",\"event\",\"timestamp\"\n\"1\",\"u1\",\"view\",\"2025-03-01T09:00:00Z\"\n\"2\",NA,\"view\",\"2025-03-01T10:00:00Z\"\n\"3\",\"-\",\"view\",\"2025-03-01T10:00:00Z\"\n")

	code, out, errOut := loadRun(t, "load", cdnow, "--db", filepath.Join(dir, "a.duckdb"))
	if code != 0 || !strings.Contains(out, "times 1997-01-01 00:00 UTC … 1997-01-12 00:00 UTC (YYYYMMDD)") {
		t.Errorf("cdnow: exit %d:\n%s%s", code, out, errOut)
	}
	code, out, errOut = loadRun(t, "load", epochs, "--db", filepath.Join(dir, "b.duckdb"))
	if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 ||
		!strings.Contains(errOut, `column "timestamp": the number "0" is no time in 1990–2100`) || !strings.Contains(errOut, "--time-format epoch_s") {
		t.Errorf("ambiguous epochs: exit %d:\n%s%s", code, out, errOut)
	}
	code, out, errOut = loadRun(t, "load", epochs, "--time-format", "epoch_s", "--db", filepath.Join(dir, "b.duckdb"))
	if code != 0 || !strings.Contains(out, "times 1970-01-01 00:00 UTC … 2025-03-01 09:00 UTC (epoch_s)") ||
		!strings.Contains(out, "warning: the earliest event is 1970-01-01 00:00 UTC, before 1990") {
		t.Errorf("--time-format epoch_s: exit %d:\n%s%s", code, out, errOut)
	}
	code, out, errOut = loadRun(t, "load", epochs, "--time-format", "epoch_s", "--time-range", "1990..2100", "--db", filepath.Join(dir, "c.duckdb"), "--max-rejected", "50")
	if code != 0 || !strings.Contains(out, "1 events loaded, 1 rejected") || !strings.Contains(out, "1 timestamp out of range") {
		t.Errorf("--time-range: exit %d:\n%s%s", code, out, errOut)
	}
	code, out, errOut = loadRun(t, "load", rcsv, "--db", filepath.Join(dir, "d.duckdb"), "--null", "-", "--json", "--max-rejected", "100%", "--max-anonymous", "100%")
	var rep query.LoadReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Events != 1 || rep.Files[0].RejectedByReason[query.ReasonNoUser] != 2 {
		t.Errorf("--null - --json: exit %d:\n%s%s", code, out, errOut)
	}
	for _, bad := range [][]string{{"--time-format", "YYYYMMDD"}, {"--time-range", "2200..1900"}, {"--time-format", "%Q"}} {
		code, _, errOut = loadRun(t, append([]string{"load", cdnow, "--db", filepath.Join(dir, "e.duckdb")}, bad...)...)
		if code != 2 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, bad[0]) {
			t.Errorf("%v: exit %d: %s", bad, code, errOut)
		}
	}
}

// TestLoadCommandMaxRejected: by default a file rejecting more than 5% of its rows is
// reported, then the load fails and the store is left as it was; the same file again is
// refused by its content under another name.
func TestLoadCommandMaxRejected(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.duckdb")
	code, out, errOut := loadRun(t, "load", loadFixture("canonical.csv"), "--db", db)
	if code != 2 || !strings.Contains(out, "5 events loaded, 7 rejected") || !strings.Contains(out, "canonical.csv:5: no user id") ||
		!strings.Contains(errOut, "rejected 6 of 12 rows (50.0%) as malformed, over the 5% allowed; nothing was loaded") {
		t.Errorf("exit %d:\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("the refused load left a store behind: %v", err)
	}
	if code, _, errOut := loadRun(t, "load", loadFixture("canonical.csv"), "--db", db, "--max-rejected", "60%"); code != 0 {
		t.Fatalf("--max-rejected 60%%: exit %d: %s", code, errOut)
	}
	data, _ := os.ReadFile(loadFixture("canonical.csv"))
	cp := filepath.Join(dir, "again.csv")
	os.WriteFile(cp, data, 0o644)
	code, _, errOut = loadRun(t, "load", cp, "--db", db, "--max-rejected", "60%")
	if code != 2 || !strings.Contains(errOut, "already loaded: the same content as") || !strings.Contains(errOut, "--append-anyway") {
		t.Errorf("the same content again: exit %d: %s", code, errOut)
	}
	if code, _, errOut := loadRun(t, "load", cp, "--db", db, "--max-rejected", "60%", "--append-anyway"); code != 0 {
		t.Errorf("--append-anyway: exit %d: %s", code, errOut)
	}
}

// TestLoadCommandDuplicates: identical rows are reported by load and info, loaded; with
// --dedupe dropped, and the file's rows still add up in info.
func TestLoadCommandDuplicates(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dups.csv")
	os.WriteFile(path, []byte("user_id,event,timestamp\nu1,view,2025-03-01T09:00:00Z\nu1,view,2025-03-01T09:00:00Z\nu2,view,2025-03-01T09:00:00Z\n"), 0o644)
	for _, tc := range []struct {
		flags          []string
		load, infoRows string
	}{
		{nil, "duplicates: 1 rows identical to an earlier row or to an event already in the store, loaded all the same (--dedupe drops them)",
			"3 rows = 3 loaded + 0 rejected; 1 of the loaded are duplicates"},
		{[]string{"--dedupe"}, "duplicates: 1 rows identical to an earlier row or to an event already in the store, dropped (--dedupe)",
			"3 rows = 2 loaded + 0 rejected + 1 duplicates dropped"},
	} {
		db := filepath.Join(t.TempDir(), "s.duckdb")
		code, out, errOut := loadRun(t, append([]string{"load", path, "--db", db}, tc.flags...)...)
		if code != 0 || !strings.Contains(out, tc.load) {
			t.Errorf("load %v: exit %d:\n%s%s", tc.flags, code, out, errOut)
		}
		code, out, errOut = loadRun(t, "info", "--db", db)
		if code != 0 || !strings.Contains(out, tc.infoRows) || !strings.Contains(out, "duplicates") {
			t.Errorf("info after load %v: exit %d:\n%s%s", tc.flags, code, out, errOut)
		}
	}
}
