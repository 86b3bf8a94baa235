package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/demo"
	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/sim"
	"github.com/segscope/segscope/tui/safe"
)

func newSimulateCmd(s *streams) *cobra.Command {
	var (
		asOf, capFlag, segDir, person string
		asJSON                        bool
	)
	cmd := &cobra.Command{
		Use:   "simulate [--db STORE] CAMPAIGN.yaml...",
		Short: "Replay triggered campaigns over history: reach, sends, caps, conversions, collisions",
		Long: `simulate replays campaigns over the store's history as if they had been switched on:
every trigger in the campaign's between window starts a journey (unless the person is
already in one), each step fires after its wait, deferred past quiet hours in the person's
tz, until an exit event ends the journey. It reports per campaign the journeys (holdout
included), the people reached, the sends per step, what the cap suppressed and quiet hours
deferred, the sends still pending after --as-of, the exits, the conversions of treated and
holdout journeys and their revenue, and per day the same; across the campaigns given, the
person-days with more than one message (collisions). --cap limits each person's messages
across all the campaigns, the first campaign given claiming the budget first.

Segment triggers ({segment: name}) are evaluated daily at 00:00 UTC against the segments
of --segments DIR (default: the workspace around the campaign file: the parent of its
folder, else its folder).

Without --db the campaigns replay over the built-in demo dataset (the one the explorer
opens with no arguments), which the demo campaigns of sample-data/campaigns are written
for.

--json prints one JSON object for one campaign, and {"campaigns": [...], ...} with the same
objects for several. --person USER_ID adds that person's events and messages, interleaved.`,
		Example: `  segscope simulate sample-data/campaigns/*.yaml
  segscope simulate --db shop.duckdb sample-data/campaigns/cart_recovery.yaml
  segscope simulate --db shop.duckdb sample-data/campaigns/*.yaml --cap "3 per 7d"
  segscope simulate --db shop.duckdb cart.yaml --as-of 2026-10-31 --json
  segscope simulate --db shop.duckdb cart.yaml --person u0000042`,
		Args: cobra.MinimumNArgs(1),
	}
	sf := addStoreFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&asOf, "as-of", "", "replay as of this `TIME` (RFC 3339 or YYYY-MM-DD, the end of that day; default: the latest event)")
	fl.StringVar(&capFlag, "cap", "", "cap each person's messages across all the campaigns, e.g. \"3 per 7d\"")
	fl.StringVar(&segDir, "segments", "", "workspace `DIR` holding the segments that segment triggers name")
	fl.StringVar(&person, "person", "", "also show this person's (`USER_ID`) events and messages")
	fl.BoolVar(&asJSON, "json", false, "print JSON")
	cmd.RunE = func(cmd *cobra.Command, files []string) error {
		ctx := cmd.Context()
		at, err := parseAsOf(asOf)
		if err != nil {
			return err
		}
		opt := sim.Options{AsOf: at}
		if capFlag != "" {
			c, err := segments.ParseCap(capFlag)
			if err != nil {
				return fmt.Errorf("--cap: %w", err)
			}
			opt.Cap = &c
		}
		campaigns, err := loadCampaignFiles(files)
		if err != nil {
			return err
		}
		if opt.Segments, err = campaignSegments(s.err, segDir, files, campaigns); err != nil {
			return err
		}
		var store *query.Store
		if sf.db == "" {
			// Like the explorer without a store: the demo campaigns meet the demo data.
			fmt.Fprintln(s.err, "segscope: no --db given: replaying over the built-in demo dataset")
			store, err = demo.Open(ctx)
		} else {
			store, err = sf.openRead(ctx)
		}
		if err != nil {
			return err
		}
		defer store.Close()
		r, err := sim.Run(ctx, store, campaigns, opt)
		if err != nil {
			return err
		}
		var tl *sim.Timeline
		if person != "" {
			if tl, err = personTimeline(ctx, r, person); err != nil {
				return err
			}
		}
		if asJSON {
			enc := json.NewEncoder(s.out)
			enc.SetIndent("", "  ")
			return enc.Encode(simulateJSON(r, tl))
		}
		return writeReplay(s.out, r, tl)
	}
	return cmd
}

