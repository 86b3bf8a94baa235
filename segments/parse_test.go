package segments

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func date(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func cmpOf(s string, kinds ...Kind) Comparison {
	c, err := ParseComparison(s, kinds...)
	if err != nil {
		panic(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// TestParseConditions covers every row of the language table.
func TestParseConditions(t *testing.T) {
	tests := []struct {
		name string
		unit Unit
		src  string
		want Condition
	}{
		{"did", UnitUser, "did: add_to_cart\nin_last: 7d",
			&Did{Events: []string{"add_to_cart"}, Window: Window{Kind: WindowInLast, Last: Days(7)}, Times: AtLeastOnce()}},
		{"did list where times", UnitUser, "did: [purchase, renewal]\nwhere: {revenue: \"> 20\", plan: [pro, team], gift: true, items: 3}\ntimes: \">= 3\"",
			&Did{Events: []string{"purchase", "renewal"}, Where: []PropertyFilter{
				{Property: "revenue", Cmp: ptr(Comparison{Op: OpGt, Value: 20})},
				{Property: "plan", Values: []Value{StringValue("pro"), StringValue("team")}},
				{Property: "gift", Values: []Value{BoolValue(true)}},
				{Property: "items", Values: []Value{NumberValue(3)}},
			}, Times: Comparison{Op: OpGe, Value: 3, Kind: KindCount}}},
		{"did zero times", UnitUser, "did: login\ntimes: \"= 0\"",
			&Did{Events: []string{"login"}, Times: Comparison{Op: OpEq, Value: 0, Kind: KindCount}}},
		{"did bare number times", UnitUser, "did: login\ntimes: 2",
			&Did{Events: []string{"login"}, Times: Comparison{Op: OpEq, Value: 2, Kind: KindCount}}},
		{"did users on account", UnitAccount, "did: login\nusers: \">= 5\"",
			&Did{Events: []string{"login"}, Times: AtLeastOnce(), Users: &Comparison{Op: OpGe, Value: 5, Kind: KindCount}}},
		{"did_not since", UnitUser, "did_not: app_open\nsince: 2026-01-01",
			&DidNot{Events: []string{"app_open"}, Window: Window{Kind: WindowSince, Since: date("2026-01-01")}}},
		{"then", UnitUser, "did: view_item\nthen: purchase\nwithin: 1d\nbetween: [2025-11-24, 2025-11-30]",
			&Sequence{Events: []string{"view_item"}, Then: []string{"purchase"}, Within: Days(1),
				Window: Window{Kind: WindowBetween, Ranges: []DateRange{{date("2025-11-24"), date("2025-11-30")}}}}},
		{"then_not", UnitUser, "did: add_to_cart\nthen_not: purchase\nwithin: 2h\nwhere: {source: ads}",
			&Sequence{Events: []string{"add_to_cart"}, Then: []string{"purchase"}, Negated: true, Within: Hours(2),
				Where: []PropertyFilter{{Property: "source", Values: []Value{StringValue("ads")}}}}},
		{"measure", UnitUser, "measure: sum(revenue)\nof: purchase\nin_last: 4w\nis: \">= 100\"",
			&Measure{Agg: AggSum, Property: "revenue", Of: []string{"purchase"}, Window: Window{Kind: WindowInLast, Last: Weeks(4)},
				Is: Comparison{Op: OpGe, Value: 100}}},
		{"measure count_distinct", UnitUser, "measure: count_distinct( category )\nis: \"3..10\"",
			&Measure{Agg: AggCountDistinct, Property: "category", Is: Comparison{Op: OpRange, Value: 3, Hi: 10}}},
		{"measure avg min max", UnitUser, "measure: avg(price)\nis: \"< 9.5\"",
			&Measure{Agg: AggAvg, Property: "price", Is: Comparison{Op: OpLt, Value: 9.5}}},
		{"last", UnitUser, "last: purchase\nago: \"> 90d\"",
			&Recency{Which: Last, Events: []string{"purchase"}, Ago: Comparison{Op: OpGt, Value: 90 * 86400, Kind: KindDuration, Unit: Day}}},
		{"first", UnitUser, "first: signup\nwhere: {source: ads}\nago: \"<= 2w\"",
			&Recency{Which: First, Events: []string{"signup"}, Where: []PropertyFilter{{Property: "source", Values: []Value{StringValue("ads")}}},
				Ago: Comparison{Op: OpLe, Value: 14 * 86400, Kind: KindDuration, Unit: Week}}},
		{"trend", UnitUser, "trend: app_open\nin_last: 2w\nchange: \"<= -50%\"",
			&Trend{Events: []string{"app_open"}, Period: Weeks(2), Change: Comparison{Op: OpLe, Value: -0.5, Kind: KindPercent}}},
		{"gap", UnitUser, "gap: purchase\nvs_average: \"> 2\"",
			&Gap{Events: []string{"purchase"}, VsAverage: Comparison{Op: OpGt, Value: 2}}},
		{"affinity", UnitUser, "affinity: category\nof: purchase\nin_last: 30d\nis: shoes\nshare: \">= 60%\"",
			&Affinity{Property: "category", Of: []string{"purchase"}, Window: Window{Kind: WindowInLast, Last: Days(30)},
				Is: StringValue("shoes"), Share: Comparison{Op: OpGe, Value: 0.6, Kind: KindPercent}}},
		{"rfm default of", UnitUser, "rfm: {r: \">= 4\", m: 5}",
			&RFM{R: &Comparison{Op: OpGe, Value: 4}, M: &Comparison{Op: OpEq, Value: 5}, Of: []string{"purchase"}}},
		{"rfm of", UnitUser, "rfm: {f: \"4..5\"}\nof: renewal",
			&RFM{F: &Comparison{Op: OpRange, Value: 4, Hi: 5}, Of: []string{"renewal"}}},
		{"user is", UnitUser, "user: plan\nis: pro",
			&UserAttr{Attr: "plan", Values: []Value{StringValue("pro")}}},
		{"user in", UnitUser, "user: plan\nin: [pro, 3, false]",
			&UserAttr{Attr: "plan", Values: []Value{StringValue("pro"), NumberValue(3), BoolValue(false)}}},
		{"user cmp", UnitUser, "user: age\nis: \">= 30\"",
			&UserAttr{Attr: "age", Cmp: &Comparison{Op: OpGe, Value: 30}}},
		{"segment", UnitUser, "segment: lapsed", &SegmentRef{Name: "lapsed"}},
		{"all any not", UnitUser, "all:\n  - segment: a\n  - any:\n      - segment: b\n      - not:\n          segment: c",
			&All{Conditions: []Condition{&SegmentRef{Name: "a"}, &Any{Conditions: []Condition{&SegmentRef{Name: "b"}, &Not{Condition: &SegmentRef{Name: "c"}}}}}}},
		{"during", UnitUser, "did: x\nduring: [[2024-11-20, 2024-11-30], [\"2025-11-20T06:00:00Z\", 2025-11-30]]",
			&Did{Events: []string{"x"}, Times: AtLeastOnce(), Window: Window{Kind: WindowDuring, Ranges: []DateRange{
				{date("2024-11-20"), date("2024-11-30")}, {date("2025-11-20T06:00:00Z"), date("2025-11-30")}}}}},
		{"filter value that looks like a comparison, in a list", UnitUser, "did: x\nwhere: {code: [\">= 3\"]}",
			&Did{Events: []string{"x"}, Times: AtLeastOnce(), Where: []PropertyFilter{{Property: "code", Values: []Value{StringValue(">= 3")}}}}},
		{"numeric-looking event name", UnitUser, "did: 404",
			&Did{Events: []string{"404"}, Times: AtLeastOnce()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCondition("c.yaml", []byte(tt.src), tt.unit)
			if err != nil {
				t.Fatal(err)
			}
			stripPositions(&got)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tt.want)
			}
			// Each condition formats and reads back to the same tree.
			out, err := FormatCondition(got)
			if err != nil {
				t.Fatal(err)
			}
			again, err := ParseCondition("f.yaml", out, tt.unit)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			stripPositions(&again)
			if !reflect.DeepEqual(again, tt.want) {
				t.Fatalf("round trip:\n%s\ngot %#v", out, again)
			}
		})
	}
}

// TestParseErrors pins the exact text of every class of error.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown key with suggestion", "name: a\nwhere:\n  all:\n    - did: add_to_cart\n      in_last: 7d\n    - did: add_to_cart\n      thn_not: purchase\n      within: 2h\n",
			`s.yaml:7:7: unknown condition key "thn_not" (did you mean "then_not"?)`},
		{"unknown key without suggestion", "name: a\nwhere: {foo: x}\n", `s.yaml:2:9: unknown condition key "foo"`},
		{"unknown segment key", "name: a\ntitel: b\nwhere: {did: x}\n", `s.yaml:2:1: unknown segment key "titel" (did you mean "title"?)`},
		{"key of another condition", "name: a\nwhere: {did: x, ago: \"> 3d\"}\n", `s.yaml:2:17: key "ago" does not belong in a did condition`},
		{"bad comparison", "name: a\nwhere:\n  did: x\n  times: \">= x\"\n",
			`s.yaml:4:10: bad comparison ">= x": want an operator (>=, >, <=, <, =, !=) and a number like ">= 3" or "3..10"`},
		{"count not whole", "name: a\nwhere: {did: x, times: \"2.5\"}\n", `s.yaml:2:24: bad comparison "2.5": a count is a whole number ≥ 0`},
		{"range with operator", "name: a\nwhere: {did: x, times: \">= 3..5\"}\n", `s.yaml:2:24: bad comparison ">= 3..5": a range takes no operator: write "3..10"`},
		{"range reversed", "name: a\nwhere: {did: x, times: \"5..3\"}\n", `s.yaml:2:24: bad comparison "5..3": a range's upper end is below its lower end`},
		{"duration where a count", "name: a\nwhere: {last: x, ago: \">= 3\"}\n",
			`s.yaml:2:23: bad comparison ">= 3": want an operator (>=, >, <=, <, =, !=) and a duration like "> 90d" or "7d..30d"`},
		{"percent needed", "name: a\nwhere: {trend: x, in_last: 7d, change: \"> 3\"}\n",
			`s.yaml:2:40: bad comparison "> 3": want an operator (>=, >, <=, <, =, !=) and a percent like "<= -50%" or "10%..20%"`},
		{"bad duration", "name: a\nwhere:\n  did: x\n  in_last: 7x\n",
			`s.yaml:4:12: bad duration "7x": want a whole number and a unit m, h, d or w (30m, 2h, 7d, 4w)`},
		{"zero duration", "name: a\nwhere: {did: x, then: y, within: 0h}\n", `s.yaml:2:34: "within" must be longer than 0`},
		{"two windows", "name: a\nwhere:\n  did: x\n  in_last: 7d\n  between: [2025-01-01, 2025-01-02]\n",
			`s.yaml:5:3: conflicting keys "in_last" and "between": a condition takes one window`},
		{"then and then_not", "name: a\nwhere:\n  did: x\n  then: y\n  then_not: z\n  within: 1h\n",
			`s.yaml:5:3: conflicting keys "then" and "then_not": a sequence has one of them`},
		{"then without within", "name: a\nwhere:\n  did: x\n  then: y\n", `s.yaml:4:3: "then" needs "within": how long after "did" to look`},
		{"within without then", "name: a\nwhere: {did: x, within: 1h}\n", `s.yaml:2:17: "within" needs "then" or "then_not"`},
		{"times in a sequence", "name: a\nwhere: {did: x, times: 3, then: y, within: 1h}\n", `s.yaml:2:17: key "times" does not belong in a did … then condition`},
		{"two heads", "name: a\nwhere: {did: x, measure: sum(p), is: 1}\n",
			`s.yaml:2:17: conflicting keys "did" and "measure": a condition has exactly one of did, did_not, measure, last, first, trend, gap, affinity, rfm, user, segment, all, any, not`},
		{"no head", "name: a\nwhere: {}\n", `s.yaml:2:8: a condition needs one of did, did_not, measure, last, first, trend, gap, affinity, rfm, user, segment, all, any, not`},
		{"bad name", "name: Cart\nwhere: {did: x}\n", `s.yaml:1:7: bad segment name "Cart": use lowercase letters, digits and _ (at most 128)`},
		{"unknown type", "name: a\ntype: purchse\nwhere: {did: x}\n",
			`s.yaml:2:7: unknown type "purchse" (did you mean "purchase"?); want one of purchase, usage, timing, benefit, loyalty, engagement, lifecycle, intent`},
		{"unknown unit", "name: a\nunit: acount\nwhere: {did: x}\n", `s.yaml:2:7: unknown unit "acount" (did you mean "account"?); want user or account`},
		{"users outside account", "name: a\nwhere: {did: x, users: \">= 2\"}\n", `s.yaml:2:17: "users" needs unit: account (it counts the people of an account)`},
		{"unknown aggregate", "name: a\nwhere: {measure: summ(revenue), is: 3}\n",
			`s.yaml:2:18: unknown aggregate "summ" (did you mean "sum"?); want sum, avg, min, max or count_distinct`},
		{"bad measure", "name: a\nwhere: {measure: revenue, is: 3}\n",
			`s.yaml:2:18: bad measure "revenue": want sum(p), avg(p), min(p), max(p) or count_distinct(p)`},
		{"missing required key", "name: a\nwhere: {measure: sum(revenue)}\n", `s.yaml:2:9: measure condition needs "is"`},
		{"missing name", "where: {did: x}\n", `s.yaml:1:1: segment needs a name:`},
		{"missing where", "name: a\n", `s.yaml:1:1: segment needs a where: condition`},
		{"where list", "name: a\nwhere: [did: x]\n", `s.yaml:2:8: where: takes one condition; wrap a list in all: or any:`},
		{"empty all", "name: a\nwhere: {all: []}\n", `s.yaml:2:14: all: needs at least one condition`},
		{"range backwards", "name: a\nwhere: {did: x, between: [2025-02-01, 2025-01-01]}\n",
			`s.yaml:2:39: the range ends (2025-01-01) before it starts (2025-02-01)`},
		{"bad date", "name: a\nwhere: {did: x, since: 2025-13-01}\n", `s.yaml:2:24: bad date "2025-13-01": want 2025-11-24 or 2025-11-24T10:00:00Z`},
		{"during not pairs", "name: a\nwhere: {did: x, during: [2025-01-01]}\n", `s.yaml:2:26: "during" takes a pair of dates: [2025-11-24, 2025-11-30]`},
		{"revenue as text", "name: a\nwhere: {did: x, where: {revenue: abc}}\n",
			`s.yaml:2:25: revenue is a number column: compare it with a number or a comparison like "> 20"`},
		{"account_id as number", "name: a\nwhere: {did: x, where: {account_id: 12}}\n", `s.yaml:2:25: account_id is a text column: quote the value`},
		{"null value", "name: a\nwhere: {affinity: p, is: null, share: \"> 3%\"}\n", `s.yaml:2:22: missing value (null is not a value)`},
		{"is and in", "name: a\nwhere: {user: plan, is: a, in: [b]}\n", `s.yaml:2:28: conflicting keys "is" and "in": test one value, a list or a comparison`},
		{"user without test", "name: a\nwhere: {user: plan}\n", `s.yaml:2:9: user condition needs "is" or "in"`},
		{"rfm score range", "name: a\nwhere: {rfm: {r: 6}}\n", `s.yaml:2:18: RFM scores run from 1 to 5`},
		{"rfm key", "name: a\nwhere: {rfm: {x: 3}}\n", `s.yaml:2:15: unknown rfm key "x"; want r, f or m`},
		{"bad ref", "name: a\nwhere: {segment: Bad-Name}\n", `s.yaml:2:18: bad segment name "Bad-Name": use lowercase letters, digits and _`},
		{"duplicate event", "name: a\nwhere: {did: [x, x]}\n", `s.yaml:2:18: event name "x" is listed twice`},
		{"empty event", "name: a\nwhere: {did: }\n", `s.yaml:2:9: "did" needs an event name or a list of them`},
		{"missing property", "name: a\nwhere: {affinity: , is: x, share: \"> 5%\"}\n", `s.yaml:2:9: missing property name`},
		{"event as mapping", "name: a\nwhere: {did: [{a: b}]}\n", `s.yaml:2:15: want one event name here, not a mapping`},
		{"attribute as list", "name: a\nwhere: {user: [a], is: b}\n", `s.yaml:2:15: want one attribute name here, not a list`},
		{"not without condition", "name: a\nwhere: {not: }\n", `s.yaml:2:9: not: needs a condition`},
		{"anchor", "name: a\nwhere: &a {did: x}\n", `s.yaml:2:8: YAML anchors and aliases are not supported; use segment: to reuse a definition`},
		{"yaml syntax", "a: [1, 2\n", `s.yaml:1:4: sequence end token ']' not found`},
		{"duplicate key", "name: a\nname: b\nwhere: {did: x}\n", `s.yaml:2:1: mapping key "name" already defined at [1:1]`},
		{"empty file", "# nothing\n", `s.yaml: file is empty`},
		{"two documents", "---\nname: a\n---\nname: b\n", `s.yaml:4:1: a file holds one YAML document; split the others into their own files or a list`},
		{"not a mapping", "- name: a\n", `s.yaml:1:1: a segment file (one segment, or a segments: list) must be a mapping of key: value`},
		{"expect key", "name: a\nexpect: {member: 3}\nwhere: {did: x}\n", `s.yaml:2:10: unknown expect key "member" (did you mean "members"?)`},
		{"invalid utf-8", "name: a\xff\n", `s.yaml: file is not valid UTF-8`},
		{"deep brackets", strings.Repeat("[", 300), `s.yaml: brackets nest deeper than 200 levels`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segs, err := Parse("s.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("no error; parsed %d segments", len(segs))
			}
			if err.Error() != tt.want {
				t.Fatalf("error\n got: %s\nwant: %s", err, tt.want)
			}
			if len(segs) != 0 {
				t.Fatalf("a segment with errors was returned: %+v", segs[0])
			}
			var list ErrorList
			if !asErrorList(err, &list) || len(list) == 0 || !list[0].Pos.IsValid() && list[0].Pos.File == "" {
				t.Fatalf("error is not a positioned ErrorList: %T", err)
			}
		})
	}
}

