package sampledata

import (
	"context"
	"fmt"
	"testing"
)

type nullSink struct{ events int64 }

func (s *nullSink) User(User) error   { return nil }
func (s *nullSink) Event(Event) error { s.events++; return nil }

// BenchmarkDemo is the embedded demo generated in memory, as the explorer does at start.
func BenchmarkDemo(b *testing.B) {
	var s nullSink
	for b.Loop() {
		s.events = 0
		if err := Generate(context.Background(), Demo(), &s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.events), "events/op")
}

// BenchmarkWriteCSV writes mixed datasets to disk, as `segscope gen` does; ns/event is the
// figure to compare across sizes. The 1M-user case writes about 2 GB.
func BenchmarkWriteCSV(b *testing.B) {
	for _, users := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			dir := b.TempDir()
			var sum Summary
			for b.Loop() {
				var err error
				sum, err = WriteDataset(context.Background(), Config{Industry: Mixed, Users: users, Seed: 1}, dir, CSV())
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(sum.Events), "events/op")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(sum.Events), "ns/event")
			b.SetBytes(sum.EventsBytes + sum.UsersBytes)
		})
	}
}

// BenchmarkUser is the generator alone, one user at a time on one goroutine.
func BenchmarkUser(b *testing.B) {
	c, err := Config{Industry: Mixed, Users: 1 << 20, Seed: 1}.normalized()
	if err != nil {
		b.Fatal(err)
	}
	g := newGen(c)
	events := 0
	i := 0
	for b.Loop() {
		g.user(i % c.Users)
		events += len(g.events)
		i++
	}
	b.ReportMetric(float64(events)/float64(b.N), "events/user")
}
