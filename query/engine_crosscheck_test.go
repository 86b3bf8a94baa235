package query

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	sampledata "github.com/segscope/segscope/sample-data"
	"github.com/segscope/segscope/segments"
)

// generatedStore loads a small generated dataset (every industry, about 22k events).
func generatedStore(t *testing.T, users int) *Store {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	sum, err := sampledata.WriteDataset(ctx, sampledata.Config{Industry: sampledata.Mixed, Users: users, Seed: 7}, dir, sampledata.CSV())
	if err != nil {
		t.Fatal(err)
	}
	s := memStore(t)
	mustLoad(t, s, LoadRequest{Paths: []string{sum.EventsFile}, Users: sum.UsersFile})
	return s
}

// TestBitmapAndSQLAgree: on generated data, for every condition kind (and the account
// unit, and composition), the members found by the cached bitmap path equal those of the
// single self-contained SQL statement.
func TestBitmapAndSQLAgree(t *testing.T) {
	s := generatedStore(t, 900)
	e := NewEngine(s)
	ctx := context.Background()
	user, account := segments.UnitUser, segments.UnitAccount
	cases := []struct {
		src  string
		unit segments.Unit
	}{
		{`{did: purchase}`, user},
		{`{did: purchase, in_last: 90d, times: ">= 4"}`, user},
		{`{did: [login, app_open], in_last: 30d, times: "3..20"}`, user},
		{`{did: purchase, times: "= 0"}`, user},
		{`{did: purchase, times: "<= 1"}`, user},
		{`{did: page_view, where: {page: [pricing, integrations]}, in_last: 14d}`, user},
		{`{did: purchase, where: {revenue: "> 50", channel: web}}`, user},
		{`{did: add_to_cart, where: {price: ">= 20"}}`, user},
		{`{did: purchase, between: [2025-11-24, 2025-12-01]}`, user},
		{`{did: purchase, during: [[2025-11-24, 2025-12-01], [2026-11-23, 2026-11-27]]}`, user},
		{`{did: signup, since: 2026-10-01}`, user},
		{`{did_not: email_open, in_last: 60d}`, user},
		{`{did: add_to_cart, then: purchase, within: 2h}`, user},
		{`{did: add_to_cart, then_not: purchase, within: 2h, in_last: 7d}`, user},
		{`{did: trial_start, then: subscription_start, within: 30d}`, user},
		{`{did: login, then: login, within: 1d}`, user},
		{`{measure: sum(revenue), of: purchase, is: ">= 200"}`, user},
		{`{measure: sum(revenue), of: purchase, is: "< 10"}`, user},
		{`{measure: avg(revenue), of: purchase, in_last: 365d, is: "10..60"}`, user},
		{`{measure: min(amount), of: card_payment, is: "< 20"}`, user},
		{`{measure: max(progress), of: course_progress, is: ">= 0.7"}`, user},
		{`{measure: count_distinct(feature), of: feature_used, in_last: 30d, is: ">= 3"}`, user},
		{`{measure: count_distinct(category), of: purchase, is: "= 0"}`, user},
		{`{last: login, ago: "> 60d"}`, user},
		{`{last: purchase, ago: "30d..180d"}`, user},
		{`{first: signup, ago: "<= 30d"}`, user},
		{`{trend: app_open, in_last: 30d, change: "<= -50%"}`, user},
		{`{trend: login, in_last: 14d, change: "> 0%"}`, user},
		{`{gap: purchase, vs_average: "> 2"}`, user},
		{`{gap: login, vs_average: "< 1"}`, user},
		{`{affinity: topic, of: article_read, is: technology, share: ">= 60%"}`, user},
		{`{affinity: category, of: purchase, in_last: 365d, is: apparel, share: "= 0%"}`, user},
		{`{rfm: {r: ">= 4", f: ">= 4", m: ">= 4"}}`, user},
		{`{rfm: {r: "<= 2", m: ">= 3"}, of: [purchase, subscribe]}`, user},
		{`{user: industry, in: [ecommerce, retail]}`, user},
		{`{user: email_opt_in, is: true}`, user},
		{`{user: signup_date, is: "2026-01-05"}`, user},
		{`{all: [{user: loyalty_tier, in: [gold, platinum]}, {last: purchase, ago: "> 90d"}, {trend: app_open, in_last: 30d, change: "<= -50%"}]}`, user},
		{`{any: [{did: security_check}, {not: {did: card_payment, in_last: 30d}}]}`, user},
		{`{not: {all: [{did: purchase}, {did_not: email_open}]}}`, user},
		{`{did: page_view, where: {page: pricing}, in_last: 14d, users: ">= 2"}`, account},
		{`{did: feature_used, times: ">= 20", users: "1..3"}`, account},
		{`{did_not: login, in_last: 30d}`, account},
		{`{did: trial_start, then: subscription_start, within: 15d}`, account},
		{`{measure: sum(revenue), is: "> 100"}`, account},
		{`{last: login, ago: "> 14d"}`, account},
		{`{trend: login, in_last: 30d, change: "< 0%"}`, account},
		{`{gap: feature_used, vs_average: "> 3"}`, account},
		{`{affinity: feature, of: feature_used, is: dashboards, share: ">= 20%"}`, account},
		{`{rfm: {f: ">= 4"}, of: feature_used}`, account},
		{`{user: plan, is: enterprise}`, account},
	}
	nonEmpty := 0
	for _, tc := range cases {
		c := mustCondition(t, tc.src, tc.unit)
		seg := &segments.Segment{Name: "cross", Unit: tc.unit, Where: c}
		res, err := e.Evaluate(ctx, seg, nil, time.Time{})
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		bitmap := keysOf(t, e, res.Members, tc.unit)
		sqlPath := sqlKeys(t, e, seg, nil, time.Time{})
		if !slices.Equal(bitmap, sqlPath) {
			t.Errorf("%s (%s): bitmap path %d members, sql path %d", tc.src, tc.unit, len(bitmap), len(sqlPath))
		}
		if len(bitmap) > 0 && int64(len(bitmap)) < res.Universe {
			nonEmpty++
		}
	}
	// The comparison means something only when most cases select some but not all.
	if nonEmpty < len(cases)*3/4 {
		t.Errorf("only %d of %d cases select a proper, non-empty subset", nonEmpty, len(cases))
	}
}

