package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// LoadRequest says what to load into a store.
type LoadRequest struct {
	// Paths are event files, folders (every data file under them) and glob patterns.
	Paths []string
	// Users is an optional users file: a user id column and attribute columns.
	Users string
	// Map overrides detection: field (user_id, event, timestamp, account_id, revenue,
	// properties) → the file's column. See ParseMap. An event of "=NAME" (--event NAME,
	// --map event==NAME) gives every row of every file that event name.
	Map map[string]string
	// Replace reloads files already in the store, removing their previous events and
	// rejected rows first. Without it such files are refused. A file is in the store when its
	// path is, or its content (the same export under another name, gzip'd or not).
	Replace bool
	// AppendAnyway loads a file whose content is already in the store under another name
	// again, next to it (identical rows are then duplicates).
	AppendAnyway bool
	// Dedupe drops the duplicates a load finds (see FileReport.Duplicates) instead of
	// loading them; without it they are loaded and counted.
	Dedupe bool
	// LimitRejected makes a load whose files reject more than MaxRejected of their rows
	// (a share, 0.05 = 5%) as malformed fail after the report is made: the store is then
	// unchanged, and Load returns the report with ErrTooManyRejected. Rows without a user
	// id are not malformed (see LimitAnonymous).
	LimitRejected bool
	MaxRejected   float64
	// LimitAnonymous does the same for rows without a user id (guest purchases, anonymous
	// visits: a quarter of UCI Online Retail), over MaxAnonymous of a file's rows. They are
	// rejected ("no user id"), counted apart from malformed rows, and the report warns of
	// them in words: they are in no segment.
	LimitAnonymous bool
	MaxAnonymous   float64
	// TimeFormat says how timestamps are written (see ParseTimeFormat): "" reads them
	// automatically and refuses a column that could be misread.
	TimeFormat string
	// TimeRange is the span a timestamp must lie in, [from, to); a row outside is rejected.
	// The zero value is DefaultTimeRange (1900–2200).
	TimeRange [2]time.Time
	// Nulls are the values that mean "missing" in every column; nil is DefaultNulls. The
	// empty string is always missing.
	Nulls []string
	// Currency is the ISO 4217 code (GBP, USD, …) of the files' revenue, when their rows do
	// not say it (a currency column or property); "" leaves it unknown.
	Currency string
	// Now is the present, for the warning about events in the future; zero is time.Now().
	Now time.Time
	// Progress, when set, hears about each file and phase as the load goes.
	Progress func(ProgressEvent)
	// Trace, when set, is written each statement the load runs with the time it took.
	Trace io.Writer
}

// Phase names a step of loading one file.
type Phase string

// The phases of a load, in order, for each file.
const (
	PhaseReading   Phase = "reading"   // DuckDB reads and validates the file
	PhaseUsers     Phase = "users"     // new people and accounts get their dense ids
	PhaseWriting   Phase = "writing"   // good rows go into events (or users' attributes)
	PhaseRejecting Phase = "rejecting" // bad rows go into rejected
	PhaseDone      Phase = "done"      // the file is loaded; Rows holds its loaded rows
	PhaseCommit    Phase = "commit"    // every file is loaded; the transaction commits
)

// ProgressEvent reports a load's progress. DuckDB's Go driver (duckdb-go v2.10506) does not
// expose the progress of a running query (duckdb_query_progress is bound in its internal
// mapping but not reachable from a Conn), so progress moves per file and per phase, and
// Rows is known once a file is read.
type ProgressEvent struct {
	File  string // absolute path; "" for PhaseCommit
	Index int    // 0-based index of the file among Files
	Files int
	Phase Phase
	Rows  int64 // rows of File read (from PhaseUsers on), or loaded (PhaseDone)
	// Fraction estimates how much of the load is done, 0 to 1, by file size: reading and
	// validating a file counts for 55% of its share, writing it for 45% (their split on a
	// 10M-row CSV).
	Fraction   float64
	BytesTotal int64 // size of all files of this load
	Elapsed    time.Duration
}

