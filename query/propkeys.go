package query

import (
	"fmt"
	"strings"
)

// Nested property keys, for the lists people pick keys from: info's properties (and the
// explorer's completion, which reads them) and lint's "did you mean". A key is listed with
// the dotted paths below it that a definition can use (compile_path.go): `context.locale`
// for an object, `items.category` for a list of objects.

// keyWalkDepth is how many levels below the top the walk lists (context.page.path).
const keyWalkDepth = 3

// propertyKeyWalk writes CTEs over src (a FROM item with columns rid, a row id, and p, the
// properties JSON) ending in walk(key, v, rid): every key and dotted path down to depth
// levels with its value, once per value (a path through a list yields one row per element).
// Dotted paths are walked only where the key holds no dot itself; a literal key with dots
// is listed as it is.
func propertyKeyWalk(src string, depth int) string {
	path := func(k string) string {
		return `'$."' || replace(replace(` + k + `, '\', '\\'), '"', '\"') || '"'`
	}
	var b strings.Builder
	fmt.Fprintf(&b, `walk1 AS MATERIALIZED (
		SELECT k AS key, json_extract(p, %s) AS v, rid
		FROM (SELECT rid, p, unnest(json_keys(p)) AS k FROM %s WHERE json_type(p) = 'OBJECT'))`, path("k"), src)
	for d := 2; d <= depth; d++ {
		// Objects below a key (and objects in a list below it) add their keys, dotted. A
		// top-level key with a dot of its own is a literal key: nothing is walked below it.
		literal := ""
		if d == 2 {
			literal = " AND NOT contains(key, '.')"
		}
		fmt.Fprintf(&b, `,
	elems%[1]d AS (
		SELECT key, unnest(CASE WHEN json_type(v) = 'ARRAY' THEN CAST(v AS JSON[]) ELSE [v] END) AS o, rid
		FROM walk%[1]d WHERE json_type(v) IN ('OBJECT', 'ARRAY')%[4]s),
	walk%[2]d AS MATERIALIZED (
		SELECT key || '.' || k AS key, json_extract(o, %[3]s) AS v, rid
		FROM (SELECT key, o, rid, unnest(json_keys(o)) AS k FROM elems%[1]d WHERE json_type(o) = 'OBJECT')
		WHERE NOT contains(k, '.'))`, d-1, d, path("k"), literal)
	}
	b.WriteString(",\n\twalk AS (")
	for d := 1; d <= depth; d++ {
		if d > 1 {
			b.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&b, "SELECT key, v, rid FROM walk%d", d)
	}
	b.WriteString(")")
	return b.String()
}
