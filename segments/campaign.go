package segments

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Channel is how a campaign step reaches a person.
type Channel int

// Channels. ChannelNone is the zero value and never valid in a parsed campaign.
const (
	ChannelNone Channel = iota
	ChannelEmail
	ChannelPush
	ChannelSMS
	ChannelInApp
	ChannelWebhook
)

var channelNames = []string{"", "email", "push", "sms", "in_app", "webhook"}

// String is the channel's name in the language.
func (c Channel) String() string {
	if c < 0 || int(c) >= len(channelNames) {
		return ""
	}
	return channelNames[c]
}

// ParseChannel reads a channel name.
func ParseChannel(s string) (Channel, bool) {
	for i, n := range channelNames {
		if i > 0 && n == s {
			return Channel(i), true
		}
	}
	return ChannelNone, false
}

// EventMatch names events (any of) and optional property filters: a campaign's event
// trigger, exit or conversion.
type EventMatch struct {
	Events    []string
	EventsPos []Pos
	Where     []PropertyFilter
	Pos       Pos
}

// Trigger starts journeys: on every matching event, or (Segment set) when membership of
// that segment turns true, evaluated daily at 00:00 UTC. Exactly one of Events and Segment
// is set.
type Trigger struct {
	EventMatch
	Segment    string
	SegmentPos Pos
}

// Step is one message of a journey, sent Wait after the previous step (after the trigger
// for the first), deferred past quiet hours.
type Step struct {
	Wait    Duration
	Send    Channel
	Message string
	Pos     Pos
}

// Cap limits this campaign's sends per person: at most Count in any window of length Per.
// A send over the cap is suppressed; the journey goes on.
type Cap struct {
	Count int
	Per   Duration
}

// String renders the cap as written: "3 per 7d".
func (c Cap) String() string { return strconv.Itoa(c.Count) + " per " + c.Per.String() }

// ParseCap reads "N per D", N ≥ 1 and D > 0.
func ParseCap(s string) (Cap, error) {
	f := strings.Fields(s)
	if len(f) != 3 || f[1] != "per" {
		return Cap{}, fmt.Errorf("bad cap %q: want \"N per D\", e.g. \"3 per 7d\"", s)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1 || n > 1_000_000 {
		return Cap{}, fmt.Errorf("bad cap %q: the count must be a whole number ≥ 1", s)
	}
	d, err := ParseDuration(f[2])
	if err != nil {
		return Cap{}, fmt.Errorf("bad cap %q: %w", s, err)
	}
	if d.IsZero() {
		return Cap{}, fmt.Errorf("bad cap %q: the period must be longer than 0", s)
	}
	return Cap{Count: n, Per: d}, nil
}

// Clock is a wall-clock time of day in minutes after midnight, 0..1439.
type Clock int

// String renders the clock as "HH:MM".
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

func parseClock(s string) (Clock, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 || s[0] == '+' || s[3] == '+' {
		return 0, false
	}
	return Clock(h*60 + m), true
}

// QuietHours is a daily span of wall-clock time, [Start, End), during which nothing is sent;
// a send that falls inside is deferred to End. Start > End wraps past midnight
// ("22:00-08:00").
type QuietHours struct {
	Start, End Clock
}

// ParseQuietHours reads "HH:MM-HH:MM". The two ends must differ.
func ParseQuietHours(s string) (QuietHours, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return QuietHours{}, fmt.Errorf("bad quiet_hours %q: want \"HH:MM-HH:MM\", e.g. \"22:00-08:00\"", s)
	}
	start, ok1 := parseClock(strings.TrimSpace(a))
	end, ok2 := parseClock(strings.TrimSpace(b))
	if !ok1 || !ok2 {
		return QuietHours{}, fmt.Errorf("bad quiet_hours %q: want \"HH:MM-HH:MM\", e.g. \"22:00-08:00\"", s)
	}
	if start == end {
		return QuietHours{}, fmt.Errorf("bad quiet_hours %q: start and end are the same time", s)
	}
	return QuietHours{Start: start, End: end}, nil
}

