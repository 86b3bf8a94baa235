package segments

import (
	"strconv"
)

// ValueKind says which field of a Value is set.
type ValueKind int

// Kinds of scalar values.
const (
	ValueString ValueKind = iota
	ValueNumber
	ValueBool
)

// Value is a scalar written in a filter or attribute test: `plan: pro`, `items: 3`,
// `gift: true`.
type Value struct {
	Kind ValueKind
	Str  string
	Num  float64
	Bool bool
}

// StringValue, NumberValue and BoolValue build values in code.
func StringValue(s string) Value { return Value{Kind: ValueString, Str: s} }

// NumberValue builds a numeric value.
func NumberValue(n float64) Value { return Value{Kind: ValueNumber, Num: n} }

// BoolValue builds a boolean value.
func BoolValue(b bool) Value { return Value{Kind: ValueBool, Bool: b} }

// Any returns the value as a string, float64 or bool, ready to bind as a query parameter.
func (v Value) Any() any {
	switch v.Kind {
	case ValueNumber:
		return v.Num
	case ValueBool:
		return v.Bool
	}
	return v.Str
}

// String renders the value as text (numbers without exponent, booleans as true/false).
func (v Value) String() string {
	switch v.Kind {
	case ValueNumber:
		return formatNumber(v.Num)
	case ValueBool:
		return strconv.FormatBool(v.Bool)
	}
	return v.Str
}

// Column names a column of the events table that a filter or measure reads directly,
// rather than a key of the properties JSON.
type Column string

// The property names that are columns. Every other name is a key of events.properties.
const (
	NoColumn        Column = ""
	ColumnRevenue   Column = "revenue"    // DOUBLE
	ColumnAccountID Column = "account_id" // VARCHAR
)

// ColumnOf tells whether a property name is one of the events table's columns.
func ColumnOf(name string) Column {
	switch Column(name) {
	case ColumnRevenue:
		return ColumnRevenue
	case ColumnAccountID:
		return ColumnAccountID
	}
	return NoColumn
}

// PropertyFilter is one entry of a `where:` map. Exactly one of Values and Cmp is set:
// Values holds one value (equality) or several (any of); Cmp is a numeric comparison.
type PropertyFilter struct {
	Property string
	Values   []Value
	Cmp      *Comparison
	Pos      Pos
}

// Column tells whether the filter reads a column (revenue, account_id) or a property.
func (f PropertyFilter) Column() Column { return ColumnOf(f.Property) }
