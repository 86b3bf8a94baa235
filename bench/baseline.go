package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/segscope/segscope/query"
)

// The baseline answers the question users ask: why not just the DuckDB CLI? It is the
// same source file loaded the way an analyst would — CREATE TABLE events AS SELECT * FROM
// read_parquet(…) (read_csv for CSV), and the users file likewise — with no segscope
// layout, ids or rollup, and the hand-written statements rewritten for its columns
// (user_id, "timestamp", JSON properties as text). bench runs them there beside the
// engine, and the load beside `segscope load`.

// Baseline is the plain store of a run.
type Baseline struct {
	Path          string  `json:"path"`
	Source        string  `json:"source,omitempty"`         // the events file it was made from, when bench made it
	CreateSeconds float64 `json:"create_seconds,omitempty"` // the CTAS of the events and users, when bench made it
	Events        int64   `json:"events"`
	db            *sql.DB
}

// OpenBaseline opens the plain store at path, making it from eventsFile (Parquet or CSV)
// and usersFile with CREATE TABLE … AS SELECT when it does not exist yet. Close it with
// Close.
func OpenBaseline(ctx context.Context, path, eventsFile, usersFile string) (*Baseline, error) {
	b := &Baseline{Path: path}
	_, err := os.Stat(path)
	create := errors.Is(err, fs.ErrNotExist)
	if create && eventsFile == "" {
		return nil, fmt.Errorf("baseline %s: no such store (give --baseline-from EVENTS to make it)", path)
	}
	opts := query.Options{ReadOnly: !create}
	if b.db, err = query.OpenPlainDB(ctx, path, opts); err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	if create {
		b.Source = eventsFile
		start := time.Now()
		if err := b.create(ctx, eventsFile, usersFile); err != nil {
			b.db.Close()
			os.Remove(path)
			os.Remove(path + ".wal")
			return nil, err
		}
		b.CreateSeconds = time.Since(start).Seconds()
	}
	if err := b.db.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&b.Events); err != nil {
		b.db.Close()
		return nil, fmt.Errorf("baseline %s: %w", path, err)
	}
	return b, nil
}

func (b *Baseline) create(ctx context.Context, eventsFile, usersFile string) error {
	stmts := []string{`CREATE TABLE events AS SELECT * FROM ` + reader(eventsFile)}
	if usersFile != "" {
		stmts = append(stmts, `CREATE TABLE users AS SELECT * FROM `+reader(usersFile))
	} else {
		stmts = append(stmts, `CREATE TABLE users AS SELECT DISTINCT user_id FROM events`)
	}
	for _, q := range stmts {
		if _, err := b.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("baseline: %s: %w", q, err)
		}
	}
	_, err := b.db.ExecContext(ctx, `CHECKPOINT`)
	return err
}

// reader is the DuckDB table function reading a file, as an analyst would type it.
func reader(path string) string {
	lit := "'" + strings.ReplaceAll(path, "'", "''") + "'"
	if strings.HasSuffix(strings.ToLower(path), ".parquet") {
		return "read_parquet(" + lit + ")"
	}
	return "read_csv(" + lit + ")"
}

// Close closes the plain store.
func (b *Baseline) Close() error { return b.db.Close() }