// String renders the span as "22:00-08:00".
func (q QuietHours) String() string { return q.Start.String() + "-" + q.End.String() }

// Wraps reports whether the span crosses midnight.
func (q QuietHours) Wraps() bool { return q.Start > q.End }

// Contains reports whether t, read on the wall clock of loc (UTC when nil), falls inside the
// quiet hours. The start minute is inside; the end minute is not.
func (q QuietHours) Contains(t time.Time, loc *time.Location) bool {
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	now := lt.Hour()*60 + lt.Minute()
	if q.Wraps() {
		return now >= int(q.Start) || now < int(q.End)
	}
	return now >= int(q.Start) && now < int(q.End)
}

// Defer returns when a send planned for t may go out: t itself outside quiet hours, else
// the end of the quiet hours on loc's wall clock (the next morning when t is before
// midnight of a span that wraps). Where a daylight-saving jump removes the end time, the
// result is the first instant after the jump.
func (q QuietHours) Defer(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	if !q.Contains(t, loc) {
		return t
	}
	lt := t.In(loc)
	y, m, d := lt.Date()
	if q.Wraps() && lt.Hour()*60+lt.Minute() >= int(q.Start) {
		d++ // before midnight: the span ends tomorrow
	}
	end := time.Date(y, m, d, int(q.End)/60, int(q.End)%60, 0, 0, loc)
	if !end.After(t) {
		// Only a daylight-saving fold can land the wall-clock end at or before t.
		end = t
	}
	return end.In(t.Location())
}

// InHoldout reports whether a person is in a campaign's control group: fnv1a64(campaign +
// "/" + userID) % 100 < pct. Control journeys run but nothing is sent, so the same person
// is always in or out of a given campaign's holdout.
func InHoldout(campaign, userID string, pct int) bool {
	if pct <= 0 {
		return false
	}
	h := fnv.New64a()
	h.Write([]byte(campaign + "/" + userID))
	return h.Sum64()%100 < uint64(pct)
}

// Conversion is the event that counts as a journey's success, within a time of its start.
type Conversion struct {
	EventMatch
	// Within bounds how long after the trigger a conversion counts; zero means no bound
	// (up to as_of).
	Within    Duration
	WithinPos Pos
}

// Campaign is one journey definition, replayed over history by the simulator.
type Campaign struct {
	Name        string
	Title       string
	Description string
	Trigger     Trigger
	Exit        *EventMatch // nil when the journey has no early exit
	Steps       []Step
	Cap         *Cap        // nil: no cap
	QuietHours  *QuietHours // nil: send at any hour
	Holdout     int         // percent of people held out as control, 0..100
	Conversion  *Conversion // nil: the exit event is the conversion, unbounded in time
	// Between is the replay window for triggers (WindowAll when not given, else
	// WindowBetween).
	Between Window
	File    string
	Pos     Pos
}

// ConversionEvent is what counts as a conversion: the conversion: event when given, else
// the exit event. It is nil when neither is set (nothing converts). within is zero when
// unbounded.
func (c *Campaign) ConversionEvent() (m *EventMatch, within Duration) {
	if c.Conversion != nil {
		within = c.Conversion.Within
		if len(c.Conversion.Events) > 0 {
			return &c.Conversion.EventMatch, within
		}
	}
	return c.Exit, within
}

// MaxSteps bounds a campaign's steps.
const MaxSteps = 100

var campaignKeys = []string{"name", "title", "description", "trigger", "exit", "steps", "cap", "quiet_hours", "holdout", "conversion", "between"}

// ParseCampaigns reads a campaign file: one campaign mapping, or a mapping with a
// `campaigns:` list. Like Parse, it reports every problem and returns the campaigns that
// parsed cleanly.
func ParseCampaigns(file string, src []byte) ([]*Campaign, error) {
	d := &decoder{file: file}
	body := d.document(src)
	if body == nil {
		return nil, d.errs.Err()
	}
	return d.campaignFile(body), d.errs.Err()
}

