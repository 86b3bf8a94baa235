package sim

import (
	"sort"
	"time"

	"github.com/segscope/segscope/segments"
)

// Outcome is what became of one step of a journey.
type Outcome int

// Outcomes of a step. Steps cancelled by an exit are not listed at all.
const (
	// Sent: the message went out.
	Sent Outcome = iota
	// Held: the person is in the campaign's holdout; the step ran, nothing was sent.
	Held
	// Suppressed: over the campaign's own cap.
	Suppressed
	// SuppressedGlobal: within the campaign's cap, over the global cap across campaigns.
	SuppressedGlobal
	// Pending: due after as_of.
	Pending
)

var outcomeNames = [...]string{"sent", "held", "suppressed", "suppressed_global", "pending"}

// String names the outcome as the JSON output spells it.
func (o Outcome) String() string {
	if o < 0 || int(o) >= len(outcomeNames) {
		return ""
	}
	return outcomeNames[o]
}

// StepRun is one step of one journey as the replay ran it.
type StepRun struct {
	Step    int       // 0-based index into the campaign's steps
	Planned time.Time // the previous step's time plus the wait, before quiet hours
	At      time.Time // when it fired: Planned, or the end of the quiet hours
	Outcome Outcome
}

// Deferred reports whether quiet hours moved the step.
func (s StepRun) Deferred() bool { return !s.At.Equal(s.Planned) }

// Journey is one person's pass through one campaign.
type Journey struct {
	Campaign int // index into Replay.Campaigns
	UID      int32
	Start    time.Time // the trigger
	// End is when the journey ended (its last step fired, or the exit); zero while a step
	// is still pending at as_of.
	End time.Time
	// ExitAt is the exit event that ended the journey early; zero when none did.
	ExitAt  time.Time
	Holdout bool
	// ConvertedAt is the conversion event counted for the journey; zero when none.
	ConvertedAt time.Time
	Revenue     float64 // the converting event's revenue
	// WindowEnd closes the conversion window: start+within, as_of without within, or the
	// next journey's start when that is earlier. A window ending after as_of is still open.
	WindowEnd time.Time
	Steps     []StepRun
}

// Open reports whether the journey was still running at as_of.
func (j *Journey) Open() bool { return j.End.IsZero() }

// Converted reports whether the journey converted within its window.
func (j *Journey) Converted() bool { return !j.ConvertedAt.IsZero() }

// conversionEvent is one conversion event of a person.
type conversionEvent struct {
	at      time.Time
	revenue float64
}

// campaignEvents is what one person did that matters to one campaign, each list in time
// order and at or before as_of: triggers inside the window, exits and conversions.
type campaignEvents struct {
	triggers []time.Time
	exits    []time.Time
	convs    []conversionEvent
}

func (e *campaignEvents) reset() {
	e.triggers, e.exits, e.convs = e.triggers[:0], e.exits[:0], e.convs[:0]
}

// person is one person's input to the walk.
type person struct {
	uid    int32
	userID string
	loc    *time.Location // nil: UTC
	camps  []campaignEvents
}

// plan is a campaign prepared for the walk.
type plan struct {
	c      *segments.Campaign
	waits  []time.Duration
	within time.Duration // 0: up to as_of
	cap    *segments.Cap
}

func newPlan(c *segments.Campaign) *plan {
	p := &plan{c: c, cap: c.Cap}
	for _, s := range c.Steps {
		p.waits = append(p.waits, s.Wait.Std())
	}
	_, within := c.ConversionEvent()
	p.within = within.Std()
	return p
}

// walker runs the journeys of one person at a time. Its buffers are reused from person to
// person; it is not safe for concurrent use.
type walker struct {
	plans  []*plan
	asOf   time.Time
	global *segments.Cap

	journeys []Journey
	steps    []StepRun   // backing store of the journeys' steps
	sent     []time.Time // the person's sends so far, all campaigns, sorted
	own      []time.Time // the person's sends of the current campaign, sorted
}

