package sampledata

import (
	"math"
	"slices"
	"strconv"
	"time"
)

const (
	minute int64 = 60
	hour   int64 = 3600
	day    int64 = 86400
)

// days converts a (fractional) number of days to seconds.
func days(d float64) int64 { return int64(d * float64(day)) }

type propKind uint8

const (
	kindString propKind = iota
	kindInt
	kindCents // a decimal with two places, stored in hundredths
)

type prop struct {
	key  propKey
	kind propKind
	s    string
	n    int64
}

func pStr(k propKey, s string) prop   { return prop{key: k, kind: kindString, s: s} }
func pInt(k propKey, n int64) prop    { return prop{key: k, kind: kindInt, n: n} }
func pCents(k propKey, n int64) prop  { return prop{key: k, kind: kindCents, n: n} }
func pFrac(k propKey, f float64) prop { return pCents(k, int64(math.Round(f*100))) }

const maxProps = 5

// noRevenue marks an event without revenue.
const noRevenue int64 = -1

// event is the generator's compact form of one row; the writer formats it directly.
type event struct {
	t     int64 // unix seconds, UTC
	cents int64 // revenue in cents, or noRevenue
	name  eventName
	np    uint8
	props [maxProps]prop
}

// sale is a SaleWindow in unix seconds.
type sale struct {
	name     string
	from, to int64
}

// gen generates users one at a time. Each worker owns one; between users only the rng and
// the per-user fields are reset, so the event slice is reused.
type gen struct {
	cfg        Config // normalized
	start, end int64
	sales      []sale
	idWidth    int

	r       rng
	u       User
	index   int
	off     int64 // the user's standard UTC offset in seconds
	join    int64 // signup instant; may lie before start
	events  []event
	spare   []event  // sortEvents' second buffer
	keys    []uint64 // sortEvents' keys
	buys    []int64  // scratch list of times: purchases, study sessions
	planted Behavior

	block blockPlan // cache: the block of the current user
}

func newGen(cfg Config) *gen {
	g := &gen{cfg: cfg, start: cfg.start().Unix(), end: cfg.End.Unix()}
	for _, w := range cfg.saleWindows() {
		g.sales = append(g.sales, sale{w.Name, w.From.Unix(), w.To.Unix()})
	}
	g.idWidth = max(7, len(strconv.Itoa(cfg.Users)))
	g.block.index = -1
	return g
}

// Salts name the independent random streams derived from the seed.
const (
	saltUser uint64 = iota + 1
	saltBlock
	saltAccount
)

// user generates user i into g.u and g.events (sorted by time).
func (g *gen) user(i int) {
	g.index = i
	g.r = newRNG(streamKey(g.cfg.Seed, saltUser, uint64(i)))
	g.events = g.events[:0]
	g.planted = 0
	bp := g.blockFor(i)
	g.u = User{ID: userID(i, g.idWidth), Industry: bp.industry}
	g.demographics()
	switch bp.industry {
	case Ecommerce:
		g.commerce(false)
	case Retail:
		g.commerce(true)
	case SaaS:
		g.saas(bp, i%blockSize)
	case Media:
		g.media()
	case ELearning:
		g.elearning()
	case Fintech:
		g.fintech()
	}
	if g.join >= g.start {
		ch := signupChannels[g.r.weighted(signupChWeights)]
		if g.u.Industry == SaaS && g.u.AccountID != "" && g.index%blockSize != g.accountOf(i).first {
			ch = "invite"
		}
		g.add(g.join, evSignup, pStr(pkChannel, ch))
	}
	g.u.SignupDate = time.Unix(g.join, 0).UTC().Truncate(24 * time.Hour)
	g.email()
	g.u.Planted = g.planted
	g.sortEvents()
}

// sortEvents puts the user's events in time order, ties in the order they were planted.
// Events are large, so the sort runs on packed (time, index) keys and the events move once.
func (g *gen) sortEvents() {
	g.keys = g.keys[:0]
	for i := range g.events {
		g.keys = append(g.keys, uint64(g.events[i].t-g.start)<<24|uint64(i))
	}
	slices.Sort(g.keys)
	g.spare = g.spare[:0]
	for _, k := range g.keys {
		g.spare = append(g.spare, g.events[k&(1<<24-1)])
	}
	g.events, g.spare = g.spare, g.events
}

func userID(i, width int) string {
	b := make([]byte, 0, width+1)
	b = append(b, 'u')
	s := strconv.Itoa(i + 1)
	for range width - len(s) {
		b = append(b, '0')
	}
	return string(append(b, s...))
}

func (g *gen) demographics() {
	r := &g.r
	c := &countries[r.weighted(countryWeights)]
	z := r.weighted(c.zoneW)
	g.u.Country, g.u.TZ, g.off = c.code, c.zones[z], c.offsets[z]
	g.u.AgeBand = ageBands[r.weighted(ageBandWeights)]
}

// add appends an event if it falls inside the span; planted behaviors keep their events
// away from the edges so that nothing they depend on is dropped.
func (g *gen) add(t int64, name eventName, props ...prop) bool {
	return g.addRev(t, name, noRevenue, props...)
}

