package query

import (
	"strings"

	"github.com/segscope/segscope/segments"
)

// Dotted property keys. Exports nest: Segment's context and traits, GA4's device and items,
// Amplitude's data. A key with dots in a definition (`context.locale`, `items.category`)
// reaches into them: each part looks up a key of the object before it, and a part applied to
// a list looks into every element, so `items.category: shoes` matches an event when any of
// its items has that category. A list at the end of the path is a value like any other
// (`tags: vip` does not look inside the list `tags`).
//
// Precedence: some tools write keys that contain dots (Mixpanel's flattened exports, a CSV
// column "page.title"). On an event that has the literal key, the literal key is the
// property; only where an event has no such key does the path reach into nested values. So a
// definition that worked on literal keys keeps its meaning.
//
// Every part of the path is a bound parameter (DuckDB reads a JSON path given as a parameter
// when it has no wildcard), and the walk over lists is written with lambdas, so no value of
// the definition becomes SQL text.

// maxPathParts bounds how deep a dotted key reaches; deeper parts stay in the last key.
const maxPathParts = 8

// dottedKey reports whether key is a path into nested values: a properties key (not the
// revenue or account_id column) with a dot between two non-empty parts.
func dottedKey(key string) bool {
	if segments.ColumnOf(key) != segments.NoColumn || !strings.Contains(key, ".") {
		return false
	}
	for _, p := range strings.Split(key, ".") {
		if p == "" {
			return false
		}
	}
	return true
}

// pathParts splits a dotted key into its parts (at most maxPathParts; the last keeps the
// rest of the key, dots included).
func pathParts(key string) []string {
	return strings.SplitN(key, ".", maxPathParts)
}

// propertyValues writes, for a dotted key, the list (VARCHAR[]) of the values the path
// reaches on the event e, as text; NULL elements stand for missing or JSON null values. An
// event with the literal key gives that key's value alone.
func propertyValues(w *sqlWriter, key string) {
	w.raw("CASE WHEN json_exists(e.properties, ")
	w.value(jsonPointer(key), typeVarchar)
	w.raw(") THEN [json_extract_string(e.properties, ")
	w.value(jsonPointer(key), typeVarchar)
	w.raw(")] ELSE list_transform(")
	pathJSON(w, pathParts(key))
	w.raw(", lambda pv: json_extract_string(pv, '$')) END")
}

// pathJSON writes the list of JSON values the parts reach from e.properties.
func pathJSON(w *sqlWriter, parts []string) {
	if len(parts) == 1 {
		w.raw("[json_extract(e.properties, ")
		w.value(jsonKeyPath(parts[0]), typeVarchar)
		w.raw(")]")
		return
	}
	// Each step maps the values so far: a list is looked into element by element, anything
	// else is looked up directly (a missing key or a scalar gives NULL).
	w.raw("flatten(list_transform(")
	pathJSON(w, parts[:len(parts)-1])
	w.raw(", lambda px: CASE WHEN json_type(px) = 'ARRAY' THEN list_transform(CAST(px AS JSON[]), lambda py: json_extract(py, ")
	w.value(jsonKeyPath(parts[len(parts)-1]), typeVarchar)
	w.raw(")) ELSE [json_extract(px, ")
	w.value(jsonKeyPath(parts[len(parts)-1]), typeVarchar)
	w.raw(")] END))")
}

// propertyNumbers writes a dotted key's values as a DOUBLE[] (NULL where not a number).
func propertyNumbers(w *sqlWriter, key string) {
	w.raw("list_transform(")
	propertyValues(w, key)
	w.raw(", lambda pn: TRY_CAST(pn AS DOUBLE))")
}

// valueEqualsAny is valueEquals for a dotted key: some value the path reaches equals v.
func valueEqualsAny(w *sqlWriter, key string, v segments.Value) {
	if v.Kind == segments.ValueNumber {
		w.raw("coalesce(list_contains(")
		propertyNumbers(w, key)
		w.raw(", ")
		w.value(v.Num, typeDouble)
		w.raw("), FALSE)")
		return
	}
	w.raw("coalesce(list_contains(")
	propertyValues(w, key)
	w.raw(", ")
	w.value(v.String(), typeVarchar)
	w.raw("), FALSE)")
}

// compareAny writes that some value a dotted key reaches, as a number, satisfies cmp.
func compareAny(w *sqlWriter, key string, cmp segments.Comparison) error {
	w.raw("(len(list_filter(")
	propertyValues(w, key)
	w.raw(", lambda pc: ")
	err := compare(w, func() { w.raw("TRY_CAST(pc AS DOUBLE)") }, cmp)
	w.raw(")) > 0)")
	return err
}

// propertyCompare writes that the property satisfies the numeric comparison: its value, or
// for a dotted key some value the path reaches.
func propertyCompare(w *sqlWriter, key string, cmp segments.Comparison) error {
	if dottedKey(key) {
		return compareAny(w, key, cmp)
	}
	return compare(w, func() { propertyNumber(w, key) }, cmp)
}

// propertySet writes that the property is set on the event: not missing and not JSON null
// (for a dotted key: the path reaches some value).
func propertySet(w *sqlWriter, key string) {
	if dottedKey(key) {
		w.raw("(len(list_filter(")
		propertyValues(w, key)
		w.raw(", lambda ps: ps IS NOT NULL)) > 0)")
		return
	}
	w.raw("(")
	propertyRaw(w, key)
	w.raw(" IS NOT NULL)")
}

// propertyValueRows writes, as a FROM-less select list item, the property's values of one
// event as rows: one value, or for a dotted key every value the path reaches (unnest). It
// is what value suggestions and lint's "did you mean" count.
func propertyValueRows(w *sqlWriter, key string) {
	if dottedKey(key) {
		w.raw("unnest(")
		propertyValues(w, key)
		w.raw(")")
		return
	}
	w.raw("CAST(")
	propertyRaw(w, key)
	w.raw(" AS VARCHAR)")
}

// measureAggregateAny is measureAggregate for a dotted key: the aggregate runs over every
// value the path reaches on the scanned events (the prices of all items of all purchases).
func measureAggregateAny(w *sqlWriter, m *segments.Measure) {
	switch m.Agg {
	case segments.AggSum:
		w.raw("coalesce(sum(list_sum(")
		propertyNumbers(w, m.Property)
		w.raw(")), 0)")
	case segments.AggCountDistinct:
		w.raw("coalesce(len(list_distinct(flatten(list(")
		propertyValues(w, m.Property)
		w.raw(")))), 0)")
	case segments.AggAvg:
		w.raw("(sum(list_sum(")
		propertyNumbers(w, m.Property)
		w.raw(")) / nullif(sum(len(list_filter(")
		propertyNumbers(w, m.Property)
		w.raw(", lambda pa: pa IS NOT NULL))), 0))")
	case segments.AggMin:
		w.raw("min(list_min(")
		propertyNumbers(w, m.Property)
		w.raw("))")
	default: // max
		w.raw("max(list_max(")
		propertyNumbers(w, m.Property)
		w.raw("))")
	}
}
