package sim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // people's tz attributes resolve the same on every machine, containers included

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
)

// Bits of an event row's kind: what the event is to its campaign. One event can be
// several (a purchase that exits and converts).
const (
	kindTrigger    = 1
	kindExit       = 2
	kindConversion = 4
)

// source reads what the replay needs from the store and feeds the walker one person at a
// time.
type source struct {
	store   *query.Store
	plans   []*plan
	asOf    time.Time
	global  *segments.Cap
	windows [][]segments.Interval // per campaign: where triggers count, clipped to as_of
	entries [][]segEntry          // per campaign with a segment trigger: entries by uid, time
	// warnings name what a campaign looks for and the store never holds.
	warnings []string
}

func newSource(ctx context.Context, store *query.Store, campaigns []*segments.Campaign, opt Options) (*source, error) {
	src := &source{store: store, global: opt.Cap}
	for _, c := range campaigns {
		src.plans = append(src.plans, newPlan(c))
	}
	first, last, err := store.TimeRange(ctx)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	src.asOf = opt.AsOf.UTC()
	if opt.AsOf.IsZero() {
		if last.IsZero() {
			return nil, errors.New("replay: the store holds no events")
		}
		src.asOf = last
	}
	for _, pl := range src.plans {
		src.windows = append(src.windows, pl.c.Between.Resolve(src.asOf))
	}
	if err := src.checkEvents(ctx); err != nil {
		return nil, err
	}
	entries, err := segmentEntries(ctx, store, src, first, opt)
	if err != nil {
		return nil, err
	}
	src.entries = entries
	return src, nil
}

// checkEvents warns about event names no event in the store carries: a misspelt trigger
// replays to nothing rather than failing, so say so.
func (s *source) checkEvents(ctx context.Context) error {
	var names []string
	for _, pl := range s.plans {
		conv, _ := pl.c.ConversionEvent()
		for _, m := range []*segments.EventMatch{&pl.c.Trigger.EventMatch, pl.c.Exit, conv} {
			if m != nil {
				names = append(names, m.Events...)
			}
		}
	}
	found, err := s.store.EventsPresent(ctx, names)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	for _, pl := range s.plans {
		conv, _ := pl.c.ConversionEvent()
		var missing []string
		for _, m := range []*segments.EventMatch{&pl.c.Trigger.EventMatch, pl.c.Exit, conv} {
			if m == nil {
				continue
			}
			for _, n := range m.Events {
				if !found[n] && !slices.Contains(missing, n) {
					missing = append(missing, n)
				}
			}
		}
		if len(missing) > 0 {
			s.warnings = append(s.warnings, fmt.Sprintf("campaign %s: the store has no %s events", pl.c.Name, quoteNames(missing)))
		}
	}
	return nil
}

// windowOf is campaign ci's trigger window for the report: its between window clipped to
// as_of, or from the first trigger to as_of when it has none.
func (s *source) windowOf(ci int, first time.Time) segments.Interval {
	ivs := s.windows[ci]
	if len(ivs) == 0 {
		return segments.Interval{Start: s.asOf, StartIncl: false, End: s.asOf}
	}
	iv := segments.Interval{Start: ivs[0].Start, StartIncl: ivs[0].StartIncl, End: ivs[len(ivs)-1].End, EndIncl: ivs[len(ivs)-1].EndIncl}
	if iv.Start.IsZero() && !first.IsZero() {
		iv.Start, iv.StartIncl = first, true
	}
	return iv
}

// eventsRequest asks the store for every campaign's trigger, exit and conversion events,
// ordered by person and time: per campaign only events of those kinds, at or before as_of
// and not before the window opens; with an event trigger only for people who have a
// trigger in the window. people, when set, narrows it to them. Group i of the request is
// groups[i]: its campaign and the kind each of its tags stands for.
func (s *source) eventsRequest(people *query.MemberSet) (req query.EventsRequest, groups []readGroup) {
	req = query.EventsRequest{AsOf: s.asOf, People: people}
	for ci, pl := range s.plans {
		c := pl.c
		ivs := s.windows[ci]
		if len(ivs) == 0 {
			continue // the window lies wholly after as_of: no triggers
		}
		g := query.EventGroup{Anchor: -1}
		// The tags' order gives their bits: kindTrigger, kindExit, kindConversion.
		var kinds []int32
		if c.Trigger.Segment == "" {
			g.Anchor = 0
			g.Tags = append(g.Tags, query.EventTag{Match: &c.Trigger.EventMatch, Within: ivs})
			kinds = append(kinds, kindTrigger)
		}
		if c.Exit != nil && len(c.Exit.Events) > 0 {
			g.Tags = append(g.Tags, query.EventTag{Match: c.Exit})
			kinds = append(kinds, kindExit)
		}
		if conv, _ := c.ConversionEvent(); conv != nil && len(conv.Events) > 0 {
			g.Tags = append(g.Tags, query.EventTag{Match: conv})
			kinds = append(kinds, kindConversion)
		}
		if len(g.Tags) == 0 {
			continue // a segment trigger without exit or conversion: nothing to read
		}
		g.From = ivs[0].Start
		req.Groups = append(req.Groups, g)
		groups = append(groups, readGroup{campaign: int32(ci), kinds: kinds})
	}
	return req, groups
}

