package query

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// What `load --explain` shows: how a file is read — which columns fill which fields and why
// the export was recognised — and its first rows as the events they become. The CLI loads the
// files into a store of its own in memory (the named store is not touched), so the counts
// and samples are the real reading, not a guess.

// ColumnRole says which of a file's columns fill one field of the store.
type ColumnRole struct {
	Field   string   `json:"field"`   // user_id, event, timestamp, account_id, revenue, properties, attributes
	Columns []string `json:"columns"` // the file's columns, coalesced or merged in order
	// Constant is the event every row is given (--event, transaction tables).
	Constant string `json:"constant,omitempty"`
	Note     string `json:"note,omitempty"`
}

// roles lists the mapping's fields as ColumnRoles, in the store's order.
func (m *fieldMapping) roles() []ColumnRole {
	var out []ColumnRole
	add := func(field string, cols []string, constant, note string) {
		if len(cols) > 0 || constant != "" {
			out = append(out, ColumnRole{Field: field, Columns: cols, Constant: constant, Note: note})
		}
	}
	one := func(c string) []string {
		if c == "" {
			return nil
		}
		return []string{c}
	}
	add("user_id", m.user, "", multiNote(m.user, "the first one set"))
	switch {
	case m.eventGiven:
		add("event", nil, m.eventConst, "--event: every row")
	case m.eventConst != "":
		add("event", nil, m.eventConst, "every row; refund when its amount is negative")
	default:
		add("event", m.event, "", multiNote(m.event, "the first one set"))
	}
	add("timestamp", one(m.ts), "", "")
	add("account_id", one(m.account), "", "")
	if m.quantity != "" {
		add("revenue", []string{m.quantity, m.price}, "", "quantity × unit price; both stay properties")
	} else if m.revenue != "" {
		note := ""
		if normName(m.revenue) != "revenue" {
			note = "stays a property too"
		}
		add("revenue", one(m.revenue), "", note)
	}
	note := "merged; every other column is a property too"
	if len(m.dropProps) > 0 {
		note += "; without " + strings.Join(m.dropProps, ", ")
	}
	add("properties", m.props, "", note)
	if len(m.traits) > 0 {
		note := "the person's: user attributes, the latest by event time winning"
		if m.traitsSkip[0] != "" {
			note += fmt.Sprintf(" (not on rows whose %s is %s)", m.traitsSkip[0], m.traitsSkip[1])
		}
		add("attributes", m.traits, "", note)
	}
	return out
}

func multiNote(cols []string, note string) string {
	if len(cols) > 1 {
		return note
	}
	return ""
}

// SampleEvent is one stored event as a file's explanation shows it.
type SampleEvent struct {
	UserID     string    `json:"user_id"`
	Event      string    `json:"event"`
	Time       time.Time `json:"timestamp"`
	AccountID  string    `json:"account_id,omitempty"`
	Revenue    *float64  `json:"revenue,omitempty"`
	Properties string    `json:"properties,omitempty"`
}

// FileSample returns the earliest n events a loaded file gave.
func (s *Store) FileSample(ctx context.Context, path string, n int) ([]SampleEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT u.user_id, e.event, e.ts, e.account_id, e.revenue, CAST(e.properties AS VARCHAR)
		FROM events e JOIN users u USING (uid)
		WHERE e.sid = (SELECT max(sid) FROM sources WHERE path = ?)
		ORDER BY e.ts, e.rowid LIMIT ?`, path, n)
	if err != nil {
		return nil, fmt.Errorf("sample %s: %w", path, err)
	}
	defer rows.Close()
	var out []SampleEvent
	for rows.Next() {
		var e SampleEvent
		var account, props sql.NullString
		var revenue sql.NullFloat64
		if err := rows.Scan(&e.UserID, &e.Event, &e.Time, &account, &revenue, &props); err != nil {
			return nil, fmt.Errorf("sample %s: %w", path, err)
		}
		e.AccountID, e.Properties = account.String, props.String
		if revenue.Valid {
			e.Revenue = &revenue.Float64
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sample %s: %w", path, err)
	}
	return out, nil
}

// delimiterName names how a text file separates its fields, for reports ("" for others).
func delimiterName(src *fileSource, sf sniffedFile) string {
	if src.kind != tableFileSource || sf.format == FormatParquet {
		return ""
	}
	if sf.whitespace {
		if sf.headerless {
			return "runs of blanks, no header"
		}
		return "runs of blanks"
	}
	name := map[string]string{",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}[src.delim]
	if name == "" {
		name = fmt.Sprintf("%q", src.delim)
	}
	if src.decimalComma() {
		name += ", decimal commas read"
	}
	return name
}
