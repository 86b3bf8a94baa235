package query

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCSVToParquet(t *testing.T) {
	ctx := context.Background()
	// A quote in the directory name must not break (or inject into) the COPY statement.
	dir := filepath.Join(t.TempDir(), "it's; DROP TABLE x; --")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "events.csv")
	csv := "user_id,event,timestamp,account_id,revenue,properties\n" +
		"u1,purchase,2026-11-27T23:59:59Z,,49.99,\"{\"\"sku\"\":\"\"APP-1000\"\",\"\"items\"\":2}\"\n" +
		"u2,login,2025-06-06T00:00:00Z,a7,,\"{\"\"platform\"\":\"\"web\"\"}\"\n" +
		"u2,invite_sent,2025-06-07T08:30:00Z,a7,,{}\n"
	if err := os.WriteFile(src, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "events.parquet")
	n, err := CSVToParquet(ctx, src, dst, CanonicalEventColumns())
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("rows: %d, want 3", n)
	}

	s, err := Open(ctx, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.DB().QueryContext(ctx, `SELECT user_id, event, "timestamp", account_id, revenue, properties,
		typeof("timestamp"), typeof(revenue) FROM read_parquet(?) ORDER BY "timestamp"`, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type row struct {
		user, event   string
		ts            time.Time
		account       sql.NullString
		revenue       sql.NullFloat64
		props         string
		tsType, rType string
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.user, &r.event, &r.ts, &r.account, &r.revenue, &r.props, &r.tsType, &r.rType); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("read back %d rows", len(got))
	}
	first, last := got[0], got[2]
	if first.user != "u2" || first.event != "login" || !first.ts.Equal(time.Date(2025, 6, 6, 0, 0, 0, 0, time.UTC)) ||
		first.account.String != "a7" || first.revenue.Valid || first.props != `{"platform":"web"}` {
		t.Errorf("first row %+v", first)
	}
	if last.user != "u1" || !last.ts.Equal(time.Date(2026, 11, 27, 23, 59, 59, 0, time.UTC)) ||
		last.account.Valid || last.revenue.Float64 != 49.99 || last.props != `{"sku":"APP-1000","items":2}` {
		t.Errorf("last row %+v", last)
	}
	if first.tsType != "TIMESTAMP WITH TIME ZONE" || first.rType != "DOUBLE" {
		t.Errorf("types: timestamp %s, revenue %s", first.tsType, first.rType)
	}
	if got[1].props != "{}" {
		t.Errorf("empty properties read back as %q", got[1].props)
	}
}

func TestCSVToParquetRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "a.csv")
	if err := os.WriteFile(src, []byte("x\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cols := []CSVColumn{{"x", "BIGINT"}}
	for name, tc := range map[string]struct {
		src, dst string
		cols     []CSVColumn
		want     string
	}{
		"glob source":   {filepath.Join(dir, "*.csv"), filepath.Join(dir, "a.parquet"), cols, "glob"},
		"glob target":   {src, filepath.Join(dir, "[a].parquet"), cols, "glob"},
		"injected type": {src, filepath.Join(dir, "a.parquet"), []CSVColumn{{"x", "BIGINT'); DROP TABLE t; --"}}, "unsupported type"},
		"no columns":    {src, filepath.Join(dir, "a.parquet"), nil, "no columns"},
		"missing file":  {filepath.Join(dir, "none.csv"), filepath.Join(dir, "a.parquet"), cols, "none.csv"},
	} {
		_, err := CSVToParquet(ctx, tc.src, tc.dst, tc.cols)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", name, err, tc.want)
		}
	}
}