func asErrorList(err error, out *ErrorList) bool {
	l, ok := err.(ErrorList)
	*out = l
	return ok
}

func TestParseReportsEveryErrorSorted(t *testing.T) {
	src := `segments:
  - name: a
    where: {did: x, times: "lots"}
  - name: ok
    where: {did: x}
  - name: B
    where:
      all:
        - measure: sum(revenue)
        - didd: x
extra: 1
`
	segs, err := Parse("many.yaml", []byte(src))
	want := `many.yaml:3:28: bad comparison "lots": want an operator (>=, >, <=, <, =, !=) and a number like ">= 3" or "3..10"
many.yaml:6:11: bad segment name "B": use lowercase letters, digits and _ (at most 128)
many.yaml:9:11: measure condition needs "is"
many.yaml:10:11: unknown condition key "didd" (did you mean "did"?)
many.yaml:11:1: unknown key "extra" beside segments: (a segments file holds only the list)`
	if err == nil || err.Error() != want {
		t.Fatalf("got:\n%v\nwant:\n%s", err, want)
	}
	if len(segs) != 1 || segs[0].Name != "ok" {
		t.Fatalf("want only the clean segment back, got %d", len(segs))
	}
}

func TestParsePositions(t *testing.T) {
	src := "name: a\nwhere:\n  all:\n    - did: [view, cart]\n      where: {plan: pro}\n      in_last: 7d\n    - not:\n        segment: b\n"
	segs, err := Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	all := segs[0].Where.(*All)
	did := all.Conditions[0].(*Did)
	not := all.Conditions[1].(*Not)
	checks := []struct {
		what string
		got  Pos
		want string
	}{
		{"segment", segs[0].Pos, "p.yaml:1:1"},
		{"all", all.Pos, "p.yaml:3:3"},
		{"did", did.Pos, "p.yaml:4:7"},
		{"event 0", did.EventsPos[0], "p.yaml:4:13"},
		{"event 1", did.EventsPos[1], "p.yaml:4:19"},
		{"filter", did.Where[0].Pos, "p.yaml:5:15"},
		{"window", did.Window.Pos, "p.yaml:6:7"},
		{"not", not.Pos, "p.yaml:7:7"},
		{"ref", not.Condition.Position(), "p.yaml:8:9"},
	}
	for _, c := range checks {
		if c.got.String() != c.want {
			t.Errorf("%s at %s, want %s", c.what, c.got, c.want)
		}
	}
	if segs[0].File != "p.yaml" {
		t.Errorf("File = %q", segs[0].File)
	}
}

