package sampledata

import (
	"fmt"
	"math"
	"time"
)

// expectation says, for one segment of the demo workspace, who it can find and how many
// members it should have on any generated dataset, from what the generator planted. The
// recall and precision floors are what behaviors_test.go asserts for the README's
// definitions on every industry, so a count between the bounds they give is the engine
// finding the planted people.
type expectation struct {
	industries []Industry // the people its `user: industry` filter admits; nil: everyone
	planted    Behavior   // members were planted with one of these; 0: nothing planted fixes the count
	account    bool       // unit: account (planted is counted over accounts)
	// recall and precision are floors: at least recall of the planted are found, and at
	// least precision of the members were planted. recall 0: only an upper bound is known.
	recall, precision float64
	// signedUpWithin, when set, counts the members exactly from the signups (new_users).
	signedUpWithin time.Duration
}

var shops = []Industry{Ecommerce, Retail}

// expectations covers every segment of the demo workspace (workspace_test.go checks that),
// and the README definitions behaviors_test.go evaluates.
var expectations = map[string]expectation{
	"cart_abandoners":   {industries: shops, planted: CartAbandoner, recall: 0.97, precision: 0.8},
	"first_time_buyers": {industries: shops, planted: FirstTimeBuyer, recall: 0.97, precision: 0.9},
	"repeat_buyers": {industries: shops, recall: 0.97, precision: 0.97,
		planted: RepeatBuyer | FrequentBuyer | LapsedBuyer | SeasonalBuyer | WinBack | AtRiskLoyal},
	"frequent_buyers":   {industries: shops, planted: FrequentBuyer, recall: 0.97, precision: 0.8},
	"lapsed_buyers":     {industries: shops, planted: LapsedBuyer, recall: 0.97, precision: 0.9},
	"sale_event_buyers": {industries: shops, planted: SeasonalBuyer, recall: 0.97, precision: 0.4},
	// At-risk loyal members stopped buying too: they are win-back candidates as well.
	"win_back":      {industries: shops, planted: WinBack | AtRiskLoyal, recall: 0.97, precision: 0.9},
	"at_risk_loyal": {industries: []Industry{Retail}, planted: AtRiskLoyal, recall: 0.95, precision: 0.9},
	// RFM has no planted truth of its own: champions are mostly frequent and regular
	// buyers, the at-risk mostly those who stopped; no count follows from that.
	"rfm_champions":        {industries: shops, planted: FrequentBuyer | RepeatBuyer, precision: 0.8},
	"rfm_at_risk":          {industries: shops, planted: LapsedBuyer | AtRiskLoyal | WinBack, precision: 0.8},
	"power_users":          {industries: []Industry{SaaS}, planted: PowerUser, recall: 0.95, precision: 0.95},
	"dormant_users":        {industries: []Industry{SaaS}, planted: DormantUser, recall: 0.95, precision: 0.9},
	"dormant_app_users":    {industries: []Industry{Fintech}, planted: DormantUser, recall: 0.95, precision: 0.9},
	"declining_logins":     {industries: []Industry{SaaS}, planted: DecliningEngagement, recall: 0.95, precision: 0.9},
	"declining_app_opens":  {industries: []Industry{Fintech}, planted: DecliningEngagement, recall: 0.95, precision: 0.9},
	"inactive_subscribers": {planted: InactiveSubscriber, recall: 0.97, precision: 0.97},
	"pricing_intent":       {industries: []Industry{SaaS}, planted: PricingIntent, recall: 0.97, precision: 0.9},
	"high_intent_accounts": {industries: []Industry{SaaS}, planted: HighIntentAccount, account: true, recall: 0.9, precision: 0.85},
	"trial_users":          {industries: []Industry{SaaS}, planted: TrialUser, recall: 0.97, precision: 0.97},
	"trial_activated":      {industries: []Industry{SaaS}, planted: TrialActivated, recall: 0.97, precision: 0.97},
	"topic_followers":      {industries: []Industry{Media}, planted: TopicFollower, recall: 0.9, precision: 0.9},
	"paywall_hitters":      {industries: []Industry{Media}, planted: PaywallHitter, recall: 0.97, precision: 0.9},
	"near_completers":      {industries: []Industry{ELearning}, planted: NearCompleter, recall: 0.97, precision: 0.95},
	"course_completers":    {industries: []Industry{ELearning}, planted: CourseCompleter, recall: 0.97, precision: 0.97},
	"security_minded":      {industries: []Industry{Fintech}, planted: SecurityMinded, recall: 0.97, precision: 0.9},
	"reward_minded":        {industries: []Industry{Fintech}, planted: RewardMinded, recall: 0.97, precision: 0.9},
	"investment_intent":    {industries: []Industry{Fintech}, planted: InvestmentIntent, recall: 0.97, precision: 0.9},
	"new_users":            {signedUpWithin: 30 * 24 * time.Hour},
	// Nothing planted decides these; they are written without expect:.
	"big_spenders":         {industries: shops},
	"deal_seekers":         {industries: []Industry{Ecommerce}},
	"technology_followers": {industries: []Industry{Media}},
	"trial_converters":     {industries: []Industry{SaaS}},
}

// admits reports whether the segment can have members among people of industry in (every
// industry for Mixed, whose people come from all of them).
func (e expectation) admits(in Industry) bool {
	if in == Mixed || e.industries == nil {
		return true
	}
	for _, x := range e.industries {
		if x == in {
			return true
		}
	}
	return false
}

// Slack widens the bounds beyond the recall and precision floors, for the chance of a
// small dataset and for background behavior (a shopper who abandons a cart by chance).
const (
	boundsSlack    = 0.15 // of the count
	boundsSlackAbs = 2    // members, for small counts
)

// bounds is the `expect: {members: "lo..hi"}` range of the segment on the data tallied, and
// false when nothing planted decides its count.
func (e expectation) bounds(t *Tally) (lo, hi int, ok bool) {
	switch {
	case e.signedUpWithin > 0:
		n := float64(t.SignedUpWithin(e.signedUpWithin))
		return max(0, int(math.Floor(n*(1-boundsSlack)))-boundsSlackAbs), int(math.Ceil(n*(1+boundsSlack))) + boundsSlackAbs, true
	case e.planted == 0 || e.recall == 0:
		return 0, 0, false
	}
	var n float64
	if e.account {
		n = float64(len(t.intentAccounts))
	} else {
		n = float64(t.Planted(e.planted, e.industries...))
	}
	lo = max(0, int(math.Floor(n*e.recall*(1-boundsSlack)))-boundsSlackAbs)
	hi = int(math.Ceil(n/e.precision*(1+boundsSlack))) + boundsSlackAbs
	return lo, hi, true
}

func (e expectation) boundsText(lo, hi int) string { return fmt.Sprintf("%d..%d", lo, hi) }
