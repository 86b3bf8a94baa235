package tui

import (
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
)

// TestWholeAnswersGolden: the lines that carry a decision (reach, holdout, conversions and
// lift on the Timeline; sample size, days and the chance to beat control on the
// Experiment) are whole at 80×24 as at 200×60, and the help keeps every column. The
// goldens are drawn without colour (NO_COLOR reads the same).
func TestWholeAnswersGolden(t *testing.T) {
	store, ws := demoStore(t), demoWorkspace(t)
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			f := startFlow(t, store, ws, size.w, size.h)
			replay(f)
			timeline := f.quiet()
			checkShape(t, timeline, size.w, size.h)
			for _, whole := range []string{"215 reached", "holdout 89 journeys (10.5%)", "treated 573/639 89.7%", "holdout 69/76 90.8%", "lift -1.1 pp"} {
				if !strings.Contains(timeline, whole) {
					t.Errorf("timeline lacks %q whole:\n%s", whole, timeline)
				}
			}
			golden.RequireEqual(t, []byte(timeline))

			f.keys("5")
			f.showing("P(replay)")
			experiment := f.quiet()
			checkShape(t, experiment, size.w, size.h)
			// The results are a column: read it alone (34 columns in at 80, 42 at 200).
			from := 34
			if size.w >= 150 {
				from = 42
			}
			flat := column(experiment, from, from+64)
			for _, whole := range []string{"84 per variant", "168 total in 2 arms", "18 at 9.7 entrants a day",
				"99.8% chance to beat control at the planned size and rates, Beta(1,1)"} {
				if !strings.Contains(flat, whole) {
					t.Errorf("experiment lacks %q whole:\n%s", whole, experiment)
				}
			}
			t.Run("experiment", func(t *testing.T) { golden.RequireEqual(t, []byte(experiment)) })

			f.keys("2")
			f.settled()
			f.keys("?")
			f.showing("? ")
			help := f.quiet()
			checkShape(t, help, size.w, size.h)
			t.Run("help", func(t *testing.T) { golden.RequireEqual(t, []byte(help)) })
			// Every key is on one of the help's pages; ? turns them, then closes the help.
			all := help
			for range 3 {
				if !strings.Contains(help, "? more") {
					break
				}
				f.keys("?")
				f.until("the next page of help", func(s string) bool { return s != help })
				help = f.peek()
				checkShape(t, help, size.w, size.h)
				all += help
			}
			for _, key := range []string{"open in builder", "new segment", "mark for overlap", "reload & recount", "clear filter",
				"page down", "bottom", "next screen", "previous screen", "quit"} {
				if !strings.Contains(all, key) {
					t.Errorf("help lacks %q:\n%s", key, all)
				}
			}
			f.keys("?")
			f.until("the help closed", func(s string) bool { return !strings.Contains(s, "? more") && !strings.Contains(s, "? closes") })
			f.screen()
		})
	}
}

// column is the text of columns [from, to) of every line of a screen, flattened to words
// separated by single spaces: a column of results read on its own.
func column(screen string, from, to int) string {
	var parts []string
	for _, l := range strings.Split(screen, "\n") {
		r := []rune(l)
		if len(r) > from {
			parts = append(parts, string(r[from:min(len(r), to)]))
		}
	}
	return strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
}

var osc52 = regexp.MustCompile(`\x1b\]52;c;([A-Za-z0-9+/=]*)(?:\x07|\x1b\\)`)

// clipboard is the last text the explorer put on the clipboard (OSC 52) in its output.
func clipboard(t *testing.T, out []byte) string {
	t.Helper()
	all := osc52.FindAllSubmatch(out, -1)
	if len(all) == 0 {
		t.Fatal("nothing was copied to the clipboard")
	}
	text, err := base64.StdEncoding.DecodeString(string(all[len(all)-1][1]))
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}

// membersShown is the size of the group a member panel says it lists.
var membersShown = regexp.MustCompile(`· ([0-9,]+) members?`)