func (d *decoder) campaignFile(body ast.Node) []*Campaign {
	es, ok := d.mapping(body, "a campaign file (one campaign, or a campaigns: list)")
	if !ok {
		return nil
	}
	var list *entry
	for i, e := range es {
		if e.key == "campaigns" {
			list = &es[i]
		}
	}
	if list == nil {
		before := len(d.errs)
		c := d.campaign(body)
		if c == nil || len(d.errs) > before {
			return nil
		}
		return []*Campaign{c}
	}
	for _, e := range es {
		if e.key != "campaigns" {
			d.errorf(e.keyPos, "unknown key %q beside campaigns: (a campaigns file holds only the list)", e.key)
		}
	}
	items, ok := d.sequence(*list, "campaigns: takes a list of campaigns")
	if !ok {
		return nil
	}
	var out []*Campaign
	for _, it := range items {
		before := len(d.errs)
		c := d.campaign(it)
		if c != nil && len(d.errs) == before {
			out = append(out, c)
		}
	}
	return out
}

func (d *decoder) campaign(n ast.Node) *Campaign {
	es, ok := d.mapping(n, "a campaign")
	if !ok {
		return nil
	}
	c := &Campaign{File: d.file, Pos: d.pos(n)}
	m := map[string]entry{}
	for _, e := range es {
		if !contains(campaignKeys, e.key) {
			d.errorf(e.keyPos, "unknown campaign key %q%s", e.key, didYouMean(e.key, campaignKeys))
			continue
		}
		m[e.key] = e
	}
	if e, ok := m["name"]; ok {
		if name, ok := d.text(e); ok {
			if ValidName(name) {
				c.Name = name
			} else {
				d.errorf(e.pos, "bad campaign name %q: use lowercase letters, digits and _ (at most %d)", name, MaxNameLen)
			}
		}
	} else {
		d.errorf(c.Pos, "campaign needs a name:")
	}
	if e, ok := m["title"]; ok {
		c.Title, _ = d.text(e)
	}
	if e, ok := m["description"]; ok {
		c.Description, _ = d.text(e)
	}
	if e, ok := m["trigger"]; ok {
		c.Trigger = d.trigger(e)
	} else {
		d.errorf(c.Pos, "campaign needs a trigger: {event: E} or {segment: name}")
	}
	if e, ok := m["exit"]; ok {
		if em, ok := d.eventMatch(e, nil); ok {
			if len(em.Events) == 0 {
				d.errorf(e.pos, "exit: needs event:")
			}
			c.Exit = &em
		}
	}
	if e, ok := m["steps"]; ok {
		c.Steps = d.steps(e)
	} else {
		d.errorf(c.Pos, "campaign needs steps: [{wait: 1h, send: email}]")
	}
	if e, ok := m["cap"]; ok {
		if s, ok := d.text(e); ok {
			if cp, err := ParseCap(s); err != nil {
				d.errorf(e.pos, "%v", err)
			} else {
				c.Cap = &cp
			}
		}
	}
	if e, ok := m["quiet_hours"]; ok {
		if s, ok := d.text(e); ok {
			if q, err := ParseQuietHours(s); err != nil {
				d.errorf(e.pos, "%v", err)
			} else {
				c.QuietHours = &q
			}
		}
	}
	if e, ok := m["holdout"]; ok {
		c.Holdout = d.holdout(e)
	}
	if e, ok := m["conversion"]; ok {
		c.Conversion = d.conversion(e)
	}
	if e, ok := m["between"]; ok {
		if r, ok := d.dateRange(e.node, e.pos, "between"); ok {
			c.Between = Window{Kind: WindowBetween, Ranges: []DateRange{r}, Pos: e.keyPos}
		}
	}
	return c
}

// eventMatch reads {event: E, where: {...}} plus the extra keys given (read by the caller).
func (d *decoder) eventMatch(e entry, extra []string) (EventMatch, bool) {
	em := EventMatch{Pos: e.keyPos}
	es, ok := d.mapping(e.node, e.key+":")
	if !ok {
		return em, false
	}
	valid := append([]string{"event", "where"}, extra...)
	for _, f := range es {
		switch {
		case f.key == "event":
			var namesOK bool
			em.Events, em.EventsPos, namesOK = d.names(f, "event name")
			ok = ok && namesOK
		case f.key == "where":
			em.Where = d.where(f)
		case contains(extra, f.key):
		default:
			d.errorf(f.keyPos, "unknown %s key %q%s", e.key, f.key, didYouMean(f.key, valid))
			ok = false
		}
	}
	return em, ok
}

