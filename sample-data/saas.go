package sampledata

// B2B SaaS: people in accounts log in and use features; account admins start trials and
// subscribe; some accounts show buying intent on the marketing site.

type saasPersona int

const (
	saasPower saasPersona = iota
	saasRegular
	saasDormant
	saasDecliner
	saasChurned
)

var (
	saasPersonaWeights = []float64{6, 46, 20, 8, 20}
	webPlatformWeights = []float64{80, 10, 10}
)

type worker struct {
	platform string
	feats    [10]int // a permutation of saasFeatures; a person uses a prefix of it
	nFav     int
	plan     string
}

func (g *gen) saas(bp *blockPlan, pos int) {
	r := &g.r
	a := &bp.accounts[bp.member[pos]]
	k := pos - a.first
	g.u.AccountID, g.u.CompanySize, g.u.Plan = a.id, a.companySize, a.plan
	w := worker{platform: webPlatforms[r.weighted(webPlatformWeights)], plan: a.plan}
	for i, f := range r.perm(len(saasFeatures)) {
		w.feats[i] = f
	}
	if a.intent {
		g.planted |= HighIntentAccount
	}
	if a.trial {
		g.trial(a, k, &w)
		return
	}
	end := g.end
	g.join = a.created
	if k > 0 {
		g.join = min(a.created+days(r.between(0, 60)), end-10*day)
	}
	if g.join >= g.start && g.join < a.created+14*day {
		g.add(g.join+int64(r.between(1, 10))*minute, evTrialStart, pStr(pkPlan, trialPlan(a.plan)))
	}
	if k == 0 && a.plan != "free" {
		for p, name := range saasPaidPlans {
			if name == a.plan {
				g.addRev(g.snap(a.created+14*day+hour, a.created+14*day, a.created+15*day), evSubscriptionStart, saasPlanCents[p], pStr(pkPlan, name))
			}
		}
	}
	if k == 0 {
		for j := range min(a.size-1, 5) {
			g.add(a.created+int64(j+1)*hour+int64(r.intn(int(hour))), evInviteSent)
		}
	}

	persona := saasPersona(r.weighted(saasPersonaWeights))
	switch {
	case persona == saasPower && g.join > end-40*day,
		persona == saasDormant && g.join > end-170*day,
		persona == saasDecliner && g.join > end-90*day:
		persona = saasRegular
	}
	lo := g.activeFrom()
	switch persona {
	case saasPower:
		g.planted |= PowerUser
		w.nFav = r.irange(6, 8)
		g.renewal(lo, end-30*day, r.between(20, 30), func(t int64) { g.work(t, &w, r.irange(1, 2)) })
		g.renewal(max(lo, end-30*day), end, r.between(1.1, 1.6), func(t int64) { g.work(t, &w, r.irange(1, 2)) })
	case saasRegular:
		w.nFav = r.irange(2, 4)
		g.renewal(lo, end, r.between(20, 40), func(t int64) { g.work(t, &w, r.irange(0, 1)) })
	case saasDormant:
		g.planted |= DormantUser
		w.nFav = r.irange(2, 4)
		stop := max(lo+100*day, end-days(r.between(65, 300)))
		g.renewal(lo, min(stop, end-65*day), r.between(14, 28), func(t int64) { g.work(t, &w, r.irange(0, 1)) })
	case saasDecliner:
		g.planted |= DecliningEngagement
		w.nFav = r.irange(2, 4)
		g.renewal(lo, end-60*day, r.between(20, 30), func(t int64) { g.work(t, &w, r.irange(0, 1)) })
		g.renewal(end-60*day, end-30*day, r.between(1.8, 2.6), func(t int64) { g.work(t, &w, r.irange(0, 2)) })
		g.spread(end-30*day+hour, end-hour, r.irange(1, 3), func(_ int, t int64) { g.work(t, &w, r.irange(0, 1)) })
	case saasChurned:
		w.nFav = r.irange(1, 2)
		g.spread(lo, min(end, lo+20*day), r.irange(1, 2), func(_ int, t int64) { g.work(t, &w, r.irange(0, 1)) })
	}

	// Account intent: the chosen members read pricing and integration pages in the last
	// two weeks, one of them asks for a demo.
	if a.intent && a.intentMembers&(1<<k) != 0 {
		lo := max(end-days(13.5), g.join+hour)
		for range r.irange(1, 2) {
			g.add(g.at(lo, end-hour), evPageView, pStr(pkPage, "pricing"))
		}
		for range r.irange(1, 2) {
			g.add(g.at(lo, end-hour), evPageView, pStr(pkPage, "integrations"))
		}
		if k == a.demoMember {
			g.add(g.at(lo, end-hour), evDemoRequest)
		}
	}
	// Pricing intent: three or more pricing visits in the last week.
	if (persona == saasPower || persona == saasRegular || persona == saasDecliner) && r.chance(0.1) {
		g.planted |= PricingIntent
		g.spread(end-days(6.5), end-hour, r.irange(3, 5), func(_ int, t int64) {
			g.add(t, evPageView, pStr(pkPage, "pricing"))
		})
		if r.chance(0.3) {
			g.add(g.at(end-6*day, end-hour), evDemoRequest)
		}
	}
}

