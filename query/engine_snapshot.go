package query

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/segscope/segscope/segments"
)

// snapshot is what the engine knows about one data version of the store: the universes,
// the id domains bitstrings are sized to, the user attribute columns, the event names and
// the latest event. It is read once per data version.
type snapshot struct {
	version  int64
	latest   time.Time // the latest event; zero when there are none
	users    *MemberSet
	accounts *MemberSet
	// userDomain and accountDomain are max id + 1 rounded up to 64: the range of the
	// bitstrings member ids come back in.
	userDomain, accountDomain uint64
	attrs                     []attrColumn
	events                    []string // distinct event names, sorted
	rollup                    rollupState
	// userRuns and accountRuns are the hash-ordered runs of ids (idruns.go) when they hold
	// the whole universe, else nil: estimates then sample a prefix of each run.
	userRuns, accountRuns hashRuns
}

// attrColumn is one column of the users table.
type attrColumn struct {
	name string
	typ  string // DuckDB's data_type
}

func (e *Engine) snapshot(ctx context.Context) (*snapshot, error) {
	// A store opened read-only cannot change while it is open: DuckDB lets no process write
	// a file others hold open for reading. Its first snapshot then holds for good, which
	// saves every evaluation a query (a tenth of a millisecond that counts when an overlap
	// of ten cached segments takes one).
	if e.store.ReadOnly() {
		e.mu.Lock()
		s := e.snap
		e.mu.Unlock()
		if s != nil {
			return s, nil
		}
	}
	version, err := e.store.DataVersion(ctx)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.snap != nil && e.snap.version == version {
		return e.snap, nil
	}
	s, err := e.readSnapshot(ctx, version)
	if err != nil {
		return nil, err
	}
	e.snap = s
	return s, nil
}

func (e *Engine) readSnapshot(ctx context.Context, version int64) (*snapshot, error) {
	db := e.store.DB()
	s := &snapshot{version: version}
	var err error
	if s.rollup, err = readRollupState(ctx, db, version); err != nil {
		return nil, fmt.Errorf("read store: %w", err)
	}
	// The rollup holds every event name and person's latest event in a tenth of the rows.
	events := "events"
	latestTS := "ts"
	if s.rollup.ok {
		events, latestTS = "event_people", "last_ts"
	}
	var latest *time.Time
	var maxUID, maxAID *int64
	err = db.QueryRowContext(ctx, `SELECT (SELECT max(`+latestTS+`) FROM `+events+`), (SELECT max(uid) FROM users),
		(SELECT max(aid) FROM accounts)`).Scan(&latest, &maxUID, &maxAID)
	if err != nil {
		return nil, fmt.Errorf("read store: %w", err)
	}
	if latest != nil {
		s.latest = latest.UTC()
	}
	if maxUID != nil {
		s.userDomain = bitDomain(uint64(*maxUID) + 1)
	}
	if maxAID != nil {
		s.accountDomain = bitDomain(uint64(*maxAID) + 1)
	}
	if s.users, err = e.fetchSet(ctx, s.userDomain, "SELECT uid AS id FROM users", nil); err != nil {
		return nil, fmt.Errorf("read people: %w", err)
	}
	if s.accounts, err = e.fetchSet(ctx, s.accountDomain, "SELECT aid AS id FROM accounts", nil); err != nil {
		return nil, fmt.Errorf("read accounts: %w", err)
	}
	if s.userRuns, err = readHashRuns(ctx, db, metaUIDRuns); err != nil {
		return nil, fmt.Errorf("read store: %w", err)
	}
	if !s.userRuns.covers(s.users.bm) {
		s.userRuns = nil
	}
	if s.accountRuns, err = readHashRuns(ctx, db, metaAIDRuns); err != nil {
		return nil, fmt.Errorf("read store: %w", err)
	}
	if !s.accountRuns.covers(s.accounts.bm) {
		s.accountRuns = nil
	}
	rows, err := db.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'main' AND table_name = 'users' ORDER BY ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("read user attributes: %w", err)
	}
	for rows.Next() {
		var a attrColumn
		if err := rows.Scan(&a.name, &a.typ); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read user attributes: %w", err)
		}
		if a.name != "uid" {
			s.attrs = append(s.attrs, a)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read user attributes: %w", err)
	}
	rows, err = db.QueryContext(ctx, `SELECT DISTINCT event FROM `+events+` ORDER BY event`)
	if err != nil {
		return nil, fmt.Errorf("read event names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("read event names: %w", err)
		}
		s.events = append(s.events, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read event names: %w", err)
	}
	return s, nil
}

func (s *snapshot) universe(unit segments.Unit) *MemberSet {
	if unit == segments.UnitAccount {
		return s.accounts
	}
	return s.users
}