// TestCopyAllMembersOfAGroup: choose two segments in the Overlap chooser by filtering (space
// picks while the filter is typed), open a cell and an exclusive group, and copy them: the
// clipboard holds every id of the group, as many as the panel says.
func TestCopyAllMembersOfAGroup(t *testing.T) {
	store, ws := demoStore(t), demoWorkspace(t)
	f := startFlow(t, store, ws, 80, 24)
	f.keys("2")
	f.settled()
	f.keys("3", "s")
	f.showing("Choose segments")
	chooser := f.peek()
	if strings.Index(chooser, "at_risk_loyal") > strings.Index(chooser, "big_spenders") {
		t.Errorf("the chooser is not in name order:\n%s", chooser)
	}
	f.keys("/")
	f.typ("big")
	f.keys("space", "ctrl+u")
	f.typ("frequent")
	f.keys("space", "enter", "enter")
	f.showing("Overlap · 2 segments")
	f.settled()
	f.keys("l", "enter")
	f.showing("c copies all")
	f.keys("c")
	f.showing("copied all")
	cell := f.peek()
	m := membersShown.FindStringSubmatch(cell)
	if m == nil {
		t.Fatalf("the panel does not say how many members:\n%s", cell)
	}
	n, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))

	// The largest exclusive group: only one of the two.
	f.keys("esc", "u", "enter")
	f.showing("only in")
	f.keys("x")
	f.showing("wrote all")
	group := f.peek()
	g := membersShown.FindStringSubmatch(group)
	if g == nil {
		t.Fatalf("the group's panel does not say how many members:\n%s", group)
	}
	f.screen()

	out, err := io.ReadAll(f.tm.FinalOutput(t))
	if err != nil {
		t.Fatal(err)
	}
	ids := strings.Split(clipboard(t, out), "\n")
	if len(ids) != n || n == 0 {
		t.Errorf("the clipboard holds %d ids, the cell %d members", len(ids), n)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" || seen[id] {
			t.Errorf("id %q empty or copied twice", id)
		}
		seen[id] = true
	}
	exports, _ := filepath.Glob(filepath.Join(ws, "exports", "only-*.csv"))
	if len(exports) != 1 {
		t.Fatalf("exports: %v", exports)
	}
	src, err := os.ReadFile(exports[0])
	if err != nil {
		t.Fatal(err)
	}
	want, _ := strconv.Atoi(strings.ReplaceAll(g[1], ",", ""))
	if lines := strings.Count(string(src), "\n"); lines != want+1 {
		t.Errorf("%s has %d lines, want a header and %d members", exports[0], lines, want)
	}
}

// TestBuilderFixes walks the builder's fixed behaviours at 80×24: an untouched new segment
// closes without a question; n flips did_not to did; editing a field replaces its selected
// value; expect: is marked when the count misses it; a second new segment gets a free
// name; and a refused save says why, whole.
func TestBuilderFixes(t *testing.T) {
	store, ws := demoStore(t), demoWorkspace(t)
	f := startFlow(t, store, ws, 80, 24)
	f.keys("2")
	f.settled()

	f.keys("n")
	f.showing("Builder new_segment")
	f.keys("esc")
	// The builder closes by a message after esc: wait for it to be gone ("Segments" alone
	// is also the tab bar's), or the next keys reach a builder about to close.
	f.until("the list, without a question", func(s string) bool {
		return !strings.Contains(s, "Builder") && !strings.Contains(s, "Unsaved")
	})

	f.keys("n", "a")
	f.typ("did not")
	f.keys("enter")
	f.showing("did_not email_open")
	f.keys("esc", "n")
	f.until("did_not flipped to did", func(s string) bool {
		return strings.Contains(s, "did email_open") && !strings.Contains(s, "did_not") && !strings.Contains(s, "  not")
	})

	// in_last 60d, then 5: the value is replaced, not appended to.
	f.keys("enter", "j", "enter")
	f.typ("5")
	f.until("the typed value replacing the old one", func(s string) bool {
		return strings.Contains(s, "in_last  5") && !strings.Contains(s, "60d5")
	})
	f.typ("d")
	f.keys("enter", "esc")
	f.showing("in_last 5d")

	// expect 27..45 on a segment of hundreds: marked as failing.
	f.keys("k", "enter", "j", "j", "j", "j", "j", "enter")
	f.typ("27..45")
	f.keys("enter", "esc")
	f.settled()
	f.showing("✗ 27..45") // beside the count; the wide preview says it in words

	f.keys("s")
	f.showing("saved ")
	f.keys("esc")
	f.until("the list", func(s string) bool { return !strings.Contains(s, "Builder") })
	f.keys("n")
	f.showing("Builder new_segment_2")

	// A name the workspace has: the refusal says why, whole at 80 columns.
	f.keys("enter", "enter")
	f.typ("cart_abandoners")
	f.keys("enter", "esc", "a")
	f.typ("bought N")
	f.keys("enter", "esc", "s")
	f.until("the whole reason the save was refused", func(s string) bool {
		flat := strings.Join(strings.Fields(s), " ")
		return strings.Contains(flat, "cannot save: the workspace already has a segment named cart_abandoners") &&
			strings.Contains(flat, "rename this one")
	})
	checkShape(t, f.peek(), 80, 24)
	f.keys("esc")
	f.showing("Unsaved changes")
	f.keys("d")
	f.until("the list", func(s string) bool { return !strings.Contains(s, "Builder") })
	f.screen()
}

