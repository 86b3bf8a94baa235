package sampledata

import "strconv"

// The event vocabulary shared by every industry. README.md documents it; tests check that
// no name or value needs escaping in CSV or JSON, which lets the writer copy them verbatim.

type eventName uint8

const (
	evSignup eventName = iota
	evLogin
	evAppOpen
	evPageView
	evEmailSent
	evEmailOpen
	evEmailClick
	evProductView
	evAddToCart
	evPurchase
	evTrialStart
	evFeatureUsed
	evInviteSent
	evDemoRequest
	evSubscriptionStart
	evArticleRead
	evPaywallHit
	evSubscribe
	evNewsletterSignup
	evCourseEnroll
	evCourseProgress
	evCourseComplete
	evSecurityCheck
	evCardFreeze
	evVirtualCard
	evCashbackRedeem
	evCurrencyExchange
	evCardPayment
	evViewEducation
	evDeposit
	numEventNames
)

var eventNames = [numEventNames]string{
	evSignup:            "signup",
	evLogin:             "login",
	evAppOpen:           "app_open",
	evPageView:          "page_view",
	evEmailSent:         "email_sent",
	evEmailOpen:         "email_open",
	evEmailClick:        "email_click",
	evProductView:       "product_view",
	evAddToCart:         "add_to_cart",
	evPurchase:          "purchase",
	evTrialStart:        "trial_start",
	evFeatureUsed:       "feature_used",
	evInviteSent:        "invite_sent",
	evDemoRequest:       "demo_request",
	evSubscriptionStart: "subscription_start",
	evArticleRead:       "article_read",
	evPaywallHit:        "paywall_hit",
	evSubscribe:         "subscribe",
	evNewsletterSignup:  "newsletter_signup",
	evCourseEnroll:      "course_enroll",
	evCourseProgress:    "course_progress",
	evCourseComplete:    "course_complete",
	evSecurityCheck:     "security_check",
	evCardFreeze:        "card_freeze",
	evVirtualCard:       "virtual_card",
	evCashbackRedeem:    "cashback_redeem",
	evCurrencyExchange:  "currency_exchange",
	evCardPayment:       "card_payment",
	evViewEducation:     "view_education",
	evDeposit:           "deposit",
}

func (e eventName) String() string { return eventNames[e] }

// EventNames lists every event name the generator can emit.
func EventNames() []string { return append([]string(nil), eventNames[:]...) }

type propKey uint8

const (
	pkChannel propKey = iota
	pkPlatform
	pkPage
	pkCampaign
	pkCategory
	pkSKU
	pkPrice
	pkItems
	pkPromo
	pkPlan
	pkFeature
	pkTopic
	pkCourseID
	pkProgress
	pkAmount
	pkCurrency
	numPropKeys
)

var propKeys = [numPropKeys]string{
	pkChannel:  "channel",
	pkPlatform: "platform",
	pkPage:     "page",
	pkCampaign: "campaign",
	pkCategory: "category",
	pkSKU:      "sku",
	pkPrice:    "price",
	pkItems:    "items",
	pkPromo:    "promo",
	pkPlan:     "plan",
	pkFeature:  "feature",
	pkTopic:    "topic",
	pkCourseID: "course_id",
	pkProgress: "progress",
	pkAmount:   "amount",
	pkCurrency: "currency",
}

// PropertyKeys lists every property key the generator can emit.
func PropertyKeys() []string { return append([]string(nil), propKeys[:]...) }

