package query

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestInfo(t *testing.T) {
	s := memStore(t)
	mustLoad(t, s, LoadRequest{Paths: []string{fixture("canonical.csv")}, Users: fixture("users.csv")})
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Store != "(memory)" || info.Events != 5 || info.Users != 4 || info.Accounts != 3 || info.DataVersion != 1 {
		t.Errorf("counts: %+v", info)
	}
	if want := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC); !info.First.Equal(want) {
		t.Errorf("first %v, want %v", info.First, want)
	}
	if want := time.Date(2025, 3, 5, 8, 0, 0, 250e6, time.UTC); !info.Last.Equal(want) {
		t.Errorf("last %v, want %v", info.Last, want)
	}
	if want := map[string]int64{"signup": 2, "purchase": 1, "refund": 1, "logout": 1}; !reflect.DeepEqual(info.EventNames, want) {
		t.Errorf("event names %v", info.EventNames)
	}
	if info.EventCounts[0] != (NameCount{"signup", 2}) || len(info.EventCounts) != 4 {
		t.Errorf("event counts %v", info.EventCounts)
	}
	var daily []int64
	for i, d := range info.Daily {
		if want := time.Date(2025, 3, 1+i, 0, 0, 0, 0, time.UTC); !d.Day.Equal(want) {
			t.Errorf("day %d is %v, want %v", i, d.Day, want)
		}
		daily = append(daily, d.Count)
	}
	if want := []int64{2, 1, 1, 0, 1}; !reflect.DeepEqual(daily, want) {
		t.Errorf("daily %v, want %v (no gaps)", daily, want)
	}
	props := map[string]PropertyInfo{}
	for _, p := range info.Properties {
		props[p.Key] = p
	}
	if p := props["plan"]; p.Type != "VARCHAR" || p.Events != 4 || !reflect.DeepEqual(p.Examples, []string{"free", "pro"}) || p.Sampled {
		t.Errorf("plan property %+v", p)
	}
	if _, ok := props["sku"]; !ok || len(info.Properties) != 3 {
		t.Errorf("properties %+v", info.Properties)
	}
	attrs := map[string]AttributeInfo{}
	for _, a := range info.Attributes {
		attrs[a.Name] = a
	}
	if a := attrs["seats"]; a.Type != "BIGINT" || a.Users != 3 || !reflect.DeepEqual(a.Examples, []string{"12", "2", "5"}) {
		t.Errorf("seats attribute %+v", a)
	}
	if len(info.Attributes) != 4 { // plan, country, seats, signup_date
		t.Errorf("attributes %+v", info.Attributes)
	}
	if info.Rejected != 9 || info.RejectedByReason[ReasonDuplicateUser] != 1 || info.RejectedByReason[ReasonNoUser] != 2 {
		t.Errorf("rejected %d %v", info.Rejected, info.RejectedByReason)
	}
	if len(info.Sources) != 2 || info.Sources[0].Format != "csv (canonical)" || info.Sources[1].Kind != "users" ||
		info.Sources[0].Rows != 5 || info.Sources[0].Rejected != 7 {
		t.Errorf("sources %+v", info.Sources)
	}
	// Per source, the file's rows add up: loaded + rejected, by reason.
	if src := info.Sources[0]; src.FileRows != 12 || src.RejectedByReason[ReasonNoUser] != 1 || len(src.RejectedByReason) != 7 ||
		src.Events != 5 || src.ContentHash == "" {
		t.Errorf("source %+v", src)
	}
	if info.Revenue == 0 || info.Revenue != info.Sources[0].Revenue {
		t.Errorf("revenue %v, sources %+v", info.Revenue, info.Sources)
	}
	// The JSON contract: these names are what scripts read.
	b, _ := json.Marshal(info)
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"events", "users", "accounts", "first", "last", "event_names", "rejected"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
}

func TestInfoEmptyAndSampled(t *testing.T) {
	s := memStore(t)
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Events != 0 || len(info.Daily) != 0 || info.Properties == nil || !info.First.IsZero() {
		t.Errorf("empty store info %+v", info)
	}
	// Past the sample size, property keys come from a sample and say so.
	dir := t.TempDir()
	if err := writeCanonicalFixture(filepath.Join(dir, "e.csv"), filepath.Join(dir, "e.parquet"), propertySample+50_000); err != nil {
		t.Fatal(err)
	}
	mustLoad(t, s, LoadRequest{Paths: []string{filepath.Join(dir, "e.parquet")}})
	info, err = s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Properties) != 2 || !info.Properties[0].Sampled || info.Properties[0].Events >= info.Events {
		t.Errorf("sampled properties %+v", info.Properties)
	}
}

