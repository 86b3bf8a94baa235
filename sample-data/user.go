package sampledata

import (
	"strconv"
	"strings"
	"time"
)

// User is one generated person, in the form written to users.csv.
type User struct {
	ID        string
	AccountID string // SaaS users only: the B2B account (workspace) they belong to
	Industry  Industry
	// Plan depends on the industry: ecommerce/retail standard|plus, saas
	// free|trial|team|business|enterprise, media free|digital|all_access, elearning
	// free|plus|pro, fintech standard|premium|metal.
	Plan        string
	Country     string // ISO 3166 alpha-2
	TZ          string // IANA zone name
	SignupDate  time.Time
	AgeBand     string // 18-24 … 65+
	LoyaltyTier string // ecommerce and retail: none|bronze|silver|gold|platinum
	EmailOptIn  bool   // receives the biweekly email (email_sent events)
	CompanySize string // SaaS: the account's employee band (1-10 … 1000+)
	// Planted records the behaviors the generator planted in this user. It is the ground
	// truth for tests; it is not written to users.csv.
	Planted Behavior
}

// UserColumns is the header of users.csv; Record returns a row in this order.
func UserColumns() []string {
	return []string{"user_id", "account_id", "industry", "plan", "country", "tz", "signup_date",
		"age_band", "loyalty_tier", "email_opt_in", "company_size"}
}

// Record is the user's users.csv row (empty strings for attributes that do not apply).
func (u User) Record() []string {
	return []string{u.ID, u.AccountID, string(u.Industry), u.Plan, u.Country, u.TZ,
		u.SignupDate.Format(time.DateOnly), u.AgeBand, u.LoyaltyTier,
		strconv.FormatBool(u.EmailOptIn), u.CompanySize}
}

// Behavior is a set of planted behaviors.
type Behavior uint64

// The planted behaviors. README.md gives each one's industry, planted share and a segment
// definition that finds it.
const (
	NeverBought Behavior = 1 << iota
	FirstTimeBuyer
	RepeatBuyer
	FrequentBuyer
	LapsedBuyer
	SeasonalBuyer
	WinBack
	CartAbandoner
	AtRiskLoyal
	PowerUser
	DormantUser
	DecliningEngagement
	InactiveSubscriber
	PricingIntent
	HighIntentAccount
	TrialUser
	TrialActivated
	TopicFollower
	PaywallHitter
	NearCompleter
	CourseCompleter
	SecurityMinded
	RewardMinded
	InvestmentIntent
	Investor
	numBehaviors = iota
)

var behaviorNames = [numBehaviors]string{
	"never_bought", "first_time_buyer", "repeat_buyer", "frequent_buyer", "lapsed_buyer",
	"seasonal_buyer", "win_back", "cart_abandoner", "at_risk_loyal", "power_user",
	"dormant_user", "declining_engagement", "inactive_subscriber", "pricing_intent",
	"high_intent_account", "trial_user", "trial_activated", "topic_follower",
	"paywall_hitter", "near_completer", "course_completer", "security_minded",
	"reward_minded", "investment_intent", "investor",
}

// AllBehaviors lists every single behavior, in declaration order.
func AllBehaviors() []Behavior {
	out := make([]Behavior, numBehaviors)
	for i := range out {
		out[i] = 1 << i
	}
	return out
}

// Has reports whether every behavior of x is in b.
func (b Behavior) Has(x Behavior) bool { return b&x == x }

// String names the behaviors in b, joined by "+".
func (b Behavior) String() string {
	var names []string
	for i := range numBehaviors {
		if b&(1<<i) != 0 {
			names = append(names, behaviorNames[i])
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "+")
}