// readGroup is what one group of an events read stands for: a campaign, and the kind of
// event (kindTrigger, kindExit, kindConversion) each of its tags picks.
type readGroup struct {
	campaign int32
	kinds    []int32
}

// kind turns a read event's tag bits into the kind bits of its campaign.
func (g readGroup) kind(tags int32) int32 {
	var k int32
	for i, kind := range g.kinds {
		if tags&(1<<i) != 0 {
			k |= kind
		}
	}
	return k
}

// quoteNames lists names for a message: "a", "b" or "c".
func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// stream walks every person with a trigger (or only the people of only, when set) and
// hands each person's journeys to fn, people in uid order. unknownTZ tells that the
// person's tz attribute is set but not a time zone.
func (s *source) stream(ctx context.Context, only *query.MemberSet, fn func(p *person, js []Journey, unknownTZ bool)) error {
	req, groups := s.eventsRequest(only)
	events, err := s.store.ReadEvents(ctx, req)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	defer events.Close()
	users, err := s.store.ReadPeople(ctx, query.PeopleRequest{People: only, Attr: "tz"})
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	defer users.Close()

	// Everything mutable lives here, per call: PersonTimeline may run from several
	// goroutines at once.
	w := &walker{plans: s.plans, asOf: s.asOf, global: s.global}
	locs := map[string]*time.Location{} // tz name → zone; nil for names that are not zones
	p := &person{camps: make([]campaignEvents, len(s.plans))}
	next := make([]int, len(s.plans)) // position in each campaign's segment entries
	var cur query.TaggedEvent
	haveCur := events.Next()
	if haveCur {
		cur = events.Event()
	}
	for users.Next() {
		u := users.Person()
		id := u.UID
		any := false
		for ci := range p.camps {
			p.camps[ci].reset()
		}
		for haveCur && cur.UID <= id {
			if cur.UID == id {
				g := groups[cur.Group]
				ev := &p.camps[g.campaign]
				kind := g.kind(cur.Tags)
				at := cur.At()
				if kind&kindTrigger != 0 {
					ev.triggers = append(ev.triggers, at)
					any = true
				}
				if kind&kindExit != 0 {
					ev.exits = append(ev.exits, at)
				}
				if kind&kindConversion != 0 {
					ev.convs = append(ev.convs, conversionEvent{at: at, revenue: cur.Revenue})
				}
			}
			if haveCur = events.Next(); haveCur {
				cur = events.Event()
			}
		}
		if err := events.Err(); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		for ci, es := range s.entries {
			k := next[ci]
			for k < len(es) && es[k].uid < id {
				k++
			}
			for k < len(es) && es[k].uid == id {
				p.camps[ci].triggers = append(p.camps[ci].triggers, es[k].at)
				any = true
				k++
			}
			next[ci] = k
		}
		if !any {
			continue
		}
		p.uid, p.userID = id, u.UserID
		var unknown bool
		p.loc, unknown = location(locs, u.Attr, u.AttrSet)
		fn(p, w.walk(p), unknown)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if err := users.Err(); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	return nil
}

// location resolves a person's tz attribute through the cache locs; unknown reports a
// value that names no zone.
func location(locs map[string]*time.Location, tz string, set bool) (loc *time.Location, unknown bool) {
	if !set || strings.TrimSpace(tz) == "" {
		return nil, false
	}
	loc, seen := locs[tz]
	if !seen {
		l, err := time.LoadLocation(tz)
		// "Local" would read the machine's zone, not the person's.
		if err == nil && tz != "Local" {
			loc = l
		}
		locs[tz] = loc
	}
	return loc, loc == nil
}