func TestParseLimits(t *testing.T) {
	deep := "name: a\nwhere:\n" + strings.Repeat(" ", 0)
	indent := "  "
	for i := 0; i < MaxDepth; i++ {
		deep += indent + "not:\n"
		indent += "  "
	}
	deep += indent + "segment: b\n"
	if _, err := Parse("deep.yaml", []byte(deep)); err == nil || !strings.Contains(err.Error(), "conditions nest deeper than 32 levels") {
		t.Fatalf("depth %d: %v", MaxDepth+1, err)
	}

	events := make([]string, MaxList+1)
	for i := range events {
		events[i] = fmt.Sprintf("e%d", i)
	}
	long := "name: a\nwhere: {did: [" + strings.Join(events, ", ") + "]}\n"
	if _, err := Parse("long.yaml", []byte(long)); err == nil || err.Error() != `long.yaml:2:14: "did" has 1001 entries; at most 1000 are allowed` {
		t.Fatalf("long list: %v", err)
	}
	ok := "name: a\nwhere: {did: [" + strings.Join(events[:MaxList], ", ") + "]}\n"
	if _, err := Parse("ok.yaml", []byte(ok)); err != nil {
		t.Fatalf("1000 events should parse: %v", err)
	}

	// Conditions are counted across the whole segment, not per list.
	var b strings.Builder
	b.WriteString("name: a\nwhere:\n  all:\n")
	for i := 0; i < 11; i++ {
		b.WriteString("    - any:\n")
		for j := 0; j < 1000; j++ {
			b.WriteString("        - segment: b\n")
		}
	}
	if _, err := Parse("many.yaml", []byte(b.String())); err == nil || !strings.Contains(err.Error(), "a segment holds at most 10000 conditions") {
		t.Fatalf("many conditions: %v", err)
	}
}

