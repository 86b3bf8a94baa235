package segments

import (
	"fmt"
	"slices"
)

// Format renders a segment as canonical YAML: keys in a fixed order (name, title,
// description, type, unit, where, expect; inside conditions the head key first, then of,
// then/then_not, within, where, the window, and the comparisons), defaults left out (unit:
// user, times: ">= 1", rfm of: purchase), comparisons quoted. Parse(Format(s)) gives s back
// (positions aside), and formatting is idempotent.
func Format(seg *Segment) ([]byte, error) {
	n, err := segmentNode(seg)
	if err != nil {
		return nil, err
	}
	return printYAML(n), nil
}

// FormatSegments renders several segments as one `segments:` list file.
func FormatSegments(segs []*Segment) ([]byte, error) {
	list := yseq(false)
	for _, s := range segs {
		n, err := segmentNode(s)
		if err != nil {
			return nil, err
		}
		list.add(n)
	}
	return printYAML(ymap(false).set("segments", list)), nil
}

// FormatCondition renders one condition as a YAML mapping (what ParseCondition reads).
func FormatCondition(c Condition) ([]byte, error) {
	n, err := conditionNode(c, 1)
	if err != nil {
		return nil, err
	}
	return printYAML(n), nil
}

func segmentNode(s *Segment) (*ynode, error) {
	if s == nil {
		return nil, fmt.Errorf("format: nil segment")
	}
	if !ValidName(s.Name) {
		return nil, fmt.Errorf("format segment: bad name %q", s.Name)
	}
	if s.Where == nil {
		return nil, fmt.Errorf("format segment %s: no where: condition", s.Name)
	}
	n := ymap(false).set("name", scalar(s.Name))
	if s.Title != "" {
		n.set("title", scalar(quoteString(s.Title)))
	}
	if s.Description != "" {
		n.set("description", scalar(quoteString(s.Description)))
	}
	if s.Type != TypeNone {
		if s.Type.String() == "" {
			return nil, fmt.Errorf("format segment %s: unknown type %d", s.Name, s.Type)
		}
		n.set("type", scalar(s.Type.String()))
	}
	if s.Unit == UnitAccount {
		n.set("unit", scalar("account"))
	}
	w, err := conditionNode(s.Where, 1)
	if err != nil {
		return nil, fmt.Errorf("format segment %s: %w", s.Name, err)
	}
	n.set("where", w)
	if s.Expect.Members != nil {
		n.set("expect", ymap(true).set("members", cmpNode(*s.Expect.Members)))
	}
	return n, nil
}

func cmpNode(c Comparison) *ynode { return scalar(quoteString(c.String())) }

func namesNode(names []string) *ynode {
	if len(names) == 1 {
		return scalar(quoteString(names[0]))
	}
	s := yseq(true)
	for _, n := range names {
		s.add(scalar(quoteString(n)))
	}
	return s
}

// valuesNode renders a value test: one value, or a list. A single text value that would
// read back as a comparison (">= 3") is written as a one-element list, which never does.
func valuesNode(vals []Value) *ynode {
	if len(vals) == 1 && !(vals[0].Kind == ValueString && looksLikeComparison(vals[0].Str)) {
		return scalar(yamlValue(vals[0]))
	}
	s := yseq(true)
	for _, v := range vals {
		s.add(scalar(yamlValue(v)))
	}
	return s
}

func whereNode(fs []PropertyFilter) *ynode {
	n := ymap(false)
	for _, f := range fs {
		if f.Cmp != nil {
			n.set(f.Property, cmpNode(*f.Cmp))
		} else {
			n.set(f.Property, valuesNode(f.Values))
		}
	}
	return n
}

func dateNode(d Date) *ynode {
	if d.DateOnly {
		return scalar(d.String())
	}
	return scalar(quoteString(d.String()))
}

func rangeNode(r DateRange) *ynode {
	return yseq(true).add(dateNode(r.From)).add(dateNode(r.To))
}

// setWindow adds the window's key, if any, to n.
func setWindow(n *ynode, w Window) {
	switch w.Kind {
	case WindowInLast:
		n.set("in_last", scalar(w.Last.String()))
	case WindowSince:
		n.set("since", dateNode(w.Since))
	case WindowBetween:
		if len(w.Ranges) > 0 {
			n.set("between", rangeNode(w.Ranges[0]))
		}
	case WindowDuring:
		s := yseq(true)
		for _, r := range w.Ranges {
			s.add(rangeNode(r))
		}
		n.set("during", s)
	}
}

func setWhere(n *ynode, fs []PropertyFilter) {
	if len(fs) > 0 {
		n.set("where", whereNode(fs))
	}
}

func needEvents(key string, names []string) error {
	if len(names) == 0 {
		return fmt.Errorf("%s: no event names", key)
	}
	return nil
}

