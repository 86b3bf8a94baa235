package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
	"github.com/segscope/segscope/sim"
)

// Replay is a campaign replay (segscope simulate): one campaign's summary, or several
// campaigns' and the collisions across them, and optionally one person's timeline.
type Replay struct {
	Replay *sim.Replay
	Person *sim.Timeline // nil: no person asked for
}

// WriteJSON writes the campaign object for one campaign, the replay object holding the
// same campaign objects for several.
func (r Replay) WriteJSON(w io.Writer) error {
	return indentedJSON(w, simulateJSON(r.Replay, r.Person))
}

// WriteText writes a readable summary per campaign, then the collisions across them, then
// the person asked for.
func (r Replay) WriteText(w io.Writer) error { return writeReplay(w, r.Replay, r.Person) }

// The JSON output. Field names are the contract (DESIGN.md, issue 5): scripts read them.

type replayJSON struct {
	AsOf           time.Time       `json:"as_of"`
	Cap            string          `json:"cap,omitempty"`
	Campaigns      []campaignJSON  `json:"campaigns"`
	People         int             `json:"people"`
	Reached        int             `json:"reached"`
	Collisions     int             `json:"collisions"`
	CollisionPairs []collisionJSON `json:"collision_pairs"`
	UnknownTZ      int             `json:"unknown_tz,omitempty"`
	Warnings       []string        `json:"warnings,omitempty"`
	Person         *timelineJSON   `json:"person,omitempty"`
}

type collisionJSON struct {
	Campaigns  [2]string `json:"campaigns"`
	PersonDays int       `json:"person_days"`
}

type campaignJSON struct {
	Campaign         string     `json:"campaign"`
	Title            string     `json:"title,omitempty"`
	File             string     `json:"file,omitempty"`
	AsOf             time.Time  `json:"as_of"`
	Cap              string     `json:"cap,omitempty"` // the global --cap, when given
	Window           windowJSON `json:"window"`
	WindowDays       int        `json:"window_days"`
	DailyEntrants    float64    `json:"daily_entrants"`
	Journeys         int        `json:"journeys"`
	HoldoutJourneys  int        `json:"holdout_journeys"`
	People           int        `json:"people"`
	Reached          int        `json:"reached"`
	Sends            []int      `json:"sends"`
	Suppressed       int        `json:"suppressed"`
	SuppressedGlobal int        `json:"suppressed_global"`
	Deferred         int        `json:"deferred"`
	Held             int        `json:"held"`
	Pending          int        `json:"pending"`
	Exits            int        `json:"exits"`
	Conversions      sim.Arms   `json:"conversions"`
	Revenue          sim.Money  `json:"revenue"`
	// Settled journeys are those whose conversion window closed by as_of; rates use them.
	Settled        settledJSON         `json:"settled"`
	ConversionRate map[string]*float64 `json:"conversion_rate"`
	Collisions     int                 `json:"collisions"`
	Steps          []stepJSON          `json:"steps"`
	Daily          []dayJSON           `json:"daily"`
	// Only in the one-campaign form.
	UnknownTZ int           `json:"unknown_tz,omitempty"`
	Warnings  []string      `json:"warnings,omitempty"`
	Person    *timelineJSON `json:"person,omitempty"`
}

type windowJSON struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

type settledJSON struct {
	Journeys    sim.Arms `json:"journeys"`
	Conversions sim.Arms `json:"conversions"`
}

type stepJSON struct {
	Step             int    `json:"step"`
	Channel          string `json:"channel"`
	Wait             string `json:"wait"`
	Message          string `json:"message,omitempty"`
	Sends            int    `json:"sends"`
	Deferred         int    `json:"deferred"`
	Suppressed       int    `json:"suppressed"`
	SuppressedGlobal int    `json:"suppressed_global"`
	Held             int    `json:"held"`
	Pending          int    `json:"pending"`
}

type dayJSON struct {
	Day             string    `json:"day"`
	Journeys        int       `json:"journeys"`
	HoldoutJourneys int       `json:"holdout_journeys"`
	Sends           []int     `json:"sends"`
	Deferred        []int     `json:"deferred"`
	Suppressed      []int     `json:"suppressed"`
	Exits           int       `json:"exits"`
	Conversions     sim.Arms  `json:"conversions"`
	Revenue         sim.Money `json:"revenue"`
	Collisions      int       `json:"collisions"`
}

type timelineJSON struct {
	UserID          string         `json:"user_id"`
	UID             int32          `json:"uid"`
	Entries         []timelineLine `json:"entries"`
	EventsTruncated bool           `json:"events_truncated,omitempty"`
}

