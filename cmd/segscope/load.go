package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
)

// loadOptions are load's flags.
type loadOptions struct {
	users      string
	maps       []string
	event      string
	replace    bool
	timeFormat string
	timeRange  string
	nulls      []string
	asJSON     bool
	explain    bool
	trace      bool
	appendAny  bool
	dedupe     bool
	currency   string
	maxReject  string
	maxAnon    string
}

func newLoadCmd(s *streams) *cobra.Command {
	var o loadOptions
	cmd := &cobra.Command{
		Use:   "load FILE... --db STORE.duckdb",
		Short: "Load event exports into a store",
		Long: `load reads event exports into a DuckDB store (created when missing) in one transaction:
when it fails, the store is unchanged.

Files, folders and glob patterns are accepted. Formats are detected from the content: CSV,
TSV, Parquet, NDJSON and JSON arrays, each optionally gzip'd. The export is recognised by
its column names: canonical (user_id, event, timestamp[, account_id, revenue, properties]),
Segment, Amplitude, Mixpanel, PostHog, GA4 (flattened) and transaction tables such as
Online Retail (one purchase event per line, revenue = quantity × price). Every other
column becomes a property. --map field=column names a column when detection is wrong or
finds nothing; fields are user_id, event, timestamp, account_id, revenue, properties.
A file without an event column (orders, transactions) takes one with --event NAME (or
--map event==NAME): every row is that event. Money is found under its common names
(revenue, amount, dollar_value, dollars, sales, total, …, or quantity × unit price, which
stay properties too); --map revenue=COLUMN names it otherwise.

Timestamps: ISO 8601 / RFC 3339 text (no offset = UTC), compact dates (19970101,
19970101083000), epoch seconds, milliseconds or microseconds (each number is taken only in
the unit that puts it in 1990–2100), and slashed dates whose order the column shows (a day
above 12). A column that could be misread is refused, naming the column, an example and
the --time-format that settles it (epoch_s, epoch_ms, epoch_us, %Y%m%d,
"%d/%m/%Y %H:%M", …). Times outside --time-range (1900..2200) are rejected rows. After
the load, the report gives each file's time range and warns when it lies before 1990 or in
the future, or when one person holds an implausible share of the rows.

Missing values: empty, NA, N/A, NULL, null, None, nan, NaN and \N are missing in every
column; --null TEXT adds a word, --null '' keeps only the empty value missing.

Rows that cannot be loaded (unreadable timestamp, broken JSON, a quote that never closes,
wrong column count, …) are rejected: counted, shown with their file and line, and kept in
the store's rejected table. Each CSV line is accounted for on its own: a broken line never
takes its neighbours with it, and lines ending in LF, CRLF or CR are all read. A load where
a file rejects more than --max-rejected of its rows (5%) as malformed reports, then fails
and leaves the store unchanged. Rows without a user id (guest purchases, anonymous visits)
are rejected too, "no user id", but counted apart: over 5% the report says what share of the rows
they are, and only over --max-anonymous (50%) do they fail the load.

A file already in the store is refused: the same absolute path, or the same content under
another name (a copy, or the same file gzip'd). --replace reloads it in place of the
earlier load; --append-anyway loads the same content again beside it. People keep their
uid across loads.

Rows identical in everything loaded (person, event, time, account, revenue, properties)
to an earlier row of the file or to an event already in the store (overlapping exports)
are duplicates: loaded and counted in the report and in info, or with --dedupe dropped
and counted, so that a file's rows = loaded + rejected + duplicates dropped.`,
		Example: `  segscope load events.csv --db shop.duckdb
  segscope load exports/ --users users.csv --db shop.duckdb
  segscope load 'mixpanel-*.json.gz' --db app.duckdb --map user_id=properties.email
  segscope load orders.csv --event purchase --db shop.duckdb
  segscope load --explain export.ndjson`,
	}
	sf := addStoreFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return runLoad(cmd.Context(), s, sf, args, o)
	}
	fl := cmd.Flags()
	fl.StringVar(&o.users, "users", "", "a users file: a user id column and attribute columns")
	fl.StringArrayVar(&o.maps, "map", nil, "field=column: which column holds a field (repeatable); event==NAME gives every row that event")
	fl.StringVar(&o.event, "event", "", "every row is this event (files without an event column: transactions, orders); same as --map event==NAME")
	fl.BoolVar(&o.replace, "replace", false, "reload files already in the store (by path, or the same content under another name)")
	fl.BoolVar(&o.appendAny, "append-anyway", false, "load a file whose content is already in the store under another name again")
	fl.StringVar(&o.currency, "currency", "", "the ISO 4217 code of the revenue (GBP, USD, …) when the rows do not say it in a currency column")
	fl.BoolVar(&o.dedupe, "dedupe", false, "drop rows identical to an earlier row or to an event already in the store, instead of loading and counting them")
	fl.StringVar(&o.maxReject, "max-rejected", "5%", "the share of a file's rows that may be rejected as malformed (bad times, broken JSON or quoting, …); over it the load fails after reporting and the store is unchanged")
	fl.StringVar(&o.maxAnon, "max-anonymous", "50%", "the share of a file's rows that may have no user id (guest purchases, anonymous visits): rejected, counted apart and warned of; over it the load fails likewise")
	fl.StringVar(&o.timeFormat, "time-format", "", "how timestamps are written: epoch_s, epoch_ms, epoch_us, or a strptime format such as %Y%m%d (default: read them automatically, refuse what could be misread)")
	fl.StringVar(&o.timeRange, "time-range", "1900..2200", "years (or days) a timestamp must lie in; rows outside are rejected")
	fl.StringArrayVar(&o.nulls, "null", nil, "a value that means missing, besides empty, NA, N/A, NULL, null, None, nan, NaN, \\N (repeatable; --null '' keeps only empty)")
	fl.BoolVar(&o.asJSON, "json", false, "print the load report as JSON")
	fl.BoolVar(&o.trace, "trace", false, "write each statement the load runs, with the time it took, to stderr (to see why a load is slow)")
	fl.BoolVar(&o.explain, "explain", false, "show how the files would be read (format, which columns mean what and why, the first rows as events) without touching any store; --db is not needed")
	fl.SortFlags = false
	return cmd
}

