package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/query"
	sampledata "github.com/segscope/segscope/sample-data"
)

func newGenCmd(s *streams) *cobra.Command {
	var (
		industry, out, format, end string
		users, days                int
		seed                       uint64
	)
	cmd := &cobra.Command{
		Use:   "gen --out DIR",
		Short: "Generate a deterministic synthetic event dataset",
		Long: `gen writes DIR/events.csv (or events.parquet) in the canonical format
user_id,event,timestamp,account_id,revenue,properties and DIR/users.csv with each user's
attributes, and a workspace that fits the data: DIR/segments/*.yaml and
DIR/campaigns/*.yaml, the demo segments and campaigns whose events and people the
industry has, with expect: bounds from what was planted, so that
segscope check DIR/segments --db STORE passes on a store loaded from it. The data is made for segmentation: repeat, lapsed and seasonal buyers, cart
abandoners, power and dormant users, declining engagement, trial activation, account
intent, topic followers, paywall hitters, near-completers, security- and reward-minded
users and more are planted at known rates (see sample-data/README.md).

The same flags always give byte-identical files: the span ends at --end and covers
--days days, whatever the date today.`,
		Example: `  segscope gen --industry mixed --users 10000 --seed 1 --out data/
  segscope gen --industry saas --users 500000 --format parquet --out big/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, f, err := genConfig(industry, users, seed, end, days, format)
			if err != nil {
				return err
			}
			started := time.Now()
			sum, err := sampledata.WriteDataset(cmd.Context(), cfg, out, f)
			if err != nil {
				return fmt.Errorf("gen: %w", err)
			}
			ws, err := sampledata.WriteWorkspaceFor(out, sum)
			if err != nil {
				return fmt.Errorf("gen: %w", err)
			}
			printGenSummary(s, sum, ws, time.Since(started))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&industry, "industry", "mixed", "ecommerce, saas, media, elearning, fintech, retail or mixed")
	fl.IntVar(&users, "users", 10000, "number of users")
	fl.Uint64Var(&seed, "seed", 1, "random seed; the same seed gives the same data")
	fl.StringVar(&out, "out", "", "output directory (created if missing)")
	fl.StringVar(&format, "format", "csv", "events file format: csv or parquet")
	fl.StringVar(&end, "end", sampledata.DefaultEnd().Format(time.DateOnly),
		"last day of the span (YYYY-MM-DD, up to 23:59:59 UTC) or an RFC 3339 instant")
	fl.IntVar(&days, "days", sampledata.DefaultDays, "length of the span in days")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func genConfig(industry string, users int, seed uint64, end string, days int, format string) (sampledata.Config, sampledata.Format, error) {
	in, err := sampledata.ParseIndustry(industry)
	if err != nil {
		return sampledata.Config{}, sampledata.Format{}, err
	}
	endAt, err := genParseEnd(end)
	if err != nil {
		return sampledata.Config{}, sampledata.Format{}, err
	}
	var f sampledata.Format
	switch strings.ToLower(format) {
	case "csv":
		f = sampledata.CSV()
	case "parquet":
		f = sampledata.Parquet(func(ctx context.Context, src, dst string) (int64, error) {
			return query.CSVToParquet(ctx, src, dst, query.CanonicalEventColumns())
		})
	default:
		return sampledata.Config{}, sampledata.Format{}, fmt.Errorf("unknown format %q (want csv or parquet)", format)
	}
	if days < 1 {
		// Config reads 0 as the default; on the command line it is a mistake.
		return sampledata.Config{}, sampledata.Format{}, fmt.Errorf("days must be between 1 and 3650, got %d", days)
	}
	cfg := sampledata.Config{Industry: in, Users: users, Seed: seed, End: endAt, Days: days}
	if _, _, err := cfg.Span(); err != nil {
		return sampledata.Config{}, sampledata.Format{}, err
	}
	return cfg, f, nil
}

// genParseEnd reads --end: a date means the last second of that day in UTC.
func genParseEnd(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Add(24*time.Hour - time.Second), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--end %q: want YYYY-MM-DD or an RFC 3339 time", s)
	}
	return t.UTC(), nil
}

func printGenSummary(s *streams, sum sampledata.Summary, ws sampledata.FittedWorkspace, took time.Duration) {
	w := s.out
	fmt.Fprintf(w, "wrote %s  %s events  %s\n", sum.EventsFile, genThousands(sum.Events), genByteSize(sum.EventsBytes))
	fmt.Fprintf(w, "wrote %s  %s users  %s\n", sum.UsersFile, genThousands(sum.Users), genByteSize(sum.UsersBytes))
	fmt.Fprintf(w, "industry %s, seed %d, span %s … %s (%d days), revenue %.2f, in %s\n",
		sum.Config.Industry, sum.Config.Seed, sum.Start.Format(time.RFC3339), sum.End.Format(time.RFC3339),
		sum.Config.Days, sum.Revenue, took.Round(time.Millisecond))
	if ws, err := sum.Config.SaleWindows(); err == nil && len(ws) > 0 {
		var parts []string
		for _, sw := range ws {
			d := sw.Days()
			parts = append(parts, fmt.Sprintf("%s [%s, %s]", sw.Name, d[0], d[1]))
		}
		fmt.Fprintf(w, "sale windows: %s\n", strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "wrote %s and %s  a workspace for this data: %d segments (%d with expect: bounds from what was planted), %d campaigns\n",
		filepath.Join(ws.Dir, "segments"), filepath.Join(ws.Dir, "campaigns"), len(ws.Segments), ws.Expected, len(ws.Campaigns))
}

// genThousands formats n with comma separators: 1,234,567.
func genThousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + genThousands(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func genByteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