type timelineLine struct {
	At         time.Time       `json:"at"`
	Kind       string          `json:"kind"`
	Event      string          `json:"event,omitempty"`
	Revenue    float64         `json:"revenue,omitempty"`
	Properties json.RawMessage `json:"properties,omitempty"`
	Campaign   string          `json:"campaign,omitempty"`
	Step       *int            `json:"step,omitempty"` // 1-based
	Channel    string          `json:"channel,omitempty"`
	Outcome    string          `json:"outcome,omitempty"`
	Deferred   bool            `json:"deferred,omitempty"`
}

// simulateJSON is the campaign object for one campaign, the replay object for several.
func simulateJSON(r *sim.Replay, tl *sim.Timeline) any {
	capText := ""
	if r.Cap != nil {
		capText = r.Cap.String()
	}
	var person *timelineJSON
	if tl != nil {
		person = timelineToJSON(tl)
	}
	var cs []campaignJSON
	for _, c := range r.Campaigns {
		cs = append(cs, campaignToJSON(r, c, capText))
	}
	if len(cs) == 1 {
		c := cs[0]
		c.UnknownTZ, c.Warnings, c.Person = r.UnknownTZ, r.Warnings, person
		return c
	}
	out := replayJSON{AsOf: r.AsOf, Cap: capText, Campaigns: cs, People: r.People, Reached: r.Reached,
		Collisions: r.Collisions, CollisionPairs: []collisionJSON{}, UnknownTZ: r.UnknownTZ, Warnings: r.Warnings, Person: person}
	for i := range r.CollisionPairs {
		for j := i; j < len(r.CollisionPairs); j++ {
			if n := r.CollisionPairs[i][j]; n > 0 {
				out.CollisionPairs = append(out.CollisionPairs, collisionJSON{
					Campaigns: [2]string{r.Campaigns[i].Campaign.Name, r.Campaigns[j].Campaign.Name}, PersonDays: n})
			}
		}
	}
	return out
}

func campaignToJSON(r *sim.Replay, c *sim.CampaignReplay, capText string) campaignJSON {
	t := c.Totals()
	out := campaignJSON{
		Campaign: c.Campaign.Name, Title: c.Campaign.Title, File: c.Campaign.File, AsOf: r.AsOf, Cap: capText,
		Window: windowJSON{From: c.Window.Start, To: c.Window.End}, WindowDays: c.WindowDays,
		DailyEntrants: c.DailyEntrants(),
		Journeys:      c.Journeys, HoldoutJourneys: c.HoldoutJourneys, People: c.People, Reached: c.Reached,
		Sends: c.Sends(), Suppressed: t.Suppressed, SuppressedGlobal: t.SuppressedGlobal, Deferred: t.Deferred,
		Held: t.Held, Pending: t.Pending, Exits: c.Exits, Conversions: c.Conversions, Revenue: c.Revenue,
		Settled:        settledJSON{Journeys: c.Settled.Journeys, Conversions: c.Settled.Conversions},
		ConversionRate: map[string]*float64{},
		Collisions:     c.Collisions, Steps: []stepJSON{}, Daily: []dayJSON{},
	}
	for arm, holdout := range map[string]bool{"treated": false, "holdout": true} {
		if rate, ok := c.ConversionRate(holdout); ok {
			out.ConversionRate[arm] = &rate
		} else {
			out.ConversionRate[arm] = nil
		}
	}
	for i, st := range c.Steps {
		out.Steps = append(out.Steps, stepJSON{Step: i + 1, Channel: st.Step.Send.String(), Wait: st.Step.Wait.String(),
			Message: st.Step.Message, Sends: st.Sends, Deferred: st.Deferred, Suppressed: st.Suppressed,
			SuppressedGlobal: st.SuppressedGlobal, Held: st.Held, Pending: st.Pending})
	}
	for _, d := range c.Daily {
		out.Daily = append(out.Daily, dayJSON{Day: d.Day.Format(time.DateOnly), Journeys: d.Journeys,
			HoldoutJourneys: d.HoldoutJourneys, Sends: d.Sends, Deferred: d.Deferred, Suppressed: d.Suppressed,
			Exits: d.Exits, Conversions: d.Conversions, Revenue: d.Revenue, Collisions: d.Collisions})
	}
	return out
}

func timelineToJSON(tl *sim.Timeline) *timelineJSON {
	out := &timelineJSON{UserID: tl.UserID, UID: tl.UID, Entries: []timelineLine{}, EventsTruncated: tl.EventsTruncated}
	for _, e := range tl.Entries {
		l := timelineLine{At: e.At, Kind: e.Kind.String(), Campaign: e.Campaign}
		switch e.Kind {
		case sim.EntryEvent:
			l.Event, l.Revenue = e.Event, e.Revenue
			if json.Valid([]byte(e.Properties)) && e.Properties != "{}" {
				l.Properties = json.RawMessage(e.Properties)
			}
		case sim.EntryStep:
			step := e.Step + 1
			l.Step, l.Channel, l.Outcome, l.Deferred = &step, e.Channel.String(), e.Outcome.String(), e.Deferred
		case sim.EntryConversion:
			l.Revenue = e.Revenue
		}
		out.Entries = append(out.Entries, l)
	}
	return out
}

