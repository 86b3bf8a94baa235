package query

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	sampledata "github.com/segscope/segscope/sample-data"
	"github.com/segscope/segscope/segments"
)

// plainCopy makes s's events what a store without the layout holds: rows in no useful
// order and no rollup, so its engine reads the events table plainly, as before issue 16.
func plainCopy(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE events_plain AS SELECT * FROM events ORDER BY hash(uid, ts, event, rowid)`,
		`DROP TABLE events`,
		`ALTER TABLE events_plain RENAME TO events`,
		`DROP TABLE IF EXISTS event_people`,
		`DELETE FROM meta WHERE key IN ('events_layout', 'events_runs', 'rollup_version', 'rollup_unique')`,
		`UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'data_version'`,
	} {
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// splitCSV writes the rows of a CSV file into n files of consecutive rows, each with the
// header.
func splitCSV(t *testing.T, path string, n int) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	header, rows := lines[0], lines[1:]
	var out []string
	per := (len(rows) + n - 1) / n
	for i := 0; i < n; i++ {
		part := rows[min(i*per, len(rows)):min((i+1)*per, len(rows))]
		p := filepath.Join(filepath.Dir(path), fmt.Sprintf("part%d.csv", i))
		if err := os.WriteFile(p, []byte(header+"\n"+strings.Join(part, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// layoutEvents are the names the layout test's conditions use: the dataset's two most
// frequent events and the event other than the first carrying the most revenue.
func layoutEvents(t *testing.T, s *Store) (top1, top2, paid string) {
	t.Helper()
	rows, err := s.DB().Query(`SELECT event FROM events GROUP BY event ORDER BY count(*) DESC, event LIMIT 2`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	// Not the most frequent event, so that the two can be listed together.
	if err := s.DB().QueryRow(`SELECT event FROM events WHERE event <> ? GROUP BY event ORDER BY count(revenue) DESC, event LIMIT 1`, names[0]).Scan(&paid); err != nil {
		t.Fatal(err)
	}
	return names[0], names[1], paid
}

// layoutConditions are conditions of every kind over the given events, the ones the
// rollup answers (no window, no where:) and the ones it leaves to the events.
func layoutConditions(top1, top2, paid string) []struct {
	src  string
	unit segments.Unit
} {
	user, account := segments.UnitUser, segments.UnitAccount
	r := strings.NewReplacer("T1", top1, "T2", top2, "P", paid)
	srcs := []struct {
		src  string
		unit segments.Unit
	}{
		{`{did: P}`, user},
		{`{did: P, times: ">= 3"}`, user},
		{`{did: T1, times: "4..40"}`, user},
		{`{did: [T1, T2], times: "> 10"}`, user},
		{`{did: P, times: "= 0"}`, user},
		{`{did: P, times: "<= 2"}`, user},
		{`{did_not: P}`, user},
		{`{did_not: [T1, P]}`, user},
		{`{measure: sum(revenue), of: P, is: ">= 150"}`, user},
		{`{measure: sum(revenue), of: P, is: "<= 40"}`, user},
		{`{measure: avg(revenue), of: P, is: "20..80"}`, user},
		{`{measure: min(revenue), of: [P, T1], is: "< 30"}`, user},
		{`{measure: max(revenue), of: P, is: "> 60"}`, user},
		{`{measure: count_distinct(revenue), of: P, is: ">= 2"}`, user},
		{`{last: T1, ago: "> 20d"}`, user},
		{`{last: P, ago: "7d..90d"}`, user},
		{`{last: [T1, T2], ago: "<= 3d"}`, user},
		{`{first: T2, ago: ">= 200d"}`, user},
		{`{first: P, ago: "< 60d"}`, user},
		{`{gap: T1, vs_average: "> 2"}`, user},
		{`{gap: P, vs_average: "<= 1"}`, user},
		{`{rfm: {r: ">= 4", f: ">= 3", m: ">= 4"}, of: P}`, user},
		{`{rfm: {r: "<= 2", f: "!= 3"}, of: [P, T2]}`, user},
		{`{rfm: {r: "= 3", f: "2..4", m: "< 5"}, of: P}`, user},
		{`{rfm: {r: "> 1.5", m: "<= 4.5"}, of: T1}`, user},
		{`{rfm: {f: ">= 1", m: ">= 5"}, of: P}`, user},
		{`{did: P, in_last: 30d, times: ">= 2"}`, user},
		{`{did: T1, where: {revenue: "> 0"}}`, user},
		{`{did_not: T2, in_last: 14d}`, user},
		{`{measure: sum(revenue), of: P, in_last: 90d, is: ">= 50"}`, user},
		{`{trend: T1, in_last: 30d, change: "<= -50%"}`, user},
		{`{did: T2, then: P, within: 1d}`, user},
		{`{did: T1, then_not: T2, within: 2h, in_last: 30d}`, user},
		{`{did: T1, times: ">= 5", users: ">= 2"}`, account},
		{`{last: P, ago: "> 30d"}`, account},
		{`{rfm: {f: ">= 4"}, of: T1}`, account},
		{`{rfm: {r: "2..3", m: "!= 5"}, of: T1}`, account},
		{`{any: [{did: P, times: ">= 2"}, {not: {last: T1, ago: "<= 10d"}}]}`, user},
	}
	for i := range srcs {
		srcs[i].src = r.Replace(srcs[i].src)
	}
	return srcs
}

// TestLayoutMatchesPlainEvents: on generated data of several industries, loaded in one
// file and in several, every condition kind evaluated on the layout (sorted runs and the
// rollup) has exactly the members it has on the same events stored plainly, at as_ofs
// after the data, at its end, mid-day, on a day boundary and a microsecond before one,
// and before the first event.
func TestLayoutMatchesPlainEvents(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		industry sampledata.Industry
		files    int
	}{
		{sampledata.Ecommerce, 1},
		{sampledata.SaaS, 3},
		{sampledata.Fintech, 1},
		{sampledata.Mixed, 2},
	} {
		t.Run(fmt.Sprintf("%s/%d", tc.industry, tc.files), func(t *testing.T) {
			dir := t.TempDir()
			sum, err := sampledata.WriteDataset(ctx, sampledata.Config{Industry: tc.industry, Users: 150, Seed: 3}, dir, sampledata.CSV())
			if err != nil {
				t.Fatal(err)
			}
			files := []string{sum.EventsFile}
			if tc.files > 1 {
				files = splitCSV(t, sum.EventsFile, tc.files)
			}
			laid, plain := memStore(t), memStore(t)
			for _, s := range []*Store{laid, plain} {
				mustLoad(t, s, LoadRequest{Paths: files, Users: sum.UsersFile})
			}
			plainCopy(t, plain)
			checkSortedRuns(t, laid)
			le, pe := NewEngine(laid), NewEngine(plain)
			ls, err := le.snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ps, err := pe.snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !ls.rollup.ok || ls.rollup.unique != (tc.files == 1) || ps.rollup.ok {
				t.Fatalf("rollup: laid %+v, plain %+v", ls.rollup, ps.rollup)
			}
			first, last, err := laid.TimeRange(ctx)
			if err != nil {
				t.Fatal(err)
			}
			day := last.Truncate(24*time.Hour).AddDate(0, 0, -20)
			asOfs := []time.Time{
				{}, // the latest event: the rollup answers
				last.Add(36 * time.Hour),
				day.Add(12*time.Hour + 34*time.Minute + 56*time.Second + 789*time.Millisecond),
				day,
				day.Add(-time.Microsecond),
				first.Add(-time.Hour),
			}
			top1, top2, paid := layoutEvents(t, laid)
			rolled, proper := 0, 0
			for _, cs := range layoutConditions(top1, top2, paid) {
				c := mustCondition(t, cs.src, cs.unit)
				for _, at := range asOfs {
					got, err := le.EvaluateCondition(ctx, c, cs.unit, nil, at)
					if err != nil {
						t.Fatalf("%s: %v", cs.src, err)
					}
					want, err := pe.EvaluateCondition(ctx, c, cs.unit, nil, at)
					if err != nil {
						t.Fatalf("%s: %v", cs.src, err)
					}
					if !got.Equal(want) {
						t.Errorf("%s at %v: layout %d members, plain %d", cs.src, at, got.Count(), want.Count())
					}
					if n := got.Count(); n > 0 && n < ls.universe(cs.unit).Count() {
						proper++
					}
				}
				comp := &compiler{unit: cs.unit, asOf: ls.latest, snap: ls, evaluated: true}
				if q, err := comp.leaf(c, false); err == nil && strings.Contains(q.w.String(), "event_people") {
					rolled++
				}
			}
			if rolled < 15 || proper < len(layoutConditions("", "", ""))*len(asOfs)/2 {
				t.Errorf("only %d conditions read the rollup and %d evaluations found a proper subset", rolled, proper)
			}
		})
	}
}

// checkSortedRuns fails unless every source file's events are stored in layout order.
func checkSortedRuns(t *testing.T, s *Store) {
	t.Helper()
	var bad, n int64
	err := s.DB().QueryRow(`SELECT count(*) FILTER (WHERE pe > event OR (pe = event AND (pu > uid OR (pu = uid AND pt > ts)))),
		count(*) FROM (SELECT event, uid, ts, lag(event) OVER w AS pe, lag(uid) OVER w AS pu, lag(ts) OVER w AS pt
		FROM events WINDOW w AS (PARTITION BY sid ORDER BY rowid))`).Scan(&bad, &n)
	if err != nil {
		t.Fatal(err)
	}
	if bad > 0 || n == 0 {
		t.Errorf("%d of %d events out of (event, uid, ts) order within their run", bad, n)
	}
}

// TestLayoutAppendReplaceAndCompact: appending a file adds a sorted run, reloading a file
// drops its rollup rows, and a store written before the layout is compacted by its next
// load; after each, counts equal the plain store's.
func TestLayoutAppendReplaceAndCompact(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sum, err := sampledata.WriteDataset(ctx, sampledata.Config{Industry: sampledata.Retail, Users: 120, Seed: 5}, dir, sampledata.CSV())
	if err != nil {
		t.Fatal(err)
	}
	parts := splitCSV(t, sum.EventsFile, 3)
	laid := memStore(t)
	mustLoad(t, laid, LoadRequest{Paths: parts[:1], Users: sum.UsersFile})
	// A store from before the layout: rows in another order, no layout or rollup recorded.
	plainCopy(t, laid)
	mustLoad(t, laid, LoadRequest{Paths: parts[1:2]})
	checkRuns(t, laid, "1")
	checkSortedRuns(t, laid)
	mustLoad(t, laid, LoadRequest{Paths: parts[2:]})
	checkRuns(t, laid, "2")
	// Rewrite the middle file with its rows for one event removed, and reload it.
	b, err := os.ReadFile(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	dropped := 0
	for sc.Scan() {
		if strings.Contains(sc.Text(), ",purchase,") {
			dropped++
			continue
		}
		kept = append(kept, sc.Text())
	}
	if dropped == 0 {
		t.Fatal("the middle file has no purchase to drop")
	}
	if err := os.WriteFile(parts[1], []byte(strings.Join(kept, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustLoad(t, laid, LoadRequest{Paths: parts[1:2], Replace: true})
	checkRuns(t, laid, "3")
	checkSortedRuns(t, laid)
	var stale int64
	if err := laid.DB().QueryRow(`SELECT count(*) FROM event_people WHERE sid NOT IN (SELECT sid FROM sources)`).Scan(&stale); err != nil || stale != 0 {
		t.Fatalf("rollup rows of replaced files: %d, %v", stale, err)
	}

	plain := memStore(t)
	mustLoad(t, plain, LoadRequest{Paths: []string{parts[0], parts[2], parts[1]}, Users: sum.UsersFile})
	plainCopy(t, plain)
	le, pe := NewEngine(laid), NewEngine(plain)
	for _, cs := range layoutConditions("product_view", "add_to_cart", "purchase") {
		c := mustCondition(t, cs.src, cs.unit)
		got, err := le.EvaluateCondition(ctx, c, cs.unit, nil, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		want, err := pe.EvaluateCondition(ctx, c, cs.unit, nil, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		// uids differ between the stores (files loaded in another order): compare user ids.
		if g, w := keysOf(t, le, got, cs.unit), keysOf(t, pe, want, cs.unit); !slices.Equal(g, w) {
			t.Errorf("%s: layout %d members, plain %d", cs.src, len(g), len(w))
		}
	}
}

func checkRuns(t *testing.T, s *Store, want string) {
	t.Helper()
	got, err := readMeta(context.Background(), s.DB(), metaRuns)
	if err != nil || got != want {
		t.Errorf("runs: %q, %v; want %s", got, err, want)
	}
}

// TestEvaluateSample: a sample's members are exactly the whole evaluation's members in the
// sample's range, for conditions on the rollup, on the events, and composed.
func TestEvaluateSample(t *testing.T) {
	ctx := context.Background()
	s := generatedStore(t, 300)
	e := NewEngine(s)
	n, err := e.Universe(ctx, segments.UnitUser)
	if err != nil {
		t.Fatal(err)
	}
	sample, err := SampleOf(uint32(n), 0.25, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{
		`{last: purchase, ago: "> 30d"}`,
		`{did: app_open, in_last: 30d, times: ">= 2"}`,
		`{did_not: purchase}`,
		`{any: [{user: loyalty_tier, is: gold}, {not: {did: login}}]}`,
		`{rfm: {r: ">= 4", f: ">= 3"}}`,
	} {
		seg := &segments.Segment{Name: "s", Where: mustCondition(t, src, segments.UnitUser)}
		whole, err := e.Evaluate(ctx, seg, nil, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		// A fresh engine: the whole evaluation's cached sets would answer the sample.
		part, err := NewEngine(s).EvaluateSample(ctx, seg, nil, time.Time{}, sample)
		if err != nil {
			t.Fatal(err)
		}
		if want := sample.restrict(whole.Members); !part.Members.Equal(want) || part.Count() == 0 {
			t.Errorf("%s: sample has %d members, the whole evaluation %d in its range", src, part.Count(), want.Count())
		}
		if want := int64(sample.Hi-sample.Lo) + 1; part.Universe != want {
			t.Errorf("%s: sample universe %d, want %d", src, part.Universe, want)
		}
	}
}

// TestRFMThresholds: the score from rfmQuantiles' thresholds equals ceil(5 × cume_dist)
// from the window function for every population size up to 300, with and without ties.
func TestRFMThresholds(t *testing.T) {
	s := memStore(t)
	var bad int64
	err := s.DB().QueryRow(`WITH v AS (SELECT n, i, tie, (CASE WHEN tie THEN i // 3 ELSE i * 7 % n + 1 END)::DOUBLE AS x
			FROM range(1, 301) r(n), range(0, 300) s(i), (VALUES (true), (false)) u(tie) WHERE i < n),
		w AS (SELECT n, tie, x, (5 * count(*) OVER (PARTITION BY n, tie ORDER BY x) + n - 1) // n AS want FROM v),
		t AS (SELECT n, tie, quantile_disc(x, ` + rfmQuantiles + `) AS q FROM v GROUP BY n, tie)
		SELECT count(*) FROM w JOIN t USING (n, tie)
		WHERE want <> 1 + CAST(x >= q[1] AS INTEGER) + CAST(x >= q[2] AS INTEGER) + CAST(x >= q[3] AS INTEGER) + CAST(x >= q[4] AS INTEGER)`).Scan(&bad)
	if err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d scores differ from the window function's", bad)
	}
	// rfmThresholds computes each threshold alone, with rfmQuantile's q.
	scalar := make([]string, 4)
	for i := range scalar {
		scalar[i] = fmt.Sprintf("quantile_disc(x, %s) = q[%d]", rfmQuantile(i+2), i+1)
	}
	err = s.DB().QueryRow(`WITH v AS (SELECT n, i, (i * 7 % n + 1)::DOUBLE AS x FROM range(1, 301) r(n), range(0, 300) s(i) WHERE i < n)
		SELECT count(*) FILTER (WHERE NOT ok) FROM (SELECT n, ` + strings.Join(scalar, " AND ") + ` AS ok FROM (
			SELECT n, x, quantile_disc(x, ` + rfmQuantiles + `) OVER (PARTITION BY n) AS q FROM v) GROUP BY n, q)`).Scan(&bad)
	if err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d scalar thresholds differ from rfmQuantiles'", bad)
	}
}

// TestRFMScoreRuns: a comparison of a score becomes the runs of scores 1–5 it accepts.
func TestRFMScoreRuns(t *testing.T) {
	for _, tc := range []struct {
		cmp  string
		want [][2]int
	}{
		{">= 4", [][2]int{{4, 5}}},
		{"<= 2", [][2]int{{1, 2}}},
		{"= 3", [][2]int{{3, 3}}},
		{"!= 3", [][2]int{{1, 2}, {4, 5}}},
		{"2..4", [][2]int{{2, 4}}},
		{"> 1.5", [][2]int{{2, 5}}},
		{">= 1", [][2]int{{1, 5}}},
		{"> 5", nil},
		{"< 1", nil},
	} {
		cmp, err := segments.ParseComparison(tc.cmp, segments.KindNumber)
		if err != nil {
			t.Fatal(err)
		}
		if got := rfmScoreRuns(cmp); !slices.Equal(got, tc.want) {
			t.Errorf("%s: runs %v, want %v", tc.cmp, got, tc.want)
		}
	}
}

// TestLayoutEventNamesDictionary: a file's events are sorted by a dictionary of its names
// in their text order, which must store them exactly as sorting the text would — names
// differing in case, accents, spaces, quotes and digits — and a file with more names than
// the dictionary takes is sorted by the text itself.
func TestLayoutEventNamesDictionary(t *testing.T) {
	dir := t.TempDir()
	odd := []string{"b", "a", "B", "A", "é", "e", "a b", "a'b", `a"b`, "10", "9", "Z", "zz", "_x", "ä", "a\tb"}
	for _, tc := range []struct {
		name  string
		names []string
	}{
		{"odd names", odd},
		{"more names than the dictionary takes", func() []string {
			var n []string
			for i := 0; i <= maxEnumEvents; i++ {
				n = append(n, fmt.Sprintf("e%d", (i*7919)%(maxEnumEvents+1)))
			}
			return n
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("user_id,event,timestamp\n")
			for i, name := range tc.names {
				for k := 0; k < 3; k++ {
					fmt.Fprintf(&b, "u%d,\"%s\",2025-03-0%dT10:00:%02dZ\n", (i*5+k)%7, strings.ReplaceAll(name, `"`, `""`), 1+k, i%60)
				}
			}
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".csv")
			if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			s := memStore(t)
			rep := mustLoad(t, s, LoadRequest{Paths: []string{p}})
			if got, want := rep.Events, int64(3*len(tc.names)); got != want {
				t.Fatalf("loaded %d events, want %d (rejected %v)", got, want, rep.Files[0].RejectedByReason)
			}
			checkSortedRuns(t, s)
		})
	}
}