var (
	signupChannels  = []string{"organic", "paid_search", "social", "referral", "email"}
	signupChWeights = []float64{35, 25, 20, 12, 8}
	webPlatforms    = []string{"web", "ios", "android"}
	appPlatforms    = []string{"ios", "android"}
	emailCampaigns  = []string{"newsletter", "product_update", "promo", "tips"}
	shopPages       = []string{"home", "category", "deals", "search"}
	shopPageWeights = []float64{40, 30, 15, 15}

	// Commerce catalogues: category, SKU prefix and base price in cents.
	ecomCategories   = []string{"apparel", "shoes", "electronics", "beauty", "home", "toys", "books", "sports"}
	ecomSKUPrefix    = []string{"APP", "SHO", "ELE", "BEA", "HOM", "TOY", "BOO", "SPO"}
	ecomBasePrice    = []int64{4500, 8000, 22000, 3000, 6000, 3500, 1800, 5500}
	retailCategories = []string{"grocery", "apparel", "home", "beauty", "electronics", "garden"}
	retailSKUPrefix  = []string{"GRO", "APR", "HMG", "BTY", "ELC", "GDN"}
	retailBasePrice  = []int64{2500, 4000, 5500, 2200, 18000, 3500}
	retailChannels   = []string{"store", "app", "web"}
	retailChWeights  = []float64{55, 30, 15}

	saasFeatures = []string{"dashboards", "reports", "alerts", "integrations", "automation",
		"api", "sso", "export", "workflows", "collaboration"}
	saasUsagePages   = []string{"docs", "changelog", "blog", "case_study"}
	saasUsageWeights = []float64{60, 15, 15, 10}
	saasPaidPlans    = []string{"team", "business", "enterprise"}
	saasPlanCents    = []int64{9900, 49900, 249900}

	mediaTopics       = []string{"politics", "technology", "climate", "business", "science", "culture", "sports", "health"}
	mediaTopicWeights = []float64{18, 18, 10, 14, 10, 10, 12, 8}
	mediaPlans        = []string{"digital", "all_access"}
	mediaPlanCents    = []int64{999, 1999}

	learnTopics = []string{"data_science", "programming", "design", "marketing", "languages", "business"}
	// Courses c101…c124; course i teaches learnTopics[i % 6].
	numCourses       = 24
	coursePriceCents = []int64{2900, 4900, 9900, 19900}

	eduTopicsInvest = []string{"etf", "options"}
	eduTopicsOther  = []string{"stocks", "crypto", "budgeting", "savings"}
	cardCategories  = []string{"groceries", "dining", "travel", "transport", "shopping", "utilities", "entertainment"}
	currencies      = []string{"EUR", "GBP", "USD", "JPY", "CHF", "CAD"}

	ageBands       = []string{"18-24", "25-34", "35-44", "45-54", "55-64", "65+"}
	ageBandWeights = []float64{15, 28, 24, 16, 11, 6}
)

// courseIDs are formatted once: c101 … c124.
var courseIDs = func() []string {
	ids := make([]string, numCourses)
	for i := range ids {
		ids[i] = "c" + strconv.Itoa(101+i)
	}
	return ids
}()

func courseTopic(course int) string { return learnTopics[course%len(learnTopics)] }

// country is a market with its IANA zones and their standard-time UTC offsets. Event hours
// follow the user's local day on the standard offset; daylight saving is ignored because
// only the rhythm matters, and a fixed offset keeps generation free of tzdata lookups.
type country struct {
	code    string
	weight  float64
	zones   []string
	offsets []int64 // seconds east of UTC, per zone
	zoneW   []float64
}

var countries = []country{
	{"US", 35, []string{"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"},
		[]int64{-5 * 3600, -6 * 3600, -7 * 3600, -8 * 3600}, []float64{45, 25, 8, 22}},
	{"GB", 10, []string{"Europe/London"}, []int64{0}, []float64{1}},
	{"DE", 8, []string{"Europe/Berlin"}, []int64{3600}, []float64{1}},
	{"FR", 6, []string{"Europe/Paris"}, []int64{3600}, []float64{1}},
	{"CA", 6, []string{"America/Toronto", "America/Vancouver"}, []int64{-5 * 3600, -8 * 3600}, []float64{60, 40}},
	{"AU", 5, []string{"Australia/Sydney"}, []int64{10 * 3600}, []float64{1}},
	{"IN", 8, []string{"Asia/Kolkata"}, []int64{5*3600 + 1800}, []float64{1}},
	{"BR", 6, []string{"America/Sao_Paulo"}, []int64{-3 * 3600}, []float64{1}},
	{"JP", 4, []string{"Asia/Tokyo"}, []int64{9 * 3600}, []float64{1}},
	{"ES", 4, []string{"Europe/Madrid"}, []int64{3600}, []float64{1}},
	{"NL", 3, []string{"Europe/Amsterdam"}, []int64{3600}, []float64{1}},
	{"MX", 5, []string{"America/Mexico_City"}, []int64{-6 * 3600}, []float64{1}},
}

var countryWeights = func() []float64 {
	w := make([]float64, len(countries))
	for i, c := range countries {
		w[i] = c.weight
	}
	return w
}()

// hourWeights is the local hour-of-day profile of activity: quiet nights, a working day,
// an evening peak.
var hourWeights = []float64{1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 3.5, 3.5, 3.5,
	4, 3.5, 3.5, 3.5, 3.5, 4, 4.5, 5, 5, 4.5, 3.5, 2}

// hourCDF turns hourWeights into a cumulative table so a draw is one scan of 24 floats.
var hourCDF = func() [24]float64 {
	var cdf [24]float64
	total := 0.0
	for _, w := range hourWeights {
		total += w
	}
	acc := 0.0
	for i, w := range hourWeights {
		acc += w / total
		cdf[i] = acc
	}
	cdf[23] = 1
	return cdf
}()
