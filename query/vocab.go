package query

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
)

// builtinUserColumns are the users table's own columns, not attributes.
var builtinUserColumns = []string{"uid", "user_id", "account_id"}

// AttributeNames lists the user attribute columns.
func (s *Store) AttributeNames(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = 'main' AND table_name = 'users' ORDER BY ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("list attributes: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("list attributes: %w", err)
		}
		if !slices.Contains(builtinUserColumns, name) {
			out = append(out, name)
		}
	}
	return out, rows.Err()
}

// PropertyValues lists the most frequent values of an event property (or of the revenue
// and account_id columns), most frequent first, for autocompletion. events, when given,
// limits the events looked at.
func (s *Store) PropertyValues(ctx context.Context, property string, events []string, limit int) ([]string, error) {
	if limit <= 0 {
		limit = 50
	}
	// The same reading of a property as the segment compiler's: a key with dots reaches
	// into nested values (every element of a list), a literal key with dots wins.
	w := &sqlWriter{}
	propertyValueRows(w, property)
	args := w.args
	where := ""
	if len(events) > 0 {
		where = "AND e.event IN (SELECT unnest(?::VARCHAR[]))"
		args = append(args, events)
	}
	args = append(args, limit)
	q := fmt.Sprintf(`SELECT v FROM (SELECT %s AS v FROM events e WHERE true %s)
		WHERE v IS NOT NULL GROUP BY v ORDER BY count(*) DESC, v LIMIT ?`, w.String(), where)
	return stringColumn(ctx, s.db, q, args...)
}

// AttributeValues lists the most frequent values of a user attribute, for autocompletion.
func (s *Store) AttributeValues(ctx context.Context, attr string, limit int) ([]string, error) {
	names, err := s.AttributeNames(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(names, attr) {
		return nil, fmt.Errorf("no user attribute %q", attr)
	}
	if limit <= 0 {
		limit = 50
	}
	col := quoteIdent(attr)
	q := fmt.Sprintf(`SELECT CAST(%s AS VARCHAR) FROM users WHERE %s IS NOT NULL
		GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ?`, col, col)
	return stringColumn(ctx, s.db, q, limit)
}

// rowsQuerier is what stringColumn reads from: the store's *sql.DB, a connection or a
// transaction.
type rowsQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func stringColumn(ctx context.Context, db rowsQuerier, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
