package query

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/segscope/segscope/segments"
)

// SQL compiles a segment to one self-contained SQL statement listing its members (uid and
// user_id, or aid and account_id for unit: account, in id order), with every value written
// as a literal, runnable as it is in the DuckDB CLI on the store. asOf zero means the latest
// event; the statement holds the resolved as_of, so it keeps meaning the same thing when
// more data arrives. It reads the store's attribute types and latest event, so it may
// query the store (without a deadline; SQLContext takes one).
func (e *Engine) SQL(seg *segments.Segment, r Resolver, asOf time.Time) (string, error) {
	return e.SQLContext(context.Background(), seg, r, asOf)
}

// SQLContext is SQL with a context for the store reads it needs.
func (e *Engine) SQLContext(ctx context.Context, seg *segments.Segment, r Resolver, asOf time.Time) (string, error) {
	if seg == nil || seg.Where == nil {
		return "", errors.New("sql: a segment needs a where: condition")
	}
	snap, err := e.snapshot(ctx)
	if err != nil {
		return "", fmt.Errorf("sql %s: %w", seg.Name, err)
	}
	sb := &segmentSQL{comp: &compiler{unit: seg.Unit, asOf: snap.resolveAsOf(asOf), snap: snap},
		r: r, refs: map[string]string{}, stack: []string{seg.Name}}
	top, err := sb.node(seg.Where, 0)
	if err != nil {
		return "", fmt.Errorf("sql %s: %w", seg.Name, err)
	}
	var b strings.Builder
	// The name goes into a comment only when it is a valid name: a newline in it would end
	// the comment.
	if segments.ValidName(seg.Name) {
		fmt.Fprintf(&b, "-- segment %s: %ss as of %s\n", seg.Name, seg.Unit, sb.comp.asOf.Format(time.RFC3339Nano))
	} else {
		fmt.Fprintf(&b, "-- %ss as of %s\n", seg.Unit, sb.comp.asOf.Format(time.RFC3339Nano))
	}
	b.WriteString("WITH universe AS (")
	if seg.Unit == segments.UnitAccount {
		b.WriteString("SELECT aid AS id FROM accounts")
	} else {
		b.WriteString("SELECT uid AS id FROM users")
	}
	b.WriteString(")")
	for _, c := range sb.ctes {
		b.WriteString(",\n" + c)
	}
	if seg.Unit == segments.UnitAccount {
		fmt.Fprintf(&b, "\nSELECT a.aid, a.account_id FROM accounts a WHERE a.aid IN (SELECT id FROM %s) ORDER BY a.aid;\n", top)
	} else {
		fmt.Fprintf(&b, "\nSELECT u.uid, u.user_id FROM users u WHERE u.uid IN (SELECT id FROM %s) ORDER BY u.uid;\n", top)
	}
	return b.String(), nil
}

// segmentSQL writes a segment's tree as common table expressions, one per node: a leaf is
// its query (or the universe minus it), all/any/not are INTERSECT/UNION/EXCEPT of the
// nodes below, and a segment reference is the referenced segment's tree, written once.
type segmentSQL struct {
	comp  *compiler
	r     Resolver
	ctes  []string
	refs  map[string]string // segment name → its CTE
	stack []string
}

func (s *segmentSQL) add(body string) string {
	name := fmt.Sprintf("c%d", len(s.ctes)+1)
	s.ctes = append(s.ctes, name+" AS ("+body+")")
	return name
}

func (s *segmentSQL) node(c segments.Condition, depth int) (string, error) {
	if depth > segments.MaxDepth*4 {
		return "", errors.New("conditions nest too deeply")
	}
	switch x := c.(type) {
	case nil:
		return "", errors.New("missing condition")
	case *segments.All, *segments.Any:
		children := segments.Children(c)
		if len(children) == 0 {
			return "", conditionError(c, errors.New("needs at least one condition"))
		}
		op := " INTERSECT "
		if _, isAny := c.(*segments.Any); isAny {
			op = " UNION "
		}
		parts := make([]string, len(children))
		for i, child := range children {
			name, err := s.node(child, depth+1)
			if err != nil {
				return "", err
			}
			parts[i] = "SELECT id FROM " + name
		}
		return s.add(strings.Join(parts, op)), nil
	case *segments.Not:
		name, err := s.node(x.Condition, depth+1)
		if err != nil {
			return "", err
		}
		return s.add("SELECT id FROM universe EXCEPT SELECT id FROM " + name), nil
	case *segments.SegmentRef:
		if name, ok := s.refs[x.Name]; ok {
			return name, nil
		}
		seg, err := s.enter(x)
		if err != nil {
			return "", err
		}
		name, err := s.node(seg.Where, depth+1)
		s.stack = s.stack[:len(s.stack)-1]
		if err != nil {
			return "", err
		}
		s.refs[x.Name] = name
		return name, nil
	}
	q, err := s.comp.leaf(c, true)
	if err != nil {
		return "", err
	}
	if q.complement {
		return s.add("SELECT id FROM universe EXCEPT SELECT id FROM (" + q.w.String() + ")"), nil
	}
	return s.add(q.w.String()), nil
}

func (s *segmentSQL) enter(ref *segments.SegmentRef) (*segments.Segment, error) {
	rr := &run{r: s.r, stack: s.stack}
	seg, err := rr.enter(ref, s.comp.unit)
	if err != nil {
		return nil, err
	}
	s.stack = rr.stack
	return seg, nil
}