// writeReplay prints a readable summary per campaign, then the collisions across them, then
// the person asked for. Campaign texts come from files and event data from the store: both
// pass through safe.Text.
func writeReplay(w io.Writer, r *sim.Replay, tl *sim.Timeline) error {
	var b strings.Builder
	for i, c := range r.Campaigns {
		if i > 0 {
			b.WriteString("\n")
		}
		writeCampaignReplay(&b, r, c)
	}
	if len(r.Campaigns) > 1 {
		fmt.Fprintf(&b, "\nAcross %d campaigns", len(r.Campaigns))
		if r.Cap != nil {
			fmt.Fprintf(&b, " · global cap %s, in the order given", r.Cap)
		}
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  people\t%s with a journey, %s reached\n", format.Count(int64(r.People)), format.Count(int64(r.Reached)))
		fmt.Fprintf(tw, "  collisions\t%s with more than one message\n", format.Counted(int64(r.Collisions), "person-day", "person-days"))
		for i := range r.CollisionPairs {
			for j := i; j < len(r.CollisionPairs); j++ {
				if n := r.CollisionPairs[i][j]; n > 0 {
					a, bn := safe.Text(r.Campaigns[i].Campaign.Name), safe.Text(r.Campaigns[j].Campaign.Name)
					what := a + " + " + bn
					if i == j {
						what = a + " twice or more"
					}
					fmt.Fprintf(tw, "    %s\t%s\n", what, format.Count(int64(n)))
				}
			}
		}
		tw.Flush()
	}
	if r.UnknownTZ > 0 {
		verb := "have"
		if r.UnknownTZ == 1 {
			verb = "has"
		}
		fmt.Fprintf(&b, "\nnote: %s %s a tz attribute that is not a time zone; quiet hours were read in UTC\n",
			format.Counted(int64(r.UnknownTZ), "person", "people"), verb)
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n")
		for _, warn := range r.Warnings {
			fmt.Fprintf(&b, "warning: %s\n", safe.Text(warn))
		}
	}
	if tl != nil {
		b.WriteString("\n")
		writeTimeline(&b, tl)
	}
	_, err := io.WriteString(w, trimLines(b.String()))
	return err
}

