package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/segscope/segscope/segments"
)

// This file is what other packages read from the store besides member sets: the events of
// a campaign for a replay, people's ids and attributes, one person's history, the span of
// the data. They ask in Go terms (event matches, windows, member sets) and get Go values
// back, so that query stays the one package that knows the store's tables and columns:
// when their layout changes, only this package changes with it.

// MaxEventTags bounds the tags of one EventGroup: each is a bit of TaggedEvent.Tags.
const MaxEventTags = 30

// maxPushedPeople is the largest set of people written into a query as a list of ids; a
// larger set is read by the range of its ids and filtered in Go.
const maxPushedPeople = 1000

// EventTag is one kind of event a reader wants: the events matching Match (one of its
// names, every one of its where: filters), and with Within set only those inside one of
// its intervals. A filter on a property an event does not carry does not match, exactly as
// in a segment's where:.
type EventTag struct {
	Match  *segments.EventMatch
	Within []segments.Interval
}

// EventGroup is a set of tags read together, such as one campaign's trigger, exit and
// conversion events. An event read for the group carries the bits of every tag it matches
// (one purchase can both exit a journey and convert it).
type EventGroup struct {
	Tags []EventTag
	// From, when set, leaves out the events before it.
	From time.Time
	// Anchor ≥ 0 keeps only the events of people who have at least one event of
	// Tags[Anchor] in the read; -1 keeps everyone's.
	Anchor int
}

// EventsRequest is one read of events: every group's, up to AsOf, for People (everyone
// when nil).
type EventsRequest struct {
	Groups []EventGroup
	AsOf   time.Time
	People *MemberSet
}

// TaggedEvent is one event of a read. The fields are the driver's own types, so that
// streaming millions of them costs no conversions.
type TaggedEvent struct {
	UID     int32
	Micros  int64   // the timestamp, microseconds since the Unix epoch, UTC
	Revenue float64 // 0 when the event has none
	Group   int32   // index into EventsRequest.Groups
	Tags    int32   // bit i: the event matches Groups[Group].Tags[i]
}

// At is the event's time.
func (e TaggedEvent) At() time.Time { return time.UnixMicro(e.Micros).UTC() }

// EventCursor streams the events of a read in person, time and group order. Close it when
// done.
type EventCursor struct {
	rows   *sql.Rows
	filter *MemberSet // people to keep, when the query could not narrow to them itself
	ev     TaggedEvent
	err    error
}

// ReadEvents starts streaming the events req asks for. A group whose tags match nothing
// (no tags, or tags whose windows are empty) reads nothing.
func (s *Store) ReadEvents(ctx context.Context, req EventsRequest) (*EventCursor, error) {
	text, args, err := eventsQuery(req)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	cur := &EventCursor{}
	if req.People != nil && req.People.Count() > maxPushedPeople {
		cur.filter = req.People
	}
	if text == "" {
		return cur, nil
	}
	if cur.rows, err = s.db.QueryContext(ctx, text, args...); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return cur, nil
}

// Next advances to the next event; false at the end or on an error (see Err).
func (c *EventCursor) Next() bool {
	if c.rows == nil {
		return false
	}
	for c.rows.Next() {
		e := &c.ev
		if err := c.rows.Scan(&e.UID, &e.Micros, &e.Revenue, &e.Group, &e.Tags); err != nil {
			c.err = err
			return false
		}
		if c.filter == nil || c.filter.Contains(uint32(e.UID)) {
			return true
		}
	}
	return false
}

// Event is the current event.
func (c *EventCursor) Event() TaggedEvent { return c.ev }

// Err is the error that ended the read, if any.
func (c *EventCursor) Err() error {
	if c.rows == nil {
		return nil
	}
	err := c.err
	if err == nil {
		err = c.rows.Err()
	}
	if err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	return nil
}

// Close ends the read.
func (c *EventCursor) Close() error {
	if c.rows == nil {
		return nil
	}
	return c.rows.Close()
}

