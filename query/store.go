// Package query is segscope's engine: it opens and sandboxes the DuckDB store, loads event
// exports into it, compiles segment conditions to SQL, evaluates them to member sets and
// answers counts, overlaps, members and timelines.
package query

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// Options tune how a store is opened. The zero value opens read-write with a bounded memory
// limit (memory.go) and DuckDB's other defaults.
type Options struct {
	ReadOnly bool // access_mode=READ_ONLY: served stores and concurrent readers
	Threads  int  // 0 = DuckDB's default (all cores)
	// MemoryLimit is e.g. "2GB" or "25%" of RAM; "" = $SEGSCOPE_MEMORY_LIMIT, else
	// DefaultMemoryLimit (memory.go). Past it DuckDB spills to TempDir.
	MemoryLimit    string
	MaxTempDirSize string // e.g. "4GB"; "" = DuckDB's default
	// TempDir is where DuckDB spills; "" = $SEGSCOPE_TEMP_DIR, else beside the store file
	// (STORE.duckdb.tmp), or a private temporary folder for an in-memory store.
	TempDir string
}

// Store is one segscope dataset: a DuckDB database holding users, events, accounts, the
// rejected rows and the record of what was loaded. A Store is safe for concurrent use.
type Store struct {
	db     *sql.DB
	path   string // "" for an in-memory store
	opts   Options
	sealed bool
	limits atomic.Pointer[Limits] // set by SealWith; connections made after it obey them
	spill  string                 // a spill folder Open made, removed by Close
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
		seconds   DOUBLE NOT NULL,
		content_hash VARCHAR, -- SHA-256 of the content (decompressed): the same export under another name is a re-load
		duplicates BIGINT, -- rows identical to an earlier row or event (FileReport.Duplicates)
		duplicates_dropped BIGINT, -- of those, the ones not loaded (--dedupe)
		currency VARCHAR -- ISO 4217 code of the revenue, 'mixed', or NULL: unknown
	)`,
	`CREATE TABLE IF NOT EXISTS meta (
		key   VARCHAR NOT NULL,
		value VARCHAR NOT NULL
	)`,
	userTraitsDDL,
}

// userTraitsDDL: the latest trait value per person, key and file, from which traits'
// user attributes are computed (load_traits.go).
const userTraitsDDL = `CREATE TABLE IF NOT EXISTS user_traits (
		uid   INTEGER NOT NULL,
		key   VARCHAR NOT NULL,
		value JSON NOT NULL,
		ts    TIMESTAMP NOT NULL,
		sid   INTEGER NOT NULL
	)`

// schemaAdditions bring a store made by an older segscope up to the columns this one writes.
var schemaAdditions = []string{
	`ALTER TABLE sources ADD COLUMN IF NOT EXISTS content_hash VARCHAR`,
	userTraitsDDL,
	`ALTER TABLE sources ADD COLUMN IF NOT EXISTS duplicates BIGINT`,
	`ALTER TABLE sources ADD COLUMN IF NOT EXISTS duplicates_dropped BIGINT`,
	`ALTER TABLE sources ADD COLUMN IF NOT EXISTS currency VARCHAR`,
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
	opts, spill, err := memoryOptions(path, opts)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	connector, err := duckdb.NewConnector(dsn(path, opts), nil)
	if err != nil {
		if spill != "" {
			os.RemoveAll(spill)
		}
		return nil, openError(path, err)
	}
	s := &Store{path: path, opts: opts, spill: spill}
	db := sql.OpenDB(&limitConnector{inner: connector, store: s})
	s.db = db
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
	if opts.TempDir != "" {
		q.Set("temp_directory", opts.TempDir)
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
		if !s.opts.ReadOnly {
			// Columns added since the schema's version 1 (older segscopes ignore them);
			// a read-only store without them reads as having none.
			for _, ddl := range schemaAdditions {
				if _, err := s.db.ExecContext(ctx, ddl); err != nil {
					return fmt.Errorf("open store %s: %w", s.displayPath(), err)
				}
			}
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
func (s *Store) Seal(ctx context.Context) error { return s.SealWith(ctx, Limits{}) }

// Limits bound what user-composed queries may take from a served store.
type Limits struct {
	// QueryTimeout is the deadline of every evaluation (Engine.Evaluate, EvaluateCondition,
	// Overlap: all of its statements and the work between them, see Engine.budget) and of
	// every other statement run after SealWith; DuckDB is interrupted when it passes and
	// the call fails with ErrQueryTimeout. 0: none.
	QueryTimeout time.Duration
	// MemoryLimit is DuckDB's memory_limit ("512MB", "2GB", "50%"); "" keeps the current one.
	MemoryLimit string
	// OnInterrupt, when set, hears of every statement stopped by its deadline or by its
	// caller's context. ctx is the caller's, so values in it tell who ran the statement.
	OnInterrupt func(ctx context.Context, ev Interrupt)
}

// Interrupt is one statement stopped before it finished.
type Interrupt struct {
	TimedOut bool          // the store's QueryTimeout passed (for a statement or a whole evaluation); false: the caller cancelled
	Elapsed  time.Duration // how long it ran
}

// ErrQueryTimeout is the error of a statement stopped by Limits.QueryTimeout.
var ErrQueryTimeout = fmt.Errorf("query took too long and was stopped: %w", context.DeadlineExceeded)

var memoryLimitRE = regexp.MustCompile(`^(?i)[0-9]+(\.[0-9]+)?\s*(b|kb|mb|gb|tb|kib|mib|gib|tib|%)$`)

// ValidMemoryLimit reports whether s is a DuckDB memory size SealWith accepts.
func ValidMemoryLimit(s string) bool { return memoryLimitRE.MatchString(s) }

// SealWith seals the store (see Seal) and applies limits to every statement run after it.
// Call it before the store is shared: connections in use while it runs keep no limits.
func (s *Store) SealWith(ctx context.Context, lim Limits) error {
	if s.sealed {
		if lim.QueryTimeout != 0 || lim.MemoryLimit != "" || lim.OnInterrupt != nil {
			return errors.New("seal store: already sealed; limits must come with the first seal")
		}
		return nil
	}
	if lim.MemoryLimit != "" {
		setting, err := memoryLimitSetting(lim.MemoryLimit)
		if err != nil {
			return err
		}
		if _, err := s.db.ExecContext(ctx, fmt.Sprintf(`SET GLOBAL memory_limit = '%s'`, setting)); err != nil {
			return fmt.Errorf("seal store: memory limit: %w", err)
		}
	}
	if lim.QueryTimeout > 0 || lim.OnInterrupt != nil {
		s.limits.Store(&lim)
		// Drop the idle connections, made without limits; new ones are made with them.
		s.db.SetMaxIdleConns(-1)
		s.db.SetMaxIdleConns(defaultMaxIdleConns)
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

// defaultMaxIdleConns is database/sql's default, restored after SealWith empties the pool.
const defaultMaxIdleConns = 2

// Sealed reports whether Seal has run.
func (s *Store) Sealed() bool { return s.sealed }

// Close releases the database, and the spill folder Open made for an in-memory store.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.spill != "" {
		os.RemoveAll(s.spill)
	}
	return err
}

// MemoryLimit is the memory limit DuckDB was opened with, as DuckDB takes it ("5.9GiB").
func (s *Store) MemoryLimit() string { return s.opts.MemoryLimit }

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

// limitConnector makes the store's connections. Until SealWith sets limits it hands out
// DuckDB's own connections untouched (so conn.Raw sees a *duckdb.Conn); after, connections
// that put a deadline on every statement and report interruptions.
type limitConnector struct {
	inner driver.Connector
	store *Store
}

func (c *limitConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	lim := c.store.limits.Load()
	if lim == nil {
		return conn, nil
	}
	lc := &limitConn{lim: lim}
	var ok bool
	if lc.conn, ok = conn.(duckdbConn); !ok {
		conn.Close()
		return nil, errors.New("open connection: the DuckDB driver's connection lacks context support")
	}
	return lc, nil
}

func (c *limitConnector) Driver() driver.Driver { return c.inner.Driver() }

// Close closes the DuckDB database; sql.DB.Close calls it.
func (c *limitConnector) Close() error {
	if cl, ok := c.inner.(interface{ Close() error }); ok {
		return cl.Close()
	}
	return nil
}

// duckdbConn is what *duckdb.Conn implements and limitConn passes through.
type duckdbConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.QueryerContext
	driver.ExecerContext
	driver.NamedValueChecker
}

type limitConn struct {
	conn duckdbConn
	lim  *Limits
}

// bound gives a statement its deadline; finish reports how it ended and returns the
// error to hand back.
func (c *limitConn) bound(ctx context.Context) (context.Context, func(error) error) {
	start := time.Now()
	qctx, cancel := ctx, context.CancelFunc(func() {})
	if c.lim.QueryTimeout > 0 {
		qctx, cancel = context.WithTimeout(ctx, c.lim.QueryTimeout)
	}
	return qctx, func(err error) error {
		defer cancel()
		if err == nil {
			return nil
		}
		switch {
		case ctx.Err() != nil && errors.Is(context.Cause(ctx), ErrQueryTimeout):
			// The evaluation's budget ran out (Engine.budget reports it, once).
			return context.Cause(ctx)
		case ctx.Err() != nil:
			c.report(ctx, Interrupt{Elapsed: time.Since(start)})
		case qctx.Err() != nil:
			c.report(ctx, Interrupt{TimedOut: true, Elapsed: time.Since(start)})
			return fmt.Errorf("%w (limit %v)", ErrQueryTimeout, c.lim.QueryTimeout)
		}
		return err
	}
}

func (c *limitConn) report(ctx context.Context, ev Interrupt) {
	if c.lim.OnInterrupt != nil {
		c.lim.OnInterrupt(ctx, ev)
	}
}

func (c *limitConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	qctx, finish := c.bound(ctx)
	rows, err := c.conn.QueryContext(qctx, query, args)
	if err != nil {
		return nil, finish(err)
	}
	return &limitRows{Rows: rows, finish: finish}, nil
}

func (c *limitConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	qctx, finish := c.bound(ctx)
	res, err := c.conn.ExecContext(qctx, query, args)
	return res, finish(err)
}

func (c *limitConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	ls := &limitStmt{Stmt: st, conn: c}
	var ok bool
	if ls.ctx, ok = st.(stmtContext); !ok {
		st.Close()
		return nil, errors.New("prepare: the DuckDB driver's statement lacks context support")
	}
	return ls, nil
}

func (c *limitConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *limitConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.conn.BeginTx(ctx, opts)
}

func (c *limitConn) Begin() (driver.Tx, error) {
	return c.conn.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *limitConn) CheckNamedValue(nv *driver.NamedValue) error { return c.conn.CheckNamedValue(nv) }

func (c *limitConn) Close() error { return c.conn.Close() }

type stmtContext interface {
	driver.StmtQueryContext
	driver.StmtExecContext
}

type limitStmt struct {
	driver.Stmt
	ctx  stmtContext
	conn *limitConn
}

func (s *limitStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	qctx, finish := s.conn.bound(ctx)
	rows, err := s.ctx.QueryContext(qctx, args)
	if err != nil {
		return nil, finish(err)
	}
	return &limitRows{Rows: rows, finish: finish}, nil
}

func (s *limitStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	qctx, finish := s.conn.bound(ctx)
	res, err := s.ctx.ExecContext(qctx, args)
	return res, finish(err)
}

// limitRows ends the statement's deadline when the rows are closed.
type limitRows struct {
	driver.Rows
	finish func(error) error
	done   bool
}

func (r *limitRows) Close() error {
	err := r.Rows.Close()
	if !r.done {
		r.done = true
		r.finish(nil)
	}
	return err
}

func (r *limitRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *limitRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}
