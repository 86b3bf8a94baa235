package sim

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
)

// segEntry is one segment-entry trigger: a person who became a member at 00:00 UTC of a day.
type segEntry struct {
	uid int32
	at  time.Time
}

// membershipFunc answers a segment's members at an instant.
type membershipFunc func(ctx context.Context, seg *segments.Segment, asOf time.Time) (*query.MemberSet, error)

// segmentEntries computes, for each campaign with a segment trigger, who entered the
// segment on which day: members at d 00:00 UTC who were not members at d−1 00:00, for every
// day d whose 00:00 lies in the trigger window and at or before as_of. Campaigns with an
// event trigger get nil.
// firstEvent is the store's first event, where a window without a start begins.
func segmentEntries(ctx context.Context, store *query.Store, src *source, firstEvent time.Time, opt Options) ([][]segEntry, error) {
	out := make([][]segEntry, len(src.plans))
	members := opt.membership
	for ci, pl := range src.plans {
		name := pl.c.Trigger.Segment
		if name == "" {
			continue
		}
		if opt.Segments == nil {
			return nil, fmt.Errorf("campaign %s: trigger on segment %q needs the segments (a workspace folder)", pl.c.Name, name)
		}
		seg := opt.Segments.Segment(name)
		if seg == nil {
			return nil, fmt.Errorf("campaign %s: trigger on segment %q: no such segment", pl.c.Name, name)
		}
		if seg.Unit != segments.UnitUser {
			return nil, fmt.Errorf("campaign %s: trigger on segment %q: its members are accounts; a campaign reaches people", pl.c.Name, name)
		}
		if members == nil {
			eng := opt.Engine
			if eng == nil {
				eng = query.NewEngine(store)
			}
			members = func(ctx context.Context, seg *segments.Segment, asOf time.Time) (*query.MemberSet, error) {
				res, err := eng.Evaluate(ctx, seg, opt.Segments, asOf)
				if err != nil {
					return nil, err
				}
				return res.Members, nil
			}
		}
		days := entryDays(src.windows[ci], firstEvent)
		if len(days) == 0 {
			continue
		}
		prev, err := members(ctx, seg, days[0].AddDate(0, 0, -1))
		if err != nil {
			return nil, fmt.Errorf("campaign %s: segment %s at %s: %w", pl.c.Name, name, days[0].AddDate(0, 0, -1).Format(time.DateOnly), err)
		}
		var es []segEntry
		for _, d := range days {
			cur, err := members(ctx, seg, d)
			if err != nil {
				return nil, fmt.Errorf("campaign %s: segment %s at %s: %w", pl.c.Name, name, d.Format(time.DateOnly), err)
			}
			for uid := range cur.AndNot(prev).All() {
				es = append(es, segEntry{uid: int32(uid), at: d})
			}
			prev = cur
		}
		// Days were walked in order, so a stable sort by person keeps each person's days in
		// order.
		sort.SliceStable(es, func(a, b int) bool { return es[a].uid < es[b].uid })
		out[ci] = es
	}
	return out, nil
}

// entryDays lists the midnights (UTC) inside the trigger window, at or before as_of (the
// windows are already clipped to it). A window without a start begins at the first
// event's day.
func entryDays(ivs []segments.Interval, firstEvent time.Time) []time.Time {
	var days []time.Time
	for _, iv := range ivs {
		start := iv.Start
		if start.IsZero() {
			if firstEvent.IsZero() {
				continue
			}
			start = firstEvent
		}
		d := start.UTC().Truncate(24 * time.Hour)
		if d.Before(start) || (d.Equal(start) && !iv.StartIncl && !iv.Start.IsZero()) {
			d = d.AddDate(0, 0, 1)
		}
		for ; iv.Contains(d); d = d.AddDate(0, 0, 1) {
			days = append(days, d)
		}
	}
	return days
}
