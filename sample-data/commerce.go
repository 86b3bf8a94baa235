package sampledata

import (
	"slices"
	"strconv"
)

// Commerce: ecommerce and retail share the purchase stories; retail adds a loyalty app
// (app_open) and in-store purchases.

// catalogue is a fixed product list: SKUs and their prices never change with the seed, so
// a SKU always costs the same.
type catalogue struct {
	categories []string
	skus       [][]string
	prices     [][]int64 // cents
}

const skusPerCategory = 200

func newCatalogue(categories, prefixes []string, base []int64) catalogue {
	c := catalogue{categories: categories}
	for i := range categories {
		skus := make([]string, skusPerCategory)
		prices := make([]int64, skusPerCategory)
		for j := range skus {
			skus[j] = prefixes[i] + "-" + strconv.Itoa(1000+j)
			// 0.5×–1.5× the category's base price, ending in .99.
			cents := base[i] * int64(50+(j*37)%101) / 100
			prices[j] = max(99, cents/100*100+99)
		}
		c.skus = append(c.skus, skus)
		c.prices = append(c.prices, prices)
	}
	return c
}

var (
	ecomCatalogue   = newCatalogue(ecomCategories, ecomSKUPrefix, ecomBasePrice)
	retailCatalogue = newCatalogue(retailCategories, retailSKUPrefix, retailBasePrice)
)

type buyer int

const (
	buyerNever buyer = iota
	buyerFirst
	buyerRepeat
	buyerFrequent
	buyerLapsed
	buyerSeasonal
	buyerWinBack
	buyerAtRisk // retail only
)

// Shares of each buyer story, in the order above.
var (
	ecomBuyerWeights   = []float64{24, 20, 24, 8, 10, 8, 6, 0}
	retailBuyerWeights = []float64{18, 16, 26, 10, 8, 8, 6, 8}
)

// productViewsWeights: a visit shows 0, 1 or 2 products.
var (
	productViewsWeights    = []float64{50, 35, 15}
	appProductViewsWeights = []float64{65, 25, 10}
)

type shop struct {
	retail   bool
	cat      *catalogue
	fav      [2]int
	platform string
	buys     []int64
}

