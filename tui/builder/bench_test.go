package builder

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/segscope/segscope/demo"
	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/theme"
)

// benchSegment has five conditions, like the segments people build.
const benchSegment = `name: bench
where:
  all:
    - did: add_to_cart
      in_last: 30d
    - did: add_to_cart
      then_not: purchase
      within: 2h
    - did_not: purchase
      in_last: 7d
    - measure: sum(revenue)
      of: purchase
      in_last: 365d
      is: ">= 50"
    - trend: app_open
      in_last: 30d
      change: "<= -50%"
`

// BenchmarkKeystrokeWhileCounting is what a person typing in the builder waits for: one key's
// Update and the View drawn after it, while DuckDB is busy counting segments on the same store
// (a cold evaluation of the same five conditions runs in a loop beside the benchmark). The
// store is SEGSCOPE_BENCH_STORE (for example 10M events made with segscope gen and load),
// else the demo store. Target: ≤ 16 ms a key.
func BenchmarkKeystrokeWhileCounting(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var store *query.Store
	var err error
	if path := os.Getenv("SEGSCOPE_BENCH_STORE"); path != "" {
		store, err = query.Open(ctx, path, query.Options{ReadOnly: true})
	} else {
		store, err = demo.Open(ctx)
	}
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	segs, err := segments.Parse("bench.yaml", []byte(benchSegment))
	if err != nil {
		b.Fatal(err)
	}
	seg := segs[0]
	info, err := store.Info(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var vocab Vocab
	for _, e := range info.EventCounts {
		vocab.Events = append(vocab.Events, e.Name)
	}

	// DuckDB stays busy: cold evaluations, one after another, until the benchmark ends.
	var wg sync.WaitGroup
	var counted atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			eng := query.NewEngine(store)
			if _, err := eng.Evaluate(ctx, seg, nil, time.Time{}); err == nil {
				counted.Add(1)
			}
		}
	}()
	defer wg.Wait()
	defer cancel()

	m, err := Open(ctx, Deps{Engine: query.NewEngine(store), Vocab: vocab}, theme.New(true), seg, "", []byte(benchSegment))
	if err != nil {
		b.Fatal(err)
	}
	m.SetSize(120, 36)
	press := func(k tea.KeyPressMsg) {
		var cmd tea.Cmd
		m, cmd = m.Update(k)
		_ = cmd // the debounce tick: the count it would start is the background's job here
		_ = m.View()
	}
	// Into the fourth condition's form, then edit its value field.
	for _, k := range []string{"j", "j", "j", "j", "enter", "j", "j", "j", "enter"} {
		press(keyMsg(k))
	}
	if !m.Capturing() {
		b.Fatal("not editing a value: the key sequence no longer reaches a field")
	}
	keys := []tea.KeyPressMsg{keyMsg("4"), {Code: tea.KeyBackspace}}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		press(keys[i%2])
	}
	b.StopTimer()
	b.ReportMetric(float64(counted.Load()), "bg-counts")
}

func keyMsg(k string) tea.KeyPressMsg {
	if k == "enter" {
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}
