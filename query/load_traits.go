package query

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Traits: what an export says about the person rather than the event — Segment's identify
// traits (and context.traits), Amplitude's user_properties, GA4's user_properties, PostHog's
// person_properties and $set. They become user attributes, so that `user: plan` works on a
// store loaded from events alone.
//
// Decisions:
//   - The latest value wins, by event time, not by file or load order: an export replayed
//     out of order, or an older file loaded later, does not take a person back to an older
//     plan. Ties (the same instant) go to the file loaded last.
//   - Every file's latest value per person and key is kept in user_traits (with the file's
//     sid), and the attribute columns of users are computed from it. So --replace of a file
//     takes its traits back: the people it touched get the latest value of the files left.
//   - A trait that is an object is flattened one level into dotted names (address.city);
//     lists and deeper objects are kept as JSON text. JSON null is no value.
//   - The column's type follows the values: BIGINT, DOUBLE or BOOLEAN when every value of
//     the key is one, VARCHAR otherwise; a column that exists keeps its type while the
//     values fit it and becomes VARCHAR when one does not, so no value is lost.
//   - Attribute values are not versioned: a condition evaluated at an earlier as_of sees the
//     latest value (DESIGN.md's users table has one value per attribute).
//   - A users file (--users) sets the same columns; whichever is loaded later wins for the
//     people both name.

// maxTraitKeys bounds the attribute columns one load adds from traits; further keys stay in
// the events' properties only (the report says so).
const maxTraitKeys = 300

// traitsSQL is the expression giving a record's traits as one JSON object (NULL when none).
func traitsSQL(src *fileSource, m *fieldMapping) string {
	if len(m.traits) == 0 {
		return "CAST(NULL AS JSON)"
	}
	parts := []string{"'{}'"}
	for _, c := range m.traits {
		v, _ := src.jsonOf(c)
		parts = append(parts, fmt.Sprintf("coalesce(%s, '{}')", objectSQL(v, "")))
	}
	// Merging into an empty object drops null values.
	x := fmt.Sprintf("CAST(NULLIF(CAST(json_merge_patch(%s) AS VARCHAR), '{}') AS JSON)", strings.Join(parts, ", "))
	if m.traitsSkip[0] != "" {
		x = fmt.Sprintf("CASE WHEN %s = %s THEN NULL ELSE %s END", src.text(m.traitsSkip[0]), quoteLiteral(m.traitsSkip[1]), x)
	}
	return x
}

// writeTraits keeps the file's latest trait values per person and key in user_traits and
// sets the attributes they give. It runs inside the transaction, after the file's events.
func (l *loader) writeTraits(ctx context.Context, p *preparedFile) error {
	if !p.traits {
		return nil
	}
	what := "load " + p.plan.path + ": user attributes from traits"
	// Keys one level down in an object trait are flattened: {"address": {"city": …}} gives
	// address.city. Values are kept as JSON.
	_, err := l.exec(ctx, what, fmt.Sprintf(`INSERT INTO user_traits (uid, key, value, ts, sid)
		WITH t AS (
			SELECT user_id, ts, k, json_extract(traits, '$."' || replace(replace(k, '\', '\\'), '"', '\"') || '"') AS v
			FROM (SELECT user_id, ts, traits, unnest(json_keys(traits)) AS k FROM %s WHERE reason IS NULL AND traits IS NOT NULL)
		), flat AS (
			SELECT user_id, ts, k AS key, v FROM t WHERE json_type(v) <> 'OBJECT'
			UNION ALL
			SELECT user_id, ts, k || '.' || k2, json_extract(v, '$."' || replace(replace(k2, '\', '\\'), '"', '\"') || '"')
			FROM (SELECT user_id, ts, k, v, unnest(json_keys(v)) AS k2 FROM t WHERE json_type(v) = 'OBJECT')
		)
		SELECT u.uid, f.key, arg_max(f.v, f.ts), max(f.ts), ?
		FROM flat f JOIN users u ON u.user_id = f.user_id
		WHERE f.v IS NOT NULL AND json_type(f.v) <> 'NULL'
		GROUP BY u.uid, f.key`, p.rows()), l.nextSID)
	if err != nil {
		return err
	}
	keys, err := stringColumn(ctx, l.q, `SELECT key FROM user_traits WHERE sid = ? GROUP BY key ORDER BY count(*) DESC, key`, l.nextSID)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if len(keys) > maxTraitKeys {
		p.report.Warnings = append(p.report.Warnings, fmt.Sprintf(
			"%d trait keys: the %d most common became user attributes, the others stay in the events' properties", len(keys), maxTraitKeys))
		keys = keys[:maxTraitKeys]
		if _, err := l.exec(ctx, what, `DELETE FROM user_traits WHERE sid = ? AND NOT list_contains(?::VARCHAR[], key)`, l.nextSID, keys); err != nil {
			return err
		}
	}
	names, err := l.applyTraits(ctx, what, keys, fmt.Sprintf("SELECT DISTINCT uid FROM user_traits WHERE sid = %d", l.nextSID))
	if err != nil {
		return err
	}
	p.report.Attributes = names
	return nil
}

