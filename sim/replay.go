package sim

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
)

// Options tune a replay. The zero value replays as of the latest event with no global cap.
type Options struct {
	// AsOf is the end of history: later events do not exist and later sends are pending.
	// Zero means the latest event.
	AsOf time.Time
	// Cap, when set, limits each person's sends across all the campaigns replayed
	// together, the first campaign given claiming the budget first.
	Cap *segments.Cap
	// Segments resolves segment-entry triggers (and the segments they reference); needed
	// only when a campaign has one. *segments.Workspace satisfies it.
	Segments query.Resolver
	// Engine evaluates those segments; nil makes one for the store. Pass the engine the
	// rest of the program uses to share its cache.
	Engine *query.Engine

	// membership replaces the engine in tests of segment triggers.
	membership membershipFunc
}

// Arms counts something for treated and holdout journeys.
type Arms struct {
	Treated int `json:"treated"`
	Holdout int `json:"holdout"`
}

// Total is both arms together.
func (a Arms) Total() int { return a.Treated + a.Holdout }

// Money sums an amount for treated and holdout journeys.
type Money struct {
	Treated float64 `json:"treated"`
	Holdout float64 `json:"holdout"`
}

// StepTotals is what one step of a campaign did over the whole replay.
type StepTotals struct {
	Step segments.Step
	// Sends went out; Deferred of them later than planned because of quiet hours.
	Sends, Deferred int
	// Suppressed counts both caps; SuppressedGlobal the part only the global cap stopped.
	Suppressed, SuppressedGlobal int
	// Held are the holdout's steps, run but not sent.
	Held int
	// Pending are treated steps due after as_of.
	Pending int
}

// Day is one UTC day of a campaign's replay. Sends, Deferred and Suppressed hold one count
// per step.
type Day struct {
	Day             time.Time
	Journeys        int // started this day, holdout included
	HoldoutJourneys int
	Sends           []int
	Deferred        []int
	Suppressed      []int
	Exits           int
	Conversions     Arms
	Revenue         Money
	Collisions      int // person-days of this day on which this campaign took part in a collision
}

// CampaignReplay is one campaign's result.
type CampaignReplay struct {
	Campaign *segments.Campaign
	// Window is the span triggers were taken from (the between window, clipped to as_of);
	// WindowDays the UTC days it touches. For a campaign without between:, the window
	// starts at the first trigger.
	Window     segments.Interval
	WindowDays int

	Journeys        int // all journeys, holdout included
	HoldoutJourneys int
	People          int // people with at least one journey
	Reached         int // people with at least one send
	Exits           int // journeys ended early by the exit event
	Steps           []StepTotals
	Conversions     Arms  // converted journeys
	Revenue         Money // revenue of their converting events
	// Settled counts journeys whose conversion window had closed by as_of, and their
	// conversions: the fair base for a conversion rate.
	Settled struct {
		Journeys    Arms
		Conversions Arms
	}
	Collisions int
	Daily      []Day // every day from the first to the last with activity, UTC
	// Examples are the first people (by uid) the campaign sent a message to, at most
	// MaxExamples: people to open a timeline for.
	Examples []int32
	// ReachedPeople is everyone the campaign sent a message to, by uid ascending: what
	// copying or exporting "the people reached" takes, not only the examples.
	ReachedPeople []int32
}

// MaxExamples bounds the example people a replay keeps per list.
const MaxExamples = 20

// Sends is the messages sent, one count per step.
func (c *CampaignReplay) Sends() []int {
	out := make([]int, len(c.Steps))
	for i, s := range c.Steps {
		out[i] = s.Sends
	}
	return out
}

// Totals sums the steps' counts into one StepTotals (its Step is empty).
func (c *CampaignReplay) Totals() StepTotals {
	var t StepTotals
	for _, s := range c.Steps {
		t.Sends += s.Sends
		t.Deferred += s.Deferred
		t.Suppressed += s.Suppressed
		t.SuppressedGlobal += s.SuppressedGlobal
		t.Held += s.Held
		t.Pending += s.Pending
	}
	return t
}

// DailyEntrants is journeys started per day of the window, holdout included: the rate an
// experiment on the campaign would enrol people at.
func (c *CampaignReplay) DailyEntrants() float64 {
	if c.WindowDays == 0 {
		return 0
	}
	return float64(c.Journeys) / float64(c.WindowDays)
}

// ConversionRate is converted ÷ journeys among settled journeys of one arm; ok is false
// when the arm has none.
func (c *CampaignReplay) ConversionRate(holdout bool) (rate float64, ok bool) {
	n, x := c.Settled.Journeys.Treated, c.Settled.Conversions.Treated
	if holdout {
		n, x = c.Settled.Journeys.Holdout, c.Settled.Conversions.Holdout
	}
	if n == 0 {
		return 0, false
	}
	return float64(x) / float64(n), true
}

