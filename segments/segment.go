package segments

import "regexp"

// Type classifies a segment for browsing; it does not change what the segment means.
type Type int

// The eight segment types; TypeNone when the file gives none.
const (
	TypeNone Type = iota
	TypePurchase
	TypeUsage
	TypeTiming
	TypeBenefit
	TypeLoyalty
	TypeEngagement
	TypeLifecycle
	TypeIntent
)

var typeNames = []string{"", "purchase", "usage", "timing", "benefit", "loyalty", "engagement", "lifecycle", "intent"}

// String is the type's name in the language ("" for TypeNone).
func (t Type) String() string {
	if t < 0 || int(t) >= len(typeNames) {
		return ""
	}
	return typeNames[t]
}

// ParseType reads a type name.
func ParseType(s string) (Type, bool) {
	for i, n := range typeNames {
		if i > 0 && n == s {
			return Type(i), true
		}
	}
	return TypeNone, false
}

// Types lists the eight types in their canonical order.
func Types() []Type {
	return []Type{TypePurchase, TypeUsage, TypeTiming, TypeBenefit, TypeLoyalty, TypeEngagement, TypeLifecycle, TypeIntent}
}

// Unit is what a segment's members are: people (the default) or accounts.
type Unit int

// Units.
const (
	UnitUser Unit = iota
	UnitAccount
)

// String is the unit's name in the language.
func (u Unit) String() string {
	if u == UnitAccount {
		return "account"
	}
	return "user"
}

// Expect holds the assertions `segscope check` verifies; the zero value asserts nothing.
type Expect struct {
	// Members compares the segment's member count (a KindCount comparison); nil when absent.
	Members *Comparison
	Pos     Pos
}

// Segment is one named segment definition.
type Segment struct {
	Name        string // [a-z0-9_]+, unique in a workspace
	Title       string
	Description string
	Type        Type
	Unit        Unit
	Where       Condition
	Expect      Expect
	File        string // the file it was read from; "" when built in code
	Pos         Pos    // where the segment's mapping starts
}

// Limits that keep a segment small enough to compile to SQL and evaluate safely.
const (
	MaxDepth      = 32      // nesting of all/any/not
	MaxList       = 1000    // entries of any list: events, values, conditions, during pairs, segments in a file
	MaxConditions = 10000   // conditions in one segment
	MaxNameLen    = 128     // segment, campaign, event, property and attribute names
	MaxTextLen    = 10000   // titles, descriptions, messages
	MaxFileSize   = 4 << 20 // bytes of one segment or campaign file
	maxFlowDepth  = 200     // bracket nesting scanned for before handing a file to the YAML parser
)

var nameRE = regexp.MustCompile(`^[a-z0-9_]+$`)

// ValidName reports whether s is a valid segment or campaign name: [a-z0-9_]+, at most
// MaxNameLen bytes.
func ValidName(s string) bool { return len(s) <= MaxNameLen && nameRE.MatchString(s) }