// loadNulls turns --null values into the load's missing-value words: the defaults and the
// values given, or only the empty value when one of them is ”.
func loadNulls(flags []string) []string {
	if len(flags) == 0 {
		return nil
	}
	out := []string{""}
	only := false
	for _, v := range flags {
		only = only || v == ""
	}
	if !only {
		out = append([]string{}, query.DefaultNulls...)
	}
	for _, v := range flags {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// parseShare reads a share of rows: "5%" or "5" (percent), up to 100%.
func parseShare(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || v < 0 || v > 100 {
		return 0, errors.New("want a percentage from 0% to 100%")
	}
	return v / 100, nil
}

// parseTimeRange reads --time-range FROM..TO: years (1900..2200) or days
// (2020-01-01..2025-12-31), both ends included.
func parseTimeRange(s string) ([2]time.Time, error) {
	from, to, ok := strings.Cut(s, "..")
	bad := fmt.Errorf("--time-range %q: want FROM..TO in years (1900..2200) or days (2020-01-01..2025-12-31)", s)
	if !ok {
		return [2]time.Time{}, bad
	}
	var out [2]time.Time
	for i, part := range []string{strings.TrimSpace(from), strings.TrimSpace(to)} {
		if y, err := strconv.Atoi(part); err == nil && len(part) == 4 {
			out[i] = time.Date(y+i, 1, 1, 0, 0, 0, 0, time.UTC)
			continue
		}
		d, err := time.Parse(time.DateOnly, part)
		if err != nil {
			return [2]time.Time{}, bad
		}
		out[i] = d.AddDate(0, 0, i)
	}
	if !out[0].Before(out[1]) {
		return [2]time.Time{}, fmt.Errorf("--time-range %q: the end is before the start", s)
	}
	return out, nil
}

func runLoad(ctx context.Context, s *streams, sf *storeFlags, args []string, o loadOptions) error {
	if len(args) == 0 && o.users == "" {
		return fmt.Errorf("load: name at least one FILE (or --users FILE)")
	}
	if err := sf.required(); err != nil && !o.explain {
		return err
	}
	overrides, err := query.ParseMap(o.maps)
	if err != nil {
		return err
	}
	if o.event != "" {
		if _, both := overrides["event"]; both {
			return fmt.Errorf("load: --event %s and --map event=… both name the event; give one", o.event)
		}
		overrides["event"] = "=" + o.event
	}
	if _, err := query.ParseTimeFormat(o.timeFormat); err != nil {
		return err
	}
	timeRange, err := parseTimeRange(o.timeRange)
	if err != nil {
		return err
	}
	maxRejected, err := parseShare(o.maxReject)
	if err != nil {
		return fmt.Errorf("--max-rejected %q: %w", o.maxReject, err)
	}
	maxAnonymous, err := parseShare(o.maxAnon)
	if err != nil {
		return fmt.Errorf("--max-anonymous %q: %w", o.maxAnon, err)
	}
	req := query.LoadRequest{Paths: args, Users: o.users, Map: overrides, Replace: o.replace, AppendAnyway: o.appendAny, Dedupe: o.dedupe, Currency: strings.ToUpper(o.currency),
		TimeFormat: o.timeFormat, TimeRange: timeRange, Nulls: loadNulls(o.nulls),
		LimitRejected: maxRejected < 1, MaxRejected: maxRejected,
		LimitAnonymous: maxAnonymous < 1, MaxAnonymous: maxAnonymous}
	if o.explain {
		return explainLoad(ctx, s, req, o.asJSON)
	}
	store, created, err := sf.openWrite(ctx)
	if err != nil {
		return err
	}
	var bar *loadBar
	if o.trace {
		req.Trace = s.err
	} else if f, ok := s.err.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		bar = newLoadBar(s.err)
		req.Progress = bar.update
	}
	rep, err := store.Load(ctx, req)
	if bar != nil {
		bar.stop()
	}
	if err != nil {
		store.Close()
		if created {
			removeStoreFiles(sf.db)
		}
		if errors.Is(err, query.ErrTooManyRejected) && rep != nil {
			// What was rejected, and why, is what the person needs to fix the file.
			if o.asJSON {
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				enc.Encode(rep)
			} else {
				writeLoadReport(s.out, rep, "")
			}
		}
		return err
	}
	if err := store.Close(); err != nil {
		return fmt.Errorf("load: close store: %w", err)
	}
	if o.asJSON {
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	writeLoadReport(s.out, rep, sf.db)
	return nil
}

// writeLoadReport prints what each file gave, the rejected rows' reasons and examples, and
// a total line (none when db is "": the load was refused and wrote nothing).
func writeLoadReport(w io.Writer, rep *query.LoadReport, db string) {
	files := append([]query.FileReport{}, rep.Files...)
	if rep.Users != nil {
		files = append(files, *rep.Users)
	}
	for _, fr := range files {
		noun := "events"
		if fr.Kind == "users" {
			noun = "people"
		}
		replaced := ""
		if fr.Replaced {
			replaced = ", replaced"
		}
		fmt.Fprintf(w, "%s  %s%s\n", loadDisplayPath(fr.Path), fr.FormatLabel(), replaced)
		fmt.Fprintf(w, "  %s %s loaded, %s rejected, %s (%s rows/s)\n",
			format.Count(fr.Loaded), noun, format.Count(fr.Rejected),
			format.Elapsed(time.Duration(fr.Seconds*float64(time.Second))), format.Compact(int64(fr.RowsPerSecond)))
		if len(fr.Guessed) > 0 {
			fmt.Fprintf(w, "  no header: by their content, %s (--map overrides)\n", strings.Join(fr.Guessed, ", "))
		}
		if len(fr.Mapped) > 0 {
			fmt.Fprintf(w, "  --map set %s\n", strings.Join(fr.Mapped, ", "))
		}
		if !fr.First.IsZero() {
			fmt.Fprintf(w, "  times %s … %s (%s)\n", format.Timestamp(fr.First), format.Timestamp(fr.Last), fr.Timestamps)
		}
		if fr.Currency != "" && fr.Currency != query.CurrencyMixed {
			fmt.Fprintf(w, "  revenue in %s\n", safe.Text(fr.Currency))
		}
		for _, warning := range fr.Warnings {
			fmt.Fprintf(w, "  warning: %s\n", safe.Text(warning))
		}
		if fr.Duplicates > 0 {
			what := "loaded all the same (--dedupe drops them)"
			if fr.DuplicatesDropped > 0 {
				what = "dropped (--dedupe)"
			}
			fmt.Fprintf(w, "  duplicates: %s rows identical to an earlier row or to an event already in the store, %s\n",
				format.Count(fr.Duplicates), what)
		}
		if fr.Rejected == 0 {
			continue
		}
		var reasons []string
		for _, r := range fr.Reasons() {
			reasons = append(reasons, fmt.Sprintf("%s %s", format.Count(fr.RejectedByReason[r]), r))
		}
		fmt.Fprintf(w, "  rejected: %s\n", strings.Join(reasons, ", "))
		for _, ex := range fr.Examples {
			fmt.Fprintf(w, "    %s:%d: %s: %s\n", loadDisplayPath(ex.File), ex.Line, ex.Reason, loadShorten(safe.Text(ex.Raw), 100))
		}
		if fr.Rejected > int64(len(fr.Examples)) {
			fmt.Fprintf(w, "    … all %s in the store's rejected table\n", format.Count(fr.Rejected))
		}
	}
	if db == "" {
		return // a refused load: nothing was written, and the error says why
	}
	fmt.Fprintf(w, "%s: %s events, %s new people, %s new accounts in %s (data version %d)\n",
		safe.Text(db), format.Count(rep.Events), format.Count(rep.NewUsers), format.Count(rep.NewAccounts),
		format.Elapsed(time.Duration(rep.Seconds*float64(time.Second))), rep.DataVersion)
}

// loadDisplayPath shows a path relative to the working folder when it is inside it.
func loadDisplayPath(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return safe.Text(p)
	}
	if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
		return safe.Text(rel)
	}
	return safe.Text(p)
}