func (d *decoder) trigger(e entry) Trigger {
	t := Trigger{}
	em, _ := d.eventMatch(e, []string{"segment"})
	t.EventMatch = em
	es, _ := d.mapping(e.node, "trigger:")
	for _, f := range es {
		if f.key != "segment" {
			continue
		}
		t.SegmentPos = f.pos
		if name, ok := d.text(f); ok {
			if ValidName(name) {
				t.Segment = name
			} else {
				d.errorf(f.pos, "bad segment name %q: use lowercase letters, digits and _", name)
			}
		}
	}
	hasEvent, hasSegment, unknown := false, false, false
	for _, f := range es {
		hasEvent = hasEvent || f.key == "event"
		hasSegment = hasSegment || f.key == "segment"
		unknown = unknown || !contains([]string{"event", "segment", "where"}, f.key)
	}
	switch {
	case hasEvent && hasSegment:
		d.errorf(e.keyPos, "conflicting keys \"event\" and \"segment\": a trigger is an event or a segment entry")
	case hasSegment && len(t.Where) > 0:
		d.errorf(e.keyPos, "\"where\" filters a trigger event, not a segment")
	case !hasEvent && !hasSegment && !unknown:
		d.errorf(e.keyPos, "trigger needs \"event\" or \"segment\"")
	}
	return t
}

func (d *decoder) steps(e entry) []Step {
	items, ok := d.sequence(e, "steps: takes a list of steps")
	if !ok {
		return nil
	}
	if len(items) == 0 {
		d.errorf(e.pos, "steps: needs at least one step")
		return nil
	}
	if len(items) > MaxSteps {
		d.errorf(e.pos, "a campaign has at most %d steps", MaxSteps)
		return nil
	}
	var out []Step
	for _, it := range items {
		es, ok := d.mapping(it, "a step")
		if !ok {
			continue
		}
		st := Step{Pos: d.pos(it)}
		hasSend := false
		for _, f := range es {
			switch f.key {
			case "wait":
				st.Wait, _ = d.duration(f, false)
			case "send":
				hasSend = true
				if s, ok := d.text(f); ok {
					if ch, ok := ParseChannel(s); ok {
						st.Send = ch
					} else {
						d.errorf(f.pos, "unknown channel %q%s; want one of %s", s, didYouMean(s, channelNames[1:]), strings.Join(channelNames[1:], ", "))
					}
				}
			case "message":
				st.Message, _ = d.text(f)
			default:
				d.errorf(f.keyPos, "unknown step key %q%s", f.key, didYouMean(f.key, []string{"wait", "send", "message"}))
			}
		}
		if !hasSend {
			d.errorf(st.Pos, "step needs send: (one of %s)", strings.Join(channelNames[1:], ", "))
		}
		out = append(out, st)
	}
	return out
}

func (d *decoder) holdout(e entry) int {
	s, ok := scalarText(e.node)
	if !ok {
		d.errorf(e.pos, "holdout takes a percent: 10%%")
		return 0
	}
	num := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > 100 || strings.HasPrefix(num, "+") {
		d.errorf(e.pos, "bad holdout %q: want a whole percent from 0%% to 100%%", s)
		return 0
	}
	return n
}

func (d *decoder) conversion(e entry) *Conversion {
	em, _ := d.eventMatch(e, []string{"within"})
	cv := &Conversion{EventMatch: em}
	es, _ := d.mapping(e.node, "conversion:")
	for _, f := range es {
		if f.key == "within" {
			cv.WithinPos = f.keyPos
			cv.Within, _ = d.duration(f, true)
		}
	}
	switch {
	case len(es) == 0:
		d.errorf(e.pos, "conversion: needs event: or within:")
	case len(cv.Where) > 0 && len(cv.Events) == 0:
		d.errorf(e.pos, "conversion: where: filters an event; add event:")
	}
	return cv
}

