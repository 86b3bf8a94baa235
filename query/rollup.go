package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

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
//
// New files are summed one event name at a time. Grouping a whole large load at once —
// 100M events into 20M (event, person) groups, written in order — ran out of the default
// memory limit (25% of 23 GiB) at the end of a 50-minute load; one name's rows are at most
// a few tens of millions, read from their own row groups (the events are sorted by name).
func refreshRollup(ctx context.Context, tx rollupQuerier) error {
	for _, q := range []string{
		rollupDDL,
		`DELETE FROM event_people WHERE sid NOT IN (SELECT sid FROM sources)`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	// The files to sum, listed before the first INSERT makes them look summed.
	sids, err := queryStrings(ctx, tx, `SELECT CAST(sid AS VARCHAR) FROM sources WHERE kind = 'events'
		AND sid NOT IN (SELECT DISTINCT sid FROM event_people) ORDER BY sid`)
	if err != nil {
		return err
	}
	var names []string
	fresh := "sid IN (" + strings.Join(sids, ", ") + ")" // integers from the store
	if len(sids) > 0 {
		if names, err = queryStrings(ctx, tx, `SELECT DISTINCT event FROM events WHERE `+fresh+` ORDER BY event`); err != nil {
			return err
		}
	}
	for _, name := range names {
		// The name is a constant of each statement, not a grouping key hashed for every row.
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_people
		 SELECT CAST($1 AS VARCHAR), uid, sid, count(*), min(ts), max(ts), sum(revenue), count(revenue), min(revenue), max(revenue)
		 FROM events WHERE event = $1 AND `+fresh+`
		 GROUP BY uid, sid ORDER BY uid, sid`, name); err != nil {
			return fmt.Errorf("event %q: %w", name, err)
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

// rollupQuerier is a load's transaction as refreshRollup uses it.
type rollupQuerier interface {
	metaQuerier
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryStrings runs a query returning one text column.
func queryStrings(ctx context.Context, q rollupQuerier, query string) ([]string, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
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

// rfmQuantile is the quantile whose discrete value is the threshold of score s (2–5):
// rfmQuantiles' element s − 1.
func rfmQuantile(s int) string {
	return fmt.Sprintf("0.%d00000001", 2*(s-1))
}

// rfmScoreRuns turns a comparison of a score (1–5) into the runs of consecutive scores
// that satisfy it: score ∈ [lo, hi] for each run.
func rfmScoreRuns(cmp segments.Comparison) [][2]int {
	var runs [][2]int
	for s := 1; s <= 5; s++ {
		if !cmp.Matches(float64(s)) {
			continue
		}
		if n := len(runs); n > 0 && runs[n-1][1] == s-1 {
			runs[n-1][1] = s
			continue
		}
		runs = append(runs, [2]int{s, s})
	}
	return runs
}

// rfmThresholds writes rfm without window functions. A score is ceil(5·k/n) with k the
// number of people whose value is ≤ this person's; so score ≥ s exactly when k > (s−1)·n/5,
// that is k ≥ m_s = ⌊(s−1)·n/5⌋ + 1, that is the value is at least the m_s-th smallest
// value (ties included on both sides): the threshold t_s. The thresholds rise with s, so
// the score is 1 plus the number of thresholds the value reaches, and a comparison of the
// score is a comparison of the value with at most two of them: score ∈ [lo, hi] exactly
// when value ≥ t_lo (lo > 1) and value < t_(hi+1) (hi < 5). Only the thresholds a
// comparison needs are computed (one selection each, no sort of all people), and when p
// is the rollup's one row per person it is read again rather than materialised.
func (c *compiler) rfmThresholds(w *sqlWriter, of []string, scores []struct {
	cmp *segments.Comparison
	col string
}) error {
	spec := scanSpec{events: of}
	pp := c.perPersonFor(spec)
	needed := map[string]bool{}
	var order []string
	need := func(col string, s int) string {
		name := fmt.Sprintf("%s_t%d", col, s)
		if !needed[name] {
			needed[name] = true
			order = append(order, fmt.Sprintf("quantile_disc(%s, %s) AS %s", col, rfmQuantile(s), name))
		}
		return "t." + name
	}
	// Each score's predicate, written first so that the thresholds it names are known.
	var preds []string
	for _, s := range scores {
		if s.cmp == nil {
			continue
		}
		if _, err := opSQL(s.cmp.Op); err != nil {
			return err
		}
		if !finite(s.cmp.Value) || (s.cmp.Op == segments.OpRange && !finite(s.cmp.Hi)) {
			return errors.New("comparison with a number that is not finite")
		}
		var alts []string
		for _, run := range rfmScoreRuns(*s.cmp) {
			terms := []string{"TRUE"}
			if run[0] > 1 {
				terms = append(terms, "p."+s.col+" >= "+need(s.col, run[0]))
			}
			if run[1] < 5 {
				terms = append(terms, "p."+s.col+" < "+need(s.col, run[1]+1))
			}
			alts = append(alts, "("+strings.Join(terms, " AND ")+")")
		}
		if len(alts) == 0 {
			alts = []string{"FALSE"}
		}
		preds = append(preds, "("+strings.Join(alts, " OR ")+")")
	}
	w.raw("WITH p AS ")
	if pp.single {
		w.raw("NOT MATERIALIZED ")
	}
	w.raw("(SELECT ", c.key(), " AS id, ", pp.latest(), " AS r, ", pp.count(), " AS f, coalesce(", pp.revenueSum(), ", 0) AS m ")
	if err := c.scanPerPerson(w, pp, spec); err != nil {
		return err
	}
	if !pp.single {
		w.raw(" GROUP BY ", c.key())
	}
	w.raw(")")
	if len(order) == 0 {
		w.raw(" SELECT p.id FROM p WHERE ", strings.Join(preds, " AND "))
		return nil
	}
	w.raw(", t AS (SELECT ", strings.Join(order, ", "), " FROM p) SELECT p.id FROM p, t WHERE ", strings.Join(preds, " AND "))
	return nil
}
