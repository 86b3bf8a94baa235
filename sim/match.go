package sim

import (
	"fmt"
	"strings"

	"github.com/segscope/segscope/segments"
)

// sqlArgs collects the parameters of a statement in the order its ? placeholders appear.
type sqlArgs []any

func (a *sqlArgs) add(v any) string {
	*a = append(*a, v)
	return "?"
}

// matchSQL compiles an event match (event names, any of, and where: filters, all of) to a
// predicate over the events table. Names and values are bound as parameters; the only
// text spliced in comes from fixed operator spellings. A property missing from an event,
// or not a number where a number is compared, does not match.
func matchSQL(m *segments.EventMatch, args *sqlArgs) (string, error) {
	if m == nil || len(m.Events) == 0 {
		return "", fmt.Errorf("event match without an event")
	}
	var parts []string
	if len(m.Events) == 1 {
		parts = append(parts, "event = "+args.add(m.Events[0]))
	} else {
		ph := make([]string, len(m.Events))
		for i, e := range m.Events {
			ph[i] = args.add(e)
		}
		parts = append(parts, "event IN ("+strings.Join(ph, ", ")+")")
	}
	for _, f := range m.Where {
		p, err := filterSQL(f, args)
		if err != nil {
			return "", err
		}
		parts = append(parts, p)
	}
	return "(" + strings.Join(parts, " AND ") + ")", nil
}

// filterSQL compiles one where: entry. Revenue is a DOUBLE column and account_id a VARCHAR
// one; every other name is a key of the properties JSON, read as text, and as a number
// when the filter's value is a number. Each use of a property binds its path again, so
// placeholders stay in the order they appear.
func filterSQL(f segments.PropertyFilter, args *sqlArgs) (string, error) {
	col := f.Column()
	text := func() string {
		switch col {
		case segments.ColumnRevenue:
			return "CAST(revenue AS VARCHAR)"
		case segments.ColumnAccountID:
			return "account_id"
		}
		return "json_extract_string(properties, " + args.add(jsonPath(f.Property)) + ")"
	}
	num := func() string {
		switch col {
		case segments.ColumnRevenue:
			return "revenue"
		case segments.ColumnAccountID:
			return "TRY_CAST(account_id AS DOUBLE)"
		}
		return "TRY_CAST(json_extract_string(properties, " + args.add(jsonPath(f.Property)) + ") AS DOUBLE)"
	}
	if c := f.Cmp; c != nil {
		switch c.Op {
		case segments.OpRange:
			e := num()
			lo := args.add(c.Value)
			return fmt.Sprintf("coalesce(%s BETWEEN %s AND %s, false)", e, lo, args.add(c.Hi)), nil
		case segments.OpEq, segments.OpNe, segments.OpGt, segments.OpGe, segments.OpLt, segments.OpLe:
			e := num()
			return fmt.Sprintf("coalesce(%s %s %s, false)", e, c.Op.String(), args.add(c.Value)), nil
		}
		return "", fmt.Errorf("where %s: comparison without an operator", f.Property)
	}
	if len(f.Values) == 0 {
		return "", fmt.Errorf("where %s: no value", f.Property)
	}
	anyOf := make([]string, 0, len(f.Values))
	for _, v := range f.Values {
		var e string
		switch v.Kind {
		case segments.ValueNumber:
			e = num()
			e += " = " + args.add(v.Num)
		case segments.ValueBool:
			// JSON true and the string "true" both read back as the text true.
			e = text()
			e += " = " + args.add(v.String())
		default:
			e = text()
			e += " = " + args.add(v.Str)
		}
		anyOf = append(anyOf, e)
	}
	return "coalesce((" + strings.Join(anyOf, " OR ") + "), false)", nil
}

// jsonPath addresses a top-level key of the properties object, whatever characters the
// key holds.
func jsonPath(key string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `$."` + r.Replace(key) + `"`
}