func TestParseLineEndingsAndBOM(t *testing.T) {
	for _, src := range []string{"name: a\r\nwhere:\r\n  did: x # c\r\n", "\ufeffname: a\nwhere: {did: x}\n"} {
		seg, err := ParseSegment("x.yaml", []byte(src))
		if err != nil || seg.Name != "a" {
			t.Fatalf("%q: %v", src, err)
		}
	}
}

func TestParseSegmentFields(t *testing.T) {
	src := "name: big\ntitle: Big accounts\ndescription: |\n  Two lines\n  of text.\ntype: loyalty\nunit: account\nwhere: {did: login}\nexpect: {members: \"10..20\"}\n"
	s, err := ParseSegment("b.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "big" || s.Title != "Big accounts" || s.Description != "Two lines\nof text.\n" || s.Type != TypeLoyalty || s.Unit != UnitAccount {
		t.Fatalf("%+v", s)
	}
	if s.Expect.Members == nil || *s.Expect.Members != (Comparison{Op: OpRange, Value: 10, Hi: 20, Kind: KindCount}) {
		t.Fatalf("expect %+v", s.Expect.Members)
	}
	if _, err := ParseSegment("two.yaml", []byte("segments: [{name: a, where: {did: x}}, {name: b, where: {did: x}}]")); err == nil {
		t.Fatal("ParseSegment accepted two segments")
	}
}