// TestBuilderMouse: the wheel moves the builder's cursor and a click selects a row; a
// second click on it opens its form.
func TestBuilderMouse(t *testing.T) {
	store, ws := demoStore(t), demoWorkspace(t)
	f := startFlow(t, store, ws, 120, 40)
	f.keys("2")
	f.settled()
	f.keys("/")
	f.typ("cart_ab")
	f.keys("enter", "enter")
	f.showing("Builder cart_abandoners")
	f.settled()
	f.tm.Send(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	f.until("the wheel moving the cursor to the first condition", func(s string) bool {
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "▸   all of") {
				return true
			}
		}
		return false
	})
	// Rows: the tab bar, a blank line, the builder's title, the segment, all of, then the
	// conditions: the third row of the tree is at screen row 5.
	f.tm.Send(tea.MouseClickMsg{X: 6, Y: 5, Button: tea.MouseLeft})
	f.until("the clicked condition selected", func(s string) bool {
		lines := strings.Split(s, "\n")
		return len(lines) > 5 && strings.HasPrefix(lines[5], "▸")
	})
	f.tm.Send(tea.MouseClickMsg{X: 6, Y: 5, Button: tea.MouseLeft})
	f.showing("Condition  enter edit")
	f.screen()
}

// TestLongExperimentWarns: a test the traffic takes more than 8 weeks to run says so, and
// says what this traffic can detect in 8 weeks; one it cannot reach in a year says that.
func TestLongExperimentWarns(t *testing.T) {
	store, ws := demoStore(t), demoWorkspace(t)
	f := startFlow(t, store, ws, 80, 24)
	replay(f)
	f.keys("5")
	f.showing("P(replay)")
	// mde +10% → +2%: the cart-recovery traffic needs hundreds of days.
	f.keys("j", "enter")
	f.typ("2")
	f.keys("enter")
	f.until("the warning", func(s string) bool { return strings.Contains(s, "can't reach this sample") })
	f.settled()
	time.Sleep(50 * time.Millisecond)
	screen := f.screen()
	// The warning is in the results column: read it there.
	flat := column(screen, 34, 80)
	for _, want := range []string{"751 at 9.7 entrants a day", "! the daily traffic can't reach this sample: 751 days at 9.7 entrants a day, more than a year.",
		"In 8 weeks this traffic detects an effect of +6.4%."} {
		if !strings.Contains(flat, want) {
			t.Errorf("the results lack %q:\n%s", want, screen)
		}
	}
}

// TestTimelineScrollsToEverySection: at 80×24 the replay scrolls down to its last section,
// and its step table scrolls sideways to the end of the messages, marked where it is cut.
func TestTimelineScrollsToEverySection(t *testing.T) {
	store, ws := demoStore(t), demoWorkspace(t)
	f := startFlow(t, store, ws, 80, 24)
	replay(f)
	f.keys("G")
	f.showing("collisions: person-days")
	f.keys("l", "l", "l")
	f.until("the messages whole, the table marked as scrolled", func(s string) bool {
		return strings.Contains(s, "left something behind”") && strings.Contains(s, "‹")
	})
	f.keys("g", "h", "h", "h")
	f.showing("[ 1/5 ] cart_recovery")
	f.screen()
}

// replay opens the Timeline and replays its first campaign (cart_recovery).
func replay(f *flow) {
	f.t.Helper()
	f.keys("4")
	f.settled()
	f.keys("enter")
	f.showing("lift")
	f.settled()
}