// readShare is the part of a file's load that reading and validating takes.
const readShare = 0.55

// LoadReport is what a load did.
type LoadReport struct {
	Files      []FileReport `json:"files"`           // event files, in load order
	Users      *FileReport  `json:"users,omitempty"` // the users file, when one was given
	Events     int64        `json:"events"`          // events loaded by this load
	Rejected   int64        `json:"rejected"`        // rows rejected by this load, all files
	Duplicates int64        `json:"duplicates"`      // duplicate rows found by this load, all files
	// DuplicatesDropped are the duplicates not loaded (LoadRequest.Dedupe).
	DuplicatesDropped int64   `json:"duplicates_dropped"`
	NewUsers          int64   `json:"new_users"` // people who got a uid in this load
	NewAccounts       int64   `json:"new_accounts"`
	Seconds           float64 `json:"seconds"`
	DataVersion       int64   `json:"data_version"` // the store's data version after the load
}

// FileReport is what happened to one file.
type FileReport struct {
	Path    string `json:"path"`
	Kind    string `json:"kind"` // "events" or "users"
	Format  Format `json:"format"`
	Gzip    bool   `json:"gzip,omitempty"`
	Flavour string `json:"flavour"` // which export the columns came from
	// Timestamps says how the timestamps were read: "ISO 8601", "YYYYMMDD", "epoch_ms",
	// "M/D/Y", a --time-format, …
	Timestamps string `json:"timestamps,omitempty"`
	// First and Last are the earliest and latest event loaded from the file (events files
	// with events only).
	First time.Time `json:"first,omitzero"`
	Last  time.Time `json:"last,omitzero"`
	// Warnings say in words what looks wrong with the loaded data: times before 1990 or in
	// the future, one person holding an implausible share of the rows.
	Warnings []string `json:"warnings,omitempty"`
	Mapped   []string `json:"mapped,omitempty"` // fields set by --map
	// Guessed are the fields of a file without a header that its columns' content named
	// (field=column0: a column of dates is the time), as --map would.
	Guessed []string `json:"guessed,omitempty"`
	// Roles say which columns filled which fields (events files), and RecognisedBy the
	// columns that made the flavour's rule match.
	Roles        []ColumnRole `json:"roles,omitempty"`
	RecognisedBy []string     `json:"recognised_by,omitempty"`
	// Layout says how a JSON file holds its records ("one object per line", "an array of
	// objects", …); Delimiter how a text file separates its fields.
	Layout    string `json:"layout,omitempty"`
	Delimiter string `json:"delimiter,omitempty"`
	// Attributes are the user attributes the file's traits set (identify traits, Amplitude
	// and GA4 user_properties, …), the latest value by event time winning.
	Attributes []string `json:"attributes,omitempty"`
	Replaced   bool     `json:"replaced,omitempty"`
	// Rows read from the file (data rows, not the header) = Loaded + Rejected +
	// DuplicatesDropped.
	Rows     int64 `json:"rows"`
	Loaded   int64 `json:"loaded"`
	Rejected int64 `json:"rejected"`
	// Duplicates are rows identical in every field loaded (person, event, time, account,
	// revenue, properties) to an earlier row of the file, or to an event already in the
	// store (from another file, or an earlier load): an export loaded twice under other
	// content, or a tool that wrote a row twice. They are loaded and counted, or with
	// LoadRequest.Dedupe dropped and counted in DuplicatesDropped too. Events files only.
	Duplicates        int64 `json:"duplicates"`
	DuplicatesDropped int64 `json:"duplicates_dropped"`
	// Currency is the ISO 4217 code of the file's revenue: from LoadRequest.Currency, or
	// the one its rows with revenue name in a currency column or property; "mixed" when
	// they name several (see Warnings), "" when unknown.
	Currency         string           `json:"currency,omitempty"`
	RejectedByReason map[string]int64 `json:"rejected_by_reason,omitempty"`
	Examples         []RejectExample  `json:"examples,omitempty"` // up to 5, by line
	Seconds          float64          `json:"seconds"`
	RowsPerSecond    float64          `json:"rows_per_second"`
}