// TestBitmapAndSQLAgreeDottedKeys: the same cross-check on generated data whose properties
// are nested the way exports nest them (an object ctx, a list of items), for dotted keys in
// where, measure and affinity, per person and per account.
func TestBitmapAndSQLAgreeDottedKeys(t *testing.T) {
	flat := generatedStore(t, 600)
	nested := filepath.Join(t.TempDir(), "nested.ndjson")
	// Each event's page and channel go into ctx; its category and price (or revenue) become
	// the first of two items, the second a gift on every other purchase.
	_, err := flat.DB().Exec(fmt.Sprintf(`COPY (
		SELECT u.user_id, e.event, strftime(e.ts, '%%Y-%%m-%%dT%%H:%%M:%%S.%%fZ') AS timestamp, e.account_id, e.revenue,
			json_object('ctx', json_object('page', e.properties->>'page', 'channel', e.properties->>'channel'),
				'items', CASE WHEN e.event = 'purchase' AND e.uid %% 2 = 0
					THEN json_array(json_object('category', e.properties->>'category', 'price', e.revenue), json_object('category', 'gift', 'price', 5))
					ELSE json_array(json_object('category', e.properties->>'category', 'price', coalesce(TRY_CAST(e.properties->>'price' AS DOUBLE), e.revenue))) END) AS properties
		FROM events e JOIN users u USING (uid) ORDER BY e.ts, u.user_id) TO %s (FORMAT json)`, quoteLiteral(nested)))
	if err != nil {
		t.Fatal(err)
	}
	s := memStore(t)
	mustLoad(t, s, LoadRequest{Paths: []string{nested}})
	e := NewEngine(s)
	ctx := context.Background()
	user, account := segments.UnitUser, segments.UnitAccount
	cases := []struct {
		src  string
		unit segments.Unit
	}{
		{`{did: page_view, where: {ctx.page: [pricing, integrations]}, in_last: 14d}`, user},
		{`{did: purchase, where: {ctx.channel: web, items.category: apparel}}`, user},
		{`{did: purchase, where: {items.category: gift}, times: ">= 2"}`, user},
		{`{did: purchase, where: {items.price: "> 50"}}`, user},
		{`{did: add_to_cart, where: {items.price: ">= 20"}}`, user},
		{`{did_not: purchase, where: {items.category: gift}, in_last: 90d}`, user},
		{`{did: add_to_cart, where: {items.price: ">= 20"}, then_not: purchase, within: 2h}`, user},
		{`{measure: sum(items.price), of: purchase, is: ">= 200"}`, user},
		{`{measure: avg(items.price), of: purchase, is: "10..60"}`, user},
		{`{measure: max(items.price), of: purchase, is: ">= 100"}`, user},
		{`{measure: count_distinct(items.category), of: purchase, is: ">= 3"}`, user},
		{`{measure: count_distinct(items.category), of: purchase, is: "= 0"}`, user},
		{`{affinity: items.category, of: purchase, is: gift, share: "= 100%"}`, user},
		{`{last: page_view, where: {ctx.page: pricing}, ago: "> 30d"}`, user},
		{`{trend: purchase, where: {items.category: gift}, in_last: 90d, change: "< 0%"}`, user},
		{`{did: page_view, where: {ctx.page: pricing}, in_last: 14d, users: ">= 2"}`, account},
		{`{measure: sum(items.price), is: "> 100"}`, account},
	}
	nonEmpty := 0
	for _, tc := range cases {
		c := mustCondition(t, tc.src, tc.unit)
		seg := &segments.Segment{Name: "cross", Unit: tc.unit, Where: c}
		res, err := e.Evaluate(ctx, seg, nil, time.Time{})
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		bitmap := keysOf(t, e, res.Members, tc.unit)
		sqlPath := sqlKeys(t, e, seg, nil, time.Time{})
		if !slices.Equal(bitmap, sqlPath) {
			t.Errorf("%s (%s): bitmap path %d members, sql path %d", tc.src, tc.unit, len(bitmap), len(sqlPath))
		}
		if len(bitmap) > 0 && int64(len(bitmap)) < res.Universe {
			nonEmpty++
		}
	}
	if nonEmpty < len(cases)*3/4 {
		t.Errorf("only %d of %d cases select a proper, non-empty subset", nonEmpty, len(cases))
	}
}
