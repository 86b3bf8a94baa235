package query

import (
	"context"
	"slices"
	"testing"

	"github.com/segscope/segscope/segments"
)

// TestDiff: buyers (11) against purchasers of the last 7 days (alice, frank, judy, kim,
// mike): nobody enters, six leave, five stay; units must agree.
func TestDiff(t *testing.T) {
	e := engineFixture(t)
	ctx := context.Background()
	old := &segments.Segment{Name: "buyers", Where: mustCondition(t, `{did: purchase}`, segments.UnitUser)}
	recent := &segments.Segment{Name: "buyers", Where: mustCondition(t, `{did: purchase, in_last: 7d}`, segments.UnitUser)}
	d, err := e.Diff(ctx, old, recent, nil, nil, fixtureAsOf)
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(t, e, d.Left, segments.UnitUser); !slices.Equal(got, []string{"bob", "erin", "quinn", "rita", "sam", "tina"}) {
		t.Errorf("left %v", got)
	}
	if d.Entered.Count() != 0 || d.Kept.Count() != 5 || !d.Old.AsOf.Equal(fixtureAsOf) || !d.New.AsOf.Equal(fixtureAsOf) {
		t.Errorf("entered %d kept %d at %s/%s", d.Entered.Count(), d.Kept.Count(), d.Old.AsOf, d.New.AsOf)
	}
	back, err := e.Diff(ctx, recent, old, nil, nil, fixtureAsOf)
	if err != nil || !back.Entered.Equal(d.Left) || back.Left.Count() != 0 {
		t.Errorf("reversed: %v", err)
	}
	acct := &segments.Segment{Name: "a", Unit: segments.UnitAccount, Where: mustCondition(t, `{did: purchase}`, segments.UnitAccount)}
	if _, err := e.Diff(ctx, old, acct, nil, nil, fixtureAsOf); err == nil {
		t.Error("a user segment against an account segment: no error")
	}
}
