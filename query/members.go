package query

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/segscope/segscope/segments"
)

// MembersOptions choose what Members lists.
type MembersOptions struct {
	// Limit is the most rows listed: 0 means DefaultMembersLimit; it never exceeds
	// MaxMembersLimit. The SQL always carries a LIMIT: the driver materialises a result
	// before the first row is read.
	Limit int
	// Attrs are user attribute columns to add (unit: user only).
	Attrs []string
	// AsOf bounds the key facts (last seen, events, revenue); zero means the latest event.
	AsOf time.Time
}

// Members limits.
const (
	DefaultMembersLimit = 1000
	MaxMembersLimit     = 10_000_000
	membersChunk        = 100_000 // ids sent to DuckDB per query
)

// Member is one listed member with its key facts.
type Member struct {
	ID       int64     `json:"id"`  // uid or aid
	Key      string    `json:"key"` // user_id or account_id
	LastSeen time.Time `json:"last_seen"`
	Events   int64     `json:"events"`  // events up to as_of
	Revenue  float64   `json:"revenue"` // sum of revenue up to as_of
	// Attrs holds the requested attributes by name (nil values for missing ones).
	Attrs map[string]any `json:"attrs,omitempty"`
}

// Members lists the members of set with their key facts, in id order, at most opt.Limit of
// them. Ids go to DuckDB as a bound list, in chunks.
func (e *Engine) Members(ctx context.Context, set *MemberSet, unit segments.Unit, opt MembersOptions) ([]Member, error) {
	if set == nil {
		return nil, errors.New("members: no member set")
	}
	limit := opt.Limit
	if limit <= 0 {
		limit = DefaultMembersLimit
	}
	limit = min(limit, MaxMembersLimit)
	snap, err := e.snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	asOf := snap.resolveAsOf(opt.AsOf)
	var attrCols []string
	if len(opt.Attrs) > 0 && unit == segments.UnitAccount {
		return nil, errors.New("members: attributes belong to people; accounts have none")
	}
	for _, a := range opt.Attrs {
		col, err := snap.attribute(&segments.UserAttr{Attr: a})
		if err != nil {
			return nil, fmt.Errorf("members: %w", err)
		}
		attrCols = append(attrCols, col.name)
	}
	out := make([]Member, 0, min(int64(limit), set.Count()))
	err = eachChunk(set, limit, func(ids []int32) error {
		ms, err := e.membersChunk(ctx, ids, unit, asOf, opt.Attrs, attrCols)
		out = append(out, ms...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (e *Engine) membersChunk(ctx context.Context, ids []int32, unit segments.Unit, asOf time.Time, names, cols []string) ([]Member, error) {
	var q strings.Builder
	q.WriteString("WITH m AS (SELECT unnest(CAST(? AS INTEGER[])) AS id) ")
	if unit == segments.UnitAccount {
		q.WriteString(`SELECT a.aid, a.account_id, f.last_seen, coalesce(f.events, 0), coalesce(f.revenue, 0)
			FROM accounts a JOIN m ON a.aid = m.id LEFT JOIN (
				SELECT x.aid AS id, max(e.ts) AS last_seen, count(*) AS events, sum(e.revenue) AS revenue
				FROM events e JOIN accounts x ON x.account_id = e.account_id
				WHERE e.ts <= CAST(? AS TIMESTAMP) AND x.aid IN (SELECT id FROM m) GROUP BY x.aid) f ON f.id = a.aid
			ORDER BY a.aid`)
	} else {
		q.WriteString("SELECT u.uid, u.user_id, f.last_seen, coalesce(f.events, 0), coalesce(f.revenue, 0)")
		for _, c := range cols {
			q.WriteString(", u." + quoteIdent(c))
		}
		q.WriteString(` FROM users u JOIN m ON u.uid = m.id LEFT JOIN (
				SELECT e.uid AS id, max(e.ts) AS last_seen, count(*) AS events, sum(e.revenue) AS revenue
				FROM events e WHERE e.ts <= CAST(? AS TIMESTAMP) AND e.uid IN (SELECT id FROM m) GROUP BY e.uid) f ON f.id = u.uid
			ORDER BY u.uid`)
	}
	fmt.Fprintf(&q, " LIMIT %d", len(ids))
	rows, err := e.store.DB().QueryContext(ctx, q.String(), ids, asOf)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("members: %w", ctx.Err())
		}
		return nil, fmt.Errorf("members: %w", err)
	}
	defer rows.Close()
	out := make([]Member, 0, len(ids))
	for rows.Next() {
		var m Member
		var last *time.Time
		dest := []any{&m.ID, &m.Key, &last, &m.Events, &m.Revenue}
		vals := make([]any, len(cols))
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("members: %w", err)
		}
		if last != nil {
			m.LastSeen = last.UTC()
		}
		if len(names) > 0 {
			m.Attrs = make(map[string]any, len(names))
			for i, n := range names {
				m.Attrs[n] = vals[i]
			}
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("members: %w", ctx.Err())
		}
		return nil, fmt.Errorf("members: %w", err)
	}
	return out, nil
}
