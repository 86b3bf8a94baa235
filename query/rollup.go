package query

import (
	"context"
	"fmt"
	"strconv"

	"github.com/segscope/segscope/segments"
)

// The rollup: one row per event name, person and source file, with what the conditions
// over all history need from that person's events of that name — how many, the first and
// the latest time, the sum, count, min and max of revenue. On the generated data a person
// has 5–13 events of a name, so a condition that reads the rollup reads that many times
// fewer rows, and, when every (event, person) has one row (one events file, the usual
// case), groups nothing: the row is the person's answer.
//
// A condition reads the rollup only when the rollup answers it exactly: unit user, no
// where: filter, no window (all history), a known event name, and as_of at or after the
// latest event of the store, so that every event counted is ≤ as_of — the default as_of,
// which is the latest event. Anything else (a window, an earlier as_of, a property
// filter, accounts, sequences, affinity) reads the events. Per-day rollups were measured
// and left out: on the generated data people have about one event of a name per day, so
// a day's rollup is as long as the events it sums.
//
// Rows are keyed by source file (sid) so that a load adds the rows of its new files and a
// reload (--replace) drops the rows of the file it replaced, without recomputing anyone.
// The rollup is valid for the data version written in meta (metaRollupFor); a store
// written by anything that did not keep it (an older segscope) is read without it.

const rollupDDL = `CREATE TABLE IF NOT EXISTS event_people (
	event    VARCHAR NOT NULL,
	uid      INTEGER NOT NULL,
	sid      INTEGER NOT NULL,
	n        BIGINT NOT NULL,    -- events
	first_ts TIMESTAMP NOT NULL, -- the earliest
	last_ts  TIMESTAMP NOT NULL, -- the latest
	rev_sum  DOUBLE,             -- sum(revenue); NULL when no event has revenue
	rev_n    BIGINT NOT NULL,    -- events with revenue
	rev_min  DOUBLE,
	rev_max  DOUBLE
)`

// refreshRollup brings the rollup up to date inside a load's transaction, after the data
// version was bumped: rows of files no longer in the store go, files without rows are
// summed, and the version and uniqueness are recorded.
func refreshRollup(ctx context.Context, tx metaQuerier) error {
	for _, q := range []string{
		rollupDDL,
		`DELETE FROM event_people WHERE sid NOT IN (SELECT sid FROM sources)`,
		`INSERT INTO event_people
		 SELECT event, uid, sid, count(*), min(ts), max(ts), sum(revenue), count(revenue), min(revenue), max(revenue)
		 FROM events WHERE sid IN (SELECT sid FROM sources WHERE kind = 'events'
			AND sid NOT IN (SELECT DISTINCT sid FROM event_people))
		 GROUP BY event, uid, sid ORDER BY event, uid`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	// One events file means one row per (event, person); several may repeat a pair.
	var files int64
	if err := tx.QueryRowContext(ctx, `SELECT count(DISTINCT sid) FROM event_people`).Scan(&files); err != nil {
		return err
	}
	var version string
	if err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'data_version'`).Scan(&version); err != nil {
		return err
	}
	if err := writeMeta(ctx, tx, metaRollupOne, strconv.FormatBool(files <= 1)); err != nil {
		return err
	}
	return writeMeta(ctx, tx, metaRollupFor, version)
}

// rollupState is what a snapshot knows of the rollup.
type rollupState struct {
	ok     bool // the rollup is up to date with the snapshot's data version
	unique bool // one row per (event, person)
}

func readRollupState(ctx context.Context, q metaQuerier, version int64) (rollupState, error) {
	v, err := readMeta(ctx, q, metaRollupFor)
	if err != nil || v != strconv.FormatInt(version, 10) {
		return rollupState{}, err
	}
	u, err := readMeta(ctx, q, metaRollupOne)
	if err != nil {
		return rollupState{}, err
	}
	return rollupState{ok: true, unique: u == "true"}, nil
}

// perPerson says where a condition's per-person aggregates come from: the events, grouped
// by person; the rollup grouped by person; or the rollup's one row per person (single).
// Its methods write the aggregate expressions for each.
type perPerson struct {
	rollup bool
	single bool // one rollup row per person: no GROUP BY, conditions go into WHERE
}

func (p perPerson) pick(events, grouped, single string) string {
	switch {
	case !p.rollup:
		return events
	case p.single:
		return single
	}
	return grouped
}

// count is the number of events.
func (p perPerson) count() string { return p.pick("count(*)", "sum(e.n)", "e.n") }

// latest and earliest are the times of the latest and earliest event.
func (p perPerson) latest() string   { return p.pick("max(e.ts)", "max(e.last_ts)", "e.last_ts") }
func (p perPerson) earliest() string { return p.pick("min(e.ts)", "min(e.first_ts)", "e.first_ts") }

// revenueSum is the sum of revenue, NULL when no event has any.
func (p perPerson) revenueSum() string {
	return p.pick("sum(e.revenue)", "sum(e.rev_sum)", "e.rev_sum")
}

// revenueAgg is a measure's aggregate of revenue; ok is false for an aggregate the rollup
// does not hold.
func (p perPerson) revenueAgg(agg segments.Agg) (string, bool) {
	switch agg {
	case segments.AggSum:
		return "coalesce(" + p.revenueSum() + ", 0)", true
	case segments.AggMin:
		return p.pick("min(e.revenue)", "min(e.rev_min)", "e.rev_min"), true
	case segments.AggMax:
		return p.pick("max(e.revenue)", "max(e.rev_max)", "e.rev_max"), true
	case segments.AggAvg:
		return p.pick("avg(e.revenue)", "sum(e.rev_sum) / sum(e.rev_n)", "e.rev_sum / e.rev_n"), true
	}
	return "", false
}

// having starts the per-person condition: HAVING after grouping, or a further WHERE term
// on single rows.
func (p perPerson) having(w *sqlWriter, key string) {
	if p.single {
		w.raw(" AND ")
		return
	}
	w.raw(" GROUP BY ", key, " HAVING ")
}

// distinct is the SELECT modifier that lists each person once.
func (p perPerson) distinct() string {
	if p.single {
		return ""
	}
	return "DISTINCT "
}

// perPersonFor decides where spec's per-person aggregates are read from.
func (c *compiler) perPersonFor(spec scanSpec) perPerson {
	if !c.evaluated || c.snap == nil || !c.snap.rollup.ok || c.unit != segments.UnitUser ||
		spec.window || len(spec.where) > 0 || len(spec.events) == 0 || c.asOf.Before(c.snap.latest) {
		return perPerson{}
	}
	return perPerson{rollup: true, single: c.snap.rollup.unique && len(spec.events) == 1}
}

// scanPerPerson writes FROM … WHERE for spec's rows as p reads them.
func (c *compiler) scanPerPerson(w *sqlWriter, p perPerson, spec scanSpec) error {
	if !p.rollup {
		return c.scan(w, spec)
	}
	w.raw("FROM event_people e WHERE TRUE")
	if err := eventsPredicate(w, spec.events); err != nil {
		return err
	}
	c.samplePredicate(w, "e.uid")
	return nil
}

// rollupRows counts the rollup's rows, for tests and info.
func (s *Store) rollupRows(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM event_people`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count rollup rows: %w", err)
	}
	return n, nil
}