// FormatLabel is how the report and sources.format name the file: "csv.gz (segment)".
func (f FileReport) FormatLabel() string {
	s := string(f.Format)
	if f.Gzip {
		s += ".gz"
	}
	if f.Flavour != "" {
		s += " (" + f.Flavour + ")"
	}
	return s
}

// RejectExample is one rejected row: where it was and why.
type RejectExample struct {
	File   string `json:"file"`
	Line   int64  `json:"line"` // 1-based line of a CSV/NDJSON file; row or record number of Parquet/JSON arrays
	Reason string `json:"reason"`
	Raw    string `json:"raw"`
}

func (e RejectExample) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Reason, e.Raw)
}

// maxExamples is how many rejected rows a report quotes per file.
const maxExamples = 5

// loadPlan is one file ready to load: its path, detected format and size.
type loadPlan struct {
	path    string
	sniff   sniffedFile
	size    int64
	modTime time.Time
	kind    string    // "events" or "users"
	nulls   []string  // the values read as missing
	hash    string    // SHA-256 of the content (fingerprint)
	text    *textRead // CSV, TSV and NDJSON: the scan of the file, see load_reconcile.go
}

func planFile(path, kind string) (loadPlan, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return loadPlan{}, fmt.Errorf("load %s: no such file", path)
		}
		return loadPlan{}, fmt.Errorf("load %s: %w", path, err)
	}
	if st.IsDir() {
		return loadPlan{}, fmt.Errorf("load %s: is a folder", path)
	}
	sf, err := detectFormat(path)
	if err != nil {
		return loadPlan{}, fmt.Errorf("load %s: %w", path, err)
	}
	return loadPlan{path: path, sniff: sf, size: st.Size(), modTime: st.ModTime().UTC(), kind: kind}, nil
}

