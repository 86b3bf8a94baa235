package query

import (
	"context"
	"fmt"
)

// JSON files as the tools write them: one object per line (NDJSON, read in load_source.go),
// one array of objects, or whole objects written over many lines — a single event copied
// from a tool's UI, several of them one after the other, or an API response that wraps the
// events in one list ({"batch": [...]} from Segment's HTTP API, {"results": [...]} from
// PostHog's, {"events": [...]} from Amplitude's).

// jsonRecordsReader is the FROM item reading a JSON array or JSON objects file as records:
// line (the record's text, for rejected rows) and j (the record).
func jsonRecordsReader(pl loadPlan) string {
	layout := "array"
	if pl.sniff.objects {
		layout = "unstructured"
	}
	return fmt.Sprintf(`(SELECT CAST(json AS VARCHAR) AS line, json AS j
			FROM read_json_objects(%s, format = %s, %s, maximum_object_size = 268435456))`,
		quoteLiteral(pl.path), quoteLiteral(layout), jsonCompressionOption(pl))
}

// unwrapJSON looks at a JSON objects file holding a single object that is not an event
// itself (the columns found in it do not make one, even with --map): when exactly one of its
// keys holds a list of objects, that list is the file's records. It reports the key, or "".
func (l *loader) unwrapJSON(ctx context.Context, src *fileSource) (string, error) {
	if !src.plan.sniff.objects {
		return "", nil
	}
	var records int64
	if err := l.q.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM %s LIMIT 2)`, src.reader)).Scan(&records); err != nil {
		return "", err
	}
	if records != 1 {
		return "", nil
	}
	if _, err := detectMapping(src.keys, l.req.Map); err == nil {
		return "", nil // one event
	}
	rows, err := l.q.QueryContext(ctx, fmt.Sprintf(`SELECT k FROM (SELECT j, unnest(json_keys(j)) AS k FROM %s)
		WHERE json_type(json_extract(j, '$."' || replace(replace(k, '\', '\\'), '"', '\"') || '"')) = 'ARRAY'
		AND json_type(json_extract(j, '$."' || replace(replace(k, '\', '\\'), '"', '\"') || '"[0]')) = 'OBJECT'`, src.reader))
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return "", err
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil || len(keys) != 1 {
		return "", err
	}
	src.reader = fmt.Sprintf(`(SELECT CAST(x AS VARCHAR) AS line, x AS j
			FROM (SELECT unnest(CAST(json_extract(j, %s) AS JSON[])) AS x FROM %s))`,
		quoteLiteral(jsonKeyPath(keys[0])), src.reader)
	return keys[0], nil
}

// nestedKeySample lists, for detection and --map, the keys of a JSON source's records: the
// top-level keys, and the keys one level down in objects ("properties.distinct_id",
// "context.groupId", "ecommerce.purchase_revenue"), in order of first appearance.
func nestedKeySample(reader string) string {
	return fmt.Sprintf(`WITH s AS (
			SELECT j, row_number() OVER () AS n FROM (SELECT j FROM %s WHERE json_type(j) = 'OBJECT' LIMIT %d)
		), top AS (
			SELECT unnest(json_keys(j)) AS key, j, n FROM s
		), k AS (
			SELECT key, n FROM top
			UNION ALL
			SELECT key || '.' || unnest(json_keys(v)) AS key, n
			FROM (SELECT key, n, json_extract(j, '$."' || replace(replace(key, '\', '\\'), '"', '\"') || '"') AS v FROM top)
			WHERE json_type(v) = 'OBJECT'
		)
		SELECT key FROM k GROUP BY key ORDER BY min(n), key`, reader, keySample)
}

// jsonLayout names how a JSON file holds its records, for reports.
func jsonLayout(sf sniffedFile, wrapper string) string {
	switch {
	case sf.format == FormatNDJSON:
		return "one object per line"
	case wrapper != "":
		return fmt.Sprintf("one object whose %q holds the records", wrapper)
	case sf.objects:
		return "objects over several lines"
	case sf.format == FormatJSON:
		return "an array of objects"
	}
	return ""
}

// objectSQL shapes one JSON field of a record into an object to merge into properties or
// traits: an object stays as it is; a list of {key, value} entries (GA4's event_params and
// user_properties) becomes {key: typed value}; a JSON string holding an object (PostHog
// exports write properties as text) is parsed; an empty list is nothing. Anything else is
// NULL here, and asWhole, when set, keeps it under that name instead ({"name": value}).
func objectSQL(x, asWhole string) string {
	other := "NULL"
	if asWhole != "" {
		other = fmt.Sprintf("json_object(%s, %s)", quoteLiteral(asWhole), x)
	}
	// Valid JSON whose text starts with '{' is an object: testing that first spares parsing
	// every value a second time (json_type) on the common path.
	return fmt.Sprintf(`CASE WHEN %[1]s IS NULL THEN NULL
			WHEN starts_with(CAST(%[1]s AS VARCHAR), '{') OR json_type(%[1]s) = 'OBJECT' THEN %[1]s
			WHEN json_type(%[1]s) = 'ARRAY' AND json_array_length(%[1]s) = 0 THEN NULL
			WHEN json_type(%[1]s) = 'ARRAY' AND json_type(json_extract(%[1]s, '$[0]')) = 'OBJECT' AND json_exists(%[1]s, '$[0].key') THEN %[2]s
			WHEN json_type(%[1]s) = 'VARCHAR' AND json_type(TRY_CAST(json_extract_string(%[1]s, '$') AS JSON)) = 'OBJECT'
				THEN CAST(json_extract_string(%[1]s, '$') AS JSON)
			ELSE %[3]s END`, x, keyValueObject(x), other)
}

// keyValueObject turns a JSON list of {key, value} entries into one object. A value that is
// an object of typed slots ({string_value, int_value, double_value, float_value}, the
// BigQuery export's layout, where an INT64 is written as a string) gives the slot that is
// set, as a number when it is one; any other value is taken as it is. Entries without a key
// are skipped; of repeated keys the last wins.
func keyValueObject(x string) string {
	typed := `CASE WHEN json_type(kv->'$.value') = 'OBJECT' THEN coalesce(
			to_json(kv->>'$.value.string_value'),
			to_json(TRY_CAST(kv->>'$.value.int_value' AS BIGINT)),
			to_json(TRY_CAST(kv->>'$.value.double_value' AS DOUBLE)),
			to_json(TRY_CAST(kv->>'$.value.float_value' AS DOUBLE)),
			CAST('null' AS JSON)) ELSE coalesce(kv->'$.value', CAST('null' AS JSON)) END`
	return fmt.Sprintf(`json_merge_patch('{}', CAST('{' || array_to_string(list_transform(
			list_filter(CAST(%s AS JSON[]), lambda kv: json_type(kv->'$.key') = 'VARCHAR'),
			lambda kv: CAST(to_json(kv->>'$.key') AS VARCHAR) || ':' || CAST(%s AS VARCHAR)), ',') || '}' AS JSON))`, x, typed)
}
