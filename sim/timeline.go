package sim

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
)

// EntryKind says what a timeline entry is.
type EntryKind int

// Kinds of timeline entries. At one instant they sort in this order: the event first, then
// what the campaigns made of it.
const (
	EntryEvent EntryKind = iota
	EntryJourneyStart
	EntryExit
	EntryConversion
	EntryStep
)

var entryKindNames = [...]string{"event", "journey", "exit", "conversion", "step"}

// String names the kind.
func (k EntryKind) String() string {
	if k < 0 || int(k) >= len(entryKindNames) {
		return ""
	}
	return entryKindNames[k]
}

// TimelineEntry is one line of a person's timeline: one of their events, or something a
// campaign did (a journey starting, exiting or converting, a step sent, held, suppressed or
// pending). Event data (names, properties) is untrusted text: sanitise it before display.
type TimelineEntry struct {
	At   time.Time
	Kind EntryKind
	// Event entries.
	Event      string
	Revenue    float64
	Properties string // the event's properties, JSON text
	// Campaign entries.
	Campaign string
	Journey  int // index into Timeline.Journeys
	Step     int // 0-based, EntryStep only
	Channel  segments.Channel
	Message  string
	Outcome  Outcome
	Deferred bool // the step was moved out of quiet hours
}

// Timeline is one person's events and campaign activity, interleaved in time order.
type Timeline struct {
	UID      int32
	UserID   string
	Journeys []Journey
	Entries  []TimelineEntry
	// EventsFrom..EventsTo is the span the person's events were listed for;
	// EventsTruncated tells that more events in it were left out.
	EventsFrom, EventsTo time.Time
	EventsTruncated      bool
}

// TimelineEvents bounds how many of a person's events a timeline lists.
const TimelineEvents = 1000

// timelineMargin widens the span of listed events around the person's journeys.
const timelineMargin = 24 * time.Hour

// ErrNoPerson reports a user id or uid the store does not know.
var ErrNoPerson = query.ErrNoPerson

// FindPerson is the uid of a user id.
func (r *Replay) FindPerson(ctx context.Context, userID string) (int32, error) {
	return r.src.store.FindPerson(ctx, userID)
}

// PersonTimeline replays one person again, exactly as Run did, and interleaves their
// journeys with their events: every event from a day before their first journey to a day
// after their last one (or their last TimelineEvents events up to as_of when they had no
// journey).
func (r *Replay) PersonTimeline(ctx context.Context, uid int32) (*Timeline, error) {
	tl := &Timeline{UID: uid}
	only := query.NewMemberSet(uint32(uid))
	err := r.src.stream(ctx, only, func(p *person, js []Journey, _ bool) {
		tl.UserID = p.userID
		for _, j := range js {
			j.Steps = append([]StepRun(nil), j.Steps...)
			tl.Journeys = append(tl.Journeys, j)
		}
	})
	if err != nil {
		return nil, err
	}
	if tl.UserID == "" {
		// No journeys: the person may still be someone the store knows.
		people, err := r.src.store.ReadPeople(ctx, query.PeopleRequest{People: only})
		if err != nil {
			return nil, fmt.Errorf("person %d: %w", uid, err)
		}
		found := people.Next()
		tl.UserID = people.Person().UserID
		err = people.Err()
		people.Close()
		if err != nil {
			return nil, fmt.Errorf("person %d: %w", uid, err)
		}
		if !found {
			return nil, fmt.Errorf("person %d: %w", uid, ErrNoPerson)
		}
	}
	if err := r.timelineEvents(ctx, tl, len(tl.Journeys) > 0); err != nil {
		return nil, err
	}
	for ji, j := range tl.Journeys {
		c := r.Campaigns[j.Campaign].Campaign
		base := TimelineEntry{Campaign: c.Name, Journey: ji}
		e := base
		e.At, e.Kind = j.Start, EntryJourneyStart
		tl.Entries = append(tl.Entries, e)
		for _, s := range j.Steps {
			e := base
			st := c.Steps[s.Step]
			e.At, e.Kind, e.Step, e.Channel, e.Message, e.Outcome, e.Deferred =
				s.At, EntryStep, s.Step, st.Send, st.Message, s.Outcome, s.Deferred()
			tl.Entries = append(tl.Entries, e)
		}
		if !j.ExitAt.IsZero() {
			e := base
			e.At, e.Kind = j.ExitAt, EntryExit
			tl.Entries = append(tl.Entries, e)
		}
		if j.Converted() {
			e := base
			e.At, e.Kind, e.Revenue = j.ConvertedAt, EntryConversion, j.Revenue
			tl.Entries = append(tl.Entries, e)
		}
	}
	sort.SliceStable(tl.Entries, func(a, b int) bool {
		ea, eb := tl.Entries[a], tl.Entries[b]
		if !ea.At.Equal(eb.At) {
			return ea.At.Before(eb.At)
		}
		return ea.Kind < eb.Kind
	})
	return tl, nil
}

// timelineEvents adds the person's events to the timeline.
func (r *Replay) timelineEvents(ctx context.Context, tl *Timeline, hasJourneys bool) error {
	var from, to time.Time
	if hasJourneys {
		from, to = tl.Journeys[0].Start, tl.Journeys[0].Start
		for _, j := range tl.Journeys {
			from = minTime(from, j.Start)
			to = maxTime(to, j.Start, j.End, j.ConvertedAt)
			for _, s := range j.Steps {
				to = maxTime(to, s.At)
			}
		}
		tl.EventsFrom = from.Add(-timelineMargin)
		tl.EventsTo = minTime(to.Add(timelineMargin), r.AsOf)
		from, to = tl.EventsFrom, tl.EventsTo
	} else {
		to = r.AsOf
	}
	// One more than listed tells whether there were more.
	list, err := r.src.store.PersonEvents(ctx, tl.UID, from, to, TimelineEvents+1)
	if err != nil {
		return err
	}
	evs := make([]TimelineEntry, len(list))
	for i, e := range list {
		evs[i] = TimelineEntry{Kind: EntryEvent, At: e.At, Event: e.Event, Revenue: e.Revenue, Properties: e.Properties}
	}
	if len(evs) > TimelineEvents {
		tl.EventsTruncated = true
		if hasJourneys {
			evs = evs[:TimelineEvents]
		} else {
			evs = evs[1:]
		}
	}
	if !hasJourneys && len(evs) > 0 {
		tl.EventsFrom, tl.EventsTo = evs[0].At, evs[len(evs)-1].At
	}
	tl.Entries = append(tl.Entries, evs...)
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a time.Time, bs ...time.Time) time.Time {
	for _, b := range bs {
		if b.After(a) {
			a = b
		}
	}
	return a
}
