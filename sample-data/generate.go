// Package sampledata generates deterministic synthetic behavioral event data: users of six
// industries (ecommerce, SaaS, media, e-learning, fintech, retail) whose events carry
// planted behaviors for every segment type of the reference guide — repeat, lapsed and
// seasonal buyers, cart abandoners, power and dormant users, declining engagement, inactive
// subscribers, pricing and account intent, trial activation, topic followers, paywall
// hitters, near-completers, security- and reward-minded users, investment intent, at-risk
// loyal members, win-back candidates. README.md documents the vocabulary and the planted
// shares.
//
// Every user is generated from its own random stream derived from (seed, user index), so
// the work is split across goroutines and the output is byte-identical for the same Config
// whatever the number of workers. The span is fixed by Config.End and Config.Days, never by
// the clock.
package sampledata

import (
	"context"
	"sync"
	"time"
)

// Event is one generated event in canonical form.
type Event struct {
	UserID     string
	Name       string
	Time       time.Time // UTC, whole seconds
	AccountID  string    // "" outside SaaS
	Revenue    float64   // meaningful when HasRevenue
	HasRevenue bool
	Properties string // a JSON object; "{}" when there are none
}

// Sink receives a generated dataset. Generate calls it from one goroutine: for each user
// in user-id order, User first, then the user's events in time order.
type Sink interface {
	User(User) error
	Event(Event) error
}

// Generate streams the dataset of cfg into sink. It stops at the first error from the sink
// or when ctx is done.
func Generate(ctx context.Context, cfg Config, sink Sink) error {
	c, err := cfg.normalized()
	if err != nil {
		return err
	}
	return run(ctx, c, func(g *gen, ch *chunk) {
		for i := ch.lo; i < ch.hi; i++ {
			g.user(i)
			ch.users = append(ch.users, g.u)
			ch.perUser = append(ch.perUser, len(g.events))
			for k := range g.events {
				ch.events = append(ch.events, publicEvent(&g.u, &g.events[k], &ch.scratch))
			}
		}
	}, func(ch *chunk) error {
		k := 0
		for i, u := range ch.users {
			if err := sink.User(u); err != nil {
				return err
			}
			for _, e := range ch.events[k : k+ch.perUser[i]] {
				if err := sink.Event(e); err != nil {
					return err
				}
			}
			k += ch.perUser[i]
		}
		return nil
	})
}

func publicEvent(u *User, e *event, scratch *[]byte) Event {
	*scratch = appendProps((*scratch)[:0], e, false)
	out := Event{
		UserID:     u.ID,
		Name:       eventNames[e.name],
		Time:       time.Unix(e.t, 0).UTC(),
		AccountID:  u.AccountID,
		HasRevenue: e.cents != noRevenue,
		Properties: string(*scratch),
	}
	if out.HasRevenue {
		out.Revenue = float64(e.cents) / 100
	}
	return out
}

// chunkUsers is the unit of work: whole blocks, large enough to amortize the hand-off,
// small enough that the demo still spreads over every core.
const chunkUsers = 16 * blockSize

// chunk carries one range of users from a worker to the consumer, in whichever form the
// consumer wants; chunks are recycled.
type chunk struct {
	seq, lo, hi int
	// Generate's form.
	users   []User
	perUser []int
	events  []Event
	scratch []byte
	// WriteDataset's form.
	usersCSV, eventsCSV []byte
	nEvents, revenue    int64 // revenue in cents
	tally               *Tally
}

func (ch *chunk) reset(seq, lo, hi int) {
	ch.seq, ch.lo, ch.hi = seq, lo, hi
	ch.users, ch.perUser, ch.events = ch.users[:0], ch.perUser[:0], ch.events[:0]
	ch.usersCSV, ch.eventsCSV, ch.nEvents, ch.revenue = ch.usersCSV[:0], ch.eventsCSV[:0], 0, 0
	ch.tally = nil
}

// run generates the chunks of c on c.Workers goroutines and hands them to consume on the
// calling goroutine in order. At most a fixed number of chunks are in flight, so memory
// stays bounded however many users are asked for.
func run(ctx context.Context, c Config, produce func(*gen, *chunk), consume func(*chunk) error) error {
	n := (c.Users + chunkUsers - 1) / chunkUsers
	workers := max(1, min(c.Workers, n))
	inflight := 2*workers + 2

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()

	free := make(chan *chunk, inflight)
	for range inflight {
		free <- &chunk{}
	}
	jobs := make(chan *chunk)
	done := make(chan *chunk, inflight)

	wg.Go(func() {
		defer close(jobs)
		for seq := range n {
			var ch *chunk
			select {
			case ch = <-free:
			case <-ctx.Done():
				return
			}
			ch.reset(seq, seq*chunkUsers, min(c.Users, (seq+1)*chunkUsers))
			select {
			case jobs <- ch:
			case <-ctx.Done():
				return
			}
		}
	})
	var workersWG sync.WaitGroup
	for range workers {
		workersWG.Go(func() {
			g := newGen(c)
			for ch := range jobs {
				produce(g, ch)
				select {
				case done <- ch:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	wg.Go(func() {
		workersWG.Wait()
		close(done)
	})

	pending := make(map[int]*chunk, inflight)
	for next := 0; next < n; {
		select {
		case ch, ok := <-done:
			if !ok {
				return ctx.Err()
			}
			pending[ch.seq] = ch
		case <-ctx.Done():
			return ctx.Err()
		}
		for {
			ch, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := consume(ch); err != nil {
				return err
			}
			next++
			free <- ch
		}
	}
	return nil
}
