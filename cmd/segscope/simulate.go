package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/demo"
	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/sim"
)

func newSimulateCmd(s *streams) *cobra.Command {
	var (
		asOf, capFlag, segDir, person string
		asJSON                        bool
	)
	cmd := &cobra.Command{
		Use:   "simulate [--db STORE] CAMPAIGN.yaml...",
		Short: "Replay triggered campaigns over history: reach, sends, caps, conversions, collisions",
		Long: `simulate replays campaigns over the store's history as if they had been switched on:
every trigger in the campaign's between window starts a journey (unless the person is
already in one), each step fires after its wait, deferred past quiet hours in the person's
tz, until an exit event ends the journey. It reports per campaign the journeys (holdout
included), the people reached, the sends per step, what the cap suppressed and quiet hours
deferred, the sends still pending after --as-of, the exits, the conversions of treated and
holdout journeys and their revenue, and per day the same; across the campaigns given, the
person-days with more than one message (collisions). --cap limits each person's messages
across all the campaigns, the first campaign given claiming the budget first.

Segment triggers ({segment: name}) are evaluated daily at 00:00 UTC against the segments
of --segments DIR (default: the workspace around the campaign file: the parent of its
folder, else its folder).

Without --db the campaigns replay over the built-in demo dataset (the one the explorer
opens with no arguments), which the demo campaigns of sample-data/campaigns are written
for.

--json prints one JSON object for one campaign, and {"campaigns": [...], ...} with the same
objects for several. --person USER_ID adds that person's events and messages, interleaved.`,
		Example: `  segscope simulate sample-data/campaigns/*.yaml
  segscope simulate --db shop.duckdb sample-data/campaigns/cart_recovery.yaml
  segscope simulate --db shop.duckdb sample-data/campaigns/*.yaml --cap "3 per 7d"
  segscope simulate --db shop.duckdb cart.yaml --as-of 2026-10-31 --json
  segscope simulate --db shop.duckdb cart.yaml --person u0000042`,
		Args: cobra.MinimumNArgs(1),
	}
	sf := addStoreFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&asOf, "as-of", "", "replay as of this `TIME` (RFC 3339 or YYYY-MM-DD, the end of that day; default: the latest event)")
	fl.StringVar(&capFlag, "cap", "", "cap each person's messages across all the campaigns, e.g. \"3 per 7d\"")
	fl.StringVar(&segDir, "segments", "", "workspace `DIR` holding the segments that segment triggers name")
	fl.StringVar(&person, "person", "", "also show this person's (`USER_ID`) events and messages")
	fl.BoolVar(&asJSON, "json", false, "print JSON")
	cmd.RunE = func(cmd *cobra.Command, files []string) error {
		ctx := cmd.Context()
		at, err := parseAsOf(asOf)
		if err != nil {
			return err
		}
		opt := sim.Options{AsOf: at}
		if capFlag != "" {
			c, err := segments.ParseCap(capFlag)
			if err != nil {
				return fmt.Errorf("--cap: %w", err)
			}
			opt.Cap = &c
		}
		campaigns, err := sim.LoadCampaigns(files)
		if err != nil {
			return err
		}
		return replay(ctx, s, sf, files, campaigns, segDir, opt, true, func(r *sim.Replay) error {
			var tl *sim.Timeline
			if person != "" {
				uid, err := r.FindPerson(ctx, person)
				if err != nil {
					return fmt.Errorf("--person: %w", err)
				}
				if tl, err = r.PersonTimeline(ctx, uid); err != nil {
					return err
				}
			}
			return report.Write(s.out, report.Replay{Replay: r, Person: tl}, asJSON)
		})
	}
	return cmd
}

// replay replays campaigns (read from files) over the store --db names, or the built-in
// demo when there is none and useDemo is set, resolving segment triggers in segDir, and
// hands the result to then while the store is open.
func replay(ctx context.Context, s *streams, sf *storeFlags, files []string, campaigns []*segments.Campaign, segDir string,
	opt sim.Options, useDemo bool, then func(*sim.Replay) error) error {
	var warning, err error
	if opt.Segments, warning, err = sim.TriggerSegments(segDir, files, campaigns); err != nil {
		return err
	}
	if warning != nil {
		fmt.Fprintf(s.err, "segscope: warning: %v\n", warning)
	}
	var store *query.Store
	if sf.db == "" && useDemo {
		// Like the explorer without a store: the demo campaigns meet the demo data.
		fmt.Fprintln(s.err, "segscope: no --db given: replaying over the built-in demo dataset")
		store, err = demo.Open(ctx)
	} else {
		store, err = sf.openRead(ctx)
	}
	if err != nil {
		return err
	}
	defer store.Close()
	r, err := sim.Run(ctx, store, campaigns, opt)
	if err != nil {
		return err
	}
	return then(r)
}
