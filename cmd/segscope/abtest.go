package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/abtest"
	"github.com/segscope/segscope/report"
	"github.com/segscope/segscope/safe"
	"github.com/segscope/segscope/sim"
)

func newAbtestCmd(s *streams) *cobra.Command {
	var (
		baseline, mde     abRate
		alpha, power      = abRate{v: 0.05}, abRate{v: 0.8}
		relative, asJSON  bool
		bonferroni        bool
		ratio             float64
		variants, sims    int
		daily             float64
		seed              uint64
		formula           string
		entrants, revenue float64
		// The campaign mode: the replay fills the baseline, the daily rate and the
		// projection.
		campaignFile, asOf, segDir string
		store                      *storeFlags
	)
	cmd := &cobra.Command{
		Use:   "abtest [--campaign FILE --db STORE | --baseline P] --mde X [flags]",
		Short: "Plan an A/B test: sample size, days, power curve and simulated outcomes",
		Long: `abtest sizes a two-sided two-proportion z-test on a conversion rate and shows what
running it would look like.

It prints the users each arm needs (pooled variance under H0, unpooled under H1, no
continuity correction, unless --formula says otherwise), the days to enrol them at
--daily entrants a day, the power across smaller and larger effects, and a seeded Monte
Carlo of many experiments: how often the test comes out significant, how often it does
with no true effect, how much more often when someone checks it every day and stops at
the first significant look, and how spread out the observed lift is.

Peeking is simulated with one look a day, but at most 365 looks (and never more looks
than users in the smaller arm): a test running longer than 365 days is checked at 365
looks evenly spaced over its days, and the report says so ("looks_capped": true in
--json). Fewer looks than days understate what daily peeking costs.

Rates and effects take a fraction or a percent: --baseline 0.1 and --baseline 10% are
the same. --mde is absolute (0.02 = two percentage points) unless --relative (0.2 = a
20% lift). With more than two --variants every treatment arm is compared with control
at --alpha, or at alpha divided by the number of comparisons with --bonferroni.

With --campaign FILE --db STORE the campaign is replayed first (as segscope simulate
does, with --as-of and --segments): the baseline is the conversion rate of its settled
holdout journeys (of its treated journeys when it has no holdout), the daily rate its
journeys per day of the replay window, and the projection covers those journeys at
their revenue per conversion. --daily, --entrants and --revenue still override.`,
		Example: `  segscope abtest --baseline 10% --mde 2% --daily 500
  segscope abtest --baseline 0.032 --mde 0.1 --relative --power 0.9 --variants 3 --bonferroni
  segscope abtest --baseline 20% --mde 5% --formula evanmiller --sims 0 --json
  segscope abtest --campaign sample-data/campaigns/cart_recovery.yaml --db shop.duckdb --mde 10% --relative`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			flags := cmd.Flags()
			required := []string{"baseline", "mde"}
			if campaignFile != "" {
				if flags.Changed("baseline") {
					return errors.New("--baseline and --campaign are exclusive: the campaign's replay gives the baseline")
				}
				required = required[1:]
			} else if store.db != "" {
				return errors.New("--db is for --campaign FILE: give the campaign to replay")
			}
			for _, name := range required {
				if !flags.Changed(name) {
					return fmt.Errorf("--%s is required (a rate such as 0.1 or 10%%)", name)
				}
			}
			if !(ratio > 0) || math.IsInf(ratio, 0) {
				return fmt.Errorf("--ratio must be a positive number of treatment users per control user, got %v", ratio)
			}
			if flags.Changed("daily") && (!(daily > 0) || math.IsInf(daily, 0)) {
				return fmt.Errorf("--daily must be a positive number of entrants a day, got %v", daily)
			}
			if sims < 0 {
				return fmt.Errorf("--sims must not be negative, got %d", sims)
			}
			if flags.Changed("revenue") && !flags.Changed("entrants") && campaignFile == "" {
				return errors.New("--revenue needs --entrants: the number of people the projection covers")
			}
			if flags.Changed("entrants") && !(entrants > 0) {
				return fmt.Errorf("--entrants must be a positive number, got %v", entrants)
			}
			f, err := abtest.ParseFormula(formula)
			if err != nil {
				return fmt.Errorf("--formula: %w", err)
			}
			in := report.ABTestInput{
				Design: abtest.Design{
					Baseline: baseline.v, MDE: mde.v, Relative: relative,
					Alpha: alpha.v, Power: power.v,
					Ratio: ratio, Variants: variants, Formula: f,
				},
				Daily:    daily,
				Sims:     sims,
				Seed:     seed,
				Entrants: entrants,
				Revenue:  revenue,
			}
			if bonferroni {
				in.Design.Correction = abtest.CorrectionBonferroni
			}
			var fromCampaign *report.ABTestCampaign
			if campaignFile != "" {
				keep := report.ABTestOverrides{Daily: flags.Changed("daily"), Entrants: flags.Changed("entrants"), Revenue: flags.Changed("revenue")}
				if fromCampaign, err = abtestFromCampaign(cmd.Context(), s, store, campaignFile, asOf, segDir, keep, &in); err != nil {
					return err
				}
			}
			plan, err := report.PlanABTest(cmd.Context(), in)
			if err != nil {
				return err
			}
			plan.Campaign = fromCampaign
			return report.Write(s.out, plan, asJSON)
		},
	}
	store = addStoreFlags(cmd)
	fl := cmd.Flags()
	fl.Var(&baseline, "baseline", "control conversion rate, e.g. 0.1 or 10% (required without --campaign)")
	fl.StringVar(&campaignFile, "campaign", "", "replay this campaign `FILE` over --db for the baseline and daily rate")
	fl.StringVar(&asOf, "as-of", "", "with --campaign: replay as of this `TIME` (default: the latest event)")
	fl.StringVar(&segDir, "segments", "", "with --campaign: workspace `DIR` of the segment its trigger names")
	fl.Var(&mde, "mde", "minimum detectable effect: absolute (0.02 or 2% = two points) unless --relative (required)")
	fl.BoolVar(&relative, "relative", false, "read --mde as a fraction of the baseline (0.2 = a 20% lift)")
	fl.Var(&alpha, "alpha", "two-sided significance level of each comparison")
	fl.Var(&power, "power", "chance of a significant result when the true effect is --mde")
	fl.Float64Var(&ratio, "ratio", 1, "users in each treatment arm per control user")
	fl.IntVar(&variants, "variants", 2, "arms including control")
	fl.BoolVar(&bonferroni, "bonferroni", false, "split --alpha between the comparisons with control")
	fl.Float64Var(&daily, "daily", 0, "people entering the experiment per day, all arms together")
	fl.IntVar(&sims, "sims", 10000, "simulated experiments (0 skips the simulation)")
	fl.Uint64Var(&seed, "seed", 1, "random seed of the simulation")
	fl.StringVar(&formula, "formula", "pooled", "sample-size formula: pooled, evanmiller or corrected (continuity-corrected)")
	fl.Float64Var(&entrants, "entrants", 0, "project the extra conversions among this many people if the treatment ships")
	fl.Float64Var(&revenue, "revenue", 0, "revenue per conversion, for the projection")
	fl.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// abtestFromCampaign replays the one campaign of file and fills the experiment's inputs