func trialPlan(plan string) string {
	if plan == "free" || plan == "trial" {
		return "team"
	}
	return plan
}

// work is one working session: a login, feature use from the person's favourites, and now
// and then a look at the docs, the changelog or (rarely) pricing and integrations.
func (g *gen) work(t int64, w *worker, features int) {
	r := &g.r
	g.add(t, evLogin, pStr(pkPlatform, w.platform))
	for range features {
		t += int64(r.between(20, 600))
		g.add(t, evFeatureUsed, pStr(pkFeature, saasFeatures[w.feats[r.intn(w.nFav)]]))
	}
	if r.chance(0.08) {
		g.add(t+int64(r.between(30, 900)), evPageView, pStr(pkPage, saasUsagePages[r.weighted(saasUsageWeights)]))
	}
	if (w.plan == "free" || w.plan == "team") && r.chance(0.01) {
		g.add(t+int64(r.between(30, 900)), evPageView, pStr(pkPage, "pricing"))
	}
	if r.chance(0.01) {
		g.add(t+int64(r.between(30, 900)), evPageView, pStr(pkPage, "integrations"))
	}
}

// trial is a member of an account in the recent trial cohort. Half of them activate: they
// use 3–6 distinct features within their first week. The others touch at most two features,
// ever.
func (g *gen) trial(a *accountPlan, k int, w *worker) {
	r := &g.r
	end := g.end
	g.planted |= TrialUser
	g.join = a.created
	if k > 0 {
		g.join += days(r.between(0.1, 3))
	}
	g.add(g.join+int64(r.between(1, 10))*minute, evTrialStart, pStr(pkPlan, "team"))
	if k == 0 {
		for j := range min(a.size-1, 5) {
			g.add(g.join+int64(j+1)*hour+int64(r.intn(int(hour))), evInviteSent)
		}
	}
	lo := g.join + 15*minute
	week := min(g.join+7*day-hour, end-hour)
	if r.chance(0.5) {
		g.planted |= TrialActivated
		w.nFav = r.irange(3, 6)
		next := 0 // round-robin over the favourites so every one of them is used
		g.spread(lo, week, r.irange(3, 7), func(_ int, t int64) {
			g.add(t, evLogin, pStr(pkPlatform, w.platform))
			for range r.irange(1, 3) {
				t += int64(r.between(20, 600))
				g.add(t, evFeatureUsed, pStr(pkFeature, saasFeatures[w.feats[next%w.nFav]]))
				next++
			}
		})
		for t := week; next < w.nFav; next++ {
			t -= int64(r.between(60, 600))
			g.add(t, evFeatureUsed, pStr(pkFeature, saasFeatures[w.feats[next]]))
		}
		g.renewal(week, end, r.between(2, 5), func(t int64) { g.work(t, w, r.irange(1, 2)) })
		return
	}
	w.nFav = r.irange(0, 2)
	g.spread(lo, min(g.join+6*day, end-hour), r.irange(1, 3), func(_ int, t int64) {
		g.add(t, evLogin, pStr(pkPlatform, w.platform))
		if w.nFav > 0 && r.chance(0.7) {
			g.add(t+int64(r.between(20, 600)), evFeatureUsed, pStr(pkFeature, saasFeatures[w.feats[r.intn(w.nFav)]]))
		}
	})
}
