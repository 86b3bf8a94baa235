package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// load --explain shows how a file is read and its first events, and stores nothing.
func TestLoadExplain(t *testing.T) {
	dir := t.TempDir()
	orders := filepath.Join(dir, "orders.txt")
	os.WriteFile(orders, []byte(" 00001 19970101  1   11.77\n 00002 19970112  5   77.00\n"), 0o644)
	seg := filepath.Join("..", "..", "query", "testdata", "load", "vendors", "segment_calls.ndjson")
	code, out, errOut := loadRun(t, "load", "--explain", orders, "--event", "purchase")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"read as csv, runs of blanks, no header",
		`user_id    ← "column0"`,
		`event      ← "purchase"  (--event: every row)`,
		"no header: by their content, revenue=column3, timestamp=column1, user_id=column0",
		"2 rows: 2 would load, 0 rejected",
		"1997-01-12 00:00 UTC  00002  purchase  revenue 77",
		"nothing was stored",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explanation lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = loadRun(t, "load", "--explain", seg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		`recognised as segment by its columns "userId", "event", "timestamp", "anonymousId"`,
		`attributes ← "context.traits", "traits"`,
		"user attributes: address.city, address.country, email, logins, name, plan",
		"2025-03-01 09:10 UTC  97980cfea0067  Order Completed  revenue 25",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explanation lacks %q:\n%s", want, out)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("--explain wrote files: %v", entries)
	}
}