func TestWalkRefsEvents(t *testing.T) {
	c, err := ParseCondition("w.yaml", []byte("all:\n  - did: a\n    then: b\n    within: 1h\n  - not: {segment: s1}\n  - any: [{segment: s2}, {measure: sum(revenue), of: [c, d], is: 1}]\n"), UnitUser)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	Walk(c, func(c Condition) bool { keys = append(keys, c.Key()); return true })
	if got := strings.Join(keys, " "); got != "all did not segment any segment measure" {
		t.Fatalf("walk order: %s", got)
	}
	keys = nil
	Walk(c, func(c Condition) bool { keys = append(keys, c.Key()); return c.Key() != "any" })
	if got := strings.Join(keys, " "); got != "all did not segment any" {
		t.Fatalf("walk skipping any's children: %s", got)
	}
	var refs []string
	for _, r := range Refs(c) {
		refs = append(refs, r.Name)
	}
	if got := strings.Join(refs, " "); got != "s1 s2" {
		t.Fatalf("refs: %s", got)
	}
	var evs []string
	for _, e := range EventsOf(c) {
		evs = append(evs, e.Name+"@"+e.Pos.String())
	}
	if got := strings.Join(evs, " "); got != "a@w.yaml:2:10 b@w.yaml:3:11 c@w.yaml:6:55 d@w.yaml:6:58" {
		t.Fatalf("events: %s", got)
	}
}

func TestColumns(t *testing.T) {
	for name, want := range map[string]Column{"revenue": ColumnRevenue, "account_id": ColumnAccountID, "plan": NoColumn, "Revenue": NoColumn} {
		if got := (PropertyFilter{Property: name}).Column(); got != want {
			t.Errorf("Column(%q) = %q, want %q", name, got, want)
		}
	}
	m := &Measure{Property: "revenue"}
	if m.Column() != ColumnRevenue {
		t.Error("measure of revenue should read the column")
	}
}

func TestSuggest(t *testing.T) {
	cands := []string{"then_not", "then", "within", "of", "purchase"}
	for word, want := range map[string]string{
		"thn_not": "then_not", "withn": "within", "foo": "", "purchse": "purchase", "x": "", "completely_different": "",
	} {
		if got := suggest(word, cands); got != want {
			t.Errorf("suggest(%q) = %q, want %q", word, got, want)
		}
	}
}
