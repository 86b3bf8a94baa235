package sim

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // people's tz attributes resolve the same on every machine, containers included

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
)

// Bits of an event row's kind: what the event is to its campaign. One event can be
// several (a purchase that exits and converts).
const (
	kindTrigger    = 1
	kindExit       = 2
	kindConversion = 4
)

// source reads what the replay needs from the store and feeds the walker one person at a
// time.
type source struct {
	db      *sql.DB
	plans   []*plan
	asOf    time.Time
	global  *segments.Cap
	windows [][]segments.Interval // per campaign: where triggers count, clipped to as_of
	entries [][]segEntry          // per campaign with a segment trigger: entries by uid, time
	hasTZ   bool
	// warnings name what a campaign looks for and the store never holds.
	warnings []string
}

func newSource(ctx context.Context, store *query.Store, campaigns []*segments.Campaign, opt Options) (*source, error) {
	src := &source{db: store.DB(), global: opt.Cap}
	for _, c := range campaigns {
		src.plans = append(src.plans, newPlan(c))
	}
	src.asOf = opt.AsOf.UTC()
	if opt.AsOf.IsZero() {
		var last sql.NullTime
		if err := src.db.QueryRowContext(ctx, `SELECT max(ts) FROM events`).Scan(&last); err != nil {
			return nil, fmt.Errorf("replay: latest event: %w", err)
		}
		if !last.Valid {
			return nil, errors.New("replay: the store holds no events")
		}
		src.asOf = last.Time.UTC()
	}
	for _, pl := range src.plans {
		src.windows = append(src.windows, pl.c.Between.Resolve(src.asOf))
	}
	var n int
	if err := src.db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_schema = 'main' AND table_name = 'users' AND column_name = 'tz'`).Scan(&n); err != nil {
		return nil, fmt.Errorf("replay: read users columns: %w", err)
	}
	src.hasTZ = n > 0
	if err := src.checkEvents(ctx); err != nil {
		return nil, err
	}
	entries, err := segmentEntries(ctx, store, src, opt)
	if err != nil {
		return nil, err
	}
	src.entries = entries
	return src, nil
}

// checkEvents warns about event names no event in the store carries: a misspelt trigger
// replays to nothing rather than failing, so say so.
func (s *source) checkEvents(ctx context.Context) error {
	var names []string
	for _, pl := range s.plans {
		conv, _ := pl.c.ConversionEvent()
		for _, m := range []*segments.EventMatch{&pl.c.Trigger.EventMatch, pl.c.Exit, conv} {
			if m != nil {
				names = append(names, m.Events...)
			}
		}
	}
	names = dedupe(names)
	if len(names) == 0 {
		return nil
	}
	var args sqlArgs
	rows, err := s.db.QueryContext(ctx, "SELECT DISTINCT event FROM events WHERE event IN ("+placeholders(&args, names)+")", args...)
	if err != nil {
		return fmt.Errorf("replay: event names: %w", err)
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return fmt.Errorf("replay: event names: %w", err)
		}
		found[n] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("replay: event names: %w", err)
	}
	for _, pl := range s.plans {
		conv, _ := pl.c.ConversionEvent()
		var missing []string
		for _, m := range []*segments.EventMatch{&pl.c.Trigger.EventMatch, pl.c.Exit, conv} {
			if m == nil {
				continue
			}
			for _, n := range m.Events {
				if !found[n] && !slices.Contains(missing, n) {
					missing = append(missing, n)
				}
			}
		}
		if len(missing) > 0 {
			s.warnings = append(s.warnings, fmt.Sprintf("campaign %s: the store has no %s events", pl.c.Name, quoteNames(missing)))
		}
	}
	return nil
}

// windowOf is campaign ci's trigger window for the report: its between window clipped to
// as_of, or from the first trigger to as_of when it has none.
func (s *source) windowOf(ci int, first time.Time) segments.Interval {
	ivs := s.windows[ci]
	if len(ivs) == 0 {
		return segments.Interval{Start: s.asOf, StartIncl: false, End: s.asOf}
	}
	iv := segments.Interval{Start: ivs[0].Start, StartIncl: ivs[0].StartIncl, End: ivs[len(ivs)-1].End, EndIncl: ivs[len(ivs)-1].EndIncl}
	if iv.Start.IsZero() && !first.IsZero() {
		iv.Start, iv.StartIncl = first, true
	}
	return iv
}

// intervalsSQL is a predicate on ts for a union of intervals.
func intervalsSQL(ivs []segments.Interval, args *sqlArgs) string {
	var ors []string
	for _, iv := range ivs {
		var and []string
		if !iv.Start.IsZero() {
			op := ">"
			if iv.StartIncl {
				op = ">="
			}
			and = append(and, "ts "+op+" "+args.add(iv.Start))
		}
		op := "<"
		if iv.EndIncl {
			op = "<="
		}
		and = append(and, "ts "+op+" "+args.add(iv.End))
		ors = append(ors, "("+strings.Join(and, " AND ")+")")
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// eventsSQL builds the one query that pulls every campaign's trigger, exit and conversion
// events, ordered by person and time. Per campaign it keeps only events of the named kinds,
// at or before as_of and not before the window opens; with an event trigger only for people
// who have a trigger in the window. uid ≥ 0 narrows it to one person.
func (s *source) eventsSQL(uid int64) (string, sqlArgs, error) {
	var args sqlArgs
	var parts []string
	for ci, pl := range s.plans {
		c := pl.c
		ivs := s.windows[ci]
		if len(ivs) == 0 {
			continue // the window lies wholly after as_of: no triggers
		}
		var names []string
		var kinds []string
		eventTrigger := c.Trigger.Segment == ""
		addKind := func(m *segments.EventMatch, bit int, window bool) error {
			if m == nil || len(m.Events) == 0 {
				return nil
			}
			names = append(names, m.Events...)
			p, err := matchSQL(m, &args)
			if err != nil {
				return fmt.Errorf("campaign %s: %w", c.Name, err)
			}
			if window {
				p += " AND " + intervalsSQL(ivs, &args)
			}
			kinds = append(kinds, fmt.Sprintf("%d * (%s)::INTEGER", bit, p))
			return nil
		}
		// Placeholders are numbered by position, so args must be added in the order the
		// text below reads: kinds (SELECT list) first, then the WHERE clause.
		if eventTrigger {
			if err := addKind(&c.Trigger.EventMatch, kindTrigger, true); err != nil {
				return "", nil, err
			}
		}
		if err := addKind(c.Exit, kindExit, false); err != nil {
			return "", nil, err
		}
		conv, _ := c.ConversionEvent()
		if err := addKind(conv, kindConversion, false); err != nil {
			return "", nil, err
		}
		if len(kinds) == 0 {
			continue // a segment trigger without exit or conversion: nothing to read
		}
		where := []string{"event IN (" + placeholders(&args, dedupe(names)) + ")", "ts <= " + args.add(s.asOf)}
		if lo := ivs[0].Start; !lo.IsZero() {
			where = append(where, "ts >= "+args.add(lo))
		}
		if uid >= 0 {
			where = append(where, "uid = "+args.add(uid))
		}
		cte := "c" + strconv.Itoa(ci)
		body := fmt.Sprintf("SELECT uid, epoch_us(ts) AS us, coalesce(revenue, 0) AS rev, %s AS kind FROM events WHERE %s",
			strings.Join(kinds, " + "), strings.Join(where, " AND "))
		sel := fmt.Sprintf("SELECT uid, us, rev, %d AS c, kind FROM %s WHERE kind <> 0", ci, cte)
		if eventTrigger {
			sel += fmt.Sprintf(" AND uid IN (SELECT uid FROM %s WHERE kind & %d <> 0)", cte, kindTrigger)
		}
		parts = append(parts, fmt.Sprintf("(WITH %s AS (%s) %s)", cte, body, sel))
	}
	if len(parts) == 0 {
		return "", nil, nil
	}
	return strings.Join(parts, "\nUNION ALL\n") + "\nORDER BY uid, us, c", args, nil
}

// quoteNames lists names for a message: "a", "b" or "c".
func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

func placeholders(args *sqlArgs, vals []string) string {
	ph := make([]string, len(vals))
	for i, v := range vals {
		ph[i] = args.add(v)
	}
	return strings.Join(ph, ", ")
}

func dedupe(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// eventRow is one streamed event. The fields have the driver's own types (INTEGER is
// int32): scanning into them skips database/sql's conversions, a quarter of the replay's
// time on 10M events.
type eventRow struct {
	uid     int32
	us      int64
	revenue float64
	camp    int32
	kind    int32
}

// stream walks every person with a trigger (or only uid, when uid ≥ 0) and hands each
// person's journeys to fn, people in uid order. unknownTZ tells that the person's tz
// attribute is set but not a time zone.
func (s *source) stream(ctx context.Context, uid int64, fn func(p *person, js []Journey, unknownTZ bool)) error {
	q, args, err := s.eventsSQL(uid)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	var events *sql.Rows
	if q != "" {
		events, err = s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("replay: read events: %w", err)
		}
		defer events.Close()
	}
	tz := "CAST(NULL AS VARCHAR)"
	if s.hasTZ {
		tz = "CAST(tz AS VARCHAR)"
	}
	uq := "SELECT uid, user_id, " + tz + " FROM users"
	var uargs []any
	if uid >= 0 {
		uq += " WHERE uid = ?"
		uargs = append(uargs, uid)
	}
	users, err := s.db.QueryContext(ctx, uq+" ORDER BY uid", uargs...)
	if err != nil {
		return fmt.Errorf("replay: read users: %w", err)
	}
	defer users.Close()

	// Everything mutable lives here, per call: PersonTimeline may run from several
	// goroutines at once.
	w := &walker{plans: s.plans, asOf: s.asOf, global: s.global}
	locs := map[string]*time.Location{} // tz name → zone; nil for names that are not zones
	p := &person{camps: make([]campaignEvents, len(s.plans))}
	next := make([]int, len(s.plans)) // position in each campaign's segment entries
	var cur eventRow
	haveCur := false
	advance := func() error {
		haveCur = false
		if events == nil || !events.Next() {
			if events != nil {
				return events.Err()
			}
			return nil
		}
		if err := events.Scan(&cur.uid, &cur.us, &cur.revenue, &cur.camp, &cur.kind); err != nil {
			return err
		}
		haveCur = true
		return nil
	}
	if err := advance(); err != nil {
		return fmt.Errorf("replay: read events: %w", err)
	}
	var id int32
	var userID string
	var tzName sql.NullString
	for users.Next() {
		if err := users.Scan(&id, &userID, &tzName); err != nil {
			return fmt.Errorf("replay: read users: %w", err)
		}
		any := false
		for ci := range p.camps {
			p.camps[ci].reset()
		}
		for haveCur && cur.uid <= id {
			if cur.uid == id {
				ev := &p.camps[cur.camp]
				at := time.UnixMicro(cur.us).UTC()
				if cur.kind&kindTrigger != 0 {
					ev.triggers = append(ev.triggers, at)
					any = true
				}
				if cur.kind&kindExit != 0 {
					ev.exits = append(ev.exits, at)
				}
				if cur.kind&kindConversion != 0 {
					ev.convs = append(ev.convs, conversionEvent{at: at, revenue: cur.revenue})
				}
			}
			if err := advance(); err != nil {
				return fmt.Errorf("replay: read events: %w", err)
			}
		}
		for ci, es := range s.entries {
			k := next[ci]
			for k < len(es) && es[k].uid < id {
				k++
			}
			for k < len(es) && es[k].uid == id {
				p.camps[ci].triggers = append(p.camps[ci].triggers, es[k].at)
				any = true
				k++
			}
			next[ci] = k
		}
		if !any {
			continue
		}
		p.uid, p.userID = id, userID
		var unknown bool
		p.loc, unknown = location(locs, tzName)
		fn(p, w.walk(p), unknown)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if err := users.Err(); err != nil {
		return fmt.Errorf("replay: read users: %w", err)
	}
	return nil
}

// location resolves a person's tz attribute through the cache locs; unknown reports a
// value that names no zone.
func location(locs map[string]*time.Location, tz sql.NullString) (loc *time.Location, unknown bool) {
	if !tz.Valid || strings.TrimSpace(tz.String) == "" {
		return nil, false
	}
	loc, seen := locs[tz.String]
	if !seen {
		l, err := time.LoadLocation(tz.String)
		// "Local" would read the machine's zone, not the person's.
		if err == nil && tz.String != "Local" {
			loc = l
		}
		locs[tz.String] = loc
	}
	return loc, loc == nil
}
