package segments

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Op is a comparison operator. The zero value, OpNone, means "not set".
type Op int

// The operators of the language. OpRange is "lo..hi", inclusive at both ends.
const (
	OpNone Op = iota
	OpEq
	OpNe
	OpGt
	OpGe
	OpLt
	OpLe
	OpRange
)

// String is the operator as written: "=", "!=", ">", ">=", "<", "<=", "..". All but ".."
// are also valid SQL operators (the engine writes BETWEEN for a range).
func (o Op) String() string {
	switch o {
	case OpEq:
		return "="
	case OpNe:
		return "!="
	case OpGt:
		return ">"
	case OpGe:
		return ">="
	case OpLt:
		return "<"
	case OpLe:
		return "<="
	case OpRange:
		return ".."
	}
	return ""
}

// Kind says what quantity a comparison is about, which fixes the unit of its operands.
type Kind int

// Quantities compared.
const (
	// KindNumber: any number, as written ("> 99.5", "<= -3").
	KindNumber Kind = iota
	// KindCount: a non-negative whole number ("= 0", ">= 3").
	KindCount
	// KindDuration: a span of time; operands are seconds ("> 90d" has Value 7776000).
	KindDuration
	// KindPercent: a ratio written in percent; operands are ratios ("<= -50%" has Value -0.5).
	KindPercent
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindNumber:
		return "number"
	case KindCount:
		return "count"
	case KindDuration:
		return "duration"
	case KindPercent:
		return "percent"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Comparison is a parsed comparison string such as ">= 3", "3..10", "> 90d" or "<= -50%".
// Value (and Hi for OpRange) are in the engine's units: plain numbers for KindNumber and
// KindCount, seconds for KindDuration, ratios for KindPercent (50% is 0.5).
type Comparison struct {
	Op    Op
	Value float64
	Hi    float64 // upper bound of OpRange, inclusive
	Kind  Kind
	// Unit is the unit a duration comparison was written in, kept so it is saved back the
	// same way; it has no effect on Matches.
	Unit DurationUnit
}

// withinShare reports whether a percent comparison speaks of a share: every bound in
// 0%–100%, and not one no share can meet ("> 100%", "< 0%").
func (c Comparison) withinShare() bool {
	in := func(x float64) bool { return x >= 0 && x <= 1 }
	switch {
	case !in(c.Value), c.Op == OpRange && !in(c.Hi):
		return false
	case c.Op == OpGt && c.Value >= 1, c.Op == OpLt && c.Value <= 0:
		return false
	}
	return true
}

// Matches reports whether x satisfies the comparison. x is in the comparison's units
// (seconds for durations, a ratio for percents). NaN never matches; neither does OpNone.
func (c Comparison) Matches(x float64) bool {
	if math.IsNaN(x) {
		return false
	}
	switch c.Op {
	case OpEq:
		return x == c.Value
	case OpNe:
		return x != c.Value
	case OpGt:
		return x > c.Value
	case OpGe:
		return x >= c.Value
	case OpLt:
		return x < c.Value
	case OpLe:
		return x <= c.Value
	case OpRange:
		return x >= c.Value && x <= c.Hi
	}
	return false
}

// IsSet reports whether the comparison has an operator.
func (c Comparison) IsSet() bool { return c.Op != OpNone }

// MatchesZero reports whether a quantity of 0 satisfies the comparison: the engine uses it
// to decide whether people with no matching events at all are members (did with
// times: "= 0", sum of nothing).
func (c Comparison) MatchesZero() bool { return c.Matches(0) }

// String renders the comparison canonically: ">= 3", "3..10", "> 90d", "<= -50%", "= 0".
func (c Comparison) String() string {
	if c.Op == OpNone {
		return ""
	}
	if c.Op == OpRange {
		return c.operand(c.Value) + ".." + c.operand(c.Hi)
	}
	return c.Op.String() + " " + c.operand(c.Value)
}

func (c Comparison) operand(v float64) string {
	switch c.Kind {
	case KindDuration:
		return formatSeconds(v, c.Unit)
	case KindPercent:
		return formatPercent(v)
	}
	return formatNumber(v)
}

func formatNumber(v float64) string {
	if v == 0 {
		return "0" // also for -0
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// formatPercent renders a ratio in percent with the fewest digits that read back as the same
// ratio, so 0.07 prints as "7%" rather than "7.000000000000001%".
func formatPercent(r float64) string {
	p := r * 100
	for prec := 1; prec <= 17; prec++ {
		s := strconv.FormatFloat(p, 'g', prec, 64)
		if back, err := strconv.ParseFloat(s, 64); err == nil && back/100 == r {
			return toPlainDecimal(back) + "%"
		}
	}
	return toPlainDecimal(p) + "%"
}

func toPlainDecimal(v float64) string {
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// numberRE is the only number syntax accepted: no exponents, no inf or nan, no hex.
var numberRE = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)

// maxNumberLen bounds a number's text; beyond it precision is meaningless anyway.
const maxNumberLen = 400

func parseNumber(s string) (float64, bool) {
	if len(s) > maxNumberLen || !numberRE.MatchString(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

var opPrefixes = []struct {
	text string
	op   Op
}{{">=", OpGe}, {"<=", OpLe}, {"!=", OpNe}, {"==", OpEq}, {">", OpGt}, {"<", OpLt}, {"=", OpEq}}

// looksLikeComparison reports whether a string is meant as a comparison rather than a plain
// value: it starts with an operator, or is a range of numbers. Filters and user attributes
// use it to tell `is: ">= 3"` from `is: gold`.
func looksLikeComparison(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	switch s[0] {
	case '>', '<', '=', '!':
		return true
	}
	lo, _, ok := strings.Cut(s, "..")
	if !ok {
		return false
	}
	lo = strings.TrimSpace(lo)
	lo = strings.TrimSuffix(lo, "%")
	_, isNum := parseNumber(lo)
	return isNum
}

// ParseComparison reads a comparison string of one of the kinds given (KindNumber when none
// are given). The kind is told by the operand: a trailing % is a percent, a trailing unit
// letter a duration, else a number, which is a count when KindCount is allowed.
func ParseComparison(s string, kinds ...Kind) (Comparison, error) {
	if len(kinds) == 0 {
		kinds = []Kind{KindNumber}
	}
	c, err := parseComparison(s, kinds)
	if err != nil {
		return Comparison{}, fmt.Errorf("bad comparison %q: %w", s, err)
	}
	return c, nil
}

func parseComparison(s string, kinds []Kind) (Comparison, error) {
	text := strings.TrimSpace(s)
	if text == "" {
		return Comparison{}, errors.New(comparisonHelp(kinds))
	}
	c := Comparison{Op: OpEq}
	for _, p := range opPrefixes {
		if strings.HasPrefix(text, p.text) {
			c.Op = p.op
			text = strings.TrimSpace(text[len(p.text):])
			break
		}
	}
	lo, hi, isRange := strings.Cut(text, "..")
	if isRange {
		if c.Op != OpEq || strings.HasPrefix(strings.TrimSpace(s), "=") {
			return Comparison{}, errors.New("a range takes no operator: write \"3..10\"")
		}
		c.Op = OpRange
	}
	kind, v, unit, err := parseOperand(strings.TrimSpace(lo), kinds)
	if err != nil {
		return Comparison{}, err
	}
	c.Kind, c.Value, c.Unit = kind, v, unit
	if isRange {
		kind2, v2, _, err := parseOperand(strings.TrimSpace(hi), kinds)
		if err != nil {
			return Comparison{}, err
		}
		if kind2 != kind {
			return Comparison{}, errors.New("both ends of a range must be the same kind of quantity")
		}
		if v2 < v {
			return Comparison{}, errors.New("a range's upper end is below its lower end")
		}
		c.Hi = v2
	}
	return c, nil
}

func allows(kinds []Kind, k Kind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

func parseOperand(s string, kinds []Kind) (Kind, float64, DurationUnit, error) {
	switch {
	case s == "":
		return 0, 0, 0, errors.New(comparisonHelp(kinds))
	case strings.HasSuffix(s, "%"):
		if !allows(kinds, KindPercent) {
			return 0, 0, 0, errors.New(comparisonHelp(kinds))
		}
		v, ok := parseNumber(strings.TrimSpace(strings.TrimSuffix(s, "%")))
		if !ok {
			return 0, 0, 0, errors.New(comparisonHelp(kinds))
		}
		return KindPercent, v / 100, 0, nil
	case DurationUnit(s[len(s)-1]).Seconds() > 0 && len(s) > 1 && s[len(s)-2] >= '0' && s[len(s)-2] <= '9':
		if !allows(kinds, KindDuration) {
			return 0, 0, 0, errors.New(comparisonHelp(kinds))
		}
		d, err := ParseDuration(s)
		if err != nil {
			return 0, 0, 0, errors.New(comparisonHelp(kinds))
		}
		return KindDuration, float64(d.Seconds()), d.Unit, nil
	}
	v, ok := parseNumber(s)
	if !ok {
		return 0, 0, 0, errors.New(comparisonHelp(kinds))
	}
	switch {
	case allows(kinds, KindCount):
		if v < 0 || v != math.Trunc(v) {
			return 0, 0, 0, errors.New("a count is a whole number ≥ 0")
		}
		return KindCount, v, 0, nil
	case allows(kinds, KindNumber):
		return KindNumber, v, 0, nil
	}
	return 0, 0, 0, errors.New(comparisonHelp(kinds))
}

// comparisonHelp says what a comparison of the allowed kinds looks like.
func comparisonHelp(kinds []Kind) string {
	var ex []string
	for _, k := range kinds {
		switch k {
		case KindNumber:
			ex = append(ex, `"> 99.5"`)
		case KindCount:
			ex = append(ex, `">= 3"`)
		case KindDuration:
			ex = append(ex, `"> 90d"`)
		case KindPercent:
			ex = append(ex, `"<= -50%"`)
		}
	}
	ex = append(ex, map[Kind]string{KindNumber: `"1..10"`, KindCount: `"3..10"`, KindDuration: `"7d..30d"`, KindPercent: `"10%..20%"`}[kinds[0]])
	return "want an operator (>=, >, <=, <, =, !=) and a " + kindNoun(kinds) + " like " + strings.Join(ex, " or ")
}

func kindNoun(kinds []Kind) string {
	var nouns []string
	for _, k := range kinds {
		n := k.String()
		if k == KindCount || k == KindNumber {
			n = "number"
		}
		if !contains(nouns, n) {
			nouns = append(nouns, n)
		}
	}
	return strings.Join(nouns, " or ")
}

func contains[T comparable](s []T, x T) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
