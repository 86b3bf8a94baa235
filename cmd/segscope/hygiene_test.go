package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const evilID = "user\x1b]0;PWNED-TITLE\x07\x1b]52;c;aGk=\x07"

// Findings 4 and 5: text for a terminal is made safe (file names in load's summary and in
// errors), and data written to a file or a pipe is exact (members keeps the id as it is).
func TestSecurityOutputHygiene(t *testing.T) {
	dir := t.TempDir()
	evilDir := filepath.Join(dir, "x\x1b]52;c;aGk=\x07")
	if err := os.Mkdir(evilDir, 0o755); err != nil {
		t.Fatal(err)
	}
	evilName := filepath.Join(evilDir, "events.csv")
	events := filepath.Join(dir, "events.ndjson")
	var lines bytes.Buffer
	for _, id := range []string{evilID, "plain"} {
		b, _ := json.Marshal(map[string]string{"user_id": id, "event": "purchase", "timestamp": "2026-01-02T03:04:05Z"})
		lines.Write(append(b, '\n'))
	}
	if err := os.WriteFile(events, lines.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "s.duckdb")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"load", events, "--db", db}, nil, &out, &errOut); code != 0 {
		t.Fatalf("load: exit %d: %s", code, errOut.String())
	}
	if strings.Contains(out.String()+errOut.String(), "\x1b") || strings.Contains(out.String()+errOut.String(), "\x07") {
		t.Errorf("load printed escape sequences from the file name:\n%q\n%q", out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "s.duckdb: 2 events") {
		t.Errorf("no summary line: %q", out.String())
	}
	// Errors naming a file whose name carries the escape (an events file, a store).
	for _, args := range [][]string{{"load", evilName, "--db", db}, {"load", events, "--db", filepath.Join(evilDir, "s.duckdb")}} {
		out.Reset()
		errOut.Reset()
		run(context.Background(), args, nil, &out, &errOut)
		if errOut.Len() == 0 || strings.ContainsAny(out.String()+errOut.String(), "\x1b\x07") {
			t.Errorf("%v: an error naming the file: %q", args, errOut.String())
		}
	}

	seg := filepath.Join(dir, "buyers.yaml")
	if err := os.WriteFile(seg, []byte("name: buyers\nwhere:\n  did: purchase\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"members", seg, "--db", db}, nil, &out, &errOut); code != 0 {
		t.Fatalf("members: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), evilID) {
		t.Errorf("members to a pipe rewrote the id %q:\n%q", evilID, out.String())
	}
}
