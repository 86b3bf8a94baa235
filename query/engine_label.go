package query

import (
	"strings"

	"github.com/segscope/segscope/segments"
)

// maxLabelLen bounds a waterfall label; long lists are cut with an ellipsis.
const maxLabelLen = 120

// Describe renders a condition in one line, in the language's own words, for waterfall
// steps and reports: "did add_to_cart in_last 7d", "did add_to_cart then_not purchase
// within 2h", "last purchase ago > 90d", "user plan in [pro, team]".
func Describe(c segments.Condition) string {
	var b strings.Builder
	describe(&b, c, 0)
	s := b.String()
	if r := []rune(s); len(r) > maxLabelLen {
		s = string(r[:maxLabelLen-1]) + "…"
	}
	return s
}

func describe(b *strings.Builder, c segments.Condition, depth int) {
	w := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	if depth > 3 {
		w("…")
		return
	}
	switch x := c.(type) {
	case *segments.Did:
		w("did ", names(x.Events))
		describeWhere(b, x.Where)
		describeWindow(b, x.Window)
		if t := x.TimesOrDefault(); t != segments.AtLeastOnce() {
			w(" times ", t.String())
		}
		if x.Users != nil {
			w(" users ", x.Users.String())
		}
	case *segments.DidNot:
		w("did_not ", names(x.Events))
		describeWhere(b, x.Where)
		describeWindow(b, x.Window)
	case *segments.Sequence:
		w("did ", names(x.Events))
		describeWhere(b, x.Where)
		describeWindow(b, x.Window)
		if x.Negated {
			w(" then_not ")
		} else {
			w(" then ")
		}
		w(names(x.Then), " within ", x.Within.String())
	case *segments.Measure:
		w(x.Agg.String(), "(", x.Property, ")")
		if len(x.Of) > 0 {
			w(" of ", names(x.Of))
		}
		describeWhere(b, x.Where)
		describeWindow(b, x.Window)
		w(" is ", x.Is.String())
	case *segments.Recency:
		w(x.Which.String(), " ", names(x.Events))
		describeWhere(b, x.Where)
		w(" ago ", x.Ago.String())
	case *segments.Trend:
		w("trend ", names(x.Events))
		describeWhere(b, x.Where)
		w(" in_last ", x.Period.String(), " change ", x.Change.String())
	case *segments.Gap:
		w("gap ", names(x.Events))
		describeWhere(b, x.Where)
		w(" vs_average ", x.VsAverage.String())
	case *segments.Affinity:
		w("affinity ", x.Property)
		if len(x.Of) > 0 {
			w(" of ", names(x.Of))
		}
		describeWhere(b, x.Where)
		describeWindow(b, x.Window)
		w(" is ", x.Is.String(), " share ", x.Share.String())
	case *segments.RFM:
		w("rfm")
		for _, s := range []struct {
			k string
			c *segments.Comparison
		}{{"r", x.R}, {"f", x.F}, {"m", x.M}} {
			if s.c != nil {
				w(" ", s.k, " ", s.c.String())
			}
		}
		if len(x.Of) > 0 && !(len(x.Of) == 1 && x.Of[0] == segments.DefaultRFMEvent) {
			w(" of ", names(x.Of))
		}
	case *segments.UserAttr:
		w("user ", x.Attr)
		switch {
		case x.Cmp != nil:
			w(" is ", x.Cmp.String())
		case len(x.Values) == 1:
			w(" is ", x.Values[0].String())
		default:
			w(" in ", values(x.Values))
		}
	case *segments.SegmentRef:
		w("segment ", x.Name)
	case *segments.All, *segments.Any:
		w(c.Key(), " (")
		for i, child := range segments.Children(c) {
			if i > 0 {
				w("; ")
			}
			describe(b, child, depth+1)
		}
		w(")")
	case *segments.Not:
		w("not (")
		describe(b, x.Condition, depth+1)
		w(")")
	default:
		w("?")
	}
}

func names(ns []string) string {
	if len(ns) == 1 {
		return ns[0]
	}
	return "[" + strings.Join(ns, ", ") + "]"
}

func values(vs []segments.Value) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = v.String()
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func describeWhere(b *strings.Builder, fs []segments.PropertyFilter) {
	for i, f := range fs {
		if i == 0 {
			b.WriteString(" where ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(f.Property)
		switch {
		case f.Cmp != nil:
			b.WriteString(" " + f.Cmp.String())
		case len(f.Values) == 1:
			b.WriteString(" = " + f.Values[0].String())
		default:
			b.WriteString(" in " + values(f.Values))
		}
	}
}

func describeWindow(b *strings.Builder, win segments.Window) {
	switch win.Kind {
	case segments.WindowInLast:
		b.WriteString(" in_last " + win.Last.String())
	case segments.WindowSince:
		b.WriteString(" since " + win.Since.String())
	case segments.WindowBetween:
		if len(win.Ranges) == 1 {
			b.WriteString(" between " + win.Ranges[0].String())
		}
	case segments.WindowDuring:
		parts := make([]string, len(win.Ranges))
		for i, r := range win.Ranges {
			parts[i] = r.String()
		}
		b.WriteString(" during [" + strings.Join(parts, ", ") + "]")
	}
}
