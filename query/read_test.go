package query

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/segments"
)

func instant(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// peopleOf maps the fixture's user ids to uids and back.
func peopleOf(t *testing.T, s *Store) (byName map[string]int32, byUID map[int32]string) {
	t.Helper()
	cur, err := s.ReadPeople(context.Background(), PeopleRequest{})
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close()
	byName, byUID = map[string]int32{}, map[int32]string{}
	for cur.Next() {
		p := cur.Person()
		byName[p.UserID], byUID[p.UID] = p.UID, p.UserID
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	return byName, byUID
}

// inUIDOrder stably sorts lines that start with a user id by that person's uid: uids are
// given in hash order, not alphabetically.
func inUIDOrder(lines []string, byName map[string]int32) []string {
	out := slices.Clone(lines)
	slices.SortStableFunc(out, func(a, b string) int {
		na, _, _ := strings.Cut(a, " ")
		nb, _, _ := strings.Cut(b, " ")
		return int(byName[na]) - int(byName[nb])
	})
	return out
}

func TestReadEvents(t *testing.T) {
	s := engineFixture(t).Store()
	byName, byUID := peopleOf(t, s)
	match := func(events ...string) *segments.EventMatch { return &segments.EventMatch{Events: events} }
	shoes := &segments.EventMatch{Events: []string{"purchase"}, Where: []segments.PropertyFilter{
		{Property: "category", Values: []segments.Value{{Kind: segments.ValueString, Str: "shoes"}}}}}
	window := []segments.Interval{{Start: instant("2026-03-29T00:00:00Z"), StartIncl: true, End: instant("2026-03-31T00:00:00Z")}}
	people := func(names ...string) *MemberSet {
		set := NewMemberSet()
		for _, n := range names {
			id, ok := byName[n]
			if !ok {
				id = int32(len(byName) + 10) // an id no one has
			}
			set = set.Or(NewMemberSet(uint32(id)))
		}
		return set
	}
	for _, tc := range []struct {
		name string
		req  EventsRequest
		want []string
	}{
		{
			// Carts in the window anchor the read: only people with one get their purchases,
			// and nothing after as_of is read (leo's purchase at 00:30).
			name: "anchored trigger and exit",
			req: EventsRequest{AsOf: fixtureAsOf, Groups: []EventGroup{{
				Anchor: 0,
				Tags:   []EventTag{{Match: match("add_to_cart"), Within: window}, {Match: match("purchase")}},
			}}},
			want: []string{
				"alice 2026-03-21T00:00:00Z g0 tags 2",
				"alice 2026-03-28T00:00:00Z g0 tags 2",
				"alice 2026-03-29T23:00:00Z g0 tags 1",
				"alice 2026-03-30T00:00:00Z g0 tags 2",
				"carol 2026-03-29T00:00:00Z g0 tags 1",
				"grace 2026-03-30T23:00:00Z g0 tags 1",
				"heidi 2026-03-30T22:00:00Z g0 tags 1",
				"leo 2026-03-30T23:00:00Z g0 tags 1",
			},
		},
		{
			// One event can carry several tags; From leaves out earlier events; a where:
			// filter reads properties as the engine does.
			name: "several tags on one event",
			req: EventsRequest{AsOf: fixtureAsOf, Groups: []EventGroup{{
				Anchor: -1, From: instant("2026-03-28T00:00:00Z"),
				Tags: []EventTag{{Match: match("purchase")}, {Match: shoes}},
			}}},
			want: []string{
				"alice 2026-03-28T00:00:00Z g0 tags 3",
				"alice 2026-03-30T00:00:00Z g0 tags 3",
				"frank 2026-03-31T00:00:00Z g0 tags 1", // at as_of: included
				"mike 2026-03-29T00:00:00Z g0 tags 1",
			},
		},
		{
			name: "groups merged in person and time order, for some people",
			req: EventsRequest{AsOf: fixtureAsOf, People: people("alice", "carol", "nobody-at-all"), Groups: []EventGroup{
				{Anchor: -1, Tags: []EventTag{{Match: match("page_view")}}},
				{Anchor: -1, Tags: []EventTag{{Match: match("add_to_cart", "login")}}},
			}},
			want: []string{
				"alice 2026-03-29T00:00:00Z g0 tags 1",
				"alice 2026-03-29T23:00:00Z g1 tags 1",
				"carol 2026-03-29T00:00:00Z g0 tags 1",
				"carol 2026-03-29T00:00:00Z g1 tags 1",
			},
		},
		{
			name: "an empty window reads nothing",
			req: EventsRequest{AsOf: fixtureAsOf, Groups: []EventGroup{{
				Anchor: 0, Tags: []EventTag{{Match: match("add_to_cart"), Within: []segments.Interval{}}, {Match: match("purchase")}},
			}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cur, err := s.ReadEvents(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			defer cur.Close()
			var got []string
			for cur.Next() {
				e := cur.Event()
				got = append(got, fmt.Sprintf("%s %s g%d tags %d", byUID[e.UID], e.At().Format(time.RFC3339), e.Group, e.Tags))
			}
			if err := cur.Err(); err != nil {
				t.Fatal(err)
			}
			// Events come in person (uid) order, each person's in time order: the want
			// lists are in time order per person, put in the people's uid order.
			if want := inUIDOrder(tc.want, byName); !reflect.DeepEqual(got, want) {
				t.Errorf("got\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// A set of people too large to write into the query is read by its id range and filtered:
// the result is the same.
func TestReadEventsLargeSet(t *testing.T) {
	s := engineFixture(t).Store()
	byName, _ := peopleOf(t, s)
	ids := []uint32{uint32(byName["alice"]), uint32(byName["judy"])}
	for i := range maxPushedPeople {
		ids = append(ids, uint32(100000+i)) // no such people
	}
	req := EventsRequest{AsOf: fixtureAsOf, People: NewMemberSet(ids...),
		Groups: []EventGroup{{Anchor: -1, Tags: []EventTag{{Match: &segments.EventMatch{Events: []string{"purchase"}}}}}}}
	cur, err := s.ReadEvents(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close()
	n := 0
	for cur.Next() {
		if uid := cur.Event().UID; uid != byName["alice"] && uid != byName["judy"] {
			t.Errorf("uid %d is not in the set", uid)
		}
		n++
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 4 { // alice's three purchases up to as_of, judy's one
		t.Errorf("read %d events, want 4", n)
	}
}

func TestReadEventsRefuses(t *testing.T) {
	s := engineFixture(t).Store()
	many := make([]EventTag, MaxEventTags+1)
	for i := range many {
		many[i] = EventTag{Match: &segments.EventMatch{Events: []string{"purchase"}}}
	}
	for name, req := range map[string]EventsRequest{
		"no as_of":         {Groups: []EventGroup{{Anchor: -1, Tags: many[:1]}}},
		"too many tags":    {AsOf: fixtureAsOf, Groups: []EventGroup{{Anchor: -1, Tags: many}}},
		"anchor not a tag": {AsOf: fixtureAsOf, Groups: []EventGroup{{Anchor: 1, Tags: many[:1]}}},
		"tag without name": {AsOf: fixtureAsOf, Groups: []EventGroup{{Anchor: -1, Tags: []EventTag{{Match: &segments.EventMatch{}}}}}},
	} {
		if _, err := s.ReadEvents(context.Background(), req); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestReadPeople(t *testing.T) {
	s := engineFixture(t).Store()
	byName, _ := peopleOf(t, s)
	for _, tc := range []struct {
		name string
		req  PeopleRequest
		want []string
	}{
		{"an attribute", PeopleRequest{People: NewMemberSet(uint32(byName["carol"]), uint32(byName["alice"]), uint32(byName["erin"])), Attr: "plan"},
			[]string{"alice plan=pro", "carol plan=pro", "erin unset"}},
		{"no such attribute", PeopleRequest{People: NewMemberSet(uint32(byName["bob"])), Attr: "tz"}, []string{"bob unset"}},
		{"nobody", PeopleRequest{People: NewMemberSet()}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cur, err := s.ReadPeople(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			defer cur.Close()
			var got []string
			for cur.Next() {
				p := cur.Person()
				line := p.UserID + " unset"
				if p.AttrSet {
					line = fmt.Sprintf("%s %s=%s", p.UserID, tc.req.Attr, p.Attr)
				}
				got = append(got, line)
			}
			if err := cur.Err(); err != nil {
				t.Fatal(err)
			}
			if want := inUIDOrder(tc.want, byName); !reflect.DeepEqual(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestPersonLookups(t *testing.T) {
	ctx := context.Background()
	s := engineFixture(t).Store()
	uid, err := s.FindPerson(ctx, "judy")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindPerson(ctx, "nobody"); !errors.Is(err, ErrNoPerson) {
		t.Errorf("FindPerson(nobody) = %v, want ErrNoPerson", err)
	}
	all, err := s.PersonEvents(ctx, uid, time.Time{}, fixtureAsOf, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Event != "add_to_cart" || all[1].Event != "purchase" || all[1].Revenue != 12 ||
		all[1].Properties != `{"category":"books"}` {
		t.Errorf("judy's events = %+v", all)
	}
	last, err := s.PersonEvents(ctx, uid, time.Time{}, fixtureAsOf, 1)
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.PersonEvents(ctx, uid, instant("2026-03-01T00:00:00Z"), fixtureAsOf, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(last) != 1 || last[0].Event != "purchase" || len(first) != 1 || first[0].Event != "add_to_cart" {
		t.Errorf("the last one = %+v, the first one from a time = %+v", last, first)
	}
	present, err := s.EventsPresent(ctx, []string{"purchase", "purchse", "login", "purchase"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]bool{"purchase": true, "login": true}; !reflect.DeepEqual(present, want) {
		t.Errorf("EventsPresent = %v, want %v", present, want)
	}
	lo, hi, err := s.TimeRange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !lo.Equal(instant("2026-01-30T00:00:00Z")) || !hi.Equal(instant("2026-04-01T00:00:00Z")) {
		t.Errorf("TimeRange = %v … %v", lo, hi)
	}
}