// forgetTraits removes the traits a file gave (its reload or replacement is underway) and
// sets the attributes of the people they touched from the traits left.
func (l *loader) forgetTraits(ctx context.Context, path string) error {
	what := "load " + path + ": replace user attributes from traits"
	var sid int64
	err := l.q.QueryRowContext(ctx, `SELECT coalesce(max(sid), -1) FROM sources WHERE path = ?`, path).Scan(&sid)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	keys, err := stringColumn(ctx, l.q, `SELECT DISTINCT key FROM user_traits WHERE sid = ? ORDER BY key`, sid)
	if err != nil || len(keys) == 0 {
		return err
	}
	touched := l.tempName("touched")
	if _, err := l.exec(ctx, what, fmt.Sprintf(`CREATE TEMP TABLE %s AS SELECT DISTINCT uid FROM user_traits WHERE sid = ?`, quoteIdent(touched)), sid); err != nil {
		return err
	}
	if _, err := l.exec(ctx, what, `DELETE FROM user_traits WHERE sid = ?`, sid); err != nil {
		return err
	}
	_, err = l.applyTraits(ctx, what, keys, "SELECT uid FROM "+quoteIdent(touched))
	return err
}

// applyTraits sets, for the people of the query who, the attribute columns of keys to their
// latest trait value (NULL when none is left), adding and widening columns as needed. It
// returns the attribute names set.
func (l *loader) applyTraits(ctx context.Context, what string, keys []string, who string) ([]string, error) {
	existing, err := l.userColumnNames(ctx)
	if err != nil {
		return nil, err
	}
	// Keys that differ only in case share a column (DuckDB's names are case-insensitive).
	byColumn := map[string][]string{}
	var order []string
	for _, k := range keys {
		name := k
		if reservedUserColumns[strings.ToLower(name)] {
			name = "attr_" + name
		}
		if have, ok := existing[strings.ToLower(name)]; ok {
			name = have.name
		}
		low := strings.ToLower(name)
		if _, seen := byColumn[low]; !seen {
			order = append(order, name)
		}
		byColumn[low] = append(byColumn[low], k)
	}
	var names []string
	for _, name := range order {
		group := byColumn[strings.ToLower(name)]
		typ, err := l.traitType(ctx, group)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		col, ok := existing[strings.ToLower(name)]
		switch {
		case !ok:
			if _, err := l.exec(ctx, what, fmt.Sprintf("ALTER TABLE users ADD COLUMN %s %s", quoteIdent(name), typ)); err != nil {
				return nil, err
			}
			col = userColumn{name: name, typ: typ}
		case !strings.EqualFold(col.typ, typ) && !l.traitsFit(ctx, group, col.typ):
			// A value the column's type cannot hold: widen to text rather than lose it.
			if _, err := l.exec(ctx, what, fmt.Sprintf("ALTER TABLE users ALTER COLUMN %s TYPE VARCHAR", quoteIdent(col.name))); err != nil {
				return nil, err
			}
			col.typ = "VARCHAR"
		}
		if _, err := l.exec(ctx, what, fmt.Sprintf(`UPDATE users SET %[1]s = x.v FROM (
				SELECT w.uid, TRY_CAST(arg_max(json_extract_string(t.value, '$'), (t.ts, t.sid)) AS %[2]s) AS v
				FROM (%[3]s) w LEFT JOIN user_traits t ON t.uid = w.uid AND list_contains(?::VARCHAR[], t.key)
				GROUP BY w.uid) x
			WHERE users.uid = x.uid`, quoteIdent(col.name), col.typ, who), group); err != nil {
			return nil, err
		}
		names = append(names, col.name)
	}
	sort.Strings(names)
	return names, nil
}

// traitType is the column type every stored value of the keys fits: BIGINT, DOUBLE,
// BOOLEAN, or VARCHAR.
func (l *loader) traitType(ctx context.Context, keys []string) (string, error) {
	var ints, nums, bools bool
	err := l.q.QueryRowContext(ctx, `SELECT coalesce(bool_and(t IN ('BIGINT', 'UBIGINT')), false),
			coalesce(bool_and(t IN ('BIGINT', 'UBIGINT', 'DOUBLE')), false), coalesce(bool_and(t = 'BOOLEAN'), false)
		FROM (SELECT json_type(value) AS t FROM user_traits WHERE list_contains(?::VARCHAR[], key))`, keys).Scan(&ints, &nums, &bools)
	switch {
	case err != nil:
		return "", err
	case ints:
		return "BIGINT", nil
	case nums:
		return "DOUBLE", nil
	case bools:
		return "BOOLEAN", nil
	}
	return "VARCHAR", nil
}

// traitsFit reports whether every stored value of the keys casts to typ.
func (l *loader) traitsFit(ctx context.Context, keys []string, typ string) bool {
	var bad int64
	err := l.q.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM user_traits
		WHERE list_contains(?::VARCHAR[], key) AND TRY_CAST(json_extract_string(value, '$') AS %s) IS NULL`, typ), keys).Scan(&bad)
	return err == nil && bad == 0
}

// userColumn is one column of the users table.
type userColumn struct{ name, typ string }

// userColumnNames maps the users table's columns, lower-cased, to their names and types.
func (l *loader) userColumnNames(ctx context.Context) (map[string]userColumn, error) {
	rows, err := l.q.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'main' AND table_name = 'users'`)
	if err != nil {
		return nil, fmt.Errorf("read users columns: %w", err)
	}
	defer rows.Close()
	out := map[string]userColumn{}
	for rows.Next() {
		var c userColumn
		if err := rows.Scan(&c.name, &c.typ); err != nil {
			return nil, fmt.Errorf("read users columns: %w", err)
		}
		out[strings.ToLower(c.name)] = c
	}
	return out, rows.Err()
}
