package query

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/segscope/segscope/segments"
)

// The groups of an overlap are what people take away from it: the members of both of two
// segments (a cell of the matrix), or of exactly some segments and none of the others (an
// UpSet bar). The explorer and `segscope overlap --members/--exclusive` list them whole, by
// the same functions.

// Indexes finds segments of the overlap by name, in the order given; a name that is not
// compared, or given twice, is an error naming what is.
func (o *Overlap) Indexes(names []string) ([]int, error) {
	if len(names) == 0 {
		return nil, errors.New("no segments named")
	}
	out := make([]int, 0, len(names))
	for _, n := range names {
		i := slices.Index(o.Segments, n)
		if i < 0 {
			return nil, fmt.Errorf("%q is not one of the segments compared (%s)", n, strings.Join(o.Segments, ", "))
		}
		if slices.Contains(out, i) {
			return nil, fmt.Errorf("%q is named twice", n)
		}
		out = append(out, i)
	}
	return out, nil
}

// Intersection is the members of every segment of idx (indexes into Segments): a cell of
// the matrix for two, a segment itself for one.
func (o *Overlap) Intersection(idx ...int) (*MemberSet, error) {
	if err := o.checkIndexes(idx); err != nil {
		return nil, err
	}
	out := o.sets[idx[0]]
	for _, i := range idx[1:] {
		out = out.And(o.sets[i])
	}
	return out, nil
}

// ExclusiveMembers is the members of every segment of idx and of none of the other
// segments compared: the people one ExclusiveGroup counts.
func (o *Overlap) ExclusiveMembers(idx ...int) (*MemberSet, error) {
	out, err := o.Intersection(idx...)
	if err != nil {
		return nil, err
	}
	for i, s := range o.sets {
		if !slices.Contains(idx, i) {
			out = out.AndNot(s)
		}
	}
	return out, nil
}

func (o *Overlap) checkIndexes(idx []int) error {
	if len(idx) == 0 {
		return errors.New("overlap group: no segments")
	}
	for _, i := range idx {
		if i < 0 || i >= len(o.sets) {
			return fmt.Errorf("overlap group: no segment %d of %d", i, len(o.sets))
		}
	}
	return nil
}

// MemberKeys lists the key (user_id, or account_id for accounts) of every member of set, in
// id order: the whole list a person copies or exports, cheaper than Members because it
// reads no events. Ids go to DuckDB as a bound list, in chunks, each with its LIMIT.
func (e *Engine) MemberKeys(ctx context.Context, set *MemberSet, unit segments.Unit) ([]string, error) {
	if set == nil {
		return nil, errors.New("member keys: no member set")
	}
	q := "SELECT user_id FROM users WHERE uid IN (SELECT unnest(CAST(? AS INTEGER[]))) ORDER BY uid LIMIT ?"
	if unit == segments.UnitAccount {
		q = "SELECT account_id FROM accounts WHERE aid IN (SELECT unnest(CAST(? AS INTEGER[]))) ORDER BY aid LIMIT ?"
	}
	out := make([]string, 0, set.Count())
	err := eachChunk(set, int(min(set.Count(), MaxMembersLimit)), func(ids []int32) error {
		rows, err := e.store.DB().QueryContext(ctx, q, ids, len(ids))
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("member keys: %w", ctx.Err())
			}
			return fmt.Errorf("member keys: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return fmt.Errorf("member keys: %w", err)
			}
			out = append(out, k)
		}
		if err := rows.Err(); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("member keys: %w", ctx.Err())
			}
			return fmt.Errorf("member keys: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachChunk hands the first limit ids of set to fn, in id order, membersChunk at a time:
// a bound list of ids per query keeps every statement's parameters and result small.
func eachChunk(set *MemberSet, limit int, fn func(ids []int32) error) error {
	ids := make([]int32, 0, min(membersChunk, limit))
	done := 0
	for id := range set.All() {
		if done+len(ids) >= limit {
			break
		}
		ids = append(ids, int32(id))
		if len(ids) == membersChunk {
			if err := fn(ids); err != nil {
				return err
			}
			done += len(ids)
			ids = ids[:0]
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return fn(ids)
}

// AllMembers lists every member of set with its key facts (Members without a limit): what
// an export writes.
func (e *Engine) AllMembers(ctx context.Context, set *MemberSet, unit segments.Unit, opt MembersOptions) ([]Member, error) {
	if set == nil {
		return nil, errors.New("members: no member set")
	}
	opt.Limit = int(min(max(set.Count(), 1), MaxMembersLimit))
	return e.Members(ctx, set, unit, opt)
}
