package sampledata

import "strconv"

// Users come in blocks of blockSize consecutive indices. A block has one industry (Mixed
// rotates through the six), and a SaaS block is split into B2B accounts. Everything about a
// block derives from (seed, block index), so any worker can rebuild it, and the work is cut
// into chunks that are whole blocks.
const blockSize = 32

type blockPlan struct {
	index    int
	industry Industry
	accounts []accountPlan
	member   [blockSize]uint8 // position in block → index into accounts
}

// accountPlan is one SaaS account (workspace).
type accountPlan struct {
	id          string
	first, size int   // the members are block positions first … first+size-1
	created     int64 // when the admin signed up (may lie before the span)
	trial       bool  // in the recent trial cohort: created 8–28 days before the end
	plan        string
	companySize string
	// intent: several members read pricing and integration pages in the last 14 days.
	intent        bool
	intentMembers uint32 // bit k: member k reads
	demoMember    int    // member who also requests a demo, or -1
}

func (g *gen) blockFor(i int) *blockPlan {
	b := i / blockSize
	if g.block.index == b {
		return &g.block
	}
	g.block = blockPlan{index: b, accounts: g.block.accounts[:0]}
	if g.cfg.Industry == Mixed {
		all := Industries()
		g.block.industry = all[(uint64(b)+g.cfg.Seed)%uint64(len(all))]
	} else {
		g.block.industry = g.cfg.Industry
	}
	if g.block.industry == SaaS {
		g.planAccounts(&g.block)
	}
	return &g.block
}

func (g *gen) accountOf(i int) *accountPlan {
	bp := g.blockFor(i)
	return &bp.accounts[bp.member[i%blockSize]]
}

// planAccounts splits a SaaS block into accounts of 1–12 people and decides each
// account's story.
func (g *gen) planAccounts(bp *blockPlan) {
	r := newRNG(streamKey(g.cfg.Seed, saltBlock, uint64(bp.index)))
	pos := 0
	for pos < blockSize {
		var size int
		switch x := r.float(); {
		case x < 0.25:
			size = 1
		case x < 0.60:
			size = r.irange(2, 4)
		case x < 0.85:
			size = r.irange(5, 8)
		default:
			size = r.irange(9, 12)
		}
		size = min(size, blockSize-pos)
		a := accountPlan{first: pos, size: size, demoMember: -1}
		a.id = accountID(bp.index*blockSize+pos, g.idWidth)
		g.planAccount(&a, bp.index*blockSize+pos)
		for k := range size {
			bp.member[pos+k] = uint8(len(bp.accounts))
		}
		bp.accounts = append(bp.accounts, a)
		pos += size
	}
}

func (g *gen) planAccount(a *accountPlan, key int) {
	r := newRNG(streamKey(g.cfg.Seed, saltAccount, uint64(key)))
	switch {
	case a.size <= 1:
		a.companySize = "1-10"
	case a.size <= 4:
		a.companySize = "11-50"
	case a.size <= 8:
		a.companySize = "51-200"
	case r.chance(0.6):
		a.companySize = "201-1000"
	default:
		a.companySize = "1000+"
	}
	if r.chance(0.12) {
		a.trial = true
		a.plan = "trial"
		a.created = g.end - days(r.between(8, 28))
		return
	}
	// The account's creation follows the same signup curve as people, at least 45 days
	// before the end so that no one outside the recent cohort is in a first-week trial.
	a.created = g.joinFrom(&r, g.end-45*day)
	if r.chance(0.35) {
		a.plan = "free"
	} else {
		switch {
		case a.size <= 2:
			a.plan = "team"
		case a.size <= 8:
			a.plan = saasPaidPlans[r.intn(2)]
		default:
			a.plan = saasPaidPlans[1+r.intn(2)]
		}
	}
	if a.size >= 3 && (a.plan == "free" || a.plan == "team") && r.chance(0.3) {
		a.intent = true
		readers := r.irange(2, min(4, a.size))
		order := r.perm(a.size)
		for _, k := range order[:readers] {
			a.intentMembers |= 1 << k
		}
		if r.chance(0.5) {
			a.demoMember = order[0]
		}
	}
}

func accountID(first, width int) string {
	s := strconv.Itoa(first + 1)
	b := make([]byte, 0, width+1)
	b = append(b, 'a')
	for range width - len(s) {
		b = append(b, '0')
	}
	return string(append(b, s...))
}

// perm is a random permutation of 0…n-1.
func (r *rng) perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		j := r.intn(i + 1)
		p[i] = p[j]
		p[j] = i
	}
	return p
}
