package segments

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"
)

func TestParseCampaign(t *testing.T) {
	src, err := os.ReadFile("testdata/workspace/campaigns/cart_recovery.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := ParseCampaigns("cart_recovery.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	got := cs[0]
	stripPositions(got)
	want := &Campaign{
		Name:    "cart_recovery",
		Trigger: Trigger{EventMatch: EventMatch{Events: []string{"add_to_cart"}}},
		Exit:    &EventMatch{Events: []string{"purchase"}},
		Steps: []Step{
			{Wait: Hours(1), Send: ChannelEmail, Message: "You left something behind"},
			{Wait: Days(1), Send: ChannelPush},
		},
		Cap:        &Cap{Count: 3, Per: Days(7)},
		QuietHours: &QuietHours{Start: 22 * 60, End: 8 * 60},
		Holdout:    10,
		Conversion: &Conversion{EventMatch: EventMatch{Events: []string{"purchase"}}, Within: Days(3)},
		Between:    Window{Kind: WindowBetween, Ranges: []DateRange{{date("2026-05-01"), date("2026-06-30")}}},
		File:       "cart_recovery.yaml",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	checkCampaignRoundTrip(t, cs)
}

func checkCampaignRoundTrip(t *testing.T, cs []*Campaign) {
	t.Helper()
	for _, c := range cs {
		out, err := FormatCampaign(c)
		if err != nil {
			t.Fatalf("format %s: %v", c.Name, err)
		}
		again, err := ParseCampaigns("formatted.yaml", out)
		if err != nil || len(again) != 1 {
			t.Fatalf("reparse %s: %v\n%s", c.Name, err, out)
		}
		want := *c
		stripPositions(&want)
		stripPositions(again[0])
		want.File, again[0].File = "", ""
		if !reflect.DeepEqual(&want, again[0]) {
			t.Fatalf("round trip of %s changed it:\n%s\nwant %+v\ngot  %+v", c.Name, out, want, *again[0])
		}
		out2, _ := FormatCampaign(again[0])
		if !bytes.Equal(out, out2) {
			t.Fatalf("format not idempotent:\n%s\n---\n%s", out, out2)
		}
	}
}

func TestCampaignVariants(t *testing.T) {
	src := `campaigns:
  - name: winback
    title: Win back
    trigger: {segment: lapsed}
    steps:
      - {send: in_app}
      - {wait: 2w, send: webhook, message: "ping: \"crm\""}
  - name: filtered
    trigger:
      event: [add_to_cart, wishlist_add]
      where: {category: shoes, revenue: "> 50"}
    exit: {event: purchase, where: {coupon: [a, b]}}
    steps: [{wait: 0m, send: sms}]
    conversion: {within: 7d}
    holdout: 0%
`
	cs, err := ParseCampaigns("v.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Trigger.Segment != "lapsed" || cs[1].Trigger.Where[1].Cmp == nil {
		t.Fatalf("%+v", cs)
	}
	// Conversion without an event falls back to the exit event, keeping its own within.
	m, within := cs[1].ConversionEvent()
	if m == nil || m.Events[0] != "purchase" || within != Days(7) {
		t.Fatalf("ConversionEvent = %+v, %v", m, within)
	}
	if m, _ := cs[0].ConversionEvent(); m != nil {
		t.Fatal("no exit and no conversion: nothing converts")
	}
	checkCampaignRoundTrip(t, cs)
	out, err := FormatCampaigns(cs)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseCampaigns("list.yaml", out)
	if err != nil || len(again) != 2 {
		t.Fatalf("%v\n%s", err, out)
	}
}

func TestCampaignErrors(t *testing.T) {
	base := "name: c\ntrigger: {event: x}\nsteps: [{send: push}]\n"
	tests := []struct{ src, want string }{
		{"name: c\ntrigger: {segment: lapsed, event: x}\nsteps: [{send: sms}]\n", `c.yaml:2:1: conflicting keys "event" and "segment": a trigger is an event or a segment entry`},
		{"name: c\ntrigger: {evnt: x}\nsteps: [{send: sms}]\n", `c.yaml:2:11: unknown trigger key "evnt" (did you mean "event"?)`},
		{"name: c\ntrigger: {}\nsteps: [{send: sms}]\n", `c.yaml:2:1: trigger needs "event" or "segment"`},
		{"name: c\ntrigger: {segment: s, where: {a: 1}}\nsteps: [{send: sms}]\n", `c.yaml:2:1: "where" filters a trigger event, not a segment`},
		{"name: c\ntrigger: {event: x}\nsteps: [{send: fax}]\n", `c.yaml:3:16: unknown channel "fax"; want one of email, push, sms, in_app, webhook`},
		{"name: c\ntrigger: {event: x}\nsteps: [{wait: 1h}]\n", `c.yaml:3:9: step needs send: (one of email, push, sms, in_app, webhook)`},
		{"name: c\ntrigger: {event: x}\nsteps: []\n", `c.yaml:3:8: steps: needs at least one step`},
		{"name: c\ntrigger: {event: x}\nsteps: [{send: push, wiat: 1h}]\n", `c.yaml:3:22: unknown step key "wiat" (did you mean "wait"?)`},
		{base + "cap: \"3 every 7d\"\n", `c.yaml:4:6: bad cap "3 every 7d": want "N per D", e.g. "3 per 7d"`},
		{base + "cap: \"0 per 7d\"\n", `c.yaml:4:6: bad cap "0 per 7d": the count must be a whole number ≥ 1`},
		{base + "cap: \"2 per 0d\"\n", `c.yaml:4:6: bad cap "2 per 0d": the period must be longer than 0`},
		{base + "quiet_hours: \"22:00-22:00\"\n", `c.yaml:4:14: bad quiet_hours "22:00-22:00": start and end are the same time`},
		{base + "quiet_hours: \"25:00-08:00\"\n", `c.yaml:4:14: bad quiet_hours "25:00-08:00": want "HH:MM-HH:MM", e.g. "22:00-08:00"`},
		{base + "holdout: 150%\n", `c.yaml:4:10: bad holdout "150%": want a whole percent from 0% to 100%`},
		{base + "holdout: 10.5%\n", `c.yaml:4:10: bad holdout "10.5%": want a whole percent from 0% to 100%`},
		{base + "conversion: {}\n", `c.yaml:4:13: conversion: needs event: or within:`},
		{base + "conversion: {within: 0d}\n", `c.yaml:4:22: "within" must be longer than 0`},
		{base + "exit: {}\n", `c.yaml:4:7: exit: needs event:`},
		{base + "conversion: {where: {a: 1}}\n", `c.yaml:4:13: conversion: where: filters an event; add event:`},
		{base + "quiethours: x\n", `c.yaml:4:1: unknown campaign key "quiethours" (did you mean "quiet_hours"?)`},
		{base + "between: [2026-02-01, 2026-01-01]\n", `c.yaml:4:23: the range ends (2026-01-01) before it starts (2026-02-01)`},
		{"name: c\nsteps: [{send: push}]\n", `c.yaml:1:1: campaign needs a trigger: {event: E} or {segment: name}`},
		{"name: c\ntrigger: {event: x}\n", `c.yaml:1:1: campaign needs steps: [{wait: 1h, send: email}]`},
		{"name: C\ntrigger: {event: x}\nsteps: [{send: push}]\n", `c.yaml:1:7: bad campaign name "C": use lowercase letters, digits and _ (at most 128)`},
	}
	for _, tt := range tests {
		cs, err := ParseCampaigns("c.yaml", []byte(tt.src))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q:\n got %v\nwant %s", tt.src, err, tt.want)
		}
		if len(cs) != 0 {
			t.Errorf("%q: returned a campaign with errors", tt.src)
		}
	}
}

// fnv1a64 is written out here independently of hash/fnv to pin the holdout rule.
func fnv1a64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func TestInHoldout(t *testing.T) {
	in := 0
	for i := 0; i < 20000; i++ {
		uid := fmt.Sprintf("user_%d", i)
		want := fnv1a64("cart_recovery/"+uid)%100 < 10
		got := InHoldout("cart_recovery", uid, 10)
		if got != want {
			t.Fatalf("InHoldout(%s) = %v, want %v", uid, got, want)
		}
		if got {
			in++
		}
	}
	// The hash spreads people evenly: about 10% are held out.
	if in < 1800 || in > 2200 {
		t.Fatalf("%d of 20000 held out at 10%%", in)
	}
	if InHoldout("c", "u", 0) || !InHoldout("c", "u", 100) {
		t.Fatal("0% holds out nobody, 100% everybody")
	}
	// The campaign name is part of the key: at 50% about half the people land in one
	// campaign's holdout and not the other's.
	differ := 0
	for i := 0; i < 1000; i++ {
		uid := fmt.Sprintf("u%d", i)
		if InHoldout("spring_sale", uid, 50) != InHoldout("cart_recovery", uid, 50) {
			differ++
		}
	}
	if differ < 400 || differ > 600 {
		t.Fatalf("%d of 1000 assignments differ between campaigns", differ)
	}
}

func TestQuietHoursDefer(t *testing.T) {
	night, _ := ParseQuietHours("22:00-08:00")
	early, _ := ParseQuietHours("01:00-06:00")
	plus2 := time.FixedZone("UTC+2", 2*3600)
	tests := []struct {
		name string
		q    QuietHours
		t    string
		loc  *time.Location
		want string
	}{
		{"before midnight: next morning", night, "2026-05-01T23:30:00Z", nil, "2026-05-02T08:00:00Z"},
		{"after midnight: same morning", night, "2026-05-02T02:00:00Z", nil, "2026-05-02T08:00:00Z"},
		{"start minute is quiet", night, "2026-05-01T22:00:00Z", nil, "2026-05-02T08:00:00Z"},
		{"end minute is not", night, "2026-05-02T08:00:00Z", nil, "2026-05-02T08:00:00Z"},
		{"just before start", night, "2026-05-01T21:59:59Z", nil, "2026-05-01T21:59:59Z"},
		{"midday", night, "2026-05-01T12:00:00Z", nil, "2026-05-01T12:00:00Z"},
		{"month end wraps to next month", night, "2026-05-31T23:00:00Z", time.UTC, "2026-06-01T08:00:00Z"},
		{"no wrap inside", early, "2026-05-01T03:00:00Z", nil, "2026-05-01T06:00:00Z"},
		{"no wrap before", early, "2026-05-01T00:30:00Z", nil, "2026-05-01T00:30:00Z"},
		{"no wrap after", early, "2026-05-01T06:00:00Z", nil, "2026-05-01T06:00:00Z"},
		{"local wall clock: 21:30Z is 23:30 at +2", night, "2026-05-01T21:30:00Z", plus2, "2026-05-02T06:00:00Z"},
		{"local wall clock: 20:30Z is 22:30 at +2", night, "2026-05-01T20:30:00Z", plus2, "2026-05-02T06:00:00Z"},
		{"local wall clock: 19:30Z is 21:30 at +2", night, "2026-05-01T19:30:00Z", plus2, "2026-05-01T19:30:00Z"},
	}
	for _, tt := range tests {
		got := tt.q.Defer(at(tt.t), tt.loc)
		if !got.Equal(at(tt.want)) {
			t.Errorf("%s: Defer(%s) = %s, want %s", tt.name, tt.t, got.UTC().Format(time.RFC3339), tt.want)
		}
		inside := !at(tt.t).Equal(at(tt.want))
		if tt.q.Contains(at(tt.t), tt.loc) != inside {
			t.Errorf("%s: Contains disagrees with Defer", tt.name)
		}
	}
	if !night.Wraps() || early.Wraps() || night.String() != "22:00-08:00" {
		t.Fatal("Wraps/String")
	}
}

func TestParseCap(t *testing.T) {
	c, err := ParseCap("3 per 7d")
	if err != nil || c != (Cap{Count: 3, Per: Days(7)}) || c.String() != "3 per 7d" {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []string{"3", "per 7d", "x per 7d", "3 per", "3 per 7", "-1 per 1d", "3 per 7d extra"} {
		if _, err := ParseCap(bad); err == nil {
			t.Errorf("ParseCap(%q) accepted", bad)
		}
	}
}
