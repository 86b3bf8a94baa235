package sim

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/segscope/segscope/query"
	sampledata "github.com/segscope/segscope/sample-data"
	"github.com/segscope/segscope/segments"
)

// BenchmarkReplayCartRecovery replays a cart-recovery campaign (two steps, cap, quiet hours
// in each person's tz, holdout, 3-day conversion window) over a generated ecommerce store:
// the store SEGSCOPE_SIM_STORE names (for example 400,000 users ≈ 10.6M events, made with
// `segscope gen --industry ecommerce --users 400000` and `segscope load`), else a small one
// generated here. "all" replays the whole history, "3 months" the last three.
func BenchmarkReplayCartRecovery(b *testing.B) {
	ctx := context.Background()
	store := benchStore(b)
	var events int64
	if err := store.DB().QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&events); err != nil {
		b.Fatal(err)
	}
	all := readCampaigns(b, "bench/cart_recovery.yaml")[0]
	last3 := *all
	last3.Name = "cart_recovery_3m"
	from, _ := segments.ParseDate("2026-08-28")
	to, _ := segments.ParseDate("2026-11-27")
	last3.Between = segments.Window{Kind: segments.WindowBetween, Ranges: []segments.DateRange{{From: from, To: to}}}
	for _, bc := range []struct {
		name string
		c    *segments.Campaign
	}{{"all", all}, {"3 months", &last3}} {
		b.Run(bc.name, func(b *testing.B) {
			var r *Replay
			for b.Loop() {
				var err error
				if r, err = Run(ctx, store, []*segments.Campaign{bc.c}, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			c := r.Campaigns[0]
			b.ReportMetric(float64(events), "events")
			b.ReportMetric(float64(c.Journeys), "journeys")
			b.ReportMetric(float64(c.Totals().Sends), "sends")
		})
	}
}

func benchStore(b *testing.B) *query.Store {
	b.Helper()
	ctx := context.Background()
	if path := os.Getenv("SEGSCOPE_SIM_STORE"); path != "" {
		store, err := query.Open(ctx, path, query.Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { store.Close() })
		return store
	}
	dir := b.TempDir()
	if _, err := sampledata.WriteDataset(ctx, sampledata.Config{Industry: sampledata.Ecommerce, Users: 5000, Seed: 1}, dir, sampledata.CSV()); err != nil {
		b.Fatal(err)
	}
	store, err := query.Open(ctx, "", query.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	if _, err := store.Load(ctx, query.LoadRequest{Paths: []string{filepath.Join(dir, "events.csv")}, Users: filepath.Join(dir, "users.csv")}); err != nil {
		b.Fatal(err)
	}
	return store
}
