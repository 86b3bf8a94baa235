package tui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
)

// memberAndNot names a member of a workspace segment and someone who is not one, by user
// id, as the engine counts them.
func memberAndNot(t *testing.T, store *query.Store, ws, name string) (member, other string) {
	t.Helper()
	w, err := segments.LoadWorkspace(ws)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	eng := query.NewEngine(store)
	res, err := eng.Evaluate(ctx, w.Segment(name), w, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	ids := res.Members.IDs()
	var outID uint32
	for id := uint32(0); ; id++ {
		if !res.Members.Contains(id) {
			outID = id
			break
		}
	}
	keys, err := eng.MemberKeys(ctx, query.NewMemberSet(ids[0], outID), segments.UnitUser)
	if err != nil || len(keys) != 2 {
		t.Fatalf("keys %v: %v", keys, err)
	}
	if ids[0] < outID {
		return keys[0], keys[1]
	}
	return keys[1], keys[0]
}

// TestBuilderExplainsMembersAndOthers: in the builder, e on a sampled member explains why
// they are in; p looks up someone who is not and says which condition fails.
func TestBuilderExplainsMembersAndOthers(t *testing.T) {
	store, ws := demoStore(t), demoWorkspace(t)
	member, other := memberAndNot(t, store, ws, "cart_abandoners")
	f := startFlow(t, store, ws, 80, 24)
	f.keys("2")
	f.settled()
	f.keys("/")
	f.typ("cart_aband")
	f.keys("enter", "enter")
	f.showing("Builder cart_abandoners")
	f.settled()
	f.keys("m")
	f.showing(member)
	f.keys("e")
	f.showing("person " + member + " is a member of cart_abandoners")
	f.showing("✓ did add_to_cart in_last 7d then_not purchase within 2h — first event at")
	f.keys("esc", "esc")
	f.showing("Builder cart_abandoners")
	f.keys("p")
	f.showing("Look up a person")
	f.typ(other)
	f.keys("enter")
	f.showing("person " + other + " is not a member of cart_abandoners")
	f.showing("✗ all")
	f.keys("esc")
	f.showing("Builder cart_abandoners")
}

// TestBuilderShowsEditAgainstSavedAndLint: editing a saved segment shows how many
// members the edit adds and drops against the saved definition; a value no event has is
// flagged under its condition with the closest value the store has, and so is a misspelt
// property key in a file written by hand.
func TestBuilderShowsEditAgainstSavedAndLint(t *testing.T) {
	store, ws := demoStore(t), demoWorkspace(t)
	typo := "name: shoe_carts\nwhere:\n  did: add_to_cart\n  where: {Category: shoes}\n"
	if err := os.WriteFile(filepath.Join(ws, "segments", "shoe_carts.yaml"), []byte(typo), 0o644); err != nil {
		t.Fatal(err)
	}
	f := startFlow(t, store, ws, 80, 24)
	f.keys("2")
	f.settled()
	f.keys("/")
	f.typ("cart_aband")
	f.keys("enter", "enter")
	f.showing("Builder cart_abandoners")
	f.settled()
	// The add_to_cart condition: its window from 7 to 30 days.
	f.keys("j", "j", "j", "enter")
	f.showing("Condition")
	f.keys("j", "j", "j", "enter")
	f.typ("30d")
	f.keys("enter")
	f.showing(" vs saved")
	screen := f.peek()
	if !strings.Contains(screen, "+") || !strings.Contains(screen, "−0 vs saved") {
		t.Errorf("a wider window adds members and drops none:\n%s", screen)
	}
	// A category no add_to_cart event has.
	f.keys("a")
	f.typ("where.category")
	f.keys("enter")
	f.typ("shoez")
	f.keys("enter", "esc")
	f.showing(`⚠ no add_to_cart event has category = "shoez"`)
	f.showing(`"shoes"?)`)
	// The hand-written file with a misspelt key.
	f.keys("u", "u", "u", "esc")
	f.settled()
	f.keys("esc", "/")
	f.typ("shoe_carts")
	f.keys("enter", "enter")
	f.showing("Builder shoe_carts")
	f.showing(`⚠ property "Category" is never set on add_to_cart events`)
	f.showing(`"category"?)`) // the suggestion, wrapped under it rather than cut
}

// TestSegmentsHistoryAndLookup: t draws a segment's size, entries and exits over 90 days;
// p explains a person against the highlighted segment.
func TestSegmentsHistoryAndLookup(t *testing.T) {
	store, ws := demoStore(t), demoWorkspace(t)
	member, _ := memberAndNot(t, store, ws, "at_risk_loyal")
	f := startFlow(t, store, ws, 80, 24)
	f.keys("2")
	f.settled()
	f.showing("90 days")
	f.keys("t")
	f.showing("History at_risk_loyal")
	f.settled()
	screen := f.peek()
	for _, want := range []string{"members", "entered", "left", "2026-11-27", "36 members", "esc back"} {
		if !strings.Contains(screen, want) {
			t.Errorf("history lacks %q:\n%s", want, screen)
		}
	}
	checkShape(t, screen, 80, 24)
	f.keys("esc", "p")
	f.showing("Look up a person")
	f.typ(member)
	f.keys("enter")
	f.showing("person " + member + " is a member of at_risk_loyal")
	f.keys("esc")
	f.showing("at_risk_loyal")
}

// TestOverlapCellExplainsMember: e on a member of an intersection explains them against
// both segments.
func TestOverlapCellExplainsMember(t *testing.T) {
	store, ws := demoStore(t), demoWorkspace(t)
	f := startFlow(t, store, ws, 80, 24)
	f.keys("2")
	f.settled()
	f.keys("space", "j", "space", "3")
	f.showing("Overlap · 2 segments")
	f.settled()
	f.keys("l", "enter")
	f.until("the member sample", func(s string) bool { return strings.Contains(s, "last seen") })
	f.keys("e")
	f.showing("is a member of at_risk_loyal")
	f.keys("G")
	f.showing("is a member of big_spenders")
	f.keys("esc")
	f.showing("last seen")
}