// Load reads event exports (and optionally a users file) into the store in one
// transaction: when it returns an error the store is unchanged.
//
// How it goes, and the decisions behind it:
//   - Each file is read once by DuckDB's own reader (read_csv as text with store_rejects,
//     NDJSON line by line, read_json_objects for arrays) into a temporary stage table with
//     every field parsed and a reason on each bad row; then, in one transaction, new people
//     and accounts get ids, good rows go into events and bad ones into rejected. Stages are
//     built before the transaction: DuckDB scans a temporary table created inside it about
//     2× slower. They live in memory (spilling to DuckDB's temp folder), so peak memory
//     grows with the rows of one load. Parquet has no stage: its reader numbers rows and
//     reads fast, so the file is read once for the people and again to write the events
//     (see prepareEventsFile).
//   - A file's identity is its absolute path (symlinks resolved): loading it again is
//     refused with ErrAlreadyLoaded unless req.Replace, which deletes its previous events
//     (events.sid) and rejected rows first. Content fingerprints were not chosen: hashing
//     a 1 GB export costs seconds, and a re-export with one more day should append.
//   - uids are dense, 0..n-1, and never change afterwards: a person whose events are
//     replaced away keeps the uid. Each file's new people take the next ids (files in load
//     order, the users file last), numbered within the file in hash order of their user id,
//     not in order of appearance, so that the first ids of every such batch are a random
//     sample of it (idruns.go: estimates read a prefix of each batch). accounts.aid likewise.
//   - users.account_id is the account of the person's latest event (by ts) in the load
//     that last named one; a users file's account_id column, loaded after the events of
//     the same load, wins over them.
//   - Rejected rows (see the Reason constants) are counted, kept in rejected with their
//     source, line and raw text, and the first five are quoted in the report. Negative
//     revenue is kept (refunds); revenue that is not a finite number is rejected.
//   - Lines: CSV lines count the header; a quoted line break inside a field, or a blank
//     line in a CSV, shifts the lines of later rejected rows (DuckDB's reader counts
//     records), which is why the raw text is kept too. NDJSON lines are exact, blank lines
//     skipped. Parquet rows and JSON array records are numbered from 1.
//   - Each file's events are written sorted by (event, uid, ts), and the per-person
//     rollup brought up to date, before the commit: the layout of layout.go and
//     rollup.go, which the engine's queries rely on for speed (never for their answers).
func (s *Store) Load(ctx context.Context, req LoadRequest) (*LoadReport, error) {
	start := time.Now()
	if s.opts.ReadOnly {
		return nil, fmt.Errorf("load: store %s is open read-only", s.displayPath())
	}
	if s.sealed {
		return nil, fmt.Errorf("load: store %s is sealed (file access is off); load before sealing", s.displayPath())
	}
	if len(req.Paths) == 0 && req.Users == "" {
		return nil, errors.New("load: no files given")
	}
	for f := range req.Map {
		if !knownMapField(f) {
			return nil, fmt.Errorf("load: --map %s: unknown field (fields: %s)", f, strings.Join(MapFields, ", "))
		}
	}
	tr, err := ParseTimeFormat(req.TimeFormat)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if req.Currency != "" && !currencyCode.MatchString(req.Currency) {
		return nil, fmt.Errorf("load: currency %q: want an ISO 4217 code of three capital letters, such as GBP or USD", req.Currency)
	}
	rd := reading{time: tr, timeRange: req.TimeRange}
	if rd.timeRange[0].IsZero() && rd.timeRange[1].IsZero() {
		rd.timeRange = DefaultTimeRange
	}
	if !rd.timeRange[0].Before(rd.timeRange[1]) {
		return nil, fmt.Errorf("load: time range %s … %s is empty", rd.timeRange[0].Format(time.RFC3339), rd.timeRange[1].Format(time.RFC3339))
	}
	nulls := req.Nulls
	if nulls == nil {
		nulls = DefaultNulls
	}
	paths, err := expandPaths(req.Paths)
	if err != nil {
		return nil, fmt.Errorf("load %w", err)
	}
	// Detect every file before touching the store, so a bad one fails the load fast.
	var plans []loadPlan
	var total int64
	for _, p := range paths {
		pl, err := planFile(p, "events")
		if err != nil {
			return nil, err
		}
		pl.nulls = nulls
		plans = append(plans, pl)
		total += pl.size
	}
	var usersPlan *loadPlan
	if req.Users != "" {
		up, err := expandPaths([]string{req.Users})
		if err != nil {
			return nil, fmt.Errorf("load users %w", err)
		}
		if len(up) != 1 {
			return nil, fmt.Errorf("load users %s: want one users file, found %d", req.Users, len(up))
		}
		pl, err := planFile(up[0], "users")
		if err != nil {
			return nil, err
		}
		pl.nulls = nulls
		usersPlan = &pl
		total += pl.size
	}

	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	defer conn.Close()
	l := &loader{conn: conn, req: req, start: start, total: total, files: len(plans), rd: rd, nulls: nulls}
	l.q = l.traced(conn)
	defer l.dropTemps()
	if len(tr.formats) > 0 {
		// A format DuckDB does not know fails here, before any file is read.
		if _, err := conn.ExecContext(ctx, "SELECT try_strptime('', "+sqlList(tr.formats)+")"); err != nil {
			return nil, fmt.Errorf("load: --time-format %q: %w", req.TimeFormat, err)
		}
	}

	// Read every file once for its fingerprint, which also finds gzip streams and Parquet
	// files cut short, and scans text files' structure (load_reconcile.go), before anything
	// is loaded.
	seen := map[string]string{}
	for _, pl := range append(append([]*loadPlan{}, planPtrs(plans)...), usersPlan) {
		if pl == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
		if err := l.fingerprint(ctx, pl); err != nil {
			return nil, fmt.Errorf("load %s: %w", pl.path, err)
		}
		if other, dup := seen[pl.hash]; dup && !req.AppendAnyway {
			return nil, fmt.Errorf("load %s: %w: the same content as %s in this load; load one of them (--append-anyway loads both)", pl.path, ErrAlreadyLoaded, other)
		}
		seen[pl.hash] = pl.path
	}

	all := plans
	if usersPlan != nil {
		// The users file goes last: its account ids then win over the events' (see
		// DESIGN.md "The store"), and its people without events get the next uids.
		all = append(all, *usersPlan)
		l.files++
	}

	// Phase 1, outside the transaction: refuse files already loaded, then read and validate
	// every file into a temporary stage table. Staging outside matters for speed: DuckDB
	// scans a temporary table created inside the writing transaction about 2× slower, and
	// the stages are private to this connection anyway.
	preps := make([]*preparedFile, len(all))
	for i, pl := range all {
		l.index = i
		if _, err := l.claimSource(ctx, pl, false); err != nil {
			return nil, err
		}
		var err error
		if pl.kind == "users" {
			preps[i], err = l.prepareUsersFile(ctx, pl)
		} else {
			preps[i], err = l.prepareEventsFile(ctx, pl)
		}
		if err != nil {
			return nil, err
		}
		l.staged += pl.size
	}

	// Phase 2, one transaction: ids, events, attributes, rejected rows, sources.
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	defer tx.Rollback()
	l.tx, l.q = tx, l.traced(tx)
	if err := l.init(ctx); err != nil {
		return nil, err
	}
	rep := &LoadReport{}
	usersBefore, accountsBefore, sidBefore := l.nextUID, l.nextAID, l.nextSID
	for i, p := range preps {
		l.index = i
		replaced, err := l.claimSource(ctx, p.plan, true)
		if err != nil {
			return nil, err
		}
		p.report.Replaced = replaced
		if p.plan.kind == "users" {
			err = l.writeUsersFile(ctx, p)
		} else {
			err = l.writeEventsFile(ctx, p)
		}
		if err != nil {
			return nil, err
		}
		fr := p.report
		l.done += p.plan.size
		l.progress(p.plan, PhaseDone, fr.Loaded)
		if p.plan.kind == "users" {
			rep.Users = fr
		} else {
			rep.Files = append(rep.Files, *fr)
			rep.Events += fr.Loaded
		}
		rep.Rejected += fr.Rejected
		rep.Duplicates += fr.Duplicates
		rep.DuplicatesDropped += fr.DuplicatesDropped
	}
	if req.LimitRejected || req.LimitAnonymous {
		if err := rejectedOverLimit(rep, req); err != nil {
			rep.Seconds = time.Since(start).Seconds()
			return rep, err // the deferred Rollback leaves the store as it was
		}
	}
	rep.NewUsers = int64(l.nextUID - usersBefore)
	rep.NewAccounts = int64(l.nextAID - accountsBefore)
	l.progress(loadPlan{}, PhaseCommit, rep.Events)
	if err := l.recordHashRuns(ctx); err != nil {
		return nil, err
	}
	if err := bumpDataVersion(ctx, tx); err != nil {
		return nil, err
	}
	if err := l.arrange(ctx, sidBefore); err != nil { // layout.go
		return nil, err
	}
	var dv string
	if err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'data_version'`).Scan(&dv); err != nil {
		return nil, fmt.Errorf("load: read data version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("load: commit: %w", err)
	}
	fmt.Sscan(dv, &rep.DataVersion)
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// prepared is one file read into its stage table, waiting for the writing transaction.
type preparedFile struct {
	plan   loadPlan
	src    *fileSource
	stage  string // temporary table: one row per record, parsed, with a reason when bad
	parsed string // instead of a stage: the query reading the file into such rows, with k
	pairs  string // events files: distinct (user_id, account_id) with first row and last ts
	good   int64
	bad    int64      // records read but not loaded (events files)
	who    string     // the columns naming the person, for messages
	blank  int64      // NDJSON: blank lines (no rows)
	attrs  []userAttr // users files: attribute columns
	traits bool       // events files: the stage has traits to turn into attributes (load_traits.go)
	began  time.Time
	report *FileReport
}

// rows is the FROM item yielding the file's parsed records: the stage, or the file read again.
func (p *preparedFile) rows() string {
	if p.parsed != "" {
		return "(" + p.parsed + ")"
	}
	return quoteIdent(p.stage)
}

// recordNo orders rows() in file order.
func (p *preparedFile) recordNo() string {
	if p.parsed != "" {
		return "k"
	}
	return "rowid"
}

func knownMapField(f string) bool {
	for _, k := range MapFields {
		if k == f {
			return true
		}
	}
	return false
}

// querier is what the loader runs statements on: the pinned connection while staging, the
// transaction while writing.
type loadQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// loader carries one load's connection, transaction and counters from file to file.
type loader struct {
	conn    *sql.Conn
	tx      *sql.Tx
	q       loadQuerier
	temps   []string // temporary tables to drop when the load ends
	req     LoadRequest
	start   time.Time
	index   int
	files   int
	staged  int64 // bytes of files read into their stage
	done    int64 // bytes of files written
	total   int64
	nextUID int32
	nextAID int32
	nextSID int32
	uidRuns hashRuns // batches of new uids numbered in hash order (idruns.go)
	aidRuns hashRuns
	seq     int // names this load's temporary tables
	rd      reading
	nulls   []string
	copies  []string // regular copies of irregular text files, removed when the load ends
}

func (l *loader) init(ctx context.Context) error {
	err := l.q.QueryRowContext(ctx, `SELECT
		(SELECT coalesce(max(uid) + 1, 0) FROM users),
		(SELECT coalesce(max(aid) + 1, 0) FROM accounts),
		(SELECT coalesce(max(sid) + 1, 0) FROM sources)`).Scan(&l.nextUID, &l.nextAID, &l.nextSID)
	if err != nil {
		return fmt.Errorf("load: read store ids: %w", err)
	}
	return nil
}

// phaseShare is how far into its part (reading or writing) a file is when a phase starts.
func phaseShare(ph Phase) float64 {
	switch ph {
	case PhaseUsers:
		return 0.6
	case PhaseRejecting:
		return 0.95
	}
	return 0
}

func (l *loader) progress(pl loadPlan, ph Phase, rows int64) {
	if l.req.Progress == nil {
		return
	}
	read, written := float64(l.staged), float64(l.done)
	switch ph {
	case PhaseReading, PhaseUsers:
		read += phaseShare(ph) * float64(pl.size)
	case PhaseWriting, PhaseRejecting:
		written += phaseShare(ph) * float64(pl.size)
	}
	frac := 1.0
	if l.total > 0 {
		frac = (readShare*read + (1-readShare)*written) / float64(l.total)
	}
	l.req.Progress(ProgressEvent{File: pl.path, Index: l.index, Files: l.files, Phase: ph, Rows: rows,
		Fraction: frac, BytesTotal: l.total, Elapsed: time.Since(l.start)})
}

// tempName names a temporary table of this load and remembers to drop it.
func (l *loader) tempName(prefix string) string {
	l.seq++
	name := fmt.Sprintf("segscope_%s_%d", prefix, l.seq)
	l.temps = append(l.temps, name)
	return name
}

// dropTemps removes the load's temporary tables (stages, DuckDB's reject tables) from the
// pooled connection, whatever happened; they were created outside the transaction.
func (l *loader) dropTemps() {
	ctx := context.Background()
	for _, t := range l.temps {
		l.conn.ExecContext(ctx, "DROP TABLE IF EXISTS temp."+quoteIdent(t))
	}
	for _, c := range l.copies {
		os.Remove(c)
	}
}

func (l *loader) exec(ctx context.Context, what, query string, args ...any) (int64, error) {
	res, err := l.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// ErrTooManyRejected is the error of a load some file of which rejected more rows than
// LoadRequest.MaxRejected allows; the store is unchanged.
var ErrTooManyRejected = errors.New("too many rejected rows")

// rejectedOverLimit says which files rejected more of their rows than the request allows:
// malformed rows against MaxRejected, rows without a user id against MaxAnonymous.
func rejectedOverLimit(rep *LoadReport, req LoadRequest) error {
	files := append([]FileReport{}, rep.Files...)
	if rep.Users != nil {
		files = append(files, *rep.Users)
	}
	var over []string
	flags := map[string]bool{}
	for _, fr := range files {
		if fr.Rows == 0 {
			continue
		}
		anonymous := fr.RejectedByReason[ReasonNoUser]
		malformed := fr.Rejected - anonymous
		share := func(n int64) string {
			return fmt.Sprintf("%s of %s rows (%.1f%%)", countWord(n), countWord(fr.Rows), 100*float64(n)/float64(fr.Rows))
		}
		if req.LimitRejected && float64(malformed) > req.MaxRejected*float64(fr.Rows) {
			over = append(over, fmt.Sprintf("%s rejected %s as malformed, over the %g%% allowed", fr.Path, share(malformed), 100*req.MaxRejected))
			flags["--max-rejected"] = true
		}
		if req.LimitAnonymous && float64(anonymous) > req.MaxAnonymous*float64(fr.Rows) {
			over = append(over, fmt.Sprintf("%s has %s without a user id, over the %g%% allowed", fr.Path, share(anonymous), 100*req.MaxAnonymous))
			flags["--max-anonymous"] = true
		}
	}
	if len(over) == 0 {
		return nil
	}
	var fix []string
	for _, f := range []string{"--max-rejected", "--max-anonymous"} {
		if flags[f] {
			fix = append(fix, f+" 100%")
		}
	}
	return fmt.Errorf("load: %w: %s; nothing was loaded (%s loads it anyway)",
		ErrTooManyRejected, strings.Join(over, "; "), strings.Join(fix, " and "))
}

// nullIfEmpty stores "" as NULL.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// planPtrs points at each plan, so that fingerprints are written into them.
func planPtrs(plans []loadPlan) []*loadPlan {
	out := make([]*loadPlan, len(plans))
	for i := range plans {
		out[i] = &plans[i]
	}
	return out
}

// claimSource refuses a file already in the store, by its path or by its content, unless
// Replace (or, for the same content under another name, AppendAnyway). With write (inside
// the transaction) and Replace it removes the previous load's events and rejected rows,
// and reports whether it did.
func (l *loader) claimSource(ctx context.Context, pl loadPlan, write bool) (bool, error) {
	rows, err := l.q.QueryContext(ctx, `SELECT path, loaded_at FROM sources
		WHERE path = ? OR (content_hash = ? AND kind = ?) ORDER BY path = ? DESC, sid`, pl.path, pl.hash, pl.kind, pl.path)
	if err != nil {
		return false, fmt.Errorf("load %s: %w", pl.path, err)
	}
	type prior struct {
		path string
		at   time.Time
	}
	var priors []prior
	for rows.Next() {
		var p prior
		if err := rows.Scan(&p.path, &p.at); err != nil {
			rows.Close()
			return false, fmt.Errorf("load %s: %w", pl.path, err)
		}
		priors = append(priors, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("load %s: %w", pl.path, err)
	}
	var replace []string
	for _, p := range priors {
		switch {
		case p.path == pl.path && !l.req.Replace:
			return false, fmt.Errorf("load %s: %w into this store; use --replace to reload it", pl.path, ErrAlreadyLoaded)
		case p.path != pl.path && l.req.AppendAnyway:
			continue
		case p.path != pl.path && !l.req.Replace:
			return false, fmt.Errorf("load %s: %w: the same content as %s, loaded into this store at %s; use --replace to load it in that one's place, or --append-anyway to load it again",
				pl.path, ErrAlreadyLoaded, p.path, p.at.UTC().Format("2006-01-02 15:04 UTC"))
		}
		replace = append(replace, p.path)
	}
	if len(replace) == 0 || !write {
		return len(replace) > 0, nil
	}
	for _, path := range replace {
		if err := l.forgetTraits(ctx, path); err != nil {
			return false, err
		}
		for _, q := range []string{
			`DELETE FROM events WHERE sid IN (SELECT sid FROM sources WHERE path = ?)`,
			`DELETE FROM rejected WHERE source = ?`,
			`DELETE FROM sources WHERE path = ?`,
		} {
			if _, err := l.exec(ctx, "load "+pl.path+": replace", q, path); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

// recordSource writes the file's row in sources.
func (l *loader) recordSource(ctx context.Context, pl loadPlan, fr *FileReport) error {
	_, err := l.exec(ctx, "load "+pl.path+": record source",
		`INSERT INTO sources (sid, path, kind, format, size, mod_time, rows, rejected, loaded_at, seconds, content_hash, duplicates, duplicates_dropped, currency)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.nextSID, pl.path, pl.kind, fr.FormatLabel(), pl.size, pl.modTime, fr.Loaded, fr.Rejected,
		time.Now().UTC(), fr.Seconds, pl.hash, fr.Duplicates, fr.DuplicatesDropped, nullIfEmpty(fr.Currency))
	l.nextSID++
	return err
}

