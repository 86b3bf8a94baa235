package bench

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
)

// BenchmarkColdCount evaluates each condition of segscope bench's cold table on the store
// named by SEGSCOPE_BENCH_STORE (made with segscope gen and load), with an empty cache each
// time, as segscope bench's "engine" column does:
//
//	SEGSCOPE_BENCH_STORE=/tmp/scale/d100.duckdb go test ./bench -run '^$' -bench ColdCount -benchtime 5x
//
// Besides the wall time per evaluation it reports the process's CPU time per evaluation
// (user + system, cpu-ms/op): on a machine shared with other work the wall time stretches
// with every other process on the cores, while the CPU time the query itself needs changes
// much less, so it is the figure that compares layouts and sizes there (BENCHMARKS.md).
func BenchmarkColdCount(b *testing.B) {
	path := os.Getenv("SEGSCOPE_BENCH_STORE")
	if path == "" {
		b.Skip("SEGSCOPE_BENCH_STORE names a store made by segscope gen and load")
	}
	ctx := context.Background()
	s, err := query.Open(ctx, path, query.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	e := query.NewEngine(s)
	for _, c := range cases {
		cond, err := segments.ParseCondition("bench", []byte(c.cond), c.unit)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.kind, func(b *testing.B) {
			run := func() int64 {
				e.ClearCache()
				set, err := e.EvaluateCondition(ctx, cond, c.unit, nil, time.Time{})
				if err != nil {
					b.Fatal(err)
				}
				return int64(set.Count())
			}
			run() // warm-up: the store's blocks in memory, the snapshot read
			b.ResetTimer()
			cpu := processCPU()
			var members int64
			for i := 0; i < b.N; i++ {
				members = run()
			}
			b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(members), "members")
		})
	}
}

// processCPU is the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