// eventsQuery writes one statement for every group of req: per group, a scan of the events
// of its names up to as_of, each row tagged with the bits of the tags it matches, rows
// matching none dropped; the groups' rows are then merged in (uid, time, group) order.
func eventsQuery(req EventsRequest) (string, []any, error) {
	if req.AsOf.IsZero() {
		return "", nil, errors.New("no as_of")
	}
	w := &sqlWriter{}
	c := &compiler{}
	parts := 0
	for gi, g := range req.Groups {
		if len(g.Tags) > MaxEventTags {
			return "", nil, fmt.Errorf("group %d: more than %d tags", gi, MaxEventTags)
		}
		if g.Anchor >= len(g.Tags) {
			return "", nil, fmt.Errorf("group %d: anchor %d is not one of its %d tags", gi, g.Anchor, len(g.Tags))
		}
		var names []string
		live := 0
		for _, t := range g.Tags {
			if t.Match == nil || len(t.Match.Events) == 0 {
				return "", nil, fmt.Errorf("group %d: a tag without an event name", gi)
			}
			names = append(names, t.Match.Events...)
			if t.Within == nil || len(t.Within) > 0 {
				live++
			}
		}
		if live == 0 || (g.Anchor >= 0 && g.Tags[g.Anchor].Within != nil && len(g.Tags[g.Anchor].Within) == 0) {
			continue // nothing can match, or no one can have the anchor
		}
		if parts > 0 {
			w.raw("\nUNION ALL\n")
		}
		parts++
		cte := fmt.Sprintf("g%d", gi)
		w.rawf("(WITH %s AS (SELECT e.uid, epoch_us(e.ts) AS us, coalesce(e.revenue, 0) AS rev, ", cte)
		for ti, t := range g.Tags {
			if ti > 0 {
				w.raw(" + ")
			}
			w.rawf("%d * coalesce(", 1<<ti)
			if err := tagPredicate(w, c, t); err != nil {
				return "", nil, fmt.Errorf("group %d: %w", gi, err)
			}
			w.raw(", FALSE)::INTEGER")
		}
		w.raw(" AS tags FROM events e WHERE e.ts <= ")
		w.value(req.AsOf, typeTimestamp)
		if err := eventsPredicate(w, dedupe(names)); err != nil {
			return "", nil, fmt.Errorf("group %d: %w", gi, err)
		}
		if !g.From.IsZero() {
			w.raw(" AND e.ts >= ")
			w.value(g.From, typeTimestamp)
		}
		peoplePredicate(w, "e.uid", req.People)
		w.rawf(") SELECT uid, us, rev, %d AS g, tags FROM %s WHERE tags <> 0", gi, cte)
		if g.Anchor >= 0 {
			w.rawf(" AND uid IN (SELECT uid FROM %s WHERE tags & %d <> 0)", cte, 1<<g.Anchor)
		}
		w.raw(")")
	}
	if parts == 0 {
		return "", nil, nil
	}
	w.raw("\nORDER BY uid, us, g")
	return w.String(), w.args, w.err
}

// tagPredicate writes whether an event matches t: one of its names, all of its filters,
// inside its window.
func tagPredicate(w *sqlWriter, c *compiler, t EventTag) error {
	w.raw("(TRUE")
	if err := eventsPredicate(w, t.Match.Events); err != nil {
		return err
	}
	for _, f := range t.Match.Where {
		w.raw(" AND ")
		if err := c.filterPredicate(w, f); err != nil {
			return err
		}
	}
	if t.Within != nil {
		w.raw(" AND ")
		windowPredicate(w, t.Within)
	}
	w.raw(")")
	return nil
}

// peoplePredicate narrows a scan to people (col holds their uid): by their ids when there are few,
// else by the range of their ids (the reader filters the rest).
func peoplePredicate(w *sqlWriter, col string, people *MemberSet) {
	if people == nil {
		return
	}
	ids := people.IDs()
	switch {
	case len(ids) == 0:
		w.raw(" AND FALSE")
	case len(ids) <= maxPushedPeople:
		w.raw(" AND ", col, " IN (")
		for i, id := range ids {
			if i > 0 {
				w.raw(", ")
			}
			w.value(int64(id), typeBigint)
		}
		w.raw(")")
	default:
		w.raw(" AND ", col, " BETWEEN ")
		w.value(int64(ids[0]), typeBigint)
		w.raw(" AND ")
		w.value(int64(ids[len(ids)-1]), typeBigint)
	}
}

