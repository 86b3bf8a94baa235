package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/abtest"
)

// abtestInput is everything the abtest report needs. The flags fill it today; a campaign
// replay (daily entrants, baseline conversion, revenue per conversion) can fill it the same
// way and call abtestReportFor.
type abtestInput struct {
	Design abtest.Design
	// Daily is the number of people entering the experiment per day, all arms together;
	// zero when unknown (no days, no peeking simulation).
	Daily float64
	// Sims is the number of Monte Carlo experiments; zero skips the simulation.
	Sims int
	Seed uint64
	// Entrants, when positive, is the population the expected-impact projection covers,
	// at Revenue per conversion.
	Entrants, Revenue float64
}

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
			in := abtestInput{
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
			var fromCampaign *abtestCampaign
			if campaignFile != "" {
				keep := abtestOverrides{Daily: flags.Changed("daily"), Entrants: flags.Changed("entrants"), Revenue: flags.Changed("revenue")}
				if fromCampaign, err = abtestFromCampaign(cmd.Context(), s, store, campaignFile, asOf, segDir, keep, &in); err != nil {
					return err
				}
			}
			report, err := abtestReportFor(cmd.Context(), in)
			if err != nil {
				return err
			}
			report.Campaign = fromCampaign
			if asJSON {
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				return enc.Encode(report)
			}
			return writeABTestReport(s.out, report)
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

// abtestReport is the command's output; its JSON field names are the contract.
type abtestReport struct {
	Formula         string  `json:"formula"`
	Baseline        float64 `json:"baseline"`
	MDE             float64 `json:"mde"`
	Relative        bool    `json:"relative"`
	ControlRate     float64 `json:"control_rate"`
	TreatmentRate   float64 `json:"treatment_rate"`
	Alpha           float64 `json:"alpha"`
	Correction      string  `json:"correction"`
	Comparisons     int     `json:"comparisons"`
	ComparisonAlpha float64 `json:"comparison_alpha"`
	Power           float64 `json:"power"`
	Ratio           float64 `json:"ratio"`
	Variants        int     `json:"variants"`
	// PerVariant is the control arm's size, every arm's in an even split.
	PerVariant int           `json:"per_variant"`
	Arms       abtestArms    `json:"arms"`
	Total      int           `json:"total"`
	Daily      float64       `json:"daily,omitempty"`
	Days       int           `json:"days,omitempty"`
	PowerCurve []abtestPower `json:"power_curve"`
	Simulation *abtestSim    `json:"simulation"`
	Impact     *abtestImpact `json:"impact,omitempty"`
	// Campaign is where the inputs came from with --campaign.
	Campaign *abtestCampaign `json:"campaign,omitempty"`
}

type abtestImpact struct {
	Entrants             float64 `json:"entrants"`
	RevenuePerConversion float64 `json:"revenue_per_conversion"`
	ExtraConversions     float64 `json:"extra_conversions"`
	ExtraRevenue         float64 `json:"extra_revenue"`
}

type abtestArms struct {
	Control      int `json:"control"`
	PerTreatment int `json:"per_treatment"`
}

type abtestPower struct {
	MDE           float64 `json:"mde"`
	TreatmentRate float64 `json:"treatment_rate"`
	Power         float64 `json:"power"`
	PerVariant    int     `json:"per_variant"`
}

type abtestSim struct {
	Runs              int     `json:"runs"`
	Seed              uint64  `json:"seed"`
	Control           int     `json:"control"`
	Treatment         int     `json:"treatment"`
	ShareSignificant  float64 `json:"share_significant"`
	FalsePositiveRate float64 `json:"false_positive_rate"`
	// Looks and PeekingFalsePositiveRate need the daily rate: zero and null without it.
	// LooksCapped says the looks are fewer than the test's days (abtest.MaxLooks, or one
	// per user of the smaller arm): evenly spaced over the days rather than daily.
	Looks                    int        `json:"looks"`
	LooksCapped              bool       `json:"looks_capped"`
	PeekingFalsePositiveRate *float64   `json:"peeking_false_positive_rate"`
	Lift                     abtestLift `json:"lift"`
}

type abtestLift struct {
	True            float64            `json:"true"`
	Defined         int                `json:"defined"`
	Mean            float64            `json:"mean"`
	MeanSignificant *float64           `json:"mean_significant"`
	Quantiles       map[string]float64 `json:"quantiles"`
	Histogram       abtestHistogram    `json:"histogram"`
}

// abtestHistogram counts lifts in equal-width bins from min to max.
type abtestHistogram struct {
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Counts []int   `json:"counts"`
}

// abtestReportFor computes the plan, the power curve, the days, the simulation and the
// projection for one input.
func abtestReportFor(ctx context.Context, in abtestInput) (abtestReport, error) {
	plan, err := abtest.SampleSize(in.Design)
	if err != nil {
		return abtestReport{}, err
	}
	d := plan.Design
	r := abtestReport{
		Formula:         d.Formula.String(),
		Baseline:        d.Baseline,
		MDE:             d.MDE,
		Relative:        d.Relative,
		ControlRate:     plan.ControlRate,
		TreatmentRate:   plan.TreatmentRate,
		Alpha:           d.Alpha,
		Correction:      d.Correction.String(),
		Comparisons:     d.Comparisons(),
		ComparisonAlpha: plan.ComparisonAlpha,
		Power:           d.Power,
		Ratio:           d.Ratio,
		Variants:        d.Variants,
		PerVariant:      plan.PerVariant(),
		Arms:            abtestArms{Control: plan.Control, PerTreatment: plan.PerTreatment},
		Total:           plan.Total,
	}
	if in.Daily > 0 {
		days, err := abtest.DaysToReach(plan, in.Daily)
		if err != nil {
			return abtestReport{}, err
		}
		r.Daily, r.Days = in.Daily, days
	}
	curve, err := abtest.PowerCurve(d, abtest.CurveMDEs(d))
	if err != nil {
		return abtestReport{}, err
	}
	for _, p := range curve {
		r.PowerCurve = append(r.PowerCurve, abtestPower(p))
	}
	if in.Sims > 0 {
		// One look a day, but never more looks than users (a test enrolling a few people
		// a day is analysed once per new user at most) and at most abtest.MaxLooks, evenly
		// spaced, so that a test lasting years does not take minutes to simulate.
		looks, capped := abtest.PeekingLooks(r.Days, plan)
		cfg := abtest.SimConfigFor(plan, in.Sims, looks, in.Seed)
		cfg.Bins = abHistogramBins
		res, err := abtest.Simulate(ctx, cfg)
		if err != nil {
			return abtestReport{}, err
		}
		r.Simulation = abtestSimFrom(res, looks, capped)
	}
	if in.Entrants > 0 {
		impact, err := abtest.ExpectedImpact(d, in.Entrants, in.Revenue)
		if err != nil {
			return abtestReport{}, err
		}
		r.Impact = &abtestImpact{
			Entrants:             impact.Entrants,
			RevenuePerConversion: in.Revenue,
			ExtraConversions:     impact.ExtraConversions,
			ExtraRevenue:         impact.ExtraRevenue,
		}
	}
	return r, nil
}

func abtestSimFrom(res abtest.SimResult, looks int, capped bool) *abtestSim {
	s := &abtestSim{
		Runs:              res.Config.Runs,
		Seed:              res.Config.Seed,
		Control:           res.Config.Control,
		Treatment:         res.Config.Treatment,
		ShareSignificant:  res.ShareSignificant,
		FalsePositiveRate: res.FalsePositiveRate,
		Lift: abtestLift{
			True:      res.Lift.True,
			Defined:   res.Lift.Defined,
			Mean:      res.Lift.Mean,
			Quantiles: map[string]float64{},
			Histogram: abtestHistogram(res.Lift.Histogram),
		},
	}
	if looks > 1 {
		s.Looks, s.LooksCapped = looks, capped
		rate := res.PeekingFalsePositiveRate
		s.PeekingFalsePositiveRate = &rate
	}
	if m := res.Lift.MeanSignificant; !math.IsNaN(m) {
		s.Lift.MeanSignificant = &m
	}
	for _, q := range res.Lift.Quantiles {
		s.Lift.Quantiles["p"+strconv.FormatFloat(q.P*100, 'f', -1, 64)] = q.Value
	}
	return s
}

func writeABTestReport(w io.Writer, r abtestReport) error {
	var b strings.Builder
	fmt.Fprintf(&b, "A/B test plan · two-sided two-proportion z-test, %s formula, power %s\n\n", r.Formula, abPct(r.Power, 0))
	if r.Campaign != nil {
		writeABTestCampaign(&b, r.Campaign)
	}
	effect := r.TreatmentRate - r.ControlRate
	fmt.Fprintf(&b, "  control rate    %s\n", abPct(r.ControlRate, 2))
	fmt.Fprintf(&b, "  treatment rate  %s   %s\n", abPct(r.TreatmentRate, 2), abEffect(effect, effect/r.ControlRate))
	switch {
	case r.Comparisons == 1:
		fmt.Fprintf(&b, "  significance    α %s\n", abNum(r.Alpha))
	case r.Correction == abtest.CorrectionBonferroni.String():
		fmt.Fprintf(&b, "  significance    α %s split over %d comparisons with control (Bonferroni): %s each\n", abNum(r.Alpha), r.Comparisons, abNum(r.ComparisonAlpha))
	default:
		fmt.Fprintf(&b, "  significance    α %s for each of %d comparisons with control (no correction: the chance of\n", abNum(r.Alpha), r.Comparisons)
		fmt.Fprintf(&b, "                  some false positive is higher; --bonferroni keeps it at α)\n")
	}
	b.WriteString("\n")

	arms := [][]string{{"control", abThousands(r.Arms.Control), ""}}
	if r.Comparisons == 1 {
		arms = append(arms, []string{"treatment", abThousands(r.Arms.PerTreatment), ""})
	} else {
		arms = append(arms, []string{fmt.Sprintf("each of %d treatments", r.Comparisons), abThousands(r.Arms.PerTreatment), ""})
	}
	arms = append(arms, []string{"total", abThousands(r.Total), ""})
	if r.Days > 0 {
		arms = append(arms, []string{"days", abThousands(r.Days), "at " + abAmount(r.Daily) + " entrants a day"})
	}
	abRows(&b, arms, "lrl")

	fmt.Fprintf(&b, "\nPower curve · with %s control users\n", abThousands(r.Arms.Control))
	rows := [][]string{{"effect", "treatment rate", "power", "control users for " + abPct(r.Power, 0), ""}}
	for _, p := range r.PowerCurve {
		e := p.TreatmentRate - r.ControlRate
		mark := ""
		if p.MDE == r.MDE {
			mark = "← planned"
		}
		rows = append(rows, []string{abEffect(e, e/r.ControlRate), abPct(p.TreatmentRate, 2), abPct(p.Power, 1), abThousands(p.PerVariant), mark})
	}
	abRows(&b, rows, "lrrrl")

	if s := r.Simulation; s != nil {
		fmt.Fprintf(&b, "\nMonte Carlo · %s experiments of %s control and %s treatment users, seed %d\n",
			abThousands(s.Runs), abThousands(s.Control), abThousands(s.Treatment), s.Seed)
		sim := [][]string{
			{"significant at the planned size", abPct(s.ShareSignificant, 1), "(planned power " + abPct(r.Power, 0) + ")"},
			{"false positives, no true effect", abPct(s.FalsePositiveRate, 1), "(α " + abNum(r.ComparisonAlpha) + ")"},
		}
		switch {
		case s.PeekingFalsePositiveRate != nil && s.LooksCapped:
			why := fmt.Sprintf("at most %d are simulated", abtest.MaxLooks)
			if s.Looks < abtest.MaxLooks {
				why = "one per user of the smaller arm"
			}
			sim = append(sim, []string{"false positives, peeking", abPct(*s.PeekingFalsePositiveRate, 1),
				fmt.Sprintf("(significant at any of %s looks evenly spaced over %s days, not daily: %s)",
					abThousands(s.Looks), abThousands(r.Days), why)})
		case s.PeekingFalsePositiveRate != nil:
			sim = append(sim, []string{"false positives, peeking daily", abPct(*s.PeekingFalsePositiveRate, 1), fmt.Sprintf("(significant at any of %d daily looks)", s.Looks)})
		default:
			sim = append(sim, []string{"false positives, peeking daily", "–", "(give --daily to simulate one look a day)"})
		}
		q := s.Lift.Quantiles
		sim = append(sim, []string{"observed lift", abSigned(q["p50"], 1), fmt.Sprintf("(median; 90%% of runs between %s and %s)", abSigned(q["p5"], 1), abSigned(q["p95"], 1))})
		if s.Lift.MeanSignificant != nil {
			sim = append(sim, []string{"mean lift when significant", abSigned(*s.Lift.MeanSignificant, 1), "(true lift " + abSigned(s.Lift.True, 1) + ")"})
		}
		if s.Lift.Defined < s.Runs {
			sim = append(sim, []string{"runs without a control conversion", abThousands(s.Runs - s.Lift.Defined), "(no lift to measure)"})
		}
		abRows(&b, sim, "lrl")
		b.WriteString("\n  observed lift across runs\n")
		abHistogram(&b, s.Lift.Histogram, s.Lift.True, 4)
	}

	if im := r.Impact; im != nil {
		fmt.Fprintf(&b, "\nIf the treatment ships and its true effect is %s, %s entrants bring %s conversions",
			abEffect(effect, effect/r.ControlRate), abAmount(im.Entrants), abSignedAmount(im.ExtraConversions))
		if im.ExtraRevenue != 0 {
			fmt.Fprintf(&b, " and %s revenue", abSignedAmount(im.ExtraRevenue))
		}
		b.WriteString(" compared with control.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// abRows writes a table indented by two spaces, two spaces between columns, each column
// left- ('l') or right-aligned ('r') as align says; trailing empty cells add no padding.
func abRows(b *strings.Builder, rows [][]string, align string) {
	widths := make([]int, len(align))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, row := range rows {
		line := " "
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if align[i] == 'r' {
				line += " " + pad + cell
			} else {
				line += " " + cell + pad
			}
			line += " "
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
}

// abHistogramBins is the width of the lift histogram in characters.
const abHistogramBins = 48

// abHistogram draws counts as columns of block characters, height rows tall, with the
// range underneath and a caret under the bin holding the true lift.
func abHistogram(b *strings.Builder, h abtestHistogram, truth float64, height int) {
	blocks := []rune("▁▂▃▄▅▆▇█")
	peak := 0
	for _, c := range h.Counts {
		peak = max(peak, c)
	}
	if peak == 0 {
		return
	}
	for row := height - 1; row >= 0; row-- {
		var line strings.Builder
		line.WriteString("  ")
		for _, c := range h.Counts {
			level := float64(c) / float64(peak) * float64(8*height)
			fill := int(math.Ceil(level - float64(8*row)))
			switch {
			case c == 0 || fill <= 0:
				line.WriteByte(' ')
			case fill >= 8:
				line.WriteRune('█')
			default:
				line.WriteRune(blocks[fill-1])
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	n := len(h.Counts)
	if width := h.Max - h.Min; width > 0 && truth >= h.Min && truth <= h.Max {
		bin := min(int((truth-h.Min)/width*float64(n)), n-1)
		fmt.Fprintf(b, "  %s^ true %s\n", strings.Repeat(" ", bin), abSigned(truth, 1))
	}
	lo, hi := abSigned(h.Min, 1), abSigned(h.Max, 1)
	fmt.Fprintf(b, "  %s%*s\n", lo, max(1, n-len(lo)), hi)
}

// abEffect spells an effect both ways: "+2.00 pp (+20.0%)".
func abEffect(abs, rel float64) string {
	return fmt.Sprintf("%s pp (%s)", abSignedNum(abs*100, 2), abSigned(rel, 1))
}

func abPct(x float64, digits int) string {
	return strconv.FormatFloat(x*100, 'f', digits, 64) + "%"
}

func abSigned(x float64, digits int) string { return abSignedNum(x*100, digits) + "%" }

func abSignedNum(x float64, digits int) string {
	s := strconv.FormatFloat(x, 'f', digits, 64)
	if x >= 0 {
		return "+" + s
	}
	return s
}

func abNum(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// abAmount writes a count or an amount with thousands separators and at most two
// decimals: 2000 → "2,000", 14400.5 → "14,400.5".
func abAmount(x float64) string {
	x = math.Round(x*100) / 100
	whole := math.Trunc(x)
	s := abThousands(int(whole))
	if frac := strings.TrimRight(strconv.FormatFloat(math.Abs(x-whole), 'f', 2, 64), "0"); frac != "0." {
		s += strings.TrimPrefix(frac, "0")
	}
	if x < 0 && whole == 0 {
		s = "-" + s
	}
	return s
}

func abSignedAmount(x float64) string {
	if x < 0 {
		return "-" + abAmount(-x)
	}
	return "+" + abAmount(x)
}

func abThousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
