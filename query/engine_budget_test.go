package query

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segscope/segscope/segments"
)

// diamond is a workspace where each segment refers to the next one twice:
// d_i: any[segment d_{i+1}, not segment d_{i+1}], and the last one is `did purchase`.
// Evaluated as a tree it costs 2^depth; as the DAG it is, depth+1 segments.
type diamond struct {
	segs map[string]*segments.Segment
	mu   sync.Mutex
	asks map[string]int // how often each name was resolved
	slow time.Duration  // each resolution takes this long
}

func newDiamond(t *testing.T, depth int) *diamond {
	t.Helper()
	d := &diamond{segs: map[string]*segments.Segment{}, asks: map[string]int{}}
	for i := 0; i <= depth; i++ {
		src := fmt.Sprintf("name: d%d\nwhere:\n  any:\n    - segment: d%d\n    - not: {segment: d%d}\n", i, i+1, i+1)
		if i == depth {
			src = fmt.Sprintf("name: d%d\nwhere:\n  did: purchase\n", i)
		}
		seg, err := segments.ParseSegment(fmt.Sprintf("d%d.yaml", i), []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		d.segs[seg.Name] = seg
	}
	return d
}

func (d *diamond) Segment(name string) *segments.Segment {
	d.mu.Lock()
	d.asks[name]++
	d.mu.Unlock()
	time.Sleep(d.slow)
	return d.segs[name]
}

// Finding 3: a segment referenced twice at each of 40 levels was evaluated 2^40 times. A
// reference graph is a DAG: each segment is computed once per evaluation.
func TestSecurityReferenceDiamondEvaluatesEachSegmentOnce(t *testing.T) {
	e := engineFixture(t)
	const depth = 40
	d := newDiamond(t, depth)
	type answer struct {
		res *Result
		err error
	}
	done := make(chan answer, 1)
	go func() {
		res, err := e.Evaluate(context.Background(), d.segs["d0"], d, fixtureAsOf)
		done <- answer{res, err}
	}()
	var got answer
	select {
	case got = <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("the depth-%d reference diamond is still evaluating after 20s", depth)
	}
	if got.err != nil {
		t.Fatal(got.err)
	}
	// any[x, not x] is everyone.
	if got.res.Count() != got.res.Universe {
		t.Errorf("d0 has %d members of %d, want everyone", got.res.Count(), got.res.Universe)
	}
	for name, n := range d.asks {
		if n > 1 {
			t.Errorf("segment %s resolved %d times in one evaluation, want once", name, n)
		}
	}
	if got.res.Queries > 1 {
		t.Errorf("%d queries for one leaf condition", got.res.Queries)
	}
}

// A cycle is still an error, and so is a chain of references deeper than the cap.
func TestReferenceCycleAndChainCap(t *testing.T) {
	e := engineFixture(t)
	ctx := context.Background()
	a, _ := segments.ParseSegment("a.yaml", []byte("name: a\nwhere:\n  any:\n    - segment: b\n    - did: purchase\n"))
	b, _ := segments.ParseSegment("b.yaml", []byte("name: b\nwhere:\n  all:\n    - did: purchase\n    - segment: a\n"))
	ws := mapResolver{"a": a, "b": b}
	if _, err := e.Evaluate(ctx, a, ws, fixtureAsOf); !errContains(err, "cycle: a -> b -> a") {
		t.Errorf("cycle: %v", err)
	}
	chain := mapResolver{}
	for i := 0; i <= maxReferenceChain+1; i++ {
		src := fmt.Sprintf("name: c%d\nwhere:\n  segment: c%d\n", i, i+1)
		if i == maxReferenceChain+1 {
			src = fmt.Sprintf("name: c%d\nwhere:\n  did: purchase\n", i)
		}
		seg, err := segments.ParseSegment("c.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		chain[seg.Name] = seg
	}
	if _, err := e.Evaluate(ctx, chain["c0"], chain, fixtureAsOf); !errContains(err, "references nest deeper than") {
		t.Errorf("a chain of %d references: %v", maxReferenceChain+1, err)
	}
	if _, err := e.Evaluate(ctx, chain["c2"], chain, fixtureAsOf); err != nil {
		t.Errorf("a chain of %d references: %v", maxReferenceChain-1, err)
	}
}

type mapResolver map[string]*segments.Segment

func (m mapResolver) Segment(name string) *segments.Segment { return m[name] }

func errContains(err error, s string) bool { return err != nil && strings.Contains(err.Error(), s) }

// Finding 3: the query timeout of a served store is one budget per evaluation, covering
// all of its statements and the work between them, not a deadline per statement.
func TestSecurityEvaluationHasOneDeadline(t *testing.T) {
	ctx := context.Background()
	store, err := Open(ctx, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Load(ctx, LoadRequest{
		Paths: []string{filepath.Join("testdata", "engine", "events.csv")},
		Users: filepath.Join("testdata", "engine", "users.csv"),
	}); err != nil {
		t.Fatal(err)
	}
	var timedOut, cancelled atomic.Int64
	const budget = 300 * time.Millisecond
	if err := store.SealWith(ctx, Limits{QueryTimeout: budget, OnInterrupt: func(_ context.Context, ev Interrupt) {
		if ev.TimedOut {
			timedOut.Add(1)
		} else {
			cancelled.Add(1)
		}
	}}); err != nil {
		t.Fatal(err)
	}
	e := NewEngine(store)
	// 20 segments, each taking 50 ms to look up: 1 s in all, each step well within 300 ms.
	d := newDiamond(t, 20)
	d.slow = 50 * time.Millisecond
	start := time.Now()
	_, err = e.Evaluate(ctx, d.segs["d0"], d, fixtureAsOf)
	took := time.Since(start)
	if !errors.Is(err, ErrQueryTimeout) {
		t.Fatalf("an evaluation of 1s under a %v budget: %v (after %v), want ErrQueryTimeout", budget, err, took)
	}
	if took > budget+500*time.Millisecond {
		t.Errorf("stopped after %v, budget %v", took, budget)
	}
	if timedOut.Load() != 1 || cancelled.Load() != 0 {
		t.Errorf("OnInterrupt heard %d timeouts and %d cancellations, want one timeout", timedOut.Load(), cancelled.Load())
	}
	// The budget is the evaluation's: the next one starts with a full one.
	d.slow = 0
	if _, err := e.Evaluate(ctx, d.segs["d0"], d, fixtureAsOf); err != nil {
		t.Errorf("a quick evaluation after a timed-out one: %v", err)
	}
}

// Work between statements stops when the caller cancels (a visitor leaving, ctrl+c).
func TestEvaluationStopsWhenCancelled(t *testing.T) {
	e := engineFixture(t)
	d := newDiamond(t, 30)
	d.slow = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := e.Evaluate(ctx, d.segs["d0"], d, fixtureAsOf)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled evaluation: %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > 400*time.Millisecond {
		t.Errorf("stopped %v after the cancel", took-100*time.Millisecond)
	}
}
