package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/segscope/segscope/query"
)

func genRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

var genEventsLine = regexp.MustCompile(`wrote (\S+)  ([\d,]+) events`)

func genReported(t *testing.T, stdout string) (path string, n int64) {
	t.Helper()
	m := genEventsLine.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no events line in:\n%s", stdout)
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(m[2], ",", ""), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return m[1], n
}

func TestGenCSV(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, out := range []string{a, b} {
		code, stdout, stderr := genRun(t, "gen", "--industry", "retail", "--users", "300", "--seed", "9", "--out", out)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, want := range []string{
			"wrote " + filepath.Join(out, "events.csv"),
			"wrote " + filepath.Join(out, "users.csv") + "  300 users",
			"industry retail, seed 9, span 2025-06-06T00:00:00Z … 2026-11-27T23:59:59Z (540 days)",
			"black_friday [2025-11-24, 2025-12-01]",
			"wrote " + filepath.Join(out, "segments") + " and " + filepath.Join(out, "campaigns") + "  a workspace for this data",
		} {
			if !strings.Contains(stdout, want) {
				t.Errorf("output lacks %q:\n%s", want, stdout)
			}
		}
		path, n := genReported(t, stdout)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if lines := int64(bytes.Count(data, []byte("\n"))) - 1; lines != n || n == 0 {
			t.Errorf("%s has %d rows, the report says %d", path, lines, n)
		}
	}
	for _, f := range []string{"events.csv", "users.csv", "segments/cart_abandoners.yaml"} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs of the same command", f)
		}
	}
}

func TestGenParquet(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := genRun(t, "gen", "--users", "500", "--format", "parquet", "--out", dir,
		"--end", "2026-06-30", "--days", "400")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	path, n := genReported(t, stdout)
	if path != filepath.Join(dir, "events.parquet") {
		t.Fatalf("wrote %s", path)
	}
	if !strings.Contains(stdout, "span 2025-05-27T00:00:00Z … 2026-06-30T23:59:59Z (400 days)") {
		t.Errorf("span not reported:\n%s", stdout)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "campaigns events.parquet segments users.csv" { // the data and the workspace that fits it
		t.Errorf("directory holds %v; the temporary CSV must be gone", names)
	}

	ctx := context.Background()
	s, err := query.Open(ctx, "", query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var rows, users, revenue int64
	var first, last string
	err = s.DB().QueryRowContext(ctx, `SELECT count(*), count(DISTINCT user_id), count(revenue),
		strftime(min("timestamp"), '%Y-%m-%d'), strftime(max("timestamp"), '%Y-%m-%d')
		FROM read_parquet(?)`, path).Scan(&rows, &users, &revenue, &first, &last)
	if err != nil {
		t.Fatal(err)
	}
	if rows != n {
		t.Errorf("parquet has %d rows, the report says %d", rows, n)
	}
	if users < 400 || revenue == 0 || first < "2025-05-27" || last != "2026-06-30" {
		t.Errorf("parquet: %d users, %d revenue rows, %s … %s", users, revenue, first, last)
	}
}

func TestGenErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gen", "--industry", "farming", "--out", dir}, `unknown industry "farming"`},
		{[]string{"gen", "--users", "0", "--out", dir}, "users must be between"},
		{[]string{"gen", "--format", "xlsx", "--out", dir}, `unknown format "xlsx"`},
		{[]string{"gen", "--end", "next friday", "--out", dir}, `--end "next friday"`},
		{[]string{"gen", "--days", "0", "--out", dir}, "days must be between"},
		{[]string{"gen", "--users", "10"}, `"out" not set`},
	} {
		code, stdout, stderr := genRun(t, tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q (stdout %q)", tc.args, code, stderr, tc.want, stdout)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed runs left %d files", len(entries))
	}
}
