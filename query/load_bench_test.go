package query

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkLoad compares Load with DuckDB's own `CREATE TABLE AS SELECT * FROM read_csv(…)`
// (or read_parquet) on the same file in the same run, each into a fresh store file. Point
// SEGSCOPE_BENCH_CSV and/or SEGSCOPE_BENCH_PARQUET at big canonical files (BENCHMARKS.md uses
// 10M rows); without them it generates 500k canonical rows itself.
//
//	go test ./query -run '^$' -bench BenchmarkLoad -benchtime 1x
func BenchmarkLoad(b *testing.B) {
	csvPath, parquetPath := os.Getenv("SEGSCOPE_BENCH_CSV"), os.Getenv("SEGSCOPE_BENCH_PARQUET")
	if csvPath == "" && parquetPath == "" {
		dir := b.TempDir()
		csvPath, parquetPath = filepath.Join(dir, "events.csv"), filepath.Join(dir, "events.parquet")
		if err := writeCanonicalFixture(csvPath, parquetPath, 500_000); err != nil {
			b.Fatal(err)
		}
	}
	for _, f := range []struct{ name, path, reader string }{
		{"csv", csvPath, "read_csv"},
		{"parquet", parquetPath, "read_parquet"},
	} {
		if f.path == "" {
			continue
		}
		b.Run(f.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				raw, rows := benchRawCTAS(b, f.reader, f.path)
				ours := benchLoad(b, f.path)
				b.ReportMetric(float64(rows)/ours.Seconds(), "events/s")
				b.ReportMetric(float64(rows)/raw.Seconds(), "raw_rows/s")
				b.ReportMetric(ours.Seconds()/raw.Seconds(), "x_raw")
			}
		})
	}
}

func benchRawCTAS(b *testing.B, reader, path string) (time.Duration, int64) {
	b.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "raw.duckdb"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	if _, err := s.DB().ExecContext(ctx, fmt.Sprintf("CREATE TABLE t AS SELECT * FROM %s(%s)", reader, quoteLiteral(path))); err != nil {
		b.Fatal(err)
	}
	d := time.Since(start)
	var n int64
	if err := s.DB().QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
		b.Fatal(err)
	}
	return d, n
}

func benchLoad(b *testing.B, path string) time.Duration {
	b.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "store.duckdb"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	if _, err := s.Load(ctx, LoadRequest{Paths: []string{path}}); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// writeCanonicalFixture generates n canonical events (1 in 10 a purchase with revenue, a
// small properties object) as CSV and as Parquet.
func writeCanonicalFixture(csvPath, parquetPath string, n int) error {
	ctx := context.Background()
	s, err := Open(ctx, "", Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	gen := fmt.Sprintf(`SELECT 'u' || (hash(i) %% %[1]d)::VARCHAR AS user_id,
		['view','click','add_to_cart','purchase','signup','login','search','share','review','logout'][(i %% 10)::INT + 1] AS event,
		strftime(TIMESTAMP '2025-01-01' + to_seconds((hash(i * 7) %% 31536000)::BIGINT), '%%Y-%%m-%%dT%%H:%%M:%%SZ') AS timestamp,
		'acct' || (hash(i) %% %[1]d // 5)::VARCHAR AS account_id,
		CASE WHEN i %% 10 = 3 THEN round((hash(i * 3) %% 10000) / 100.0, 2) END AS revenue,
		'{"page":"/p/' || (i %% 500)::VARCHAR || '","plan":"' || ['free','pro','team'][(i %% 3)::INT + 1] || '"}' AS properties
		FROM range(%[2]d) t(i)`, max(n/10, 1), n)
	if _, err := s.DB().ExecContext(ctx, fmt.Sprintf("COPY (%s) TO %s (HEADER, DELIMITER ',')", gen, quoteLiteral(csvPath))); err != nil {
		return err
	}
	_, err = s.DB().ExecContext(ctx, fmt.Sprintf("COPY (SELECT * FROM read_csv(%s)) TO %s (FORMAT parquet)", quoteLiteral(csvPath), quoteLiteral(parquetPath)))
	return err
}