func (g *gen) commerce(retail bool) {
	r := &g.r
	s := shop{retail: retail, cat: &ecomCatalogue, platform: appPlatforms[r.intn(2)], buys: g.buys[:0]}
	defer func() { g.buys = s.buys }()
	weights := ecomBuyerWeights
	if retail {
		s.cat, weights = &retailCatalogue, retailBuyerWeights
	}
	n := len(s.cat.categories)
	s.fav[0] = r.intn(n)
	s.fav[1] = (s.fav[0] + 1 + r.intn(n-1)) % n
	end := g.end

	var lo, hi int64 // browsing (ecommerce) or app use (retail)
	gap := 0.0
	appGap := func(web, app float64) float64 {
		if retail {
			return app
		}
		return web
	}
	kind := buyer(r.weighted(weights))
	switch kind {
	case buyerNever:
		g.planted |= NeverBought
		g.join = g.sampleJoin(end - 20*day)
		lo = g.activeFrom()
		hi = min(end, lo+days(r.between(30, 300)))
		gap = appGap(r.between(25, 50), r.between(20, 40))
	case buyerFirst:
		g.planted |= FirstTimeBuyer
		g.join = g.sampleJoin(end - 10*day)
		lo = g.activeFrom()
		t := g.at(lo+hour, end-day)
		s.buys = append(s.buys, t)
		hi = min(end, t+days(r.between(10, 90)))
		gap = appGap(r.between(30, 60), r.between(20, 40))
	case buyerRepeat:
		g.planted |= RepeatBuyer
		m := r.between(45, 100)
		g.join = g.sampleJoin(end - days(2.5*m))
		lo, hi = g.activeFrom(), end
		for t := lo + days(r.float()*m); t <= end-hour; t += max(40*day, days(m*r.between(0.7, 1.3))) {
			s.buys = append(s.buys, g.snap(t, lo, end-hour))
		}
		g.saleBoost(&s, lo)
		gap = appGap(r.between(40, 80), r.between(30, 50))
	case buyerFrequent:
		g.planted |= FrequentBuyer
		m := r.between(30, 50)
		g.join = g.sampleJoin(end - 200*day)
		lo, hi = g.activeFrom(), end
		for t := lo + days(r.float()*m); t < end-95*day; t += days(m * r.between(0.7, 1.3)) {
			s.buys = append(s.buys, g.snap(t, lo, end-95*day))
		}
		g.spread(end-88*day, end-2*hour, r.irange(4, 7), func(_ int, t int64) { s.buys = append(s.buys, t) })
		g.saleBoost(&s, lo)
		gap = appGap(r.between(15, 25), r.between(12, 20))
	case buyerLapsed:
		g.planted |= LapsedBuyer
		last := end - days(r.between(185, 420))
		g.backwards(&s, last, r.irange(2, 9), r.between(20, 75), 0.7, 1.3)
		g.join = g.sampleJoin(s.buys[len(s.buys)-1])
		lo, hi = g.activeFrom(), min(end, last+days(r.between(0, 40)))
		gap = appGap(r.between(30, 60), r.between(20, 40))
	case buyerSeasonal:
		g.planted |= SeasonalBuyer
		first := end
		for _, w := range g.sales {
			p := saleProb(w.name, 1, 0.5, 0.3)
			if w.to-w.from < day || !r.chance(p) {
				continue
			}
			first = min(first, w.from)
			s.buys = append(s.buys, g.at(w.from+hour, w.to-hour))
			if w.name == "black_friday" && r.chance(0.3) {
				s.buys = append(s.buys, g.at(w.from+hour, w.to-hour))
			}
		}
		g.join = g.sampleJoin(first - 7*day)
		// They browse only in the days before each sale purchase.
		for _, t := range s.buys {
			for range r.irange(1, 2) {
				g.browse(&s, g.at(t-10*day, t-hour))
			}
		}
	case buyerWinBack:
		g.planted |= WinBack
		m := r.between(25, 50)
		last := end - days(min(r.between(2.6, 3.6)*m, 170))
		g.backwards(&s, last, r.irange(3, 6), m, 0.85, 1.15)
		g.join = g.sampleJoin(s.buys[len(s.buys)-1])
		lo, hi = g.activeFrom(), min(end, last+days(r.between(0, 20)))
		gap = appGap(r.between(30, 60), r.between(20, 40))
	case buyerAtRisk:
		g.planted |= AtRiskLoyal
		last := end - days(r.between(95, 175))
		g.backwards(&s, last, r.irange(5, 12), r.between(18, 35), 0.75, 1.25)
		g.join = g.sampleJoin(s.buys[len(s.buys)-1])
		// Heavy app use that fades in the last 30 days: the count falls by 70% or more.
		a := g.activeFrom()
		g.renewal(a, end-60*day, r.between(20, 30), func(t int64) { g.browse(&s, t) })
		g.renewal(end-60*day, end-30*day, r.between(2, 3.5), func(t int64) { g.browse(&s, t) })
		g.spread(end-30*day+hour, end-hour, r.irange(0, 2), func(_ int, t int64) { g.browse(&s, t) })
	}
	slices.Sort(s.buys)
	for _, t := range s.buys {
		g.purchase(&s, t)
	}
	g.renewal(lo, hi, gap, func(t int64) { g.browse(&s, t) })
	g.abandon(&s)
	g.loyalty(kind)
}

// backwards plants n purchases ending at last, with gaps of m days × [lo, hi), stopping at
// the start of the span. s.buys ends with the earliest.
func (g *gen) backwards(s *shop, last int64, n int, m, lo, hi float64) {
	t := last
	for k := 0; k < n && t >= g.start+day; k++ {
		s.buys = append(s.buys, t)
		t -= days(m * g.r.between(lo, hi))
	}
	if len(s.buys) == 0 {
		s.buys = append(s.buys, last)
	}
}

// saleBoost gives active regular buyers an extra purchase in some sale windows.
func (g *gen) saleBoost(s *shop, active int64) {
	for _, w := range g.sales {
		if w.from < active+7*day || w.to-w.from < day {
			continue
		}
		p := saleProb(w.name, 0.35, 0.25, 0.15)
		if g.r.chance(p) {
			s.buys = append(s.buys, g.at(w.from+hour, w.to-hour))
		}
	}
}

func saleProb(name string, blackFriday, holiday, summer float64) float64 {
	switch name {
	case "black_friday":
		return blackFriday
	case "holiday":
		return holiday
	}
	return summer
}

func (g *gen) pickProduct(s *shop) (cat, sku int) {
	r := &g.r
	cat = s.fav[r.intn(2)]
	if r.chance(0.3) {
		cat = r.intn(len(s.cat.categories))
	}
	return cat, r.intn(skusPerCategory)
}