func (g *gen) addRev(t int64, name eventName, cents int64, props ...prop) bool {
	if t < g.start || t > g.end {
		return false
	}
	e := event{t: t, cents: cents, name: name, np: uint8(len(props))}
	copy(e.props[:], props)
	g.events = append(g.events, e)
	return true
}

// activeFrom is when the user's activity can first show in the data.
func (g *gen) activeFrom() int64 { return max(g.join, g.start) }

// sampleJoin draws a signup instant no later than latest: half the users signed up before
// the span (up to three years earlier), the rest during it, more of them recently (a
// growing product).
func (g *gen) sampleJoin(latest int64) int64 { return g.joinFrom(&g.r, latest) }

func (g *gen) joinFrom(r *rng, latest int64) int64 {
	if latest < g.start {
		return latest - days(r.between(0, 730))
	}
	if r.chance(0.5) {
		return g.start - days(r.between(1, 3*365))
	}
	return g.start + int64(float64(latest-g.start)*math.Sqrt(r.float()))
}

// localSecond draws a second of the local day from the hour-of-day profile.
func (g *gen) localSecond() int64 {
	x := g.r.float()
	h := 0
	for h < 23 && x >= hourCDF[h] {
		h++
	}
	return int64(h)*hour + int64(g.r.intn(int(hour)))
}

// snap moves t to a profile-drawn time of the same local day, unless that leaves [lo, hi].
func (g *gen) snap(t, lo, hi int64) int64 {
	local := t + g.off
	dayStart := local - mod(local, day)
	s := dayStart + g.localSecond() - g.off
	if s < lo || s > hi {
		return t
	}
	return s
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// at draws a time in [lo, hi] that follows the user's daily rhythm.
func (g *gen) at(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	t := lo + int64(g.r.float()*float64(hi-lo))
	return g.snap(t, lo, hi)
}

// renewal calls fn at the times of a quasi-regular process on [lo, hi]: the gaps are the
// mean ±25%, so counts in any 30-day window are stable and a drop in activity comes only
// from a planted change of phase, never from chance.
func (g *gen) renewal(lo, hi int64, meanGapDays float64, fn func(t int64)) {
	if hi <= lo || meanGapDays <= 0 {
		return
	}
	gap := meanGapDays * float64(day)
	t := lo + int64(g.r.float()*gap)
	for t <= hi {
		fn(g.snap(t, lo, hi))
		t += int64(gap * g.r.between(0.75, 1.25))
	}
}

// spread calls fn n times at sorted random times in [lo, hi], each in its own equal slot so
// they never bunch up.
func (g *gen) spread(lo, hi int64, n int, fn func(k int, t int64)) {
	if n <= 0 || hi <= lo {
		return
	}
	slot := (hi - lo) / int64(n)
	for k := range n {
		a := lo + int64(k)*slot
		fn(k, g.at(a, a+slot))
	}
}

func (g *gen) saleAt(t int64) string {
	for _, s := range g.sales {
		if t >= s.from && t <= s.to {
			return s.name
		}
	}
	return ""
}

// email plants the biweekly email: opted-in users get email_sent every 14 days over the
// last 20 weeks and open some; inactive subscribers (a planted share) stopped opening more
// than 75 days before the end, every other subscriber opened at least one of the sends of
// the last 60 days.
func (g *gen) email() {
	r := &g.r
	if g.join > g.end-14*day || !r.chance(0.25) {
		return
	}
	g.u.EmailOptIn = true
	inactive := r.chance(0.25)
	if inactive {
		g.planted |= InactiveSubscriber
	}
	neverOpens := inactive && r.chance(0.2)
	pOpen := r.between(0.35, 0.85)
	endDay := g.end - mod(g.end, day)
	const sends = 10
	recentOpen := false
	var recentSend [sends]int64
	for k := sends - 1; k >= 0; k-- {
		sent := endDay - int64(3+14*k)*day + 15*hour
		recentSend[k] = -1
		if sent < g.join || sent < g.start || sent > g.end {
			continue
		}
		camp := pStr(pkCampaign, emailCampaigns[k%len(emailCampaigns)])
		g.add(sent, evEmailSent, camp)
		recent := sent > g.end-58*day
		if recent {
			recentSend[k] = sent
		}
		mayOpen := !inactive || (!neverOpens && sent < g.end-77*day)
		if mayOpen && r.chance(pOpen) {
			if g.open(sent, camp) && recent {
				recentOpen = true
			}
		}
	}
	if !inactive && !recentOpen {
		for k := range sends {
			if recentSend[k] >= 0 {
				g.open(recentSend[k], pStr(pkCampaign, emailCampaigns[k%len(emailCampaigns)]))
				break
			}
		}
	}
}

func (g *gen) open(sent int64, camp prop) bool {
	t := sent + int64(g.r.between(10, 36*60))*minute
	if t > g.end {
		t = sent + int64(g.r.between(1, 30))*minute
	}
	if !g.add(t, evEmailOpen, camp) {
		return false
	}
	if g.r.chance(0.25) {
		g.add(t+int64(g.r.between(5, 300)), evEmailClick, camp)
	}
	return true
}