func conditionNode(c Condition, depth int) (*ynode, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("conditions nest deeper than %d levels", MaxDepth)
	}
	n := ymap(false)
	switch c := c.(type) {
	case *Did:
		if err := needEvents("did", c.Events); err != nil {
			return nil, err
		}
		n.set("did", namesNode(c.Events))
		setWhere(n, c.Where)
		setWindow(n, c.Window)
		if t := c.TimesOrDefault(); t != AtLeastOnce() {
			n.set("times", cmpNode(t))
		}
		if c.Users != nil {
			n.set("users", cmpNode(*c.Users))
		}
	case *DidNot:
		if err := needEvents("did_not", c.Events); err != nil {
			return nil, err
		}
		n.set("did_not", namesNode(c.Events))
		setWhere(n, c.Where)
		setWindow(n, c.Window)
	case *Sequence:
		if err := needEvents("did", c.Events); err != nil {
			return nil, err
		}
		if err := needEvents("then", c.Then); err != nil {
			return nil, err
		}
		n.set("did", namesNode(c.Events))
		if c.Negated {
			n.set("then_not", namesNode(c.Then))
		} else {
			n.set("then", namesNode(c.Then))
		}
		n.set("within", scalar(c.Within.String()))
		setWhere(n, c.Where)
		setWindow(n, c.Window)
	case *Measure:
		if c.Agg.String() == "" || c.Property == "" {
			return nil, fmt.Errorf("measure: no aggregate or property")
		}
		n.set("measure", scalar(quoteString(c.Agg.String()+"("+c.Property+")")))
		if len(c.Of) > 0 {
			n.set("of", namesNode(c.Of))
		}
		setWhere(n, c.Where)
		setWindow(n, c.Window)
		n.set("is", cmpNode(c.Is))
	case *Recency:
		if err := needEvents(c.Which.String(), c.Events); err != nil {
			return nil, err
		}
		n.set(c.Which.String(), namesNode(c.Events))
		setWhere(n, c.Where)
		n.set("ago", cmpNode(c.Ago))
	case *Trend:
		if err := needEvents("trend", c.Events); err != nil {
			return nil, err
		}
		n.set("trend", namesNode(c.Events))
		setWhere(n, c.Where)
		n.set("in_last", scalar(c.Period.String()))
		n.set("change", cmpNode(c.Change))
	case *Gap:
		if err := needEvents("gap", c.Events); err != nil {
			return nil, err
		}
		n.set("gap", namesNode(c.Events))
		setWhere(n, c.Where)
		n.set("vs_average", cmpNode(c.VsAverage))
	case *Affinity:
		n.set("affinity", scalar(quoteString(c.Property)))
		if len(c.Of) > 0 {
			n.set("of", namesNode(c.Of))
		}
		setWhere(n, c.Where)
		setWindow(n, c.Window)
		n.set("is", scalar(yamlValue(c.Is)))
		n.set("share", cmpNode(c.Share))
	case *RFM:
		scores := ymap(true)
		for _, s := range []struct {
			k string
			c *Comparison
		}{{"r", c.R}, {"f", c.F}, {"m", c.M}} {
			if s.c != nil {
				scores.set(s.k, cmpNode(*s.c))
			}
		}
		if len(scores.keys) == 0 {
			return nil, fmt.Errorf("rfm: no score to compare")
		}
		n.set("rfm", scores)
		if len(c.Of) > 0 && !slices.Equal(c.Of, []string{DefaultRFMEvent}) {
			n.set("of", namesNode(c.Of))
		}
	case *UserAttr:
		n.set("user", scalar(quoteString(c.Attr)))
		switch {
		case c.Cmp != nil:
			n.set("is", cmpNode(*c.Cmp))
		case len(c.Values) == 1 && !(c.Values[0].Kind == ValueString && looksLikeComparison(c.Values[0].Str)):
			n.set("is", scalar(yamlValue(c.Values[0])))
		case len(c.Values) > 0:
			n.set("in", valuesNode(c.Values))
		default:
			return nil, fmt.Errorf("user %s: no value to test", c.Attr)
		}
	case *SegmentRef:
		n.set("segment", scalar(quoteString(c.Name)))
	case *All:
		l, err := conditionList(c.Conditions, depth)
		if err != nil {
			return nil, err
		}
		n.set("all", l)
	case *Any:
		l, err := conditionList(c.Conditions, depth)
		if err != nil {
			return nil, err
		}
		n.set("any", l)
	case *Not:
		inner, err := conditionNode(c.Condition, depth+1)
		if err != nil {
			return nil, err
		}
		n.set("not", inner)
	case nil:
		return nil, fmt.Errorf("missing condition")
	default:
		return nil, fmt.Errorf("unknown condition %T", c)
	}
	return n, nil
}

func conditionList(cs []Condition, depth int) (*ynode, error) {
	if len(cs) == 0 {
		return nil, fmt.Errorf("empty all/any list")
	}
	l := yseq(false)
	for _, c := range cs {
		n, err := conditionNode(c, depth+1)
		if err != nil {
			return nil, err
		}
		l.add(n)
	}
	return l, nil
}

// Check reports whether a segment built in code (the explorer's builder) obeys every rule
// Parse enforces — names, limits, comparison kinds, required keys — by formatting it and
// reading it back. Positions in the errors refer to that formatted text.
func (s *Segment) Check() error {
	out, err := Format(s)
	if err != nil {
		return err
	}
	_, err = Parse(s.Name+".yaml", out)
	return err
}
