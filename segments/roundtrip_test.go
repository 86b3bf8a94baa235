package segments

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
)

// stripPositions zeroes every Pos and []Pos inside v (a pointer), so trees parsed from
// different text can be compared for meaning.
func stripPositions(v any) {
	stripValue(reflect.ValueOf(v))
}

var posType = reflect.TypeOf(Pos{})

func stripValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			stripValue(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == posType {
			if v.CanSet() {
				v.Set(reflect.Zero(posType))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if f.Type() == reflect.TypeOf([]Pos(nil)) {
				if f.CanSet() {
					f.Set(reflect.Zero(f.Type()))
				}
				continue
			}
			stripValue(f)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			stripValue(v.Index(i))
		}
	}
}

// stripFiles clears the File field too (it names the source, not the meaning).
func stripSegments(segs []*Segment) []*Segment {
	for _, s := range segs {
		stripPositions(s)
		s.File = ""
	}
	return segs
}

// checkRoundTrip asserts Parse(Format(s)) == s and that formatting is idempotent.
func checkRoundTrip(t *testing.T, segs []*Segment) {
	t.Helper()
	for _, s := range segs {
		out, err := Format(s)
		if err != nil {
			t.Fatalf("format %s: %v", s.Name, err)
		}
		again, err := Parse("formatted.yaml", out)
		if err != nil {
			t.Fatalf("reparse %s: %v\n%s", s.Name, err, out)
		}
		if len(again) != 1 {
			t.Fatalf("reparse %s: %d segments", s.Name, len(again))
		}
		want := *s
		stripSegments([]*Segment{&want})
		stripSegments(again)
		if !reflect.DeepEqual(&want, again[0]) {
			t.Fatalf("round trip of %s changed the tree:\n%s\nwant %#v\ngot  %#v", s.Name, out, want.Where, again[0].Where)
		}
		out2, err := Format(again[0])
		if err != nil {
			t.Fatalf("format again %s: %v", s.Name, err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("format not idempotent for %s:\n%s\n---\n%s", s.Name, out, out2)
		}
	}
}

func TestRoundTripAllKinds(t *testing.T) {
	src, err := os.ReadFile("testdata/all_kinds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	segs, err := Parse("all_kinds.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 14 {
		t.Fatalf("parsed %d segments, want 14", len(segs))
	}
	checkRoundTrip(t, segs)

	// The list form round-trips too.
	out, err := FormatSegments(segs)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse("list.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !reflect.DeepEqual(stripSegments(segs), stripSegments(again)) {
		t.Fatalf("list round trip changed the trees:\n%s", out)
	}
}

func TestSegmentCheck(t *testing.T) {
	ok := &Segment{Name: "a", Where: &Did{Events: []string{"x"}, Window: Window{Kind: WindowInLast, Last: Days(7)}}}
	if err := ok.Check(); err != nil {
		t.Fatalf("valid tree: %v", err)
	}
	// A builder that forgot the comparison's kind for a duration, or nested too deep.
	badKind := &Segment{Name: "b", Where: &Recency{Events: []string{"x"}, Ago: Comparison{Op: OpGt, Value: 3}}}
	if err := badKind.Check(); err == nil || !strings.Contains(err.Error(), `bad comparison "> 3"`) {
		t.Fatalf("wrong kind: %v", err)
	}
	var deep Condition = &SegmentRef{Name: "x"}
	for i := 0; i < MaxDepth+1; i++ {
		deep = &Not{Condition: deep}
	}
	if err := (&Segment{Name: "c", Where: deep}).Check(); err == nil {
		t.Fatal("too deep a tree passed")
	}
	if err := (&Segment{Name: "d", Where: &All{}}).Check(); err == nil {
		t.Fatal("empty all passed")
	}
	c := &Campaign{Name: "c", Trigger: Trigger{Segment: "s"}, Steps: []Step{{Send: ChannelPush}}, Holdout: 101}
	if err := c.Check(); err == nil {
		t.Fatal("holdout over 100% passed")
	}
}
