package bench

import "github.com/segscope/segscope/segments"

// condCase is one condition measured cold: its YAML, its unit and the hand-written query
// listing its members (one column, uid — or account_id for unit: account), with {asof}
// standing for the as_of timestamp literal.
type condCase struct {
	kind    string
	cond    string
	unit    segments.Unit
	hand    string
	plain   string // the same on the baseline store's plain tables (baseline.go)
	overlap bool   // one of the 10 segments of the overlap measurement
}

// The hand-written statements are what an analyst fluent in DuckDB would write for each
// condition, following the language's definitions (DESIGN.md): in_last D is (as_of − D,
// as_of], nothing after as_of exists, properties are JSON.
var cases = []condCase{
	{kind: "did", overlap: true, cond: `{did: purchase, in_last: 90d, times: ">= 4"}`,
		hand: `SELECT uid FROM events WHERE event = 'purchase' AND ts > {asof} - INTERVAL 90 DAY AND ts <= {asof}
GROUP BY uid HAVING count(*) >= 4`,
		plain: `SELECT user_id FROM events WHERE event = 'purchase' AND "timestamp" > {asof} - INTERVAL 90 DAY AND "timestamp" <= {asof}
GROUP BY user_id HAVING count(*) >= 4`},
	{kind: "did (where)", cond: `{did: page_view, where: {page: pricing}, in_last: 7d, times: ">= 3"}`,
		hand: `SELECT uid FROM events WHERE event = 'page_view' AND (properties->>'$.page') = 'pricing'
AND ts > {asof} - INTERVAL 7 DAY AND ts <= {asof} GROUP BY uid HAVING count(*) >= 3`,
		plain: `SELECT user_id FROM events WHERE event = 'page_view' AND (properties->>'$.page') = 'pricing'
AND "timestamp" > {asof} - INTERVAL 7 DAY AND "timestamp" <= {asof} GROUP BY user_id HAVING count(*) >= 3`},
	{kind: "did_not", overlap: true, cond: `{did_not: email_open, in_last: 60d}`,
		hand: `SELECT u.uid FROM users u WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.uid = u.uid
AND e.event = 'email_open' AND e.ts > {asof} - INTERVAL 60 DAY AND e.ts <= {asof})`,
		plain: `SELECT u.user_id FROM users u WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.user_id = u.user_id
AND e.event = 'email_open' AND e."timestamp" > {asof} - INTERVAL 60 DAY AND e."timestamp" <= {asof})`},
	{kind: "then", overlap: true, cond: `{did: add_to_cart, then: purchase, within: 2h}`,
		hand: `SELECT DISTINCT a.uid FROM events a JOIN events b ON b.uid = a.uid AND b.ts > a.ts AND b.ts <= a.ts + INTERVAL 2 HOUR
WHERE a.event = 'add_to_cart' AND b.event = 'purchase' AND b.ts <= {asof}`,
		plain: `SELECT DISTINCT a.user_id FROM events a JOIN events b ON b.user_id = a.user_id AND b."timestamp" > a."timestamp" AND b."timestamp" <= a."timestamp" + INTERVAL 2 HOUR
WHERE a.event = 'add_to_cart' AND b.event = 'purchase' AND b."timestamp" <= {asof}`},
	{kind: "then_not", overlap: true, cond: `{did: add_to_cart, then_not: purchase, within: 2h, in_last: 7d}`,
		hand: `SELECT DISTINCT a.uid FROM events a WHERE a.event = 'add_to_cart'
AND a.ts > {asof} - INTERVAL 7 DAY AND a.ts <= {asof} - INTERVAL 2 HOUR
AND NOT EXISTS (SELECT 1 FROM events b WHERE b.uid = a.uid AND b.event = 'purchase' AND b.ts > a.ts AND b.ts <= a.ts + INTERVAL 2 HOUR)`,
		plain: `SELECT DISTINCT a.user_id FROM events a WHERE a.event = 'add_to_cart'
AND a."timestamp" > {asof} - INTERVAL 7 DAY AND a."timestamp" <= {asof} - INTERVAL 2 HOUR
AND NOT EXISTS (SELECT 1 FROM events b WHERE b.user_id = a.user_id AND b.event = 'purchase' AND b."timestamp" > a."timestamp" AND b."timestamp" <= a."timestamp" + INTERVAL 2 HOUR)`},
	{kind: "measure", overlap: true, cond: `{measure: sum(revenue), of: purchase, in_last: 365d, is: ">= 500"}`,
		hand: `SELECT uid FROM events WHERE event = 'purchase' AND ts > {asof} - INTERVAL 365 DAY AND ts <= {asof}
GROUP BY uid HAVING sum(revenue) >= 500`,
		plain: `SELECT user_id FROM events WHERE event = 'purchase' AND "timestamp" > {asof} - INTERVAL 365 DAY AND "timestamp" <= {asof}
GROUP BY user_id HAVING sum(revenue) >= 500`},
	{kind: "measure (prop)", cond: `{measure: count_distinct(feature), of: feature_used, in_last: 30d, is: ">= 3"}`,
		hand: `SELECT uid FROM events WHERE event = 'feature_used' AND ts > {asof} - INTERVAL 30 DAY AND ts <= {asof}
GROUP BY uid HAVING count(DISTINCT (properties->>'$.feature')) >= 3`,
		plain: `SELECT user_id FROM events WHERE event = 'feature_used' AND "timestamp" > {asof} - INTERVAL 30 DAY AND "timestamp" <= {asof}
GROUP BY user_id HAVING count(DISTINCT (properties->>'$.feature')) >= 3`},
	{kind: "last", overlap: true, cond: `{last: purchase, ago: "> 90d"}`,
		hand: `SELECT uid FROM events WHERE event = 'purchase' AND ts <= {asof}
GROUP BY uid HAVING max(ts) < {asof} - INTERVAL 90 DAY`,
		plain: `SELECT user_id FROM events WHERE event = 'purchase' AND "timestamp" <= {asof}
GROUP BY user_id HAVING max("timestamp") < {asof} - INTERVAL 90 DAY`},
	{kind: "first", cond: `{first: signup, ago: "<= 30d"}`,
		hand: `SELECT uid FROM events WHERE event = 'signup' AND ts <= {asof}
GROUP BY uid HAVING min(ts) >= {asof} - INTERVAL 30 DAY`,
		plain: `SELECT user_id FROM events WHERE event = 'signup' AND "timestamp" <= {asof}
GROUP BY user_id HAVING min("timestamp") >= {asof} - INTERVAL 30 DAY`},
	{kind: "trend", overlap: true, cond: `{trend: app_open, in_last: 30d, change: "<= -50%"}`,
		hand: `SELECT uid FROM (SELECT uid, count(*) FILTER (WHERE ts > {asof} - INTERVAL 30 DAY) AS cur,
count(*) FILTER (WHERE ts <= {asof} - INTERVAL 30 DAY) AS prev
FROM events WHERE event = 'app_open' AND ts > {asof} - INTERVAL 60 DAY AND ts <= {asof} GROUP BY uid)
WHERE prev > 0 AND (cur - prev) / prev <= -0.5`,
		plain: `SELECT user_id FROM (SELECT user_id, count(*) FILTER (WHERE "timestamp" > {asof} - INTERVAL 30 DAY) AS cur,
count(*) FILTER (WHERE "timestamp" <= {asof} - INTERVAL 30 DAY) AS prev
FROM events WHERE event = 'app_open' AND "timestamp" > {asof} - INTERVAL 60 DAY AND "timestamp" <= {asof} GROUP BY user_id)
WHERE prev > 0 AND (cur - prev) / prev <= -0.5`},
	{kind: "gap", overlap: true, cond: `{gap: purchase, vs_average: "> 2"}`,
		hand: `SELECT uid FROM events WHERE event = 'purchase' AND ts <= {asof} GROUP BY uid
HAVING count(*) >= 2 AND max(ts) > min(ts)
AND (epoch_us({asof}) - epoch_us(max(ts))) / ((epoch_us(max(ts)) - epoch_us(min(ts))) / (count(*) - 1)) > 2`,
		plain: `SELECT user_id FROM events WHERE event = 'purchase' AND "timestamp" <= {asof} GROUP BY user_id
HAVING count(*) >= 2 AND max("timestamp") > min("timestamp")
AND (epoch_us({asof}) - epoch_us(max("timestamp"))) / ((epoch_us(max("timestamp")) - epoch_us(min("timestamp"))) / (count(*) - 1)) > 2`},
	{kind: "affinity", overlap: true, cond: `{affinity: topic, of: article_read, is: technology, share: ">= 60%"}`,
		hand: `SELECT uid FROM events WHERE event = 'article_read' AND ts <= {asof} AND (properties->>'$.topic') IS NOT NULL
GROUP BY uid HAVING count_if((properties->>'$.topic') = 'technology') / count(*) >= 0.6`,
		plain: `SELECT user_id FROM events WHERE event = 'article_read' AND "timestamp" <= {asof} AND (properties->>'$.topic') IS NOT NULL
GROUP BY user_id HAVING count_if((properties->>'$.topic') = 'technology') / count(*) >= 0.6`},
	{kind: "rfm", overlap: true, cond: `{rfm: {r: ">= 4", f: ">= 4", m: ">= 4"}}`,
		hand: `SELECT uid FROM (SELECT uid, ceil(5 * cume_dist() OVER (ORDER BY r)) AS rs,
ceil(5 * cume_dist() OVER (ORDER BY f)) AS fs, ceil(5 * cume_dist() OVER (ORDER BY m)) AS ms
FROM (SELECT uid, max(ts) AS r, count(*) AS f, coalesce(sum(revenue), 0) AS m
FROM events WHERE event = 'purchase' AND ts <= {asof} GROUP BY uid))
WHERE rs >= 4 AND fs >= 4 AND ms >= 4`,
		plain: `SELECT user_id FROM (SELECT user_id, ceil(5 * cume_dist() OVER (ORDER BY r)) AS rs,
ceil(5 * cume_dist() OVER (ORDER BY f)) AS fs, ceil(5 * cume_dist() OVER (ORDER BY m)) AS ms
FROM (SELECT user_id, max("timestamp") AS r, count(*) AS f, coalesce(sum(revenue), 0) AS m
FROM events WHERE event = 'purchase' AND "timestamp" <= {asof} GROUP BY user_id))
WHERE rs >= 4 AND fs >= 4 AND ms >= 4`},
	{kind: "user", cond: `{user: loyalty_tier, in: [gold, platinum]}`,
		hand:  `SELECT uid FROM users WHERE loyalty_tier IN ('gold', 'platinum')`,
		plain: `SELECT user_id FROM users WHERE loyalty_tier IN ('gold', 'platinum')`},
	{kind: "account unit", unit: segments.UnitAccount,
		cond: `{did: page_view, where: {page: pricing}, in_last: 14d, users: ">= 2"}`,
		hand: `SELECT account_id FROM events WHERE event = 'page_view' AND (properties->>'$.page') = 'pricing'
AND ts > {asof} - INTERVAL 14 DAY AND ts <= {asof} AND account_id IS NOT NULL
GROUP BY account_id HAVING count(DISTINCT uid) >= 2`,
		plain: `SELECT account_id FROM events WHERE event = 'page_view' AND (properties->>'$.page') = 'pricing'
AND "timestamp" > {asof} - INTERVAL 14 DAY AND "timestamp" <= {asof} AND account_id IS NOT NULL
GROUP BY account_id HAVING count(DISTINCT user_id) >= 2`},
}