// Replay is the result of replaying campaigns together over a store. Once Run returns it
// is read-only; PersonTimeline and FindPerson may be called from several goroutines.
type Replay struct {
	AsOf      time.Time
	Cap       *segments.Cap
	Campaigns []*CampaignReplay
	// Collisions counts person-days with more than one message across all campaigns.
	Collisions int
	// CollisionPairs[i][j] (i ≠ j) counts person-days on which campaigns i and j both sent
	// and the person got more than one message; CollisionPairs[i][i] those on which
	// campaign i itself sent more than one.
	CollisionPairs [][]int
	People         int // people with at least one journey in some campaign
	Reached        int // people with at least one send
	// UnknownTZ counts people with journeys whose tz attribute is not a known time zone;
	// their quiet hours were read in UTC.
	UnknownTZ int
	// CollisionExamples are the first people (by uid) with a collision, at most MaxExamples.
	CollisionExamples []int32
	// CollidedPeople is everyone with a collision, by uid ascending.
	CollidedPeople []int32
	// Warnings name event names the campaigns use that no event in the store carries.
	Warnings []string
	Elapsed  time.Duration

	src *source // kept to replay one person again
}

// Run replays campaigns over the store's history. Campaigns are replayed together: their
// collisions are counted across them, and Options.Cap applies in the order given.
func Run(ctx context.Context, store *query.Store, campaigns []*segments.Campaign, opt Options) (*Replay, error) {
	started := time.Now()
	if len(campaigns) == 0 {
		return nil, errors.New("replay: no campaigns")
	}
	seen := map[string]bool{}
	for _, c := range campaigns {
		if c == nil || len(c.Steps) == 0 {
			return nil, errors.New("replay: a campaign without steps")
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("replay: campaign %q given twice", c.Name)
		}
		seen[c.Name] = true
	}
	src, err := newSource(ctx, store, campaigns, opt)
	if err != nil {
		return nil, err
	}
	r := &Replay{AsOf: src.asOf, Cap: opt.Cap, Warnings: src.warnings, src: src}
	t := newTally(r, src)
	if err := src.stream(ctx, nil, func(p *person, js []Journey, unknownTZ bool) {
		t.add(js, unknownTZ)
	}); err != nil {
		return nil, err
	}
	t.finish()
	r.Elapsed = time.Since(started)
	return r, nil
}

// tally accumulates journeys into a Replay.
type tally struct {
	r    *Replay
	src  *source
	days []map[int64]*Day // per campaign, by day number
	// per-person scratch
	people, reached []bool
	sends           []daySend
	first           []time.Time // per campaign: the earliest trigger
}

// daySend is one message sent: its UTC day number and campaign.
type daySend struct {
	day      int64
	campaign int
}

func newTally(r *Replay, src *source) *tally {
	n := len(src.plans)
	t := &tally{r: r, src: src, people: make([]bool, n), reached: make([]bool, n),
		first: make([]time.Time, n)}
	r.CollisionPairs = make([][]int, n)
	for i, pl := range src.plans {
		r.CollisionPairs[i] = make([]int, n)
		cr := &CampaignReplay{Campaign: pl.c, Steps: make([]StepTotals, len(pl.c.Steps))}
		for k, s := range pl.c.Steps {
			cr.Steps[k].Step = s
		}
		r.Campaigns = append(r.Campaigns, cr)
		t.days = append(t.days, map[int64]*Day{})
	}
	return t
}

func dayNumber(t time.Time) int64 { return t.Unix() / 86400 }

func dayOf(n int64) time.Time { return time.Unix(n*86400, 0).UTC() }

func (t *tally) day(ci int, at time.Time) *Day {
	n := dayNumber(at)
	d := t.days[ci][n]
	if d == nil {
		steps := len(t.src.plans[ci].c.Steps)
		d = &Day{Day: dayOf(n), Sends: make([]int, steps), Deferred: make([]int, steps), Suppressed: make([]int, steps)}
		t.days[ci][n] = d
	}
	return d
}