// walk replays one person's journeys in every campaign, campaigns in priority order, and
// returns them grouped by campaign, each campaign's in time order. The result is valid
// until the next call.
func (w *walker) walk(p *person) []Journey {
	w.journeys, w.steps, w.sent = w.journeys[:0], w.steps[:0], w.sent[:0]
	for ci, pl := range w.plans {
		ev := &p.camps[ci]
		if len(ev.triggers) == 0 {
			continue
		}
		w.own = w.own[:0]
		holdout := segments.InHoldout(pl.c.Name, p.userID, pl.c.Holdout)
		first := len(w.journeys)
		var end time.Time // end of the latest journey of this campaign
		for _, t := range ev.triggers {
			if len(w.journeys) > first {
				if end.IsZero() {
					break // the latest journey is still open at as_of: no re-entry
				}
				if !t.After(end) {
					continue
				}
			}
			j := w.run(pl, ci, p, t, ev.exits, holdout)
			end = j.End
			w.journeys = append(w.journeys, j)
		}
		w.convert(pl, w.journeys[first:], ev.convs)
	}
	// The steps slice may have grown (and moved) while journeys were added: point every
	// journey at its part of the final backing array.
	off := 0
	for i := range w.journeys {
		n := len(w.journeys[i].Steps)
		w.journeys[i].Steps = w.steps[off : off+n : off+n]
		off += n
	}
	return w.journeys
}

// run plays one journey started by a trigger at t.
func (w *walker) run(pl *plan, ci int, p *person, t time.Time, exits []time.Time, holdout bool) Journey {
	j := Journey{Campaign: ci, UID: p.uid, Start: t, Holdout: holdout}
	exit := firstAfter(exits, t)
	start := len(w.steps)
	prev := t
	open := false
	for k, wait := range pl.waits {
		planned := prev.Add(wait)
		at := planned
		if q := pl.c.QuietHours; q != nil {
			at = q.Defer(planned, p.loc)
		}
		if !exit.IsZero() && !exit.After(at) {
			j.ExitAt = exit
			break
		}
		run := StepRun{Step: k, Planned: planned, At: at}
		switch {
		case at.After(w.asOf):
			run.Outcome = Pending
			open = true
		case holdout:
			run.Outcome = Held
		case overCap(w.own, at, pl.cap):
			run.Outcome = Suppressed
		case overCap(w.sent, at, w.global):
			run.Outcome = SuppressedGlobal
		default:
			run.Outcome = Sent
			w.own = insertTime(w.own, at)
			w.sent = insertTime(w.sent, at)
		}
		w.steps = append(w.steps, run)
		prev = at
	}
	// Steps is re-pointed at the final backing array once the person is done.
	j.Steps = w.steps[start:len(w.steps):len(w.steps)]
	switch {
	case !j.ExitAt.IsZero():
		j.End = j.ExitAt
	case !open:
		j.End = prev
	}
	return j
}

// convert finds each journey's conversion: the first conversion event in (start,
// start+within] (or up to as_of without within), and before the next journey's start.
func (w *walker) convert(pl *plan, js []Journey, convs []conversionEvent) {
	for i := range js {
		j := &js[i]
		limit := w.asOf
		if pl.within > 0 {
			limit = j.Start.Add(pl.within)
		}
		if i+1 < len(js) && js[i+1].Start.Before(limit) {
			limit = js[i+1].Start
		}
		j.WindowEnd = limit
		k := sort.Search(len(convs), func(k int) bool { return convs[k].at.After(j.Start) })
		if k < len(convs) && !convs[k].at.After(limit) {
			j.ConvertedAt, j.Revenue = convs[k].at, convs[k].revenue
		}
	}
}

// firstAfter is the first time in sorted strictly after t, or the zero time.
func firstAfter(sorted []time.Time, t time.Time) time.Time {
	i := sort.Search(len(sorted), func(i int) bool { return sorted[i].After(t) })
	if i == len(sorted) {
		return time.Time{}
	}
	return sorted[i]
}

// overCap reports whether a send at t would break the cap given the sends already made
// (sorted): whether t and some Count of them would lie within less than Per of each other.
// Earlier and later sends both count, which the global cap needs (a higher-priority
// campaign's sends may come later in time).
func overCap(sorted []time.Time, t time.Time, c *segments.Cap) bool {
	if c == nil {
		return false
	}
	n, per := c.Count, c.Per.Std()
	p := sort.Search(len(sorted), func(i int) bool { return sorted[i].After(t) })
	// In the list with t inserted at p, look at every run of n+1 consecutive sends that
	// includes t.
	at := func(i int) time.Time {
		switch {
		case i < p:
			return sorted[i]
		case i == p:
			return t
		}
		return sorted[i-1]
	}
	for lo := max(0, p-n); lo <= p; lo++ {
		hi := lo + n
		if hi > len(sorted) {
			break
		}
		if at(hi).Sub(at(lo)) < per {
			return true
		}
	}
	return false
}

// insertTime inserts t into a sorted list.
func insertTime(sorted []time.Time, t time.Time) []time.Time {
	p := sort.Search(len(sorted), func(i int) bool { return sorted[i].After(t) })
	sorted = append(sorted, time.Time{})
	copy(sorted[p+1:], sorted[p:])
	sorted[p] = t
	return sorted
}
