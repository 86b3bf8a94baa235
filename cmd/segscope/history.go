package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report"
	"github.com/segscope/segscope/segments"
)

// historyDays is the default span of a history: the last 90 days.
const historyDays = 90

func newHistoryCmd(s *streams) *cobra.Command {
	var from, to, every string
	cmd := &cobra.Command{
		Use:   "history SEGMENT --db STORE.duckdb [--from DAY] [--to DAY] [--every 1d]",
		Short: "Show a segment's members over time: size, entries and exits",
		Long: `history evaluates a segment at the end (23:59:59 UTC) of the --from day and every
--every after it up to the --to day (default: the last 90 days of data, daily), and prints
each point's members with how many entered and left since the point before. Each point
is the answer count --as-of gives for that instant; conditions that count events in a
window are computed for every point at once.

--every takes a duration: 1d, 1w, 12h. --json prints {"segment","unit","universe",
"points":[{"as_of","members","entered","left"}]}, entered and left null at the first
point.`,
		Example: `  segscope history segments/repeat_buyers.yaml --db shop.duckdb
  segscope history repeat_buyers --segments segments/ --db shop.duckdb --from 2026-01-01 --to 2026-03-31 --every 1w --json`,
		Args: cobra.ExactArgs(1),
	}
	f := &segmentFlags{store: addStoreFlags(cmd)}
	fl := cmd.Flags()
	fl.BoolVar(&f.json, "json", false, "print JSON")
	fl.StringVar(&f.segments, "segments", "", "the workspace `DIR` that segment names (and references) resolve in")
	fl.StringVar(&from, "from", "", "the first point: the end of this `DAY` (YYYY-MM-DD; default: 89 days before --to)")
	fl.StringVar(&to, "to", "", "the last point: the end of this `DAY` (default: the day of the latest event)")
	fl.StringVar(&every, "every", "1d", "the step between points, a `DURATION` (1d, 1w, 12h)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		step, err := segments.ParseDuration(every)
		if err != nil {
			return fmt.Errorf("--every: %w", err)
		}
		fromDay, err := parseDay("--from", from)
		if err != nil {
			return err
		}
		toDay, err := parseDay("--to", to)
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		env, err := f.open(ctx, args)
		if err != nil {
			return err
		}
		defer env.close()
		if len(env.segs) != 1 {
			return fmt.Errorf("%s holds %d segments; history takes one (name it with --segments DIR)", args[0], len(env.segs))
		}
		seg := env.segs[0]
		if toDay.IsZero() {
			latest, err := env.engine.LatestEvent(ctx)
			if err != nil {
				return err
			}
			if latest.IsZero() {
				return errors.New("the store has no events: give --to")
			}
			toDay = latest.UTC().Truncate(24 * time.Hour)
		}
		if fromDay.IsZero() {
			fromDay = toDay.AddDate(0, 0, -(historyDays - 1))
		}
		span, err := query.NewHistorySpan(endOfDay(fromDay), endOfDay(toDay), step.Std())
		if err != nil {
			return err
		}
		env.asOf = span.At(span.Points - 1)
		if err := lintSegments(ctx, env, s.err); err != nil {
			return err
		}
		// Text goes out point by point; JSON once complete. A terminal on stderr sees how
		// far it got.
		progress := isTerminal(s.err)
		if !f.json {
			report.HistoryHeader(s.out, seg.Name, seg.Unit.String())
		}
		h, err := env.engine.History(ctx, seg, env.resolver, span, func(i int, p query.HistoryPoint) error {
			if progress {
				fmt.Fprintf(s.err, "\rhistory: %d/%d points", i+1, span.Points)
			}
			if !f.json {
				report.HistoryPoint(s.out, p)
			}
			return nil
		})
		if progress {
			fmt.Fprint(s.err, "\r\x1b[K")
		}
		if err != nil {
			return err
		}
		if f.json {
			return report.Write(s.out, report.History{History: h}, true)
		}
		report.HistoryFooter(s.out, h)
		return nil
	}
	return cmd
}

// parseDay reads a YYYY-MM-DD flag ("" is the zero time: the default).
func parseDay(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want a day, YYYY-MM-DD", flag, s)
	}
	return d, nil
}

// endOfDay is the last second of a UTC day, where --as-of DAY evaluates.
func endOfDay(day time.Time) time.Time { return day.Add(24*time.Hour - time.Second) }
