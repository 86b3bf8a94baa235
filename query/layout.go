package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The layout of the events table, which only this package knows.
//
// Events are stored in runs, each sorted by (event, uid, ts): every load writes its rows
// of each file in that order (eventsInsertOrder), so the rows of one event name lie
// together, and within them one person's rows lie together in time order. DuckDB keeps
// min/max statistics per row group (zone maps) and skips every row group whose range
// cannot match a constant filter, so a condition on one event reads only that event's row
// groups — about 1/30 of the table on the generated data — instead of scanning every
// event's name. Person order inside an event was measured against time order, on 10M
// events (BENCHMARKS.md, issue 16): it is as fast for windowed conditions (a window on
// time cannot skip row groups then, but scanning one event's timestamps is cheap) and
// 1.5–2× faster for everything that groups by person (last, first, gap, rfm, then,
// affinity), because one person's rows arrive together; it also makes a range of uids —
// the sample an estimate reads, or one person's timeline — skip row groups.
//
// Appends add a sorted run per file; a run's zone maps work as well as the first's, so
// nothing is rewritten while the runs stay few. A store whose events were written before
// this layout, or with more than maxEventRuns runs, is rewritten in one sorted pass (a
// compaction) at the end of the next load, inside its transaction.
//
// Beside the events, a rollup per person and event (rollup.go) answers the conditions
// over all history exactly without reading events.

// eventsInsertOrder is the ORDER BY of every statement writing events: the columns of
// the layout, by their position in the INSERT's select list (uid, event, ts, …).
const eventsInsertOrder = "ORDER BY 2, 1, 3"

// eventsOrderColumns is the layout's sort key, for rewriting the whole table.
const eventsOrderColumns = "event, uid, ts"

// maxEventRuns is how many sorted runs the events table may hold before a load compacts
// it. Each run adds at most two partly-used row groups per event name to a scan.
const maxEventRuns = 64

// Keys of the meta table that describe the layout.
const (
	metaLayout    = "events_layout"  // eventsOrderColumns when every run is sorted that way
	metaRuns      = "events_runs"    // sorted runs written since the last compaction
	metaRollupFor = "rollup_version" // the data version the rollup was last brought up to date for
	metaRollupOne = "rollup_unique"  // "true" when each (event, uid) has one rollup row
)

// metaQuerier reads and writes meta rows inside a load's transaction or on the store.
type metaQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readMeta returns the value of key, or "" when it is not set.
func readMeta(ctx context.Context, q metaQuerier, key string) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", key, err)
	}
	return v, nil
}

// writeMeta sets key to value.
func writeMeta(ctx context.Context, q metaQuerier, key, value string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, key); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO meta VALUES (?, ?)`, key, value); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

// arrange keeps the layout after a load has written its rows, inside the load's
// transaction and after the data version was bumped: it counts the sorted runs the load
// added (one per events file, from sid firstSID on), compacts the events when older rows
// are not in layout order or the runs are too many, and brings the rollup up to date.
func (l *loader) arrange(ctx context.Context, firstSID int32) error {
	if err := arrangeEvents(ctx, l.tx, firstSID); err != nil {
		return fmt.Errorf("load: arrange events: %w", err)
	}
	if err := refreshRollup(ctx, l.tx); err != nil {
		return fmt.Errorf("load: rollup: %w", err)
	}
	return nil
}

// arrangeEvents records the sorted runs of the sources from firstSID on, and rewrites the
// events in layout order when older rows were written in another order (by a segscope
// before the layout) or the runs are too many.
func arrangeEvents(ctx context.Context, tx metaQuerier, firstSID int32) error {
	layout, err := readMeta(ctx, tx, metaLayout)
	if err != nil {
		return err
	}
	runs := 0
	if v, err := readMeta(ctx, tx, metaRuns); err != nil {
		return err
	} else if v != "" {
		runs, _ = strconv.Atoi(v)
	}
	var added int
	var older int64
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM sources WHERE sid >= ? AND kind = 'events'),
		(SELECT count(*) FROM events WHERE sid < ?)`, firstSID, firstSID).Scan(&added, &older); err != nil {
		return fmt.Errorf("count runs: %w", err)
	}
	runs += added
	if (layout != eventsOrderColumns && older > 0) || runs > maxEventRuns {
		if err := compactEvents(ctx, tx); err != nil {
			return err
		}
		runs = 1
	}
	if err := writeMeta(ctx, tx, metaLayout, eventsOrderColumns); err != nil {
		return err
	}
	return writeMeta(ctx, tx, metaRuns, strconv.Itoa(runs))
}

// compactEvents rewrites the events table in layout order, as one run.
func compactEvents(ctx context.Context, tx metaQuerier) error {
	ddl := strings.Replace(schemaDDL[1], "TABLE IF NOT EXISTS events (", "TABLE events_compacted (", 1)
	if ddl == schemaDDL[1] {
		return errors.New("compact events: the events table's definition has changed")
	}
	for _, q := range []string{
		`DROP TABLE IF EXISTS events_compacted`,
		ddl,
		`INSERT INTO events_compacted SELECT * FROM events ORDER BY ` + eventsOrderColumns,
		`DROP TABLE events`,
		`ALTER TABLE events_compacted RENAME TO events`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("compact events: %w", err)
		}
	}
	return nil
}