// rfmQuantiles are the quantiles whose discrete values are the thresholds of scores 2–5
// (see rfmThresholds). DuckDB's quantile_disc(x, q) is the element at 0-based index
// max(1, ⌈n·q⌉) − 1 of the sorted values, computed in integers for a DECIMAL q; with
// q = (s−1)/5 + 10⁻⁹ and n < 10⁹ people, ⌈n·q⌉ = ⌊(s−1)·n/5⌋ + 1 whether or not 5
// divides (s−1)·n, so the index is ⌊(s−1)·n/5⌋ exactly. TestRFMThresholds checks this
// against the window functions for every n up to 300 with ties.
const rfmQuantiles = "[0.200000001, 0.400000001, 0.600000001, 0.800000001]"

// rfmThresholds writes rfm without window functions. A score is ceil(5·k/n) with k the
// number of people whose value is ≤ this person's; so score ≥ s exactly when k > (s−1)·n/5,
// that is k ≥ m_s = ⌊(s−1)·n/5⌋ + 1, that is the value is at least the m_s-th smallest
// value (ties included on both sides). The score is then 1 plus the number of the four
// thresholds the value reaches: one pass to find them (a selection, no sort of all
// people three times over) and one to compare.
func (c *compiler) rfmThresholds(w *sqlWriter, of []string, scores []struct {
	cmp *segments.Comparison
	col string
}) error {
	spec := scanSpec{events: of}
	pp := c.perPersonFor(spec)
	w.raw("WITH p AS (SELECT ", c.key(), " AS id, ", pp.latest(), " AS r, ", pp.count(), " AS f, coalesce(", pp.revenueSum(), ", 0) AS m ")
	if err := c.scanPerPerson(w, pp, spec); err != nil {
		return err
	}
	if !pp.single {
		w.raw(" GROUP BY ", c.key())
	}
	w.raw("), t AS (SELECT ")
	first := true
	for _, s := range scores {
		if s.cmp == nil {
			continue
		}
		if !first {
			w.raw(", ")
		}
		first = false
		w.rawf("quantile_disc(%[1]s, %[2]s) AS %[1]s_t", s.col, rfmQuantiles)
	}
	w.raw(" FROM p) SELECT p.id FROM p, t WHERE ")
	first = true
	for _, s := range scores {
		if s.cmp == nil {
			continue
		}
		if !first {
			w.raw(" AND ")
		}
		first = false
		score := fmt.Sprintf("(1 + CAST(p.%[1]s >= t.%[1]s_t[1] AS INTEGER) + CAST(p.%[1]s >= t.%[1]s_t[2] AS INTEGER)"+
			" + CAST(p.%[1]s >= t.%[1]s_t[3] AS INTEGER) + CAST(p.%[1]s >= t.%[1]s_t[4] AS INTEGER))", s.col)
		if err := compare(w, func() { w.raw(score) }, *s.cmp); err != nil {
			return err
		}
	}
	return nil
}