func dedupe(names []string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// Person is one row of the people a reader asked for.
type Person struct {
	UID    int32
	UserID string
	// Attr is the attribute PeopleRequest.Attr names, as text; AttrSet is false when the
	// person has none (or the store has no such attribute).
	Attr    string
	AttrSet bool
}

// PeopleRequest asks for people in uid order: People (everyone when nil), with one
// attribute read as text when Attr names one.
type PeopleRequest struct {
	People *MemberSet
	Attr   string
}

// PersonCursor streams people in uid order. Close it when done.
type PersonCursor struct {
	rows   *sql.Rows
	filter *MemberSet
	p      Person
	err    error
}

// ReadPeople starts streaming the people req asks for. An attribute the store does not
// have reads as unset for everyone.
func (s *Store) ReadPeople(ctx context.Context, req PeopleRequest) (*PersonCursor, error) {
	attr := "CAST(NULL AS VARCHAR)"
	if req.Attr != "" {
		names, err := s.AttributeNames(ctx)
		if err != nil {
			return nil, fmt.Errorf("read people: %w", err)
		}
		if slices.Contains(names, req.Attr) {
			attr = "CAST(" + quoteIdent(req.Attr) + " AS VARCHAR)"
		}
	}
	w := &sqlWriter{}
	w.raw("SELECT uid, user_id, ", attr, " FROM users WHERE TRUE")
	peoplePredicate(w, "uid", req.People)
	w.raw(" ORDER BY uid")
	cur := &PersonCursor{}
	if req.People != nil && req.People.Count() > maxPushedPeople {
		cur.filter = req.People
	}
	rows, err := s.db.QueryContext(ctx, w.String(), w.args...)
	if err != nil {
		return nil, fmt.Errorf("read people: %w", err)
	}
	cur.rows = rows
	return cur, nil
}

// Next advances to the next person; false at the end or on an error (see Err).
func (c *PersonCursor) Next() bool {
	for c.rows.Next() {
		var attr sql.NullString
		if err := c.rows.Scan(&c.p.UID, &c.p.UserID, &attr); err != nil {
			c.err = err
			return false
		}
		c.p.Attr, c.p.AttrSet = attr.String, attr.Valid
		if c.filter == nil || c.filter.Contains(uint32(c.p.UID)) {
			return true
		}
	}
	return false
}

// Person is the current person.
func (c *PersonCursor) Person() Person { return c.p }

// Err is the error that ended the read, if any.
func (c *PersonCursor) Err() error {
	err := c.err
	if err == nil {
		err = c.rows.Err()
	}
	if err != nil {
		return fmt.Errorf("read people: %w", err)
	}
	return nil
}

// Close ends the read.
func (c *PersonCursor) Close() error { return c.rows.Close() }

// ErrNoPerson reports a user id or uid the store does not know.
var ErrNoPerson = errors.New("no such person")

// FindPerson is the uid of a user id; ErrNoPerson when the store has no such person.
func (s *Store) FindPerson(ctx context.Context, userID string) (int32, error) {
	var uid int32
	err := s.db.QueryRowContext(ctx, `SELECT uid FROM users WHERE user_id = ?`, userID).Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("person %q: %w", userID, ErrNoPerson)
	}
	if err != nil {
		return 0, fmt.Errorf("person %q: %w", userID, err)
	}
	return uid, nil
}

// PersonEvent is one event of a person's history. Its name and properties are untrusted
// text: sanitise them before display.
type PersonEvent struct {
	At         time.Time
	Event      string
	Revenue    float64 // 0 when the event has none
	Properties string  // JSON text; "" when the event has none
}

// PersonEvents lists one person's events in time order: with from set, the first limit in
// [from, to]; with from zero, the last limit at or before to.
func (s *Store) PersonEvents(ctx context.Context, uid int32, from, to time.Time, limit int) ([]PersonEvent, error) {
	const cols = `ts, event, coalesce(revenue, 0), coalesce(CAST(properties AS VARCHAR), '')`
	var rows *sql.Rows
	var err error
	if !from.IsZero() {
		rows, err = s.db.QueryContext(ctx, `SELECT `+cols+` FROM events WHERE uid = ? AND ts >= ? AND ts <= ? ORDER BY ts LIMIT ?`,
			uid, from, to, limit)
	} else {
		rows, err = s.db.QueryContext(ctx, `SELECT * FROM (SELECT `+cols+` FROM events WHERE uid = ? AND ts <= ? ORDER BY ts DESC LIMIT ?) ORDER BY ts`,
			uid, to, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("person %d: events: %w", uid, err)
	}
	defer rows.Close()
	var out []PersonEvent
	for rows.Next() {
		var e PersonEvent
		if err := rows.Scan(&e.At, &e.Event, &e.Revenue, &e.Properties); err != nil {
			return nil, fmt.Errorf("person %d: events: %w", uid, err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("person %d: events: %w", uid, err)
	}
	return out, nil
}

// EventsPresent is the subset of names that some event of the store carries.
func (s *Store) EventsPresent(ctx context.Context, names []string) (map[string]bool, error) {
	found := map[string]bool{}
	names = dedupe(names)
	if len(names) == 0 {
		return found, nil
	}
	w := &sqlWriter{}
	w.raw("SELECT DISTINCT e.event FROM events e WHERE TRUE")
	if err := eventsPredicate(w, names); err != nil {
		return nil, err
	}
	list, err := stringColumn(ctx, s.db, w.String(), w.args...)
	if err != nil {
		return nil, fmt.Errorf("read event names: %w", err)
	}
	for _, n := range list {
		found[n] = true
	}
	return found, nil
}

// TimeRange is the time of the store's first and latest events; both zero when it has
// none.
func (s *Store) TimeRange(ctx context.Context) (first, last time.Time, err error) {
	var lo, hi sql.NullTime
	if err := s.db.QueryRowContext(ctx, `SELECT min(ts), max(ts) FROM events`).Scan(&lo, &hi); err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("read the store's time range: %w", err)
	}
	if lo.Valid {
		first = lo.Time.UTC()
	}
	if hi.Valid {
		last = hi.Time.UTC()
	}
	return first, last, nil
}
