package query

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"github.com/duckdb/duckdb-go/v2"
)

// OpenPlainDB opens a DuckDB database that is not a segscope store — no schema, no
// layout — with a store's memory limit, spill folder and UTC time zone. It exists for the
// benchmark's baseline: the same events loaded the way an analyst would with the DuckDB
// CLI (CREATE TABLE … AS SELECT * FROM read_parquet(…)), to run hand-written SQL on.
func OpenPlainDB(ctx context.Context, path string, opts Options) (*sql.DB, error) {
	opts, spill, err := memoryOptions(path, opts)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if spill != "" {
		// A plain in-memory database is only for tests; its spill folder goes at once
		// (DuckDB makes it again when it spills).
		defer os.RemoveAll(spill)
	}
	connector, err := duckdb.NewConnector(dsn(path, opts), nil)
	if err != nil {
		return nil, openError(path, err)
	}
	db := sql.OpenDB(connector)
	if _, err := db.ExecContext(ctx, `SET GLOBAL TimeZone = 'UTC'`); err != nil {
		db.Close()
		return nil, openError(path, err)
	}
	return db, nil
}