func loadShorten(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max-1]) + "…"
}

// loadBar draws one line on a terminal: a bar (the load's estimated fraction, by file size
// and phase), the file and phase, rows per second once a file is read, and the time spent.
// DuckDB does not report progress inside a query, so the bar moves per file and phase
// while the line ticks the elapsed time.
type loadBar struct {
	w         io.Writer
	mu        sync.Mutex
	ev        query.ProgressEvent
	start     time.Time
	fileStart time.Time
	rate      float64 // rows/s of the current file's read, 0 until known
	quit      chan struct{}
	done      chan struct{}
}

func newLoadBar(w io.Writer) *loadBar {
	b := &loadBar{w: w, start: time.Now(), fileStart: time.Now(), quit: make(chan struct{}), done: make(chan struct{})}
	go b.tick()
	return b
}

func (b *loadBar) update(ev query.ProgressEvent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ev.File != b.ev.File || ev.Phase == query.PhaseReading {
		b.fileStart, b.rate = time.Now(), 0
	}
	if ev.Phase == query.PhaseUsers && ev.Rows > 0 {
		if d := time.Since(b.fileStart).Seconds(); d > 0 {
			b.rate = float64(ev.Rows) / d
		}
	}
	b.ev = ev
	b.drawLocked()
}

func (b *loadBar) tick() {
	defer close(b.done)
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-b.quit:
			return
		case <-t.C:
			b.mu.Lock()
			b.drawLocked()
			b.mu.Unlock()
		}
	}
}

func (b *loadBar) drawLocked() {
	const width = 24
	frac := min(max(b.ev.Fraction, 0), 1)
	filled := int(frac * width)
	bar := strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
	line := fmt.Sprintf("%s %3.0f%%", bar, frac*100)
	if b.ev.Phase == query.PhaseCommit {
		line += "  committing"
	} else if b.ev.File != "" {
		line += fmt.Sprintf("  %d/%d %s  %s", b.ev.Index+1, b.ev.Files, loadShorten(safe.Text(filepath.Base(b.ev.File)), 32), b.ev.Phase)
		if b.ev.Rows > 0 {
			line += "  " + format.Compact(b.ev.Rows) + " rows"
		}
		if b.rate > 0 {
			line += "  " + format.Compact(int64(b.rate)) + " rows/s"
		}
	}
	line += "  " + format.Elapsed(time.Since(b.start))
	fmt.Fprintf(b.w, "\r\033[K%s", line)
}

// stop ends the ticking and clears the line.
func (b *loadBar) stop() {
	close(b.quit)
	<-b.done
	fmt.Fprint(b.w, "\r\033[K")
}