// loadCampaignFiles parses every campaign of the files given, in order; a file may hold a
// campaigns: list. All problems of all files are reported together.
func loadCampaignFiles(files []string) ([]*segments.Campaign, error) {
	var out []*segments.Campaign
	var problems []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			problems = append(problems, fmt.Sprintf("read %s: %v", f, err))
			continue
		}
		cs, err := segments.ParseCampaigns(f, src)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if len(cs) == 0 {
			problems = append(problems, f+": no campaigns")
		}
		out = append(out, cs...)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return out, nil
}

// campaignSegments loads the workspace that resolves segment triggers, when a campaign has
// one: dir, or around the first such campaign's file (the parent of its folder, as in
// sample-data/campaigns → sample-data, else the folder itself). Problems in segments the
// campaigns do not need are printed as warnings.
func campaignSegments(warn io.Writer, dir string, files []string, campaigns []*segments.Campaign) (query.Resolver, error) {
	var need []*segments.Campaign
	for _, c := range campaigns {
		if c.Trigger.Segment != "" {
			need = append(need, c)
		}
	}
	if len(need) == 0 {
		return nil, nil
	}
	dirs := []string{dir}
	if dir == "" {
		folder := filepath.Dir(need[0].File)
		if need[0].File == "" && len(files) > 0 {
			folder = filepath.Dir(files[0])
		}
		dirs = []string{filepath.Dir(folder), folder}
	}
	var ws *segments.Workspace
	var wsErr error
	for _, d := range dirs {
		w, err := segments.LoadWorkspace(d)
		if w != nil && len(w.Segments) > 0 {
			ws, wsErr = w, err
			break
		}
	}
	if ws == nil {
		return nil, fmt.Errorf("campaign %s triggers on segment %q: no segments found in %s; give --segments DIR",
			need[0].Name, need[0].Trigger.Segment, strings.Join(dirs, " or "))
	}
	for _, c := range need {
		if ws.Segment(c.Trigger.Segment) == nil {
			msg := fmt.Sprintf("campaign %s triggers on segment %q: not in the workspace %s", c.Name, c.Trigger.Segment, ws.Dir)
			if wsErr != nil {
				msg += "\n" + wsErr.Error()
			}
			return nil, errors.New(msg)
		}
	}
	if wsErr != nil {
		fmt.Fprintf(warn, "segscope: warning: workspace %s has problems:\n%v\n", ws.Dir, wsErr)
	}
	return ws, nil
}

func personTimeline(ctx context.Context, r *sim.Replay, userID string) (*sim.Timeline, error) {
	uid, err := r.FindPerson(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("--person: %w", err)
	}
	return r.PersonTimeline(ctx, uid)
}

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
		fmt.Fprintf(tw, "  collisions\t%s with more than one message\n", personDays(r.Collisions))
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
			people(r.UnknownTZ), verb)
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
	// Tables leave padding after their last cell; drop it.
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	return err
}

// personDays writes a count of person-days: "1 person-day", "2 person-days".
func personDays(n int) string {
	if n == 1 {
		return "1 person-day"
	}
	return format.Count(int64(n)) + " person-days"
}

// people writes a count of people: "1 person", "2 people".
func people(n int) string {
	if n == 1 {
		return "1 person"
	}
	return format.Count(int64(n)) + " people"
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
		simAmount(c.DailyEntrants()), people(c.People))
	if camp.Holdout > 0 {
		journeys += fmt.Sprintf(" · holdout %s (%s)", format.Count(int64(c.HoldoutJourneys)),
			format.Share(int64(c.HoldoutJourneys), int64(c.Journeys)))
	}
	row("journeys", journeys)
	row("reached", people(c.Reached)+" with at least one message")
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
			format.Count(int64(st.Sends)), format.Count(int64(st.Deferred)), simSuppressed(st),
			format.Count(int64(st.Held)), format.Count(int64(st.Pending)), simMessage(st.Step.Message)})
	}
	abRows(b, steps, "rlrrrrrrl")
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
		row("  treated", simArm(c, false))
		if c.HoldoutJourneys > 0 {
			row("  holdout", simArm(c, true))
			if rt, ok := c.ConversionRate(false); ok {
				if rh, ok := c.ConversionRate(true); ok {
					row("  lift", fmt.Sprintf("%+.2f pp from the messages (settled journeys)", (rt-rh)*100))
				}
			}
		}
	} else {
		row("conversions", "– (no exit or conversion event)")
	}
	row("collisions", personDays(c.Collisions)+" on which this campaign's message was not the only one")
	if spark := simSparkline(c.Daily, 60); spark != "" {
		row("sends a day", spark+"  "+format.Day(c.Daily[0].Day)+" … "+format.Day(c.Daily[len(c.Daily)-1].Day))
	}
	tw.Flush()
}