// warmLeaf is one condition of the warm-recount segment, with its number as %d in both the
// YAML and the hand-written query: run r of changing it uses base + step × (r + 1).
type warmLeaf struct {
	kind       string
	cond, hand string
	base, step int
}

var warmLeaves = []warmLeaf{
	{kind: "did", cond: `{did: purchase, times: ">= %d"}`, base: 2, step: 1,
		hand: `SELECT uid FROM events WHERE event = 'purchase' AND ts <= {asof} GROUP BY uid HAVING count(*) >= %d`},
	{kind: "measure", cond: `{measure: sum(revenue), of: purchase, in_last: 365d, is: ">= %d"}`, base: 100, step: 10,
		hand: `SELECT uid FROM events WHERE event = 'purchase' AND ts > {asof} - INTERVAL 365 DAY AND ts <= {asof}
GROUP BY uid HAVING sum(revenue) >= %d`},
	{kind: "last", cond: `{last: purchase, ago: "<= %dd"}`, base: 180, step: 1,
		hand: `SELECT uid FROM events WHERE event = 'purchase' AND ts <= {asof} GROUP BY uid
HAVING max(ts) >= {asof} - INTERVAL %d DAY`},
	{kind: "did", cond: `{did: product_view, in_last: 30d, times: ">= %d"}`, base: 2, step: 1,
		hand: `SELECT uid FROM events WHERE event = 'product_view' AND ts > {asof} - INTERVAL 30 DAY AND ts <= {asof}
GROUP BY uid HAVING count(*) >= %d`},
	{kind: "then_not", cond: `{did: add_to_cart, then_not: purchase, within: %dh, in_last: 60d}`, base: 2, step: 1,
		hand: `SELECT DISTINCT a.uid FROM events a WHERE a.event = 'add_to_cart'
AND a.ts > {asof} - INTERVAL 60 DAY AND a.ts <= {asof} - INTERVAL %[1]d HOUR
AND NOT EXISTS (SELECT 1 FROM events b WHERE b.uid = a.uid AND b.event = 'purchase' AND b.ts > a.ts AND b.ts <= a.ts + INTERVAL %[1]d HOUR)`},
}

// ColdCase names one condition of the cold count, in the order the report lists them.
type ColdCase struct {
	Kind string
	Unit segments.Unit
}

// ColdCases lists the conditions the cold count measures.
func ColdCases() []ColdCase {
	out := make([]ColdCase, len(cases))
	for i, c := range cases {
		out[i] = ColdCase{Kind: c.kind, Unit: c.unit}
	}
	return out
}

// WarmConditions is the number of conditions of the warm-recount segment: its first
// evaluation runs that many queries, and each change re-runs one.
func WarmConditions() int { return len(warmLeaves) }
