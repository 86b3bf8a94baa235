package query

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// propertySample caps how many events Info reads to describe property keys; bigger stores
// are sampled (PropertyInfo.Sampled).
const propertySample = 200_000

// maxPropertyKeys caps the keys Info lists, most common first.
const maxPropertyKeys = 200

// maxExampleLen shortens example values so that one long property does not flood a report.
const maxExampleLen = 60

// Info describes what the store holds. On 10M events it takes well under a second: events
// are grouped once by name, once by day, and property keys are read from a sample.
func (s *Store) Info(ctx context.Context) (*Info, error) {
	// Empty lists rather than nulls, so the JSON reads the same for an empty store.
	info := &Info{Store: s.displayPath(), EventNames: map[string]int64{}, RejectedByReason: map[string]int64{},
		EventCounts: []NameCount{}, Daily: []DayCount{}, Properties: []PropertyInfo{},
		Attributes: []AttributeInfo{}, Sources: []Source{}}
	if err := s.infoEvents(ctx, info); err != nil {
		return nil, err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM accounts)`).
		Scan(&info.Users, &info.Accounts); err != nil {
		return nil, fmt.Errorf("info: count people: %w", err)
	}
	if err := s.infoDaily(ctx, info); err != nil {
		return nil, err
	}
	if err := s.infoProperties(ctx, info); err != nil {
		return nil, err
	}
	if err := s.infoAttributes(ctx, info); err != nil {
		return nil, err
	}
	if err := s.infoRejected(ctx, info); err != nil {
		return nil, err
	}
	if err := s.infoSources(ctx, info); err != nil {
		return nil, err
	}
	v, err := s.DataVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("info: %w", err)
	}
	info.DataVersion = v
	return info, nil
}

// infoEvents fills counts by name, the total and the time span in one pass.
func (s *Store) infoEvents(ctx context.Context, info *Info) error {
	rows, err := s.db.QueryContext(ctx, `SELECT event, count(*), min(ts), max(ts) FROM events GROUP BY event`)
	if err != nil {
		return fmt.Errorf("info: count events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var nc NameCount
		var first, last time.Time
		if err := rows.Scan(&nc.Name, &nc.Count, &first, &last); err != nil {
			return fmt.Errorf("info: count events: %w", err)
		}
		info.EventNames[nc.Name] = nc.Count
		info.EventCounts = append(info.EventCounts, nc)
		info.Events += nc.Count
		if info.First.IsZero() || first.Before(info.First) {
			info.First = first.UTC()
		}
		if last.After(info.Last) {
			info.Last = last.UTC()
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("info: count events: %w", err)
	}
	sort.Slice(info.EventCounts, func(i, j int) bool {
		a, b := info.EventCounts[i], info.EventCounts[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Name < b.Name
	})
	return nil
}

// infoDaily counts events per UTC day and fills the days without events with zeros.
func (s *Store) infoDaily(ctx context.Context, info *Info) error {
	rows, err := s.db.QueryContext(ctx, `SELECT CAST(ts AS DATE) AS day, count(*) FROM events GROUP BY day ORDER BY day`)
	if err != nil {
		return fmt.Errorf("info: count days: %w", err)
	}
	defer rows.Close()
	counts := map[time.Time]int64{}
	var first, last time.Time
	for rows.Next() {
		var day time.Time
		var n int64
		if err := rows.Scan(&day, &n); err != nil {
			return fmt.Errorf("info: count days: %w", err)
		}
		day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
		counts[day] = n
		if first.IsZero() {
			first = day
		}
		last = day
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("info: count days: %w", err)
	}
	if first.IsZero() {
		return nil
	}
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		info.Daily = append(info.Daily, DayCount{Day: d, Count: counts[d]})
	}
	return nil
}

// infoProperties lists property keys with their most common JSON type, how many events
// carry them and up to three example values, from a sample of events on big stores.
func (s *Store) infoProperties(ctx context.Context, info *Info) error {
	from := "(SELECT rowid AS rid, properties AS p FROM events)"
	sampled := info.Events > propertySample
	if sampled {
		// Row-group-level (system) sampling reads only the sampled vectors, unlike a
		// reservoir sample that would scan every event.
		pct := 100 * float64(propertySample) / float64(info.Events)
		from = fmt.Sprintf("(SELECT rowid AS rid, properties AS p FROM events USING SAMPLE %.4f PERCENT (system, 42))", pct)
	}
	// Nested keys are listed as the dotted paths a definition can use (context.locale,
	// items.category), counted once per event, with the values they reach as examples.
	q := fmt.Sprintf(`WITH %s,
		kv AS (SELECT key, json_type(v) AS typ, json_extract_string(v, '$') AS val, rid FROM walk)
		SELECT key, mode(typ), count(DISTINCT rid) AS n,
			coalesce(list(DISTINCT val ORDER BY val) FILTER (WHERE val IS NOT NULL)[1:3], [])
		FROM kv GROUP BY key ORDER BY n DESC, key LIMIT %d`, propertyKeyWalk(from, keyWalkDepth), maxPropertyKeys)
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("info: describe properties: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p PropertyInfo
		var typ sql.NullString
		var examples []any
		if err := rows.Scan(&p.Key, &typ, &p.Events, &examples); err != nil {
			return fmt.Errorf("info: describe properties: %w", err)
		}
		p.Type = typ.String
		p.Examples = exampleStrings(examples)
		p.Sampled = sampled
		info.Properties = append(info.Properties, p)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("info: describe properties: %w", err)
	}
	return nil
}

// infoAttributes describes the users table's attribute columns (those a users file added).
func (s *Store) infoAttributes(ctx context.Context, info *Info) error {
	rows, err := s.db.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'main' AND table_name = 'users' ORDER BY ordinal_position`)
	if err != nil {
		return fmt.Errorf("info: user attributes: %w", err)
	}
	attrs := []AttributeInfo{}
	for rows.Next() {
		var a AttributeInfo
		if err := rows.Scan(&a.Name, &a.Type); err != nil {
			rows.Close()
			return fmt.Errorf("info: user attributes: %w", err)
		}
		if !reservedUserColumns[strings.ToLower(a.Name)] {
			attrs = append(attrs, a)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("info: user attributes: %w", err)
	}
	for i := range attrs {
		a := &attrs[i]
		var examples []any
		// A column empty for everyone (common in real exports) has no examples: an empty
		// list, not NULL.
		err := s.db.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(%[1]s),
			coalesce(list(DISTINCT CAST(%[1]s AS VARCHAR) ORDER BY CAST(%[1]s AS VARCHAR)) FILTER (WHERE %[1]s IS NOT NULL)[1:3], [])
			FROM users`, quoteIdent(a.Name))).Scan(&a.Users, &examples)
		if err != nil {
			return fmt.Errorf("info: user attribute %s: %w", a.Name, err)
		}
		a.Examples = exampleStrings(examples)
	}
	info.Attributes = attrs
	return nil
}

func (s *Store) infoRejected(ctx context.Context, info *Info) error {
	rows, err := s.db.QueryContext(ctx, `SELECT reason, count(*) FROM rejected GROUP BY reason`)
	if err != nil {
		return fmt.Errorf("info: rejected rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var reason string
		var n int64
		if err := rows.Scan(&reason, &n); err != nil {
			return fmt.Errorf("info: rejected rows: %w", err)
		}
		info.RejectedByReason[reason] = n
		info.Rejected += n
	}
	return rows.Err()
}

func (s *Store) infoSources(ctx context.Context, info *Info) error {
	// Read-only stores of older segscopes lack the later columns.
	hash, dups, dropped, currency := "CAST(NULL AS VARCHAR)", "0", "0", "''"
	if s.hasColumn(ctx, "sources", "content_hash") {
		hash = "content_hash"
	}
	if s.hasColumn(ctx, "sources", "duplicates") {
		dups, dropped = "coalesce(duplicates, 0)", "coalesce(duplicates_dropped, 0)"
	}
	if s.hasColumn(ctx, "sources", "currency") {
		currency = "coalesce(currency, '')"
	}
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT path, kind, format, rows, rejected, loaded_at, seconds, coalesce(%s, ''),
			coalesce(e.n, 0), coalesce(e.revenue, 0), %s, %s, %s, coalesce(e.paid, 0)
		FROM sources LEFT JOIN (SELECT sid, count(*) AS n, sum(revenue) AS revenue, count(revenue) AS paid FROM events GROUP BY sid) e USING (sid)
		ORDER BY sid`, hash, dups, dropped, currency))
	if err != nil {
		return fmt.Errorf("info: sources: %w", err)
	}
	defer rows.Close()
	currencies := map[string]bool{}
	unknown := false // revenue from a source of no known currency
	for rows.Next() {
		var src Source
		var paid int64
		if err := rows.Scan(&src.Path, &src.Kind, &src.Format, &src.Rows, &src.Rejected, &src.LoadedAt, &src.Seconds, &src.ContentHash,
			&src.Events, &src.Revenue, &src.Duplicates, &src.DuplicatesDropped, &src.Currency, &paid); err != nil {
			return fmt.Errorf("info: sources: %w", err)
		}
		src.LoadedAt = src.LoadedAt.UTC()
		src.FileRows = src.Rows + src.Rejected + src.DuplicatesDropped
		src.RejectedByReason = map[string]int64{}
		info.Sources = append(info.Sources, src)
		info.Revenue += src.Revenue
		info.Duplicates += src.Duplicates
		info.DuplicatesDropped += src.DuplicatesDropped
		if paid > 0 {
			switch src.Currency {
			case "":
				unknown = true
			case CurrencyMixed:
				currencies[CurrencyMixed] = true
			default:
				currencies[src.Currency] = true
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("info: sources: %w", err)
	}
	for c := range currencies {
		if c != CurrencyMixed {
			info.Currencies = append(info.Currencies, c)
		}
	}
	slices.Sort(info.Currencies)
	switch {
	case unknown: // some revenue of no known currency: the total's is not known either
	case len(currencies) == 1 && !currencies[CurrencyMixed]:
		info.Currency = info.Currencies[0]
	case len(currencies) > 0:
		info.Currency = CurrencyMixed
	}
	byPath := map[string]*Source{}
	for i := range info.Sources {
		byPath[info.Sources[i].Path] = &info.Sources[i]
	}
	rr, err := s.db.QueryContext(ctx, `SELECT source, reason, count(*) FROM rejected GROUP BY source, reason`)
	if err != nil {
		return fmt.Errorf("info: rejected rows: %w", err)
	}
	defer rr.Close()
	for rr.Next() {
		var path, reason string
		var n int64
		if err := rr.Scan(&path, &reason, &n); err != nil {
			return fmt.Errorf("info: rejected rows: %w", err)
		}
		if src := byPath[path]; src != nil {
			src.RejectedByReason[reason] = n
		}
	}
	return rr.Err()
}

// hasColumn reports whether a table of the store has a column.
func (s *Store) hasColumn(ctx context.Context, table, column string) bool {
	var n int
	s.db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_schema = 'main' AND table_name = ? AND column_name = ?`, table, column).Scan(&n)
	return n > 0
}

// exampleStrings turns a DuckDB list of example values into short strings.
func exampleStrings(list []any) []string {
	out := []string{}
	for _, v := range list {
		if v == nil {
			continue
		}
		s := fmt.Sprint(v)
		if r := []rune(s); len(r) > maxExampleLen {
			s = string(r[:maxExampleLen-1]) + "…"
		}
		out = append(out, s)
	}
	return out
}
