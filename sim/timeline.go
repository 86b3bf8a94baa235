package sim

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

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
var ErrNoPerson = errors.New("no such person")

// FindPerson is the uid of a user id.
func (r *Replay) FindPerson(ctx context.Context, userID string) (int32, error) {
	var uid int32
	err := r.src.db.QueryRowContext(ctx, `SELECT uid FROM users WHERE user_id = ?`, userID).Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("person %q: %w", userID, ErrNoPerson)
	}
	if err != nil {
		return 0, fmt.Errorf("person %q: %w", userID, err)
	}
	return uid, nil
}

// PersonTimeline replays one person again, exactly as Run did, and interleaves their
// journeys with their events: every event from a day before their first journey to a day
// after their last one (or their last TimelineEvents events up to as_of when they had no
// journey).
func (r *Replay) PersonTimeline(ctx context.Context, uid int32) (*Timeline, error) {
	tl := &Timeline{UID: uid}
	err := r.src.stream(ctx, int64(uid), func(p *person, js []Journey, _ bool) {
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
		err := r.src.db.QueryRowContext(ctx, `SELECT user_id FROM users WHERE uid = ?`, uid).Scan(&tl.UserID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("person %d: %w", uid, ErrNoPerson)
		}
		if err != nil {
			return nil, fmt.Errorf("person %d: %w", uid, err)
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
	var rows *sql.Rows
	var err error
	if hasJourneys {
		from, to := tl.Journeys[0].Start, tl.Journeys[0].Start
		for _, j := range tl.Journeys {
			from = minTime(from, j.Start)
			to = maxTime(to, j.Start, j.End, j.ConvertedAt)
			for _, s := range j.Steps {
				to = maxTime(to, s.At)
			}
		}
		tl.EventsFrom = from.Add(-timelineMargin)
		tl.EventsTo = minTime(to.Add(timelineMargin), r.AsOf)
		rows, err = r.src.db.QueryContext(ctx, `SELECT ts, event, coalesce(revenue, 0), coalesce(CAST(properties AS VARCHAR), '')
			FROM events WHERE uid = ? AND ts >= ? AND ts <= ? ORDER BY ts LIMIT ?`,
			tl.UID, tl.EventsFrom, tl.EventsTo, TimelineEvents+1)
	} else {
		rows, err = r.src.db.QueryContext(ctx, `SELECT * FROM (SELECT ts, event, coalesce(revenue, 0), coalesce(CAST(properties AS VARCHAR), '')
			FROM events WHERE uid = ? AND ts <= ? ORDER BY ts DESC LIMIT ?) ORDER BY ts`,
			tl.UID, r.AsOf, TimelineEvents+1)
	}
	if err != nil {
		return fmt.Errorf("person %d: events: %w", tl.UID, err)
	}
	defer rows.Close()
	var evs []TimelineEntry
	for rows.Next() {
		e := TimelineEntry{Kind: EntryEvent}
		if err := rows.Scan(&e.At, &e.Event, &e.Revenue, &e.Properties); err != nil {
			return fmt.Errorf("person %d: events: %w", tl.UID, err)
		}
		e.At = e.At.UTC()
		evs = append(evs, e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("person %d: events: %w", tl.UID, err)
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
