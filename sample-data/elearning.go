package sampledata

import "slices"

// E-learning: learners enroll in courses and study in sessions (a login, then a
// course_progress with their progress so far); completers finish, near-completers stall
// past 70%, dropouts stall early.

type learner int

const (
	learnCompleter learner = iota
	learnActive
	learnNear
	learnDropout
	learnBrowser
)

var (
	learnerWeights   = []float64{20, 25, 12, 28, 15}
	learnPlanWeights = []float64{55, 30, 15}
	learnPlans       = []string{"free", "plus", "pro"}
)

type study struct {
	platform string
	topic    int // preferred topic
	times    []int64
}

func (g *gen) elearning() {
	r := &g.r
	end := g.end
	s := study{platform: webPlatforms[r.weighted(webPlatformWeights)], topic: r.intn(len(learnTopics)), times: g.buys[:0]}
	defer func() { g.buys = s.times }()
	g.u.Plan = learnPlans[r.weighted(learnPlanWeights)]
	switch learner(r.weighted(learnerWeights)) {
	case learnCompleter:
		g.planted |= CourseCompleter
		enroll := end - days(r.between(50, 500))
		g.join = g.sampleJoin(enroll)
		enroll = max(enroll, g.start+day)
		n := r.irange(10, 16)
		stop := min(enroll+days(float64(n)*r.between(2, 5)), end-day)
		last := g.course(&s, enroll, stop, n, 1)
		if r.chance(0.5) && last < end-3*day {
			// A second course, unfinished: still going or stalled early.
			next := g.at(last+day, min(last+30*day, end-2*day))
			n := r.irange(1, 5)
			g.course(&s, next, min(next+days(float64(n)*r.between(3, 7)), end), n, r.between(0.1, 0.6))
		}
	case learnActive:
		// Studying now: sessions every 2–4 days up to the end, so the last login is
		// within the last week.
		gap := r.between(2, 4)
		enroll := end - days(float64(r.irange(3, 12))*gap+r.between(0, 2))
		g.join = g.sampleJoin(enroll)
		s.times = s.times[:0]
		g.renewal(enroll+hour, end, gap, func(t int64) { s.times = append(s.times, t) })
		g.sessions(&s, g.enroll(&s, enroll), r.between(0.15, 0.9))
	case learnNear:
		g.planted |= NearCompleter
		// Past 70%, then nothing for 9–30 days.
		n := r.irange(7, 12)
		stop := end - days(r.between(9, 30))
		enroll := stop - days(float64(n)*r.between(2, 6))
		g.join = g.sampleJoin(enroll)
		g.course(&s, enroll, stop, n, r.between(0.70, 0.95))
	case learnDropout:
		n := r.irange(2, 6)
		stop := end - days(r.between(45, 400))
		enroll := stop - days(float64(n)*r.between(3, 8))
		g.join = g.sampleJoin(enroll)
		g.course(&s, enroll, stop, n, r.between(0.05, 0.55))
	case learnBrowser:
		g.join = g.sampleJoin(end - day)
		enroll := g.at(g.activeFrom(), end-hour)
		s.times = s.times[:0]
		if r.chance(0.6) {
			s.times = append(s.times, g.at(enroll+hour, min(end, enroll+10*day)))
		}
		g.sessions(&s, g.enroll(&s, enroll), r.between(0.02, 0.15))
	}
}

// course plants an enrollment and n study sessions spread unevenly over (enroll, stop],
// the last one at stop, that take the learner to progress final (1 completes the course).
// It returns the last session's time.
func (g *gen) course(s *study, enroll, stop int64, n int, final float64) int64 {
	var cum [16]float64
	n = min(n, len(cum))
	acc := 0.0
	for i := range n {
		acc += g.r.between(0.75, 1.25)
		cum[i] = acc
	}
	s.times = s.times[:0]
	for i := range n {
		t := enroll + int64(cum[i]/acc*float64(stop-enroll))
		s.times = append(s.times, g.snap(t, enroll+hour, stop))
	}
	course := g.enroll(s, enroll)
	g.sessions(s, course, final)
	last := s.times[len(s.times)-1]
	if final >= 1 {
		g.add(last+int64(g.r.between(41, 60))*minute, evCourseComplete, pStr(pkCourseID, courseIDs[course]))
	}
	return last
}

func (g *gen) enroll(s *study, t int64) int {
	r := &g.r
	topic := s.topic
	if r.chance(0.3) {
		topic = r.intn(len(learnTopics))
	}
	course := topic + len(learnTopics)*r.intn(numCourses/len(learnTopics))
	id := pStr(pkCourseID, courseIDs[course])
	g.add(t, evCourseEnroll, id, pStr(pkTopic, courseTopic(course)))
	if r.chance(0.35) {
		g.addRev(t+int64(r.between(30, 600)), evPurchase, coursePriceCents[r.intn(len(coursePriceCents))],
			id, pStr(pkCategory, "course"))
	}
	return course
}

// sessions emits a login and a course_progress at each of s.times, the progress rising in
// uneven steps to final (two decimals).
func (g *gen) sessions(s *study, course int, final float64) {
	r := &g.r
	n := len(s.times)
	if n == 0 {
		return
	}
	slices.Sort(s.times)
	var w [32]float64
	total := 0.0
	for i := range min(n, len(w)) {
		w[i] = r.between(0.5, 1.5)
		total += w[i]
	}
	id := pStr(pkCourseID, courseIDs[course])
	acc := 0.0
	for i, t := range s.times {
		if i < len(w) {
			acc += w[i] / total * final
		}
		p := acc
		if i == n-1 {
			p = final
		}
		g.add(t, evLogin, pStr(pkPlatform, s.platform))
		g.add(t+int64(r.between(5, 40))*minute, evCourseProgress, id, pFrac(pkProgress, min(p, 1)))
	}
}
