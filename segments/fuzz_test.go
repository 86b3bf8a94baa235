package segments

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// watchdog fails the fuzz run loudly when one input takes seconds: the fuzzer itself
// does not notice a parser that hangs.
func watchdog(src []byte) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			panic(fmt.Sprintf("parsing took over 5s on %q", src))
		}
	}()
	return func() { close(done) }
}

func addSeeds(f *testing.F, extra ...string) {
	files, _ := filepath.Glob("testdata/*.yaml")
	more, _ := filepath.Glob("testdata/*/*/*.yaml")
	for _, p := range append(files, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// FuzzParse feeds arbitrary bytes to the segment parser. It must never panic, and whatever
// parses must survive the format round trip (plain and comment-preserving) unchanged.
func FuzzParse(f *testing.F) {
	addSeeds(f,
		"name: a\nwhere: {did: x}\n",
		"name: a # c\nwhere: # w\n  did: x # d\n",
		"name: a\nwhere: {did: x, then_not: y, within: 2h}\n",
		"name: a\nwhere: {measure: sum(revenue), is: \">= 3\"}\n",
		"name: a\nwhere: {user: plan, in: [a, 1, true]}\n",
		"name: a\nwhere: {not: {not: {segment: b}}}\n",
		"name: a\nwhere: {did: x, where: {p: \"3..4\", q: [\">= 3\"]}}\n",
		"segments: [{name: a, where: {gap: x, vs_average: 2}}]\n",
		"name: a\nwhere: {did: x, during: [[2025-01-01, 2025-01-02]]}\n",
		"name: a\nwhere: {affinity: p, is: 1.5, share: \"10%..20%\"}\n",
		"name: a\nwhere: &x {did: y}\n",
		"name: \"\\x00\"\n",
		"[[[[[[[[[[[[[[[[[[",
		"- - - - - - - - - -",
		"",
	)
	f.Fuzz(func(t *testing.T, src []byte) {
		defer watchdog(src)()
		segs, err := Parse("fuzz.yaml", src)
		checkRoundTrip(t, segs)
		if err != nil || len(segs) == 0 {
			// A list with errors cannot be rewritten in place; FormatPreserving says so.
			return
		}
		out, err := FormatPreserving(src, segs[0])
		if err != nil {
			t.Fatalf("FormatPreserving: %v", err)
		}
		again, err := Parse("preserved.yaml", out)
		if err != nil {
			t.Fatalf("FormatPreserving output does not parse: %v\n%s", err, out)
		}
		var back *Segment
		for _, s := range again {
			if s.Name == segs[0].Name {
				back = s
			}
		}
		want := *segs[0]
		stripSegments([]*Segment{&want})
		if back == nil || !reflect.DeepEqual(&want, stripSegments([]*Segment{back})[0]) {
			t.Fatalf("FormatPreserving changed the segment:\n%s", out)
		}
		out2, err := FormatPreserving(out, segs[0])
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("FormatPreserving not stable (%v):\n%s\n---\n%s", err, out, out2)
		}
	})
}

// FuzzParseCampaigns does the same for campaign files.
func FuzzParseCampaigns(f *testing.F) {
	addSeeds(f,
		"name: c\ntrigger: {event: x}\nsteps: [{send: push}]\n",
		"name: c\ntrigger: {segment: s}\nsteps: [{wait: 1h, send: email, message: hi}]\ncap: \"1 per 1d\"\nquiet_hours: \"23:00-06:00\"\n",
		"campaigns: [{name: c, trigger: {event: [a, b], where: {p: 1}}, steps: [{send: sms}], conversion: {within: 1d}}]\n",
	)
	f.Fuzz(func(t *testing.T, src []byte) {
		defer watchdog(src)()
		cs, _ := ParseCampaigns("fuzz.yaml", src)
		if len(cs) > 0 {
			checkCampaignRoundTrip(t, cs)
		}
	})
}