func simArm(c *sim.CampaignReplay, holdout bool) string {
	conv, rev := c.Conversions.Treated, c.Revenue.Treated
	n, x := c.Settled.Journeys.Treated, c.Settled.Conversions.Treated
	if holdout {
		conv, rev = c.Conversions.Holdout, c.Revenue.Holdout
		n, x = c.Settled.Journeys.Holdout, c.Settled.Conversions.Holdout
	}
	s := fmt.Sprintf("%s converted, revenue %s", format.Count(int64(conv)), simMoney(rev))
	if n > 0 {
		s += fmt.Sprintf(" · %s of %s settled journeys (%s)", format.Count(int64(x)), format.Count(int64(n)), format.Share(int64(x), int64(n)))
	}
	return s
}

func simSuppressed(st sim.StepTotals) string {
	s := format.Count(int64(st.Suppressed))
	if st.SuppressedGlobal > 0 {
		s += fmt.Sprintf(" (%s global)", format.Count(int64(st.SuppressedGlobal)))
	}
	return s
}

func simMessage(m string) string {
	if m == "" {
		return ""
	}
	m = safe.Text(m)
	if r := []rune(m); len(r) > 40 {
		m = string(r[:39]) + "…"
	}
	return "“" + m + "”"
}

// simAmount writes an amount with thousands separators and at most one decimal.
func simAmount(x float64) string {
	if x < 0 {
		return "-" + simAmount(-x)
	}
	whole := int64(x)
	frac := int64((x-float64(whole))*10 + 0.5)
	if frac == 10 {
		whole, frac = whole+1, 0
	}
	if frac == 0 {
		return format.Count(whole)
	}
	return fmt.Sprintf("%s.%d", format.Count(whole), frac)
}

// simMoney writes an amount of money with thousands separators and two decimals.
func simMoney(x float64) string {
	cents := int64(math.Round(math.Abs(x) * 100))
	s := fmt.Sprintf("%s.%02d", format.Count(cents/100), cents%100)
	if x < 0 && cents > 0 {
		return "-" + s
	}
	return s
}

// simSparkline draws the sends per day (all steps) in at most width cells.
func simSparkline(days []sim.Day, width int) string {
	if len(days) == 0 {
		return ""
	}
	per := (len(days) + width - 1) / width
	var cells []float64
	top := 0.0
	for i := 0; i < len(days); i += per {
		sum, n := 0, 0
		for j := i; j < i+per && j < len(days); j++ {
			for _, s := range days[j].Sends {
				sum += s
			}
			n++
		}
		v := float64(sum) / float64(n)
		cells = append(cells, v)
		top = max(top, v)
	}
	if top == 0 {
		return ""
	}
	levels := []rune("▁▂▃▄▅▆▇█")
	var b strings.Builder
	for _, v := range cells {
		if v == 0 {
			b.WriteRune(' ')
			continue
		}
		b.WriteRune(levels[int(v/top*float64(len(levels)-1))])
	}
	return b.String()
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
				what += " " + simMoney(e.Revenue)
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
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", when, safe.Text(e.Campaign), what, simMessage(e.Message))
		case sim.EntryExit:
			fmt.Fprintf(tw, "  %s\t%s\texits\t\n", when, safe.Text(e.Campaign))
		case sim.EntryConversion:
			fmt.Fprintf(tw, "  %s\t%s\tconverts (%s)\t\n", when, safe.Text(e.Campaign), simMoney(e.Revenue))
		}
	}
	tw.Flush()
	if tl.EventsTruncated {
		fmt.Fprintf(b, "  (only the first %d events between %s and %s)\n", sim.TimelineEvents,
			format.Timestamp(tl.EventsFrom), format.Timestamp(tl.EventsTo))
	}
}

// abtestCampaign is where abtest --campaign took its inputs from: the campaign's replay.
type abtestCampaign struct {
	Name            string    `json:"name"`
	File            string    `json:"file"`
	AsOf            time.Time `json:"as_of"`
	WindowDays      int       `json:"window_days"`
	Journeys        int       `json:"journeys"`
	HoldoutJourneys int       `json:"holdout_journeys"`
	// Settled journeys (their conversion window closed by as_of) and their conversions;
	// BaselineFrom names the arm the baseline came from: "holdout" or "treated".
	Settled              settledJSON `json:"settled"`
	BaselineFrom         string      `json:"baseline_from"`
	DailyEntrants        float64     `json:"daily_entrants"`
	RevenuePerConversion float64     `json:"revenue_per_conversion"`
}