// FormatCampaign renders a campaign as canonical YAML that ParseCampaigns reads back to the
// same campaign.
func FormatCampaign(c *Campaign) ([]byte, error) {
	n, err := campaignNode(c)
	if err != nil {
		return nil, err
	}
	return printYAML(n), nil
}

// FormatCampaigns renders several campaigns as one `campaigns:` list file.
func FormatCampaigns(cs []*Campaign) ([]byte, error) {
	list := yseq(false)
	for _, c := range cs {
		n, err := campaignNode(c)
		if err != nil {
			return nil, err
		}
		list.add(n)
	}
	return printYAML(ymap(false).set("campaigns", list)), nil
}

func eventMatchNode(em EventMatch) *ynode {
	n := ymap(true)
	if len(em.Events) > 0 {
		n.set("event", namesNode(em.Events))
	}
	if len(em.Where) > 0 {
		n.set("where", whereNode(em.Where))
		n.flow = false
	}
	return n
}

func campaignNode(c *Campaign) (*ynode, error) {
	if c == nil {
		return nil, fmt.Errorf("format: nil campaign")
	}
	if !ValidName(c.Name) {
		return nil, fmt.Errorf("format campaign: bad name %q", c.Name)
	}
	if len(c.Steps) == 0 {
		return nil, fmt.Errorf("format campaign %s: no steps", c.Name)
	}
	n := ymap(false).set("name", scalar(c.Name))
	if c.Title != "" {
		n.set("title", scalar(quoteString(c.Title)))
	}
	if c.Description != "" {
		n.set("description", scalar(quoteString(c.Description)))
	}
	var trig *ynode
	switch {
	case c.Trigger.Segment != "":
		trig = ymap(true).set("segment", scalar(quoteString(c.Trigger.Segment)))
	case len(c.Trigger.Events) > 0:
		trig = eventMatchNode(c.Trigger.EventMatch)
	default:
		return nil, fmt.Errorf("format campaign %s: no trigger", c.Name)
	}
	n.set("trigger", trig)
	if c.Exit != nil {
		if len(c.Exit.Events) == 0 {
			return nil, fmt.Errorf("format campaign %s: exit without an event", c.Name)
		}
		n.set("exit", eventMatchNode(*c.Exit))
	}
	steps := yseq(false)
	for _, s := range c.Steps {
		if s.Send.String() == "" {
			return nil, fmt.Errorf("format campaign %s: a step has no channel", c.Name)
		}
		st := ymap(true)
		if s.Wait != (Duration{}) {
			st.set("wait", scalar(s.Wait.String()))
		}
		st.set("send", scalar(s.Send.String()))
		if s.Message != "" {
			st.set("message", scalar(quoteString(s.Message)))
		}
		steps.add(st)
	}
	n.set("steps", steps)
	if c.Cap != nil {
		n.set("cap", scalar(strconv.Quote(c.Cap.String())))
	}
	if c.QuietHours != nil {
		n.set("quiet_hours", scalar(strconv.Quote(c.QuietHours.String())))
	}
	if c.Holdout != 0 {
		n.set("holdout", scalar(strconv.Itoa(c.Holdout)+"%"))
	}
	if c.Conversion != nil {
		cv := eventMatchNode(c.Conversion.EventMatch)
		if c.Conversion.Within != (Duration{}) {
			cv.set("within", scalar(c.Conversion.Within.String()))
		}
		if len(cv.keys) == 0 {
			return nil, fmt.Errorf("format campaign %s: empty conversion", c.Name)
		}
		n.set("conversion", cv)
	}
	if c.Between.Kind == WindowBetween && len(c.Between.Ranges) > 0 {
		n.set("between", rangeNode(c.Between.Ranges[0]))
	}
	return n, nil
}

// Check reports whether a campaign built in code obeys every rule ParseCampaigns enforces,
// by formatting it and reading it back.
func (c *Campaign) Check() error {
	out, err := FormatCampaign(c)
	if err != nil {
		return err
	}
	_, err = ParseCampaigns(c.Name+".yaml", out)
	return err
}