// collectRejects fills the report's counts by reason and examples from the rows this file
// put into rejected.
func (l *loader) collectRejects(ctx context.Context, pl loadPlan, fr *FileReport) error {
	rows, err := l.q.QueryContext(ctx, `SELECT reason, count(*) FROM rejected WHERE source = ? GROUP BY reason`, pl.path)
	if err != nil {
		return fmt.Errorf("load %s: count rejected: %w", pl.path, err)
	}
	fr.RejectedByReason = map[string]int64{}
	for rows.Next() {
		var reason string
		var n int64
		if err := rows.Scan(&reason, &n); err != nil {
			rows.Close()
			return fmt.Errorf("load %s: count rejected: %w", pl.path, err)
		}
		fr.RejectedByReason[reason] = n
		fr.Rejected += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load %s: count rejected: %w", pl.path, err)
	}
	if fr.Rejected == 0 {
		fr.RejectedByReason = nil
		return nil
	}
	rows, err = l.q.QueryContext(ctx,
		`SELECT coalesce(line, 0), reason, coalesce(raw, '') FROM rejected WHERE source = ? ORDER BY line LIMIT ?`,
		pl.path, maxExamples)
	if err != nil {
		return fmt.Errorf("load %s: rejected examples: %w", pl.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		ex := RejectExample{File: pl.path}
		if err := rows.Scan(&ex.Line, &ex.Reason, &ex.Raw); err != nil {
			return fmt.Errorf("load %s: rejected examples: %w", pl.path, err)
		}
		fr.Examples = append(fr.Examples, ex)
	}
	return rows.Err()
}

func finishTiming(fr *FileReport, began time.Time) {
	fr.Seconds = time.Since(began).Seconds()
	if fr.Seconds > 0 {
		fr.RowsPerSecond = float64(fr.Rows) / fr.Seconds
	}
}

// Reasons lists the file's reject reasons, most rows first.
func (f FileReport) Reasons() []string {
	m := f.RejectedByReason
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}