// TestHelperHoldStore is not a test: TestLoadLocked runs the test binary again with this
// test selected, so that another process holds the store open.
func TestHelperHoldStore(t *testing.T) {
	path := os.Getenv("SEGSCOPE_TEST_HOLD_STORE")
	if path == "" {
		t.Skip("helper process only")
	}
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	os.Stdout.WriteString("ready\n")
	io.Copy(io.Discard, os.Stdin) // hold until the parent closes stdin
}

func TestLoadLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.duckdb")
	stop := holdStoreInChild(t, path)
	defer stop()
	_, err := Open(context.Background(), path, Options{})
	if !errors.Is(err, ErrLocked) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("open a store held by another process: %v", err)
	}
}

// holdStoreInChild starts a process that holds the store at path open for writing until
// stop is called.
func holdStoreInChild(t *testing.T, path string) (stop func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldStore$")
	cmd.Env = append(os.Environ(), "SEGSCOPE_TEST_HOLD_STORE="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		stdin.Close()
		cmd.Wait()
		t.Fatalf("helper process: %q %v", line, err)
	}
	return func() {
		stdin.Close()
		cmd.Wait()
	}
}

// TestInfoOddStores: every store opens. Real exports have users columns empty for everyone,
// property keys null in every row, attributes whose type changes between loads, people with
// no events, and no events at all; Info and the completion lists must describe them rather
// than fail.
func TestInfoOddStores(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	events := write("events.ndjson", `{"user_id":"u1","event":"view","timestamp":"2025-03-01T09:00:00Z","properties":{"coupon":null,"page":"home"}}
{"user_id":"u2","event":"view","timestamp":"2025-03-02T09:00:00Z","properties":{"coupon":null}}
`)
	nullKeys := write("null_keys.csv", "user_id,event,timestamp,properties\n"+
		"u1,view,2025-03-01T09:00:00Z,\"{\"\"coupon\"\":null}\"\n"+
		"u2,view,2025-03-01T10:00:00Z,\"{\"\"coupon\"\":null,\"\"page\"\":\"\"home\"\"}\"\n")
	users := write("users.csv", "user_id,company_size,loyalty_tier,score\nu1,,,7\nu2,,,x\nu3,,,\n")
	users2 := write("users2.csv", "user_id,score\nu4,3.5\n")
	onlyUsers := write("only_users.csv", "user_id,company_size\nu1,\nu2,\n")
	tests := []struct {
		name  string
		loads []LoadRequest
	}{
		{"empty store", nil},
		{"users without events", []LoadRequest{{Users: onlyUsers}}},
		{"a property key null in every row", []LoadRequest{{Paths: []string{events, nullKeys}}}},
		{"all-empty columns, null-everywhere keys, people without events", []LoadRequest{{Paths: []string{events}, Users: users}}},
		{"attribute type changes between loads", []LoadRequest{{Paths: []string{events}, Users: users}, {Users: users2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := memStore(t)
			for _, req := range tc.loads {
				mustLoad(t, s, req)
			}
			info, err := s.Info(ctx)
			if err != nil {
				t.Fatalf("info: %v", err)
			}
			if _, err := json.Marshal(info); err != nil {
				t.Errorf("info as JSON: %v", err)
			}
			for _, a := range info.Attributes {
				if a.Examples == nil {
					t.Errorf("attribute %s: nil examples (JSON null)", a.Name)
				}
				if _, err := s.AttributeValues(ctx, a.Name, 5); err != nil {
					t.Errorf("attribute %s values: %v", a.Name, err)
				}
			}
			for _, p := range info.Properties {
				if p.Examples == nil {
					t.Errorf("property %s: nil examples (JSON null)", p.Key)
				}
				if _, err := s.PropertyValues(ctx, p.Key, nil, 5); err != nil {
					t.Errorf("property %s values: %v", p.Key, err)
				}
			}
		})
	}
}
