package segments

import (
	"testing"
)

func TestEnumNames(t *testing.T) {
	for _, typ := range Types() {
		back, ok := ParseType(typ.String())
		if !ok || back != typ {
			t.Errorf("type %v does not read back", typ)
		}
	}
	if _, ok := ParseType(""); ok {
		t.Error("empty type parsed")
	}
	if UnitUser.String() != "user" || UnitAccount.String() != "account" {
		t.Error("unit names")
	}
	for ch := ChannelEmail; ch <= ChannelWebhook; ch++ {
		if back, ok := ParseChannel(ch.String()); !ok || back != ch {
			t.Errorf("channel %v", ch)
		}
	}
	for a, name := range map[Agg]string{AggSum: "sum", AggAvg: "avg", AggMin: "min", AggMax: "max", AggCountDistinct: "count_distinct", AggNone: ""} {
		if a.String() != name {
			t.Errorf("agg %d = %q", a, a.String())
		}
	}
	if !AggSum.EmptyIsZero() || !AggCountDistinct.EmptyIsZero() || AggAvg.EmptyIsZero() || AggMin.EmptyIsZero() || AggMax.EmptyIsZero() {
		t.Error("EmptyIsZero: sum and count_distinct of nothing are 0, avg/min/max never match")
	}
	for k, name := range map[WindowKind]string{WindowAll: "all", WindowInLast: "in_last", WindowBetween: "between", WindowSince: "since", WindowDuring: "during"} {
		if k.String() != name {
			t.Errorf("window kind %d = %q", k, k.String())
		}
	}
}

func TestConditionKeys(t *testing.T) {
	conds := map[string]Condition{
		"did": &Did{}, "did_not": &DidNot{}, "measure": &Measure{}, "last": &Recency{}, "first": &Recency{Which: First},
		"trend": &Trend{}, "gap": &Gap{}, "affinity": &Affinity{}, "rfm": &RFM{}, "user": &UserAttr{},
		"segment": &SegmentRef{}, "all": &All{}, "any": &Any{}, "not": &Not{},
	}
	for key, c := range conds {
		if c.Key() != key {
			t.Errorf("%T.Key() = %q, want %q", c, c.Key(), key)
		}
		if c.Position().IsValid() {
			t.Errorf("%T has a position it was never given", c)
		}
	}
	if (&Sequence{}).Key() != "did" {
		t.Error("a sequence is written with did:")
	}
	if len(Children(&Not{})) != 0 || len(Children(&Did{})) != 0 {
		t.Error("Children of leaves")
	}
}

func TestValues(t *testing.T) {
	tests := []struct {
		v   Value
		any any
		str string
	}{
		{StringValue("pro"), "pro", "pro"},
		{NumberValue(3), 3.0, "3"},
		{NumberValue(-0.25), -0.25, "-0.25"},
		{BoolValue(true), true, "true"},
	}
	for _, tt := range tests {
		if tt.v.Any() != tt.any || tt.v.String() != tt.str {
			t.Errorf("%+v: Any %v String %q", tt.v, tt.v.Any(), tt.v.String())
		}
	}
	d := Did{}
	if d.TimesOrDefault() != AtLeastOnce() || !AtLeastOnce().IsSet() || (Comparison{}).IsSet() {
		t.Error("an unset times means at least once")
	}
	if (DateRange{date("2025-11-24"), date("2025-11-30")}).String() != "[2025-11-24, 2025-11-30]" {
		t.Error("DateRange.String")
	}
}

func TestErrorListFormatting(t *testing.T) {
	var l ErrorList
	l.add(Pos{File: "b.yaml", Line: 1, Col: 1}, "second file")
	l.add(Pos{File: "a.yaml", Line: 10, Col: 2}, "later line")
	l.add(Pos{File: "a.yaml", Line: 2, Col: 5}, "earlier line")
	l.add(Pos{File: "a.yaml", Line: 2, Col: 5}, "earlier line")
	l.add(Pos{File: "a.yaml"}, "whole file")
	want := "a.yaml: whole file\na.yaml:2:5: earlier line\na.yaml:10:2: later line\nb.yaml:1:1: second file"
	if err := l.Err(); err == nil || err.Error() != want {
		t.Fatalf("got:\n%v\nwant:\n%s", err, want)
	}
	if (ErrorList{}).Err() != nil {
		t.Fatal("an empty list is no error")
	}
	var many ErrorList
	for i := 0; i < 500; i++ {
		many.add(Pos{Line: i + 1, Col: 1}, "e")
	}
	if len(many) != maxErrors+1 || many[maxErrors].Msg != "too many errors; stopping here" {
		t.Fatalf("error cap: %d", len(many))
	}
}
