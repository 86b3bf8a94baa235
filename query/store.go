// Package query is segscope's engine: it opens and sandboxes the DuckDB store, loads event
// exports into it, compiles segment conditions to SQL, evaluates them to member sets and
// answers counts, overlaps, members and timelines.
package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// Options tune how a store is opened. The zero value opens read-write with DuckDB's defaults.
type Options struct {
	ReadOnly       bool   // access_mode=READ_ONLY: served stores and concurrent readers
	Threads        int    // 0 = DuckDB's default (all cores)
	MemoryLimit    string // e.g. "2GB"; "" = DuckDB's default (80% of RAM)
	MaxTempDirSize string // e.g. "4GB"; "" = DuckDB's default
}

// Store is one segscope dataset: a DuckDB database holding users, events, accounts, the
// rejected rows and the record of what was loaded. A Store is safe for concurrent use.
type Store struct {
	db     *sql.DB
	path   string // "" for an in-memory store
	opts   Options
	sealed bool
}

// ErrLocked reports a store file held open for writing by another process.
var ErrLocked = errors.New("store is in use by another process")

// schemaVersion is written into meta; a store with another version is refused rather than
// misread.
const schemaVersion = "1"

var schemaDDL = []string{
	`CREATE TABLE IF NOT EXISTS users (
		uid        INTEGER NOT NULL,
		user_id    VARCHAR NOT NULL,
		account_id VARCHAR
	)`,
	`CREATE TABLE IF NOT EXISTS events (
		uid        INTEGER NOT NULL,
		event      VARCHAR NOT NULL,
		ts         TIMESTAMP NOT NULL,
		account_id VARCHAR,
		revenue    DOUBLE,
		properties JSON,
		sid        INTEGER NOT NULL -- sources.sid: lets a reload replace one file's events
	)`,
	`CREATE TABLE IF NOT EXISTS accounts (
		aid        INTEGER NOT NULL,
		account_id VARCHAR NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS rejected (
		source    VARCHAR NOT NULL,
		line      BIGINT,
		reason    VARCHAR NOT NULL,
		raw       VARCHAR,
		loaded_at TIMESTAMP NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS sources (
		sid       INTEGER NOT NULL,
		path      VARCHAR NOT NULL,
		kind      VARCHAR NOT NULL,
		format    VARCHAR NOT NULL,
		size      BIGINT,
		mod_time  TIMESTAMP,
		rows      BIGINT NOT NULL,
		rejected  BIGINT NOT NULL,
		loaded_at TIMESTAMP NOT NULL,
		seconds   DOUBLE NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS meta (
		key   VARCHAR NOT NULL,
		value VARCHAR NOT NULL
	)`,
}

// Open opens the store at path, creating its schema when it is new and writable. An empty
// path opens a fresh in-memory store.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if opts.ReadOnly && path == "" {
		return nil, errors.New("open store: an in-memory store cannot be read-only")
	}
	if opts.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
	}
	connector, err := duckdb.NewConnector(dsn(path, opts), nil)
	if err != nil {
		return nil, openError(path, err)
	}
	db := sql.OpenDB(connector)
	s := &Store{db: db, path: path, opts: opts}
	// Every timestamp is UTC; setting it globally (not per connection) means pooled
	// connections inherit it, and it still holds once the configuration is locked.
	if _, err := db.ExecContext(ctx, `SET GLOBAL TimeZone = 'UTC'`); err != nil {
		db.Close()
		return nil, openError(path, err)
	}
	if err := s.ensureSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func dsn(path string, opts Options) string {
	q := url.Values{}
	if opts.ReadOnly {
		q.Set("access_mode", "READ_ONLY")
	}
	if opts.Threads > 0 {
		q.Set("threads", strconv.Itoa(opts.Threads))
	}
	if opts.MemoryLimit != "" {
		q.Set("memory_limit", opts.MemoryLimit)
	}
	if opts.MaxTempDirSize != "" {
		q.Set("max_temp_directory_size", opts.MaxTempDirSize)
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

var lockPID = regexp.MustCompile(`PID (\d+)`)

// openError turns DuckDB's open failures into one clear line.
func openError(path string, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "Could not set lock") || strings.Contains(msg, "Conflicting lock") {
		if m := lockPID.FindStringSubmatch(msg); m != nil {
			return fmt.Errorf("open store %s: %w (pid %s); close it there or open read-only", path, ErrLocked, m[1])
		}
		return fmt.Errorf("open store %s: %w; close it there or open read-only", path, ErrLocked)
	}
	return fmt.Errorf("open store %s: %w", path, err)
}

func (s *Store) ensureSchema(ctx context.Context) error {
	var n int
	err := s.db.QueryRowContext(ctx,
		`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'meta'`).Scan(&n)
	if err != nil {
		return fmt.Errorf("open store %s: %w", s.displayPath(), err)
	}
	if n == 1 {
		var v string
		err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&v)
		if err != nil {
			return fmt.Errorf("open store %s: not a segscope store (no schema version): %w", s.displayPath(), err)
		}
		if v != schemaVersion {
			return fmt.Errorf("open store %s: schema version %s, this segscope reads %s", s.displayPath(), v, schemaVersion)
		}
		return nil
	}
	if s.opts.ReadOnly {
		return fmt.Errorf("open store %s: not a segscope store (load data into it with `segscope load`)", s.displayPath())
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	defer tx.Rollback()
	for _, ddl := range schemaDDL {
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO meta VALUES ('schema_version', ?), ('data_version', '0')`, schemaVersion); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	return tx.Commit()
}

// Seal locks the store down for user-composed queries: no extension loading, no file or
// network access, configuration locked. It cannot be undone for the life of the Store, so
// it comes after loading.
func (s *Store) Seal(ctx context.Context) error {
	if s.sealed {
		return nil
	}
	// The order matters: once external access is off it cannot be turned on again, and once
	// the configuration is locked nothing else can be set.
	for _, stmt := range []string{
		`SET autoinstall_known_extensions = false`,
		`SET autoload_known_extensions = false`,
		`SET allow_community_extensions = false`,
		`SET enable_external_access = false`,
		`SET lock_configuration = true`,
	} {
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("seal store: %s: %w", stmt, err)
		}
	}
	s.sealed = true
	return nil
}

// Sealed reports whether Seal has run.
func (s *Store) Sealed() bool { return s.sealed }

// Close releases the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the store's file, or "" when it lives in memory.
func (s *Store) Path() string { return s.path }

// ReadOnly reports whether the store was opened read-only.
func (s *Store) ReadOnly() bool { return s.opts.ReadOnly }

// DB exposes the database to the engine's own files and tests. Packages outside query
// never build SQL; they call the engine.
func (s *Store) DB() *sql.DB { return s.db }

func (s *Store) displayPath() string {
	if s.path == "" {
		return "(memory)"
	}
	return s.path
}

// DataVersion changes whenever data is loaded; caches of evaluated conditions key on it.
func (s *Store) DataVersion(ctx context.Context) (int64, error) {
	var v string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'data_version'`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read data version: %w", err)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read data version %q: %w", v, err)
	}
	return n, nil
}

// bumpDataVersion runs inside a load's transaction.
func bumpDataVersion(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx,
		`UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'data_version'`)
	if err != nil {
		return fmt.Errorf("bump data version: %w", err)
	}
	return nil
}