// hashRuns are the unit's hash-ordered runs when they hold its whole universe, else nil.
func (s *snapshot) hashRuns(unit segments.Unit) hashRuns {
	if unit == segments.UnitAccount {
		return s.accountRuns
	}
	return s.userRuns
}

func (s *snapshot) domain(unit segments.Unit) uint64 {
	if unit == segments.UnitAccount {
		return s.accountDomain
	}
	return s.userDomain
}

// attribute finds the users column a condition names: exactly, else the one column that
// matches ignoring case. An unknown attribute is an error with a suggestion, positioned at
// the condition.
func (s *snapshot) attribute(u *segments.UserAttr) (attrColumn, error) {
	var folded []attrColumn
	for _, a := range s.attrs {
		if a.name == u.Attr {
			return a, nil
		}
		if strings.EqualFold(a.name, u.Attr) {
			folded = append(folded, a)
		}
	}
	if len(folded) == 1 {
		return folded[0], nil
	}
	err := segments.ValidateSegment(&segments.Segment{Where: u}, s)
	if err == nil {
		err = &segments.Error{Pos: u.Pos, Msg: fmt.Sprintf("unknown user attribute %q", u.Attr)}
	}
	return attrColumn{}, err
}

// Vocabulary: the snapshot answers segments.Validate's questions.

// HasEvent reports whether any event has that name.
func (s *snapshot) HasEvent(name string) bool {
	_, ok := slices.BinarySearch(s.events, name)
	return ok
}

// EventNames lists the event names.
func (s *snapshot) EventNames() []string { return s.events }

// HasAttribute reports whether the users table has that column.
func (s *snapshot) HasAttribute(name string) bool {
	for _, a := range s.attrs {
		if strings.EqualFold(a.name, name) {
			return true
		}
	}
	return false
}

// AttributeNames lists the user attribute columns.
func (s *snapshot) AttributeNames() []string {
	out := make([]string, len(s.attrs))
	for i, a := range s.attrs {
		out[i] = a.name
	}
	return out
}

// typeClass groups DuckDB column types by how the language compares them.
type typeClass int

const (
	classText typeClass = iota
	classNumber
	classBool
	classDate
	classTimestamp
	classOther
)

func (a attrColumn) class() typeClass {
	t := strings.ToUpper(a.typ)
	switch {
	case t == "VARCHAR":
		return classText
	case strings.HasPrefix(t, "DECIMAL"), slices.Contains([]string{"TINYINT", "SMALLINT", "INTEGER", "BIGINT",
		"HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE"}, t):
		return classNumber
	case t == "BOOLEAN":
		return classBool
	case t == "DATE":
		return classDate
	case strings.HasPrefix(t, "TIMESTAMP"):
		return classTimestamp
	}
	return classOther
}

// numeric is the column read as a number (NULL when it is not one).
func (a attrColumn) numeric(ident string) string {
	switch a.class() {
	case classNumber:
		return "CAST(" + ident + " AS DOUBLE)"
	case classText:
		return "TRY_CAST(" + ident + " AS DOUBLE)"
	}
	return "TRY_CAST(CAST(" + ident + " AS VARCHAR) AS DOUBLE)"
}

// equals writes "column = v" by the column's type: numbers numerically, booleans as
// booleans, dates and timestamps as such (a value that is not one matches nothing), text
// as text.
func (a attrColumn) equals(w *sqlWriter, ident string, v segments.Value) {
	switch a.class() {
	case classNumber:
		switch v.Kind {
		case segments.ValueNumber:
			w.raw(ident, " = ")
			w.value(v.Num, typeDouble)
		case segments.ValueString:
			w.raw(ident, " = TRY_CAST(")
			w.value(v.Str, typeVarchar)
			w.raw(" AS DOUBLE)")
		default:
			w.raw("FALSE")
		}
	case classBool:
		switch v.Kind {
		case segments.ValueBool:
			w.raw(ident, " = ")
			w.value(v.Bool, typeBoolean)
		case segments.ValueString:
			w.raw(ident, " = TRY_CAST(")
			w.value(v.Str, typeVarchar)
			w.raw(" AS BOOLEAN)")
		default:
			w.raw("FALSE")
		}
	case classDate, classTimestamp:
		t := "DATE"
		if a.class() == classTimestamp {
			t = "TIMESTAMP"
		}
		if v.Kind != segments.ValueString {
			w.raw("FALSE")
			return
		}
		w.raw(ident, " = TRY_CAST(")
		w.value(v.Str, typeVarchar)
		w.raw(" AS ", t, ")")
	case classText:
		w.raw(ident, " = ")
		w.value(v.String(), typeVarchar)
	default:
		w.raw("CAST(", ident, " AS VARCHAR) = ")
		w.value(v.String(), typeVarchar)
	}
}
