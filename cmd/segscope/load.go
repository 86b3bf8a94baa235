package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/tui/safe"
)

func newLoadCmd(s *streams) *cobra.Command {
	var (
		users   string
		maps    []string
		replace bool
	)
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

Rows that cannot be loaded (no user id, unreadable timestamp, broken JSON, wrong column
count, …) are rejected: counted, shown with their file and line, and kept in the store's
rejected table. A file already in the store (same absolute path) is refused unless
--replace, which reloads it in place. People keep their uid across loads.`,
		Example: `  segscope load events.csv --db shop.duckdb
  segscope load exports/ --users users.csv --db shop.duckdb
  segscope load 'mixpanel-*.json.gz' --db app.duckdb --map user_id=properties.email`,
	}
	sf := addStoreFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return runLoad(cmd.Context(), s, sf, args, users, maps, replace)
	}
	fl := cmd.Flags()
	fl.StringVar(&users, "users", "", "a users file: a user id column and attribute columns")
	fl.StringArrayVar(&maps, "map", nil, "field=column: which column holds a field (repeatable)")
	fl.BoolVar(&replace, "replace", false, "reload files already in the store")
	fl.SortFlags = false
	return cmd
}

func runLoad(ctx context.Context, s *streams, sf *storeFlags, args []string, users string, maps []string, replace bool) error {
	if len(args) == 0 && users == "" {
		return fmt.Errorf("load: name at least one FILE (or --users FILE)")
	}
	if err := sf.required(); err != nil {
		return err
	}
	overrides, err := query.ParseMap(maps)
	if err != nil {
		return err
	}
	store, created, err := sf.openWrite(ctx)
	if err != nil {
		return err
	}
	req := query.LoadRequest{Paths: args, Users: users, Map: overrides, Replace: replace}
	var bar *loadBar
	if f, ok := s.err.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
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
		return err
	}
	if err := store.Close(); err != nil {
		return fmt.Errorf("load: close store: %w", err)
	}
	writeLoadReport(s.out, rep, sf.db)
	return nil
}

// writeLoadReport prints what each file gave, the rejected rows' reasons and examples, and
// a total line.
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
		if len(fr.Mapped) > 0 {
			fmt.Fprintf(w, "  --map set %s\n", strings.Join(fr.Mapped, ", "))
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
	fmt.Fprintf(w, "%s: %s events, %s new people, %s new accounts in %s (data version %d)\n",
		db, format.Count(rep.Events), format.Count(rep.NewUsers), format.Count(rep.NewAccounts),
		format.Elapsed(time.Duration(rep.Seconds*float64(time.Second))), rep.DataVersion)
}

// loadDisplayPath shows a path relative to the working folder when it is inside it.
func loadDisplayPath(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
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
