package sampledata

// Fintech: app users pay by card; some care about security (checks, freezes, virtual
// cards), some about rewards (cashback, currency exchange); some read about investing,
// and only some of those deposit.

type banker int

const (
	bankHeavy banker = iota
	bankRegular
	bankDecliner
	bankDormant
	bankChurned
)

var (
	bankerWeights  = []float64{10, 42, 10, 20, 18}
	finPlans       = []string{"standard", "premium", "metal"}
	finPlanWeights = []float64{70, 22, 8}
	securityEvents = []eventName{evSecurityCheck, evCardFreeze, evVirtualCard}
	securityWeight = []float64{60, 20, 20}
	investorTopics = []string{"etf", "stocks", "options"}
)

type wallet struct {
	platform string
}

func (g *gen) fintech() {
	r := &g.r
	end := g.end
	w := wallet{platform: appPlatforms[r.intn(2)]}
	g.u.Plan = finPlans[r.weighted(finPlanWeights)]
	persona := banker(r.weighted(bankerWeights))
	switch persona {
	case bankDecliner:
		g.join = g.sampleJoin(end - 100*day)
	case bankDormant:
		g.join = g.sampleJoin(end - 170*day)
	case bankChurned:
		g.join = g.sampleJoin(end - 30*day)
	default:
		g.join = g.sampleJoin(end - 14*day)
	}
	lo := g.activeFrom()
	last := end // the last moment they use the app
	session := func(t int64) { g.bank(t, &w) }
	switch persona {
	case bankHeavy:
		g.renewal(lo, end, r.between(8, 14), session)
	case bankRegular:
		g.renewal(lo, end, r.between(25, 40), session)
	case bankDecliner:
		// A busy month (10–15 opens), then 1–2 opens in the last 30 days.
		g.planted |= DecliningEngagement
		g.renewal(lo, end-60*day, r.between(20, 30), session)
		g.renewal(end-60*day, end-30*day, r.between(2, 3), session)
		g.spread(end-30*day+hour, end-hour, r.irange(1, 2), func(_ int, t int64) { session(t) })
	case bankDormant:
		g.planted |= DormantUser
		last = min(max(lo+100*day, end-days(r.between(65, 300))), end-65*day)
		g.renewal(lo, last, r.between(14, 28), session)
	case bankChurned:
		last = min(end, lo+20*day)
		g.spread(lo, last, r.irange(1, 2), func(_ int, t int64) { session(t) })
	}

	active := persona == bankHeavy || persona == bankRegular || persona == bankDecliner
	if active && g.join <= end-90*day && r.chance(0.3) {
		g.planted |= SecurityMinded
		g.renewal(lo, end-90*day, r.between(30, 60), func(t int64) {
			g.add(t, securityEvents[r.weighted(securityWeight)])
		})
		g.spread(end-89*day, end-hour, r.irange(3, 6), func(_ int, t int64) {
			g.add(t, securityEvents[r.weighted(securityWeight)])
		})
	}
	if active && g.join <= end-90*day && r.chance(0.35) {
		g.planted |= RewardMinded
		reward := func(_ int, t int64) { g.reward(t) }
		g.renewal(lo, end-90*day, r.between(30, 60), func(t int64) { reward(0, t) })
		g.spread(end-89*day, end-hour, r.irange(3, 6), reward)
	}

	// Investing: investors read about ETFs, stocks or options and then deposit; the planted
	// intent readers study ETFs and options in the last 60 days and never deposit; others
	// read about budgeting, savings, stocks or crypto now and then.
	switch {
	case persona != bankChurned && r.chance(0.12):
		g.planted |= Investor
		first := g.at(lo, max(lo, last-day))
		for range r.irange(1, 3) {
			g.add(g.at(max(lo, first-30*day), first), evViewEducation, pStr(pkTopic, investorTopics[r.intn(3)]))
		}
		g.add(first+hour, evDeposit, pCents(pkAmount, int64(r.between(100, 5000))*100))
		for range r.irange(0, 3) {
			g.add(g.at(first+day, last), evDeposit, pCents(pkAmount, int64(r.between(50, 2000))*100))
		}
	case active && g.join <= end-60*day && r.chance(0.14):
		g.planted |= InvestmentIntent
		g.spread(end-59*day, end-hour, r.irange(3, 6), func(_ int, t int64) {
			g.add(t, evViewEducation, pStr(pkTopic, eduTopicsInvest[r.intn(2)]))
		})
	case r.chance(0.2):
		for range r.irange(1, 2) {
			g.add(g.at(lo, last), evViewEducation, pStr(pkTopic, eduTopicsOther[r.intn(len(eduTopicsOther))]))
		}
	}
}

// bank is one app session: an app_open, often a card payment, and rarely a security check
// or a cashback redemption by someone who does not usually care.
func (g *gen) bank(t int64, w *wallet) {
	r := &g.r
	g.add(t, evAppOpen, pStr(pkPlatform, w.platform))
	if r.chance(0.25) {
		g.add(t+int64(r.between(60, 1800)), evCardPayment,
			pStr(pkCategory, cardCategories[r.intn(len(cardCategories))]),
			pCents(pkAmount, int64(r.between(300, 15000))))
	}
	if r.chance(0.01) {
		g.add(t+int64(r.between(30, 600)), evSecurityCheck)
	}
	if r.chance(0.01) {
		g.reward(t + int64(r.between(30, 600)))
	}
}

func (g *gen) reward(t int64) {
	r := &g.r
	if r.chance(0.5) {
		g.add(t, evCashbackRedeem, pCents(pkAmount, int64(r.between(200, 4000))))
		return
	}
	g.add(t, evCurrencyExchange, pStr(pkCurrency, currencies[r.intn(len(currencies))]),
		pCents(pkAmount, int64(r.between(50, 1500))*100))
}
