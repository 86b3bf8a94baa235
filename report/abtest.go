package report

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/segscope/segscope/abtest"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
	"github.com/segscope/segscope/sim"
)

// ABTestInput is everything an A/B plan needs. Flags fill it, and a campaign's replay can
// fill the baseline, the daily rate and the projection (FromReplay).
type ABTestInput struct {
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

// ABTest is an A/B test plan (segscope abtest): sample size, days, power curve, simulated
// outcomes and the projection. Its JSON field names are the contract.
type ABTest struct {
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
	Campaign *ABTestCampaign `json:"campaign,omitempty"`
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

// PlanABTest computes the plan, the power curve, the days, the simulation and the
// projection for one input.
func PlanABTest(ctx context.Context, in ABTestInput) (*ABTest, error) {
	plan, err := abtest.SampleSize(in.Design)
	if err != nil {
		return nil, err
	}
	d := plan.Design
	r := &ABTest{
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
			return nil, err
		}
		r.Daily, r.Days = in.Daily, days
	}
	curve, err := abtest.PowerCurve(d, abtest.CurveMDEs(d))
	if err != nil {
		return nil, err
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
		cfg.Bins = histogramBins
		res, err := abtest.Simulate(ctx, cfg)
		if err != nil {
			return nil, err
		}
		r.Simulation = abtestSimFrom(res, looks, capped)
	}
	if in.Entrants > 0 {
		impact, err := abtest.ExpectedImpact(d, in.Entrants, in.Revenue)
		if err != nil {
			return nil, err
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

// WriteJSON writes the plan's JSON shape.
func (r *ABTest) WriteJSON(w io.Writer) error { return indentedJSON(w, r) }

// WriteText writes the plan: the rates and significance, the arms and days, the power
// curve, the simulation with its histogram of lifts, and the projection.
func (r *ABTest) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "A/B test plan · two-sided two-proportion z-test, %s formula, power %s\n\n", r.Formula, format.Pct(r.Power, 0))
	if r.Campaign != nil {
		writeABTestCampaign(&b, r.Campaign)
	}
	effect := r.TreatmentRate - r.ControlRate
	fmt.Fprintf(&b, "  control rate    %s\n", format.Pct(r.ControlRate, 2))
	fmt.Fprintf(&b, "  treatment rate  %s   %s\n", format.Pct(r.TreatmentRate, 2), effectText(effect, effect/r.ControlRate))
	switch {
	case r.Comparisons == 1:
		fmt.Fprintf(&b, "  significance    α %s\n", format.Num(r.Alpha))
	case r.Correction == abtest.CorrectionBonferroni.String():
		fmt.Fprintf(&b, "  significance    α %s split over %d comparisons with control (Bonferroni): %s each\n", format.Num(r.Alpha), r.Comparisons, format.Num(r.ComparisonAlpha))
	default:
		fmt.Fprintf(&b, "  significance    α %s for each of %d comparisons with control (no correction: the chance of\n", format.Num(r.Alpha), r.Comparisons)
		fmt.Fprintf(&b, "                  some false positive is higher; --bonferroni keeps it at α)\n")
	}
	b.WriteString("\n")

	arms := [][]string{{"control", count(r.Arms.Control), ""}}
	if r.Comparisons == 1 {
		arms = append(arms, []string{"treatment", count(r.Arms.PerTreatment), ""})
	} else {
		arms = append(arms, []string{fmt.Sprintf("each of %d treatments", r.Comparisons), count(r.Arms.PerTreatment), ""})
	}
	arms = append(arms, []string{"total", count(r.Total), ""})
	if r.Days > 0 {
		arms = append(arms, []string{"days", count(r.Days), "at " + format.Amount(r.Daily, 2) + " entrants a day"})
	}
	b.WriteString(format.Table(arms, "lrl"))

	fmt.Fprintf(&b, "\nPower curve · with %s control users\n", count(r.Arms.Control))
	rows := [][]string{{"effect", "treatment rate", "power", "control users for " + format.Pct(r.Power, 0), ""}}
	for _, p := range r.PowerCurve {
		e := p.TreatmentRate - r.ControlRate
		mark := ""
		if p.MDE == r.MDE {
			mark = "← planned"
		}
		rows = append(rows, []string{effectText(e, e/r.ControlRate), format.Pct(p.TreatmentRate, 2), format.Pct(p.Power, 1), count(p.PerVariant), mark})
	}
	b.WriteString(format.Table(rows, "lrrrl"))

	if s := r.Simulation; s != nil {
		fmt.Fprintf(&b, "\nMonte Carlo · %s experiments of %s control and %s treatment users, seed %d\n",
			count(s.Runs), count(s.Control), count(s.Treatment), s.Seed)
		outcomes := [][]string{
			{"significant at the planned size", format.Pct(s.ShareSignificant, 1), "(planned power " + format.Pct(r.Power, 0) + ")"},
			{"false positives, no true effect", format.Pct(s.FalsePositiveRate, 1), "(α " + format.Num(r.ComparisonAlpha) + ")"},
		}
		switch {
		case s.PeekingFalsePositiveRate != nil && s.LooksCapped:
			why := fmt.Sprintf("at most %d are simulated", abtest.MaxLooks)
			if s.Looks < abtest.MaxLooks {
				why = "one per user of the smaller arm"
			}
			outcomes = append(outcomes, []string{"false positives, peeking", format.Pct(*s.PeekingFalsePositiveRate, 1),
				fmt.Sprintf("(significant at any of %s looks evenly spaced over %s days, not daily: %s)",
					count(s.Looks), count(r.Days), why)})
		case s.PeekingFalsePositiveRate != nil:
			outcomes = append(outcomes, []string{"false positives, peeking daily", format.Pct(*s.PeekingFalsePositiveRate, 1), fmt.Sprintf("(significant at any of %d daily looks)", s.Looks)})
		default:
			outcomes = append(outcomes, []string{"false positives, peeking daily", "–", "(give --daily to simulate one look a day)"})
		}
		q := s.Lift.Quantiles
		outcomes = append(outcomes, []string{"observed lift", format.SignedPct(q["p50"], 1), fmt.Sprintf("(median; 90%% of runs between %s and %s)", format.SignedPct(q["p5"], 1), format.SignedPct(q["p95"], 1))})
		if s.Lift.MeanSignificant != nil {
			outcomes = append(outcomes, []string{"mean lift when significant", format.SignedPct(*s.Lift.MeanSignificant, 1), "(true lift " + format.SignedPct(s.Lift.True, 1) + ")"})
		}
		if s.Lift.Defined < s.Runs {
			outcomes = append(outcomes, []string{"runs without a control conversion", count(s.Runs - s.Lift.Defined), "(no lift to measure)"})
		}
		b.WriteString(format.Table(outcomes, "lrl"))
		b.WriteString("\n  observed lift across runs\n")
		writeHistogram(&b, s.Lift.Histogram, s.Lift.True, 4)
	}

	if im := r.Impact; im != nil {
		fmt.Fprintf(&b, "\nIf the treatment ships and its true effect is %s, %s entrants bring %s conversions",
			effectText(effect, effect/r.ControlRate), format.Amount(im.Entrants, 2), format.SignedAmount(im.ExtraConversions, 2))
		if im.ExtraRevenue != 0 {
			fmt.Fprintf(&b, " and %s revenue", format.SignedAmount(im.ExtraRevenue, 2))
		}
		b.WriteString(" compared with control.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// histogramBins is the width of the lift histogram in characters.
const histogramBins = 48

// ABTestCampaign is where abtest --campaign took its inputs from: the campaign's replay.
type ABTestCampaign struct {
	Name            string    `json:"name"`
	File            string    `json:"file"`
	AsOf            time.Time `json:"as_of"`
	WindowDays      int       `json:"window_days"`
	Journeys        int       `json:"journeys"`
	HoldoutJourneys int       `json:"holdout_journeys"`
	// Settled journeys (their conversion window closed by as_of) and their conversions;
	// BaselineFrom names the arm the baseline came from: "holdout" or "treated".
	Settled              settledJSON `json:"settled"`
	BaselineFrom         string      `json:"baseline_from"`
	DailyEntrants        float64     `json:"daily_entrants"`
	RevenuePerConversion float64     `json:"revenue_per_conversion"`
}

// ABTestOverrides says which inputs the flags set, so that a replay leaves them alone.
type ABTestOverrides struct{ Daily, Entrants, Revenue bool }

// FromReplay fills the experiment's inputs from the replay of one campaign (read from
// file): the baseline from the settled holdout journeys' conversion rate (the rate without
// the messages), or the treated journeys' when there is no usable holdout; the daily rate
// from journeys per day of the window; the projection from the window's journeys and their
// revenue per conversion. It says where the inputs came from.
func (in *ABTestInput) FromReplay(r *sim.Replay, file string, keep ABTestOverrides) (*ABTestCampaign, error) {
	if len(r.Campaigns) != 1 {
		return nil, fmt.Errorf("%s: an A/B plan takes one campaign, not %d", file, len(r.Campaigns))
	}
	c := r.Campaigns[0]
	out := &ABTestCampaign{Name: c.Campaign.Name, File: file, AsOf: r.AsOf, WindowDays: c.WindowDays,
		Journeys: c.Journeys, HoldoutJourneys: c.HoldoutJourneys, DailyEntrants: c.DailyEntrants(),
		Settled: settledJSON{Journeys: c.Settled.Journeys, Conversions: c.Settled.Conversions}}
	usable := func(rate float64, ok bool) bool { return ok && rate > 0 && rate < 1 }
	if rate, ok := c.ConversionRate(true); usable(rate, ok) {
		in.Design.Baseline, out.BaselineFrom = rate, "holdout"
	} else if rate, ok := c.ConversionRate(false); usable(rate, ok) {
		in.Design.Baseline, out.BaselineFrom = rate, "treated"
	} else {
		return nil, fmt.Errorf("campaign %s: no conversion rate between 0 and 1 among %d settled journeys as of %s; give --baseline instead",
			c.Campaign.Name, c.Settled.Journeys.Total(), format.Timestamp(r.AsOf))
	}
	if n := c.Conversions.Total(); n > 0 {
		out.RevenuePerConversion = (c.Revenue.Treated + c.Revenue.Holdout) / float64(n)
	}
	if !keep.Daily && out.DailyEntrants > 0 {
		in.Daily = out.DailyEntrants
	}
	if !keep.Entrants && c.Journeys > 0 {
		in.Entrants = float64(c.Journeys)
	}
	if !keep.Revenue {
		in.Revenue = out.RevenuePerConversion
	}
	return out, nil
}

func writeABTestCampaign(b *strings.Builder, c *ABTestCampaign) {
	n, x := c.Settled.Journeys.Holdout, c.Settled.Conversions.Holdout
	if c.BaselineFrom == "treated" {
		n, x = c.Settled.Journeys.Treated, c.Settled.Conversions.Treated
	}
	fmt.Fprintf(b, "  from campaign  %s, replayed as of %s\n", safe.Text(c.Name), format.Timestamp(c.AsOf))
	fmt.Fprintf(b, "  journeys       %s over %s days (%s a day), %s in the holdout\n", format.Count(int64(c.Journeys)),
		format.Count(int64(c.WindowDays)), format.Amount(c.DailyEntrants, 1), format.Count(int64(c.HoldoutJourneys)))
	fmt.Fprintf(b, "  baseline       %s of %s settled %s journeys converted\n", format.Count(int64(x)), format.Count(int64(n)), c.BaselineFrom)
	if c.RevenuePerConversion != 0 {
		fmt.Fprintf(b, "  revenue        %s per conversion\n", format.Money(c.RevenuePerConversion))
	}
	b.WriteString("\n")
}

// writeHistogram draws the lifts as columns height rows tall, a caret under the bin holding
// the true lift, and the range underneath.
func writeHistogram(b *strings.Builder, h abtestHistogram, truth float64, height int) {
	rows := format.Histogram(h.Counts, height)
	if rows == nil {
		return
	}
	b.WriteString(indent(rows, "  "))
	n := len(h.Counts)
	if width := h.Max - h.Min; width > 0 && truth >= h.Min && truth <= h.Max {
		bin := min(int((truth-h.Min)/width*float64(n)), n-1)
		fmt.Fprintf(b, "  %s^ true %s\n", strings.Repeat(" ", bin), format.SignedPct(truth, 1))
	}
	lo, hi := format.SignedPct(h.Min, 1), format.SignedPct(h.Max, 1)
	fmt.Fprintf(b, "  %s%*s\n", lo, max(1, n-len(lo)), hi)
}

// effect spells an effect both ways: "+2.00 pp (+20.0%)".
func effectText(abs, rel float64) string {
	return fmt.Sprintf("%s pp (%s)", format.Signed(abs*100, 2), format.SignedPct(rel, 1))
}

func count(n int) string { return format.Count(int64(n)) }
