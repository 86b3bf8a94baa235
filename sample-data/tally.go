package sampledata

import (
	"slices"
	"time"
)

// Tally is what one generation run planted and emitted: the ground truth the workspace
// WriteWorkspaceFor writes takes its `expect:` bounds from. It is collected while the data
// is written, user by user, so it costs no second pass and no memory per event.
type Tally struct {
	users   map[Industry]int
	planted map[Industry]map[Behavior]int // users by industry and their whole planted set
	// intentAccounts are the accounts with a member planted HighIntentAccount.
	intentAccounts map[string]bool
	accounts       map[Industry]map[string]bool
	events         [numEventNames]int64
	latest         int64   // the latest event, unix seconds: the store's default as_of
	signups        []int64 // every signup event's time, for new_users
}

func newTally() *Tally {
	return &Tally{users: map[Industry]int{}, planted: map[Industry]map[Behavior]int{},
		intentAccounts: map[string]bool{}, accounts: map[Industry]map[string]bool{}}
}

// addUser counts one generated user and their events.
func (t *Tally) addUser(u *User, events []event) {
	t.users[u.Industry]++
	if t.planted[u.Industry] == nil {
		t.planted[u.Industry] = map[Behavior]int{}
	}
	t.planted[u.Industry][u.Planted]++
	if u.AccountID != "" {
		if t.accounts[u.Industry] == nil {
			t.accounts[u.Industry] = map[string]bool{}
		}
		t.accounts[u.Industry][u.AccountID] = true
		if u.Planted.Has(HighIntentAccount) {
			t.intentAccounts[u.AccountID] = true
		}
	}
	for i := range events {
		e := &events[i]
		t.events[e.name]++
		t.latest = max(t.latest, e.t)
		if e.name == evSignup {
			t.signups = append(t.signups, e.t)
		}
	}
}

// merge adds another tally (of a later chunk of users) into t.
func (t *Tally) merge(o *Tally) {
	for in, n := range o.users {
		t.users[in] += n
	}
	for in, m := range o.planted {
		if t.planted[in] == nil {
			t.planted[in] = map[Behavior]int{}
		}
		for b, n := range m {
			t.planted[in][b] += n
		}
	}
	for a := range o.intentAccounts {
		t.intentAccounts[a] = true
	}
	for in, m := range o.accounts {
		if t.accounts[in] == nil {
			t.accounts[in] = map[string]bool{}
		}
		for a := range m {
			t.accounts[in][a] = true
		}
	}
	for i, n := range o.events {
		t.events[i] += n
	}
	t.latest = max(t.latest, o.latest)
	t.signups = append(t.signups, o.signups...)
}

// HasEvent reports whether the run emitted at least one event of that name.
func (t *Tally) HasEvent(name string) bool {
	i := slices.Index(eventNames[:], name)
	return i >= 0 && t.events[i] > 0
}

// Latest is the time of the latest event (the default as_of of a store holding the data).
func (t *Tally) Latest() time.Time { return time.Unix(t.latest, 0).UTC() }

// Users counts the users of the industries given (all when none).
func (t *Tally) Users(industries ...Industry) int {
	n := 0
	for in, c := range t.users {
		if len(industries) == 0 || slices.Contains(industries, in) {
			n += c
		}
	}
	return n
}

// Planted counts the users of the industries given (all when none) planted with any of the
// behaviors in mask.
func (t *Tally) Planted(mask Behavior, industries ...Industry) int {
	n := 0
	for in, m := range t.planted {
		if len(industries) > 0 && !slices.Contains(industries, in) {
			continue
		}
		for b, c := range m {
			if b&mask != 0 {
				n += c
			}
		}
	}
	return n
}

// SignedUpWithin counts signups in the d before the latest event (both ends included), the
// people `first: signup, ago: "<= d"` finds.
func (t *Tally) SignedUpWithin(d time.Duration) int {
	n := 0
	for _, s := range t.signups {
		if t.latest-s <= int64(d/time.Second) {
			n++
		}
	}
	return n
}