// add counts one person's journeys (all campaigns).
func (t *tally) add(js []Journey, unknownTZ bool) {
	if len(js) == 0 {
		return
	}
	clear(t.people)
	clear(t.reached)
	t.sends = t.sends[:0]
	asOf := t.r.AsOf
	for i := range js {
		j := &js[i]
		ci := j.Campaign
		c := t.r.Campaigns[ci]
		t.people[ci] = true
		if t.first[ci].IsZero() || j.Start.Before(t.first[ci]) {
			t.first[ci] = j.Start
		}
		c.Journeys++
		d := t.day(ci, j.Start)
		d.Journeys++
		if j.Holdout {
			c.HoldoutJourneys++
			d.HoldoutJourneys++
		}
		if !j.ExitAt.IsZero() {
			c.Exits++
			t.day(ci, j.ExitAt).Exits++
		}
		for _, s := range j.Steps {
			st := &c.Steps[s.Step]
			switch s.Outcome {
			case Sent:
				st.Sends++
				sd := t.day(ci, s.At)
				sd.Sends[s.Step]++
				if s.Deferred() {
					st.Deferred++
					sd.Deferred[s.Step]++
				}
				t.reached[ci] = true
				t.sends = append(t.sends, daySend{dayNumber(s.At), ci})
			case Held:
				st.Held++
			case Suppressed, SuppressedGlobal:
				st.Suppressed++
				if s.Outcome == SuppressedGlobal {
					st.SuppressedGlobal++
				}
				t.day(ci, s.At).Suppressed[s.Step]++
			case Pending:
				if !j.Holdout {
					st.Pending++
				}
			}
		}
		settled := !j.WindowEnd.After(asOf)
		if settled {
			arm(&c.Settled.Journeys, j.Holdout)
		}
		if j.Converted() {
			arm(&c.Conversions, j.Holdout)
			cd := t.day(ci, j.ConvertedAt)
			arm(&cd.Conversions, j.Holdout)
			if j.Holdout {
				c.Revenue.Holdout += j.Revenue
				cd.Revenue.Holdout += j.Revenue
			} else {
				c.Revenue.Treated += j.Revenue
				cd.Revenue.Treated += j.Revenue
			}
			if settled {
				arm(&c.Settled.Conversions, j.Holdout)
			}
		}
	}
	anyPerson, anyReach := false, false
	for ci := range t.people {
		if t.people[ci] {
			t.r.Campaigns[ci].People++
			anyPerson = true
		}
		if t.reached[ci] {
			c := t.r.Campaigns[ci]
			c.Reached++
			c.ReachedPeople = append(c.ReachedPeople, js[0].UID)
			if len(c.Examples) < MaxExamples {
				c.Examples = append(c.Examples, js[0].UID)
			}
			anyReach = true
		}
	}
	if anyPerson {
		t.r.People++
		if unknownTZ {
			t.r.UnknownTZ++
		}
	}
	if anyReach {
		t.r.Reached++
	}
	if t.collisions() {
		t.r.CollidedPeople = append(t.r.CollidedPeople, js[0].UID)
		if len(t.r.CollisionExamples) < MaxExamples {
			t.r.CollisionExamples = append(t.r.CollisionExamples, js[0].UID)
		}
	}
}

func arm(a *Arms, holdout bool) {
	if holdout {
		a.Holdout++
	} else {
		a.Treated++
	}
}

// collisions counts the person's days with more than one message and reports whether
// there was one.
func (t *tally) collisions() bool {
	if len(t.sends) < 2 {
		return false
	}
	any := false
	sort.Slice(t.sends, func(a, b int) bool {
		if t.sends[a].day != t.sends[b].day {
			return t.sends[a].day < t.sends[b].day
		}
		return t.sends[a].campaign < t.sends[b].campaign
	})
	for lo := 0; lo < len(t.sends); {
		hi := lo + 1
		for hi < len(t.sends) && t.sends[hi].day == t.sends[lo].day {
			hi++
		}
		if hi-lo > 1 {
			any = true
			t.r.Collisions++
			day := t.sends[lo].day
			// Campaigns sending this day, each once, and which sent twice or more.
			for a := lo; a < hi; a++ {
				ca := t.sends[a].campaign
				if a > lo && t.sends[a-1].campaign == ca {
					if a-2 < lo || t.sends[a-2].campaign != ca {
						t.r.CollisionPairs[ca][ca]++ // once per person-day
					}
					continue
				}
				c := t.r.Campaigns[ca]
				c.Collisions++
				t.day(ca, dayOf(day)).Collisions++
				for b := a + 1; b < hi; b++ {
					cb := t.sends[b].campaign
					if cb != ca && t.sends[b-1].campaign != cb {
						t.r.CollisionPairs[ca][cb]++
						t.r.CollisionPairs[cb][ca]++
					}
				}
			}
		}
		lo = hi
	}
	return any
}

// finish turns the day maps into dense, sorted day lists and sizes the windows.
func (t *tally) finish() {
	for ci, c := range t.r.Campaigns {
		iv := t.src.windowOf(ci, t.first[ci])
		c.Window = iv
		c.WindowDays = windowDays(iv)
		m := t.days[ci]
		if len(m) == 0 {
			continue
		}
		lo, hi := int64(1<<62), int64(-1<<62)
		for n := range m {
			lo, hi = min(lo, n), max(hi, n)
		}
		steps := len(c.Steps)
		for n := lo; n <= hi; n++ {
			if d := m[n]; d != nil {
				c.Daily = append(c.Daily, *d)
				continue
			}
			c.Daily = append(c.Daily, Day{Day: dayOf(n), Sends: make([]int, steps), Deferred: make([]int, steps), Suppressed: make([]int, steps)})
		}
	}
}

// windowDays counts the UTC days an interval touches (0 when it is empty or unbounded).
func windowDays(iv segments.Interval) int {
	if iv.Start.IsZero() || iv.IsEmpty() {
		return 0
	}
	end := iv.End
	if !iv.EndIncl {
		end = end.Add(-time.Nanosecond)
	}
	return int(dayNumber(end)-dayNumber(iv.Start)) + 1
}
