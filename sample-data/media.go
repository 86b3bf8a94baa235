package sampledata

// Media: readers read articles by topic; followers concentrate on one topic, metered
// readers hit the paywall, some subscribe.

type reader int

const (
	readHeavy reader = iota
	readRegular
	readLight
	readDormant
	readChurned
)

var (
	readerWeights      = []float64{6, 28, 30, 18, 18}
	readsPerSession    = []float64{70, 25, 5} // 1, 2 or 3 articles
	mediaPlanWeights   = []float64{70, 30}
	subscribeByPersona = []float64{0.5, 0.3, 0.1, 0.15, 0.02}
)

func (g *gen) media() {
	r := &g.r
	end := g.end
	persona := reader(r.weighted(readerWeights))
	switch persona {
	case readDormant:
		g.join = g.sampleJoin(end - 170*day)
	case readChurned:
		g.join = g.sampleJoin(end - 30*day)
	default:
		g.join = g.sampleJoin(end - 14*day)
	}
	lo := g.activeFrom()

	// Topic mix: a follower puts 75–92% of their reading on one topic; everyone else reads
	// across all eight with mild preferences.
	var weights [8]float64
	follower := persona <= readLight && r.chance(0.5)
	primary := r.weighted(mediaTopicWeights)
	if follower {
		share := r.between(0.75, 0.92)
		for i := range weights {
			weights[i] = (1 - share) / 7
		}
		weights[primary] = share
	} else {
		for i := range weights {
			weights[i] = r.between(0.8, 1.2)
		}
	}

	subscribed := int64(-1) // when they subscribed; -1: never
	if r.chance(subscribeByPersona[persona]) {
		p := r.weighted(mediaPlanWeights)
		g.u.Plan = mediaPlans[p]
		if g.join < g.start && r.chance(0.5) {
			subscribed = g.join // before the span: no event
		} else {
			subscribed = g.at(lo, end-day)
			g.addRev(subscribed, evSubscribe, mediaPlanCents[p], pStr(pkPlan, mediaPlans[p]))
		}
	} else {
		g.u.Plan = "free"
	}

	reads := 0
	session := func(t int64) {
		for range 1 + r.weighted(readsPerSession) {
			topic := pStr(pkTopic, mediaTopics[r.weighted(weights[:])])
			if (subscribed < 0 || t < subscribed) && r.chance(0.02) {
				g.add(t, evPaywallHit, topic)
			} else if g.add(t, evArticleRead, topic) {
				reads++
			}
			t += int64(r.between(60, 900))
		}
	}
	switch persona {
	case readHeavy:
		g.renewal(lo, end, r.between(6, 10), session)
	case readRegular:
		g.renewal(lo, end, r.between(20, 35), session)
	case readLight:
		g.renewal(lo, end, r.between(35, 60), session)
	case readDormant:
		stop := max(lo+100*day, end-days(r.between(65, 300)))
		g.renewal(lo, min(stop, end-65*day), r.between(14, 28), session)
	case readChurned:
		g.spread(lo, min(end, lo+30*day), r.irange(1, 4), func(_ int, t int64) { session(t) })
	}
	if follower && reads >= 10 {
		g.planted |= TopicFollower
	}
	if follower && r.chance(0.25) || !follower && r.chance(0.05) {
		g.add(g.at(lo, end), evNewsletterSignup, pStr(pkTopic, mediaTopics[primary]))
	}
	// Paywall hitters: active non-subscribers who ran into the paywall 3–6 times in the
	// last 30 days.
	if subscribed < 0 && persona <= readLight && g.join <= end-30*day && r.chance(0.25) {
		g.planted |= PaywallHitter
		g.spread(end-29*day, end-hour, r.irange(3, 6), func(_ int, t int64) {
			g.add(t, evPaywallHit, pStr(pkTopic, mediaTopics[r.weighted(weights[:])]))
		})
	}
}
