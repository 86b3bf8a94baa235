package segments

import (
	"strings"
	"testing"
)

const commented = `# Cart abandoners: the team's main retargeting list.
# Owner: growth.

name: cart # short on purpose
# shown in the explorer
where: # the definition
  # both must hold
  all: # all of
    # first: recent carts
    - did: add_to_cart   # any cart
      # one week
      in_last: 7d
    # second: no purchase soon after
    - not: # negated
        segment: buyers # see buyers.yaml
      # end of the not
    - did: [a, b] # flow list
  # end of where
expect: {members: ">= 10"} # sanity floor
# end of file
`

func TestFormatPreservingKeepsComments(t *testing.T) {
	seg, err := ParseSegment("c.yaml", []byte(commented))
	if err != nil {
		t.Fatal(err)
	}
	seg.Title = "Cart"
	seg.Where.(*All).Conditions[0].(*Did).Window.Last = Days(14)
	out, err := FormatPreserving([]byte(commented), seg)
	if err != nil {
		t.Fatal(err)
	}
	want := `# Cart abandoners: the team's main retargeting list.
# Owner: growth.
name: cart # short on purpose
title: Cart
# shown in the explorer
where: # the definition
  # both must hold
  all: # all of
    # first: recent carts
    - did: add_to_cart # any cart
      # one week
      in_last: 14d
    # second: no purchase soon after
    - not: # negated
        segment: buyers # see buyers.yaml
      # end of the not
    - did: [a, b] # flow list
  # end of where
expect: {members: ">= 10"} # sanity floor
# end of file
`
	if string(out) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
	// Saving again changes nothing, and the result still means the edited segment.
	again, err := FormatPreserving(out, seg)
	if err != nil || string(again) != string(out) {
		t.Fatalf("not stable: %v\n%s", err, again)
	}
	back, err := ParseSegment("out.yaml", out)
	if err != nil {
		t.Fatal(err)
	}
	if back.Title != "Cart" || back.Where.(*All).Conditions[0].(*Did).Window.Last != Days(14) {
		t.Fatalf("edit lost: %+v", back)
	}
}

func TestFormatPreservingList(t *testing.T) {
	src := `# Team segments
segments:
  # the first
  - name: a
    where: {did: x}
  # the second
  - name: b
    where: {did: y} # y is the new event
`
	b := &Segment{Name: "b", Where: &Did{Events: []string{"z"}}}
	out, err := FormatPreserving([]byte(src), b)
	if err != nil {
		t.Fatal(err)
	}
	want := `# Team segments
segments:
  # the first
  - name: a
    where:
      did: x
  # the second
  - name: b
    where: # y is the new event
      did: z
`
	if string(out) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
	c := &Segment{Name: "c", Where: &SegmentRef{Name: "a"}}
	out, err = FormatPreserving(out, c)
	if err != nil {
		t.Fatal(err)
	}
	segs, err := Parse("l.yaml", out)
	if err != nil || len(segs) != 3 || segs[2].Name != "c" {
		t.Fatalf("append: %v\n%s", err, out)
	}
}

func TestFormatPreservingBrokenOriginal(t *testing.T) {
	seg := &Segment{Name: "a", Where: &Did{Events: []string{"x"}}}
	out, err := FormatPreserving([]byte("name: [broken\n# comment"), seg)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := Format(seg)
	if string(out) != string(plain) {
		t.Fatalf("broken original should give plain output:\n%s", out)
	}
}

func TestFormatCampaignPreserving(t *testing.T) {
	src := "# recover carts\nname: cart_recovery\ntrigger: {event: add_to_cart} # every cart\nsteps:\n  # soon\n  - {wait: 1h, send: email}\n"
	cs, err := ParseCampaigns("c.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	cs[0].Holdout = 5
	out, err := FormatCampaignPreserving([]byte(src), cs[0])
	if err != nil {
		t.Fatal(err)
	}
	want := "# recover carts\nname: cart_recovery\ntrigger: {event: add_to_cart} # every cart\nsteps:\n  # soon\n  - {wait: 1h, send: email}\nholdout: 5%\n"
	if string(out) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
}

func TestQuoting(t *testing.T) {
	// Strings that must be quoted to read back as the same text.
	for _, s := range []string{"true", "No", "null", "~", "3", "1e3", "0x1F", "- a", "a: b", "a #b", "#x", "[a]", "{a}", "a,b",
		" lead", "trail ", "multi\nline", "tab\there", "quote\"s", "back\\slash", "", "é", "日本", "💸", "\u200b", "*alias", "&anchor", "!tag", "%p", "@at", "`tick`", "'single'", ">= 3", "3..10", "2025-11-24"} {
		src := "name: a\ntitle: " + quoteString(s) + "\nwhere: {did: x}\n"
		seg, err := ParseSegment("q.yaml", []byte(src))
		if err != nil {
			t.Errorf("%q: %v\n%s", s, err, src)
			continue
		}
		if seg.Title != s {
			t.Errorf("%q read back as %q (written %s)", s, seg.Title, quoteString(s))
		}
	}
	if quoteString("Cart abandoners.") != "Cart abandoners." || !strings.HasPrefix(quoteString("true"), `"`) {
		t.Error("plain strings stay plain, reserved words are quoted")
	}
}

func TestFormatCampaignPreservingList(t *testing.T) {
	src := "campaigns:\n  # first\n  - name: a\n    trigger: {event: x}\n    steps: [{send: push}]\n"
	b := &Campaign{Name: "b", Trigger: Trigger{Segment: "s"}, Steps: []Step{{Wait: Days(1), Send: ChannelEmail}}}
	out, err := FormatCampaignPreserving([]byte(src), b)
	if err != nil {
		t.Fatal(err)
	}
	want := "campaigns:\n  # first\n  - name: a\n    trigger: {event: x}\n    steps:\n      - {send: push}\n  - name: b\n    trigger: {segment: s}\n    steps:\n      - {wait: 1d, send: email}\n"
	if string(out) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
}