// from it (report.ABTestInput.FromReplay says how).
func abtestFromCampaign(ctx context.Context, s *streams, sf *storeFlags, file, asOf, segDir string, keep report.ABTestOverrides, in *report.ABTestInput) (*report.ABTestCampaign, error) {
	at, err := parseAsOf(asOf)
	if err != nil {
		return nil, err
	}
	campaigns, err := sim.LoadCampaigns([]string{file})
	if err != nil {
		return nil, err
	}
	if len(campaigns) != 1 {
		return nil, fmt.Errorf("--campaign %s holds %d campaigns; give a file with one", file, len(campaigns))
	}
	var from *report.ABTestCampaign
	err = replay(ctx, s, sf, []string{file}, campaigns, segDir, sim.Options{AsOf: at}, false, func(r *sim.Replay) error {
		for _, w := range r.Warnings {
			fmt.Fprintf(s.err, "segscope: warning: %s\n", safe.Text(w))
		}
		from, err = in.FromReplay(r, file, keep)
		return err
	})
	return from, err
}

// abRate is a flag holding a rate written as a fraction (0.1) or a percent (10%).
type abRate struct{ v float64 }

func (r *abRate) String() string { return strconv.FormatFloat(r.v, 'g', -1, 64) }
func (r *abRate) Type() string   { return "rate" }
func (r *abRate) Set(s string) error {
	t := strings.TrimSpace(s)
	scale := 1.0
	if strings.HasSuffix(t, "%") {
		t, scale = strings.TrimSpace(strings.TrimSuffix(t, "%")), 0.01
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%q is not a number or a percent", s)
	}
	r.v = v * scale
	return nil
}
