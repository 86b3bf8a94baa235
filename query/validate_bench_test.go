package query

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/segscope/segscope/segments"
)

// The validation benchmarks (explain, diff, history; BENCHMARKS.md) run on a store made
// with `segscope gen` and `segscope load`, named by SEGSCOPE_BENCH_STORE, with the
// workspace gen wrote beside it (DIR/segments); without it they are skipped.
//
//	SEGSCOPE_BENCH_STORE=/tmp/big/s.duckdb go test ./query -run '^$' -bench Validate -benchtime 5x

// benchSegments are the gen workspace's segments the benchmarks use: a reference and a
// count in a window, a sequence, a trend with recency, and a measure.
var benchSegments = []string{"frequent_buyers", "cart_abandoners", "at_risk_loyal", "big_spenders"}

func benchStore(b *testing.B) (*Store, *segments.Workspace) {
	b.Helper()
	path := os.Getenv("SEGSCOPE_BENCH_STORE")
	if path == "" {
		b.Skip("SEGSCOPE_BENCH_STORE names a store made by segscope gen and load")
	}
	s, err := Open(context.Background(), path, Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Seal(context.Background()); err != nil {
		b.Fatal(err)
	}
	ws, err := segments.LoadWorkspace(filepath.Join(filepath.Dir(path), "segments"))
	if err != nil {
		b.Fatal(err)
	}
	return s, ws
}

// someMember is the first member of seg: explaining one is the common case, and a
// member's leaves all hold, so no condition is skipped.
func someMember(b *testing.B, e *Engine, seg *segments.Segment, ws *segments.Workspace) string {
	b.Helper()
	res, err := e.Evaluate(context.Background(), seg, ws, time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	keys, err := e.MemberKeys(context.Background(), NewMemberSet(res.Members.IDs()[0]), seg.Unit)
	if err != nil {
		b.Fatal(err)
	}
	return keys[0]
}

// BenchmarkValidateExplainCold: one person explained by a fresh engine (its snapshot read
// first, untimed).
func BenchmarkValidateExplainCold(b *testing.B) {
	s, ws := benchStore(b)
	ctx := context.Background()
	for _, name := range benchSegments {
		seg := ws.Segment(name)
		who := someMember(b, NewEngine(s), seg, ws)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				e := NewEngine(s)
				if _, err := e.Vocabulary(ctx); err != nil { // the snapshot
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := e.Explain(ctx, seg, ws, time.Time{}, who); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkValidateDiffCold: a segment against itself with its window or threshold
// changed, cold, next to counting the two definitions one after the other.
func BenchmarkValidateDiffCold(b *testing.B) {
	s, ws := benchStore(b)
	ctx := context.Background()
	old := ws.Segment("frequent_buyers")
	edited, err := segments.ParseSegment("edited.yaml", []byte(`name: frequent_buyers
where:
  all:
    - segment: repeat_buyers
    - did: purchase
      in_last: 90d
      times: ">= 3"
`))
	if err != nil {
		b.Fatal(err)
	}
	fresh := func(b *testing.B) *Engine {
		b.StopTimer()
		defer b.StartTimer()
		e := NewEngine(s)
		if _, err := e.Vocabulary(ctx); err != nil {
			b.Fatal(err)
		}
		return e
	}
	b.Run("diff", func(b *testing.B) {
		for b.Loop() {
			if _, err := fresh(b).Diff(ctx, old, edited, ws, ws, time.Time{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("two counts", func(b *testing.B) {
		for b.Loop() {
			e := fresh(b)
			for _, seg := range []*segments.Segment{old, edited} {
				if _, err := e.Evaluate(ctx, seg, ws, time.Time{}); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkValidateHistory: 90 daily points ending at the latest event's day, cold (a
// fresh engine), then again on the same engine (every condition cached); the time to the
// first point is reported as first-ms.
func BenchmarkValidateHistory(b *testing.B) {
	s, ws := benchStore(b)
	ctx := context.Background()
	latest, err := NewEngine(s).LatestEvent(ctx)
	if err != nil {
		b.Fatal(err)
	}
	to := latest.Truncate(24 * time.Hour).Add(24*time.Hour - time.Second)
	span, err := NewHistorySpan(to.AddDate(0, 0, -89), to, 24*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range benchSegments {
		seg := ws.Segment(name)
		run := func(b *testing.B, e *Engine) {
			start := time.Now()
			var first time.Duration
			if _, err := e.History(ctx, seg, ws, span, func(i int, _ HistoryPoint) error {
				if i == 0 {
					first = time.Since(start)
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(first.Microseconds())/1000, "first-ms")
		}
		b.Run(name+"/cold", func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				e := NewEngine(s)
				if _, err := e.Vocabulary(ctx); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				run(b, e)
			}
		})
		b.Run(name+"/cached", func(b *testing.B) {
			e := NewEngine(s)
			run(b, e)
			for b.Loop() {
				run(b, e)
			}
		})
	}
}