func writeCampaignReplay(b *strings.Builder, r *sim.Replay, c *sim.CampaignReplay) {
	camp := c.Campaign
	head := safe.Text(camp.Name)
	if camp.Title != "" {
		head += " · " + safe.Text(camp.Title)
	}
	b.WriteString(head + "\n")
	window := "no triggers before as_of"
	if c.WindowDays > 0 {
		end := c.Window.End
		if !c.Window.EndIncl {
			end = end.Add(-time.Second)
		}
		window = fmt.Sprintf("%s … %s (%s days)", format.Day(c.Window.Start), format.Day(end), format.Count(int64(c.WindowDays)))
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	row := func(cells ...string) { fmt.Fprintln(tw, "  "+strings.Join(cells, "\t")) }
	row("window", window+" · as of "+format.Timestamp(r.AsOf))
	journeys := fmt.Sprintf("%s · %s a day · %s", format.Count(int64(c.Journeys)),
		format.Amount(c.DailyEntrants(), 1), format.Counted(int64(c.People), "person", "people"))
	if camp.Holdout > 0 {
		journeys += fmt.Sprintf(" · holdout %s (%s)", format.Count(int64(c.HoldoutJourneys)),
			format.Share(int64(c.HoldoutJourneys), int64(c.Journeys)))
	}
	row("journeys", journeys)
	row("reached", format.Counted(int64(c.Reached), "person", "people")+" with at least one message")
	if camp.Exit != nil {
		row("exits", format.Count(int64(c.Exits))+" journeys left early on "+safe.Text(strings.Join(camp.Exit.Events, " or ")))
	} else {
		row("exits", "– (no exit event)")
	}
	tw.Flush()

	b.WriteString("\n")
	steps := [][]string{{"step", "", "wait", "sent", "deferred", "suppressed", "held", "pending", ""}}
	for i, st := range c.Steps {
		steps = append(steps, []string{strconv.Itoa(i + 1), st.Step.Send.String(), "+" + st.Step.Wait.String(),
			format.Count(int64(st.Sends)), format.Count(int64(st.Deferred)), suppressedCell(st),
			format.Count(int64(st.Held)), format.Count(int64(st.Pending)), messageCell(st.Step.Message)})
	}
	b.WriteString(format.Table(steps, "rlrrrrrrl"))
	b.WriteString("\n")

	tw = tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	if conv, _ := camp.ConversionEvent(); conv != nil {
		convWhat := safe.Text(strings.Join(conv.Events, " or "))
		if c.Campaign.Conversion != nil && !c.Campaign.Conversion.Within.IsZero() {
			convWhat += " within " + c.Campaign.Conversion.Within.String() + " of the trigger"
		} else {
			convWhat += " before as_of"
		}
		row("conversions", convWhat)
		row("  treated", armLine(c, false))
		if c.HoldoutJourneys > 0 {
			row("  holdout", armLine(c, true))
			if rt, ok := c.ConversionRate(false); ok {
				if rh, ok := c.ConversionRate(true); ok {
					row("  lift", fmt.Sprintf("%+.2f pp from the messages (settled journeys)", (rt-rh)*100))
				}
			}
		}
	} else {
		row("conversions", "– (no exit or conversion event)")
	}
	row("collisions", format.Counted(int64(c.Collisions), "person-day", "person-days")+" on which this campaign's message was not the only one")
	if spark := format.Sparkline(dailySends(c.Daily), 60); spark != "" {
		row("sends a day", spark+"  "+format.Day(c.Daily[0].Day)+" … "+format.Day(c.Daily[len(c.Daily)-1].Day))
	}
	tw.Flush()
}

func armLine(c *sim.CampaignReplay, holdout bool) string {
	conv, rev := c.Conversions.Treated, c.Revenue.Treated
	n, x := c.Settled.Journeys.Treated, c.Settled.Conversions.Treated
	if holdout {
		conv, rev = c.Conversions.Holdout, c.Revenue.Holdout
		n, x = c.Settled.Journeys.Holdout, c.Settled.Conversions.Holdout
	}
	s := fmt.Sprintf("%s converted, revenue %s", format.Count(int64(conv)), format.Money(rev))
	if n > 0 {
		s += fmt.Sprintf(" · %s of %s settled journeys (%s)", format.Count(int64(x)), format.Count(int64(n)), format.Share(int64(x), int64(n)))
	}
	return s
}

func suppressedCell(st sim.StepTotals) string {
	s := format.Count(int64(st.Suppressed))
	if st.SuppressedGlobal > 0 {
		s += fmt.Sprintf(" (%s global)", format.Count(int64(st.SuppressedGlobal)))
	}
	return s
}

func messageCell(m string) string {
	if m == "" {
		return ""
	}
	m = safe.Text(m)
	if r := []rune(m); len(r) > 40 {
		m = string(r[:39]) + "…"
	}
	return "“" + m + "”"
}

func writeTimeline(b *strings.Builder, tl *sim.Timeline) {
	js := "journeys"
	if len(tl.Journeys) == 1 {
		js = "journey"
	}
	fmt.Fprintf(b, "Person %s (uid %d): %d %s\n", safe.Text(tl.UserID), tl.UID, len(tl.Journeys), js)
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, e := range tl.Entries {
		when := e.At.UTC().Format("2006-01-02 15:04")
		switch e.Kind {
		case sim.EntryEvent:
			what := safe.Text(e.Event)
			if e.Revenue != 0 {
				what += " " + format.Money(e.Revenue)
			}
			props := safe.Text(e.Properties)
			if props == "{}" {
				props = ""
			} else if rs := []rune(props); len(rs) > 60 {
				props = string(rs[:59]) + "…"
			}
			fmt.Fprintf(tw, "  %s\t\t%s\t%s\n", when, what, props)
		case sim.EntryJourneyStart:
			fmt.Fprintf(tw, "  %s\t%s\tjourney starts\t\n", when, safe.Text(e.Campaign))
		case sim.EntryStep:
			what := fmt.Sprintf("step %d %s %s", e.Step+1, e.Channel, e.Outcome)
			if e.Deferred {
				what += " (deferred by quiet hours)"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", when, safe.Text(e.Campaign), what, messageCell(e.Message))
		case sim.EntryExit:
			fmt.Fprintf(tw, "  %s\t%s\texits\t\n", when, safe.Text(e.Campaign))
		case sim.EntryConversion:
			fmt.Fprintf(tw, "  %s\t%s\tconverts (%s)\t\n", when, safe.Text(e.Campaign), format.Money(e.Revenue))
		}
	}
	tw.Flush()
	if tl.EventsTruncated {
		fmt.Fprintf(b, "  (only the first %d events between %s and %s)\n", sim.TimelineEvents,
			format.Timestamp(tl.EventsFrom), format.Timestamp(tl.EventsTo))
	}
}

// dailySends is the messages sent each day, all steps together.
func dailySends(days []sim.Day) []float64 {
	out := make([]float64, len(days))
	for i, d := range days {
		for _, n := range d.Sends {
			out[i] += float64(n)
		}
	}
	return out
}