// abtestOverrides says which inputs the flags set, so the replay leaves them alone.
type abtestOverrides struct{ Daily, Entrants, Revenue bool }

// abtestFromCampaign replays the one campaign of file and fills the experiment's inputs:
// the baseline from the settled holdout journeys' conversion rate (the rate without the
// messages), or the treated journeys' when there is no usable holdout; the daily rate from
// journeys per day of the window; the projection from the window's journeys and their
// revenue per conversion.
func abtestFromCampaign(ctx context.Context, s *streams, sf *storeFlags, file, asOf, segDir string, keep abtestOverrides, in *abtestInput) (*abtestCampaign, error) {
	at, err := parseAsOf(asOf)
	if err != nil {
		return nil, err
	}
	campaigns, err := loadCampaignFiles([]string{file})
	if err != nil {
		return nil, err
	}
	if len(campaigns) != 1 {
		return nil, fmt.Errorf("--campaign %s holds %d campaigns; give a file with one", file, len(campaigns))
	}
	opt := sim.Options{AsOf: at}
	if opt.Segments, err = campaignSegments(s.err, segDir, []string{file}, campaigns); err != nil {
		return nil, err
	}
	store, err := sf.openRead(ctx)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	r, err := sim.Run(ctx, store, campaigns, opt)
	if err != nil {
		return nil, err
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(s.err, "segscope: warning: %s\n", safe.Text(w))
	}
	c := r.Campaigns[0]
	out := &abtestCampaign{Name: c.Campaign.Name, File: file, AsOf: r.AsOf, WindowDays: c.WindowDays,
		Journeys: c.Journeys, HoldoutJourneys: c.HoldoutJourneys, DailyEntrants: c.DailyEntrants(),
		Settled: settledJSON{Journeys: c.Settled.Journeys, Conversions: c.Settled.Conversions}}
	usable := func(rate float64, ok bool) bool { return ok && rate > 0 && rate < 1 }
	if rate, ok := c.ConversionRate(true); usable(rate, ok) {
		in.Design.Baseline, out.BaselineFrom = rate, "holdout"
	} else if rate, ok := c.ConversionRate(false); usable(rate, ok) {
		in.Design.Baseline, out.BaselineFrom = rate, "treated"
	} else {
		return nil, fmt.Errorf("campaign %s: no conversion rate between 0 and 1 among %d settled journeys as of %s; give --baseline instead",
			c.Campaign.Name, c.Settled.Journeys.Total(), format.Timestamp(r.AsOf))
	}
	if n := c.Conversions.Total(); n > 0 {
		out.RevenuePerConversion = (c.Revenue.Treated + c.Revenue.Holdout) / float64(n)
	}
	if !keep.Daily && out.DailyEntrants > 0 {
		in.Daily = out.DailyEntrants
	}
	if !keep.Entrants && c.Journeys > 0 {
		in.Entrants = float64(c.Journeys)
	}
	if !keep.Revenue {
		in.Revenue = out.RevenuePerConversion
	}
	return out, nil
}

func writeABTestCampaign(b *strings.Builder, c *abtestCampaign) {
	n, x := c.Settled.Journeys.Holdout, c.Settled.Conversions.Holdout
	if c.BaselineFrom == "treated" {
		n, x = c.Settled.Journeys.Treated, c.Settled.Conversions.Treated
	}
	fmt.Fprintf(b, "  from campaign  %s, replayed as of %s\n", safe.Text(c.Name), format.Timestamp(c.AsOf))
	fmt.Fprintf(b, "  journeys       %s over %s days (%s a day), %s in the holdout\n", format.Count(int64(c.Journeys)),
		format.Count(int64(c.WindowDays)), simAmount(c.DailyEntrants), format.Count(int64(c.HoldoutJourneys)))
	fmt.Fprintf(b, "  baseline       %s of %s settled %s journeys converted\n", format.Count(int64(x)), format.Count(int64(n)), c.BaselineFrom)
	if c.RevenuePerConversion != 0 {
		fmt.Fprintf(b, "  revenue        %s per conversion\n", simMoney(c.RevenuePerConversion))
	}
	b.WriteString("\n")
}