// purchase plants a purchase at t; online ones follow an add_to_cart 2–90 minutes earlier
// (and often a product_view before that), so a converted cart always converts within two hours.
func (g *gen) purchase(s *shop, t int64) {
	r := &g.r
	cat, sku := g.pickProduct(s)
	category, code, price := s.cat.categories[cat], s.cat.skus[cat][sku], s.cat.prices[cat][sku]
	items := int64(1)
	if x := r.float(); x > 0.93 {
		items = 3
	} else if x > 0.75 {
		items = 2
	}
	channel := "web"
	if s.retail {
		channel = retailChannels[r.weighted(retailChWeights)]
	} else if r.chance(0.35) {
		channel = "app"
	}
	if channel != "store" {
		cart := t - int64(r.between(2, 90)*float64(minute))
		if r.chance(0.5) {
			g.add(cart-int64(r.between(1, 15)*float64(minute)), evProductView,
				pStr(pkCategory, category), pStr(pkSKU, code))
		}
		g.add(cart, evAddToCart, pStr(pkCategory, category), pStr(pkSKU, code), pCents(pkPrice, price))
	}
	props := [maxProps]prop{pStr(pkCategory, category), pStr(pkSKU, code), pInt(pkItems, items), pStr(pkChannel, channel)}
	np := 4
	if promo := g.saleAt(t); promo != "" {
		props[np] = pStr(pkPromo, promo)
		np++
	}
	g.addRev(t, evPurchase, price*items, props[:np]...)
}

// browse is a visit without a purchase: a page_view (ecommerce) or app_open (retail), a few
// product views, and now and then an abandoned cart.
func (g *gen) browse(s *shop, t int64) {
	r := &g.r
	if s.retail {
		g.add(t, evAppOpen, pStr(pkPlatform, s.platform))
	} else {
		g.add(t, evPageView, pStr(pkPage, shopPages[r.weighted(shopPageWeights)]))
	}
	views := r.weighted(productViewsWeights)
	pAbandon := 0.07
	if s.retail {
		views = r.weighted(appProductViewsWeights)
		pAbandon = 0.03
	}
	for k := range views {
		t += int64(r.between(20, 300))
		cat, sku := g.pickProduct(s)
		g.add(t, evProductView, pStr(pkCategory, s.cat.categories[cat]), pStr(pkSKU, s.cat.skus[cat][sku]))
		if k == views-1 && r.chance(pAbandon) {
			g.add(t+int64(r.between(30, 300)), evAddToCart, pStr(pkCategory, s.cat.categories[cat]),
				pStr(pkSKU, s.cat.skus[cat][sku]), pCents(pkPrice, s.cat.prices[cat][sku]))
		}
	}
}

// abandon plants the recent cart abandoners: an add_to_cart in the last 6.5 days with no
// purchase in the two hours after it.
func (g *gen) abandon(s *shop) {
	r := &g.r
	p := 0.09
	if s.retail {
		p = 0.06
	}
	if g.join > g.end-7*day || !r.chance(p) {
		return
	}
	g.planted |= CartAbandoner
	carts := 1
	if r.chance(0.2) {
		carts = 2
	}
	for range carts {
		for range 10 {
			t := g.at(g.end-days(6.5), g.end-3*hour)
			clash := false
			for _, b := range s.buys {
				if b >= t-5*minute && b <= t+2*hour+5*minute {
					clash = true
				}
			}
			if clash {
				continue
			}
			cat, sku := g.pickProduct(s)
			g.add(t-int64(r.between(1, 10)*float64(minute)), evProductView,
				pStr(pkCategory, s.cat.categories[cat]), pStr(pkSKU, s.cat.skus[cat][sku]))
			g.add(t, evAddToCart, pStr(pkCategory, s.cat.categories[cat]),
				pStr(pkSKU, s.cat.skus[cat][sku]), pCents(pkPrice, s.cat.prices[cat][sku]))
			break
		}
	}
}

func (g *gen) loyalty(kind buyer) {
	r := &g.r
	pick := func(a, b string, pa float64) string {
		if r.chance(pa) {
			return a
		}
		return b
	}
	plus := 0.05
	switch kind {
	case buyerNever:
		g.u.LoyaltyTier = pick("none", "bronze", 0.7)
	case buyerFirst:
		g.u.LoyaltyTier = "bronze"
	case buyerRepeat:
		g.u.LoyaltyTier, plus = pick("silver", "gold", 0.6), 0.2
	case buyerFrequent:
		g.u.LoyaltyTier, plus = pick("gold", "platinum", 0.5), 0.4
	case buyerLapsed, buyerWinBack:
		g.u.LoyaltyTier = pick("silver", "gold", 0.5)
	case buyerSeasonal:
		g.u.LoyaltyTier = pick("bronze", "silver", 0.5)
	case buyerAtRisk:
		g.u.LoyaltyTier, plus = pick("gold", "platinum", 0.6), 0.3
	}
	g.u.Plan = pick("plus", "standard", plus)
}
