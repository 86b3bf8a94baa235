package query

import (
	"fmt"
	"sort"
	"strings"
)

// Flavours: which export a file's columns come from. The names appear in load reports and in
// sources.format.
const (
	FlavourCanonical   = "canonical"
	FlavourSegment     = "segment"
	FlavourAmplitude   = "amplitude"
	FlavourMixpanel    = "mixpanel"
	FlavourPostHog     = "posthog"
	FlavourGA4         = "ga4"
	FlavourTransaction = "transactions"
	FlavourGeneric     = "generic" // recognised by common column names, no vendor
	FlavourMapped      = "mapped"  // every field came from --map
)

// MapFields are the fields `--map field=column` can name.
var MapFields = []string{"user_id", "event", "timestamp", "account_id", "revenue", "properties"}

// fieldMapping says which source columns become which store fields. Column names are the file's
// own; for JSON records a dotted name ("properties.distinct_id") is a nested key.
type fieldMapping struct {
	flavour    string
	user       []string // coalesced in order: Segment's userId, then anonymousId
	event      []string // coalesced in order; empty when eventConst is set
	eventConst string   // transaction tables: every row is a purchase (or a refund)
	// eventGiven: eventConst came from --event (or --map event==NAME): every row has that
	// name, whatever its amount (no refund for a negative one).
	eventGiven bool
	ts         string
	account    string
	revenue    string
	quantity   string // transaction tables: revenue = quantity × price
	price      string
	props      []string // JSON object columns merged into properties, later ones winning
	dropProps  []string // keys removed from the merged properties (Mixpanel's distinct_id, time)
	// traits are JSON object columns (or GA4 key/value lists) holding the person's
	// attributes as of the event, merged in order (later ones win): they become user
	// attributes, the latest value by event time winning (load_traits.go).
	traits []string
	// traitsSkip: rows whose column traitsSkip[0] holds traitsSkip[1] carry no person's
	// traits (Segment's group calls carry the group's).
	traitsSkip [2]string
	// traitsOnly: the traits columns are not kept in properties (GA4's user_properties, a
	// key/value list that reads as nothing there).
	traitsOnly bool
	mapped     []string // fields set by --map, for the report
	why        []string // the columns that recognised the export (flavourRule.evidence)
	// monthFirst pins slashed dates to month/day: the export is known to write them so
	// (Online Retail), even when no day in the file is above 12.
	monthFirst bool
}

// used lists the columns the mapping consumes; every other column becomes a property.
func (m *fieldMapping) used() map[string]bool {
	u := map[string]bool{}
	for _, c := range m.user {
		u[c] = true
	}
	for _, c := range m.event {
		u[c] = true
	}
	// Quantity and price stay properties (where: {Quantity: ">= 100"}), and so does a money
	// column under another name than revenue (where: {amount: "> 50"}): revenue is computed
	// from them, they are still what the file says.
	for _, c := range []string{m.ts, m.account} {
		if c != "" {
			u[c] = true
		}
	}
	if m.revenue != "" && normName(m.revenue) == "revenue" {
		u[m.revenue] = true
	}
	for _, c := range m.props {
		u[c] = true
	}
	if m.traitsOnly {
		for _, c := range m.traits {
			u[c] = true
		}
	}
	return u
}

// normName folds a column name for matching: case, underscores, spaces, dashes and the `$`
// of PostHog/Mixpanel built-ins do not matter; dots (nesting) do.
func normName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch r {
		case '_', ' ', '-', '$':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// columnSet finds a file's columns by folded name.
type columnSet struct {
	names  []string
	byNorm map[string]string
}

func newColumnSet(names []string) columnSet {
	cs := columnSet{names: names, byNorm: map[string]string{}}
	for _, n := range names {
		k := normName(n)
		if _, dup := cs.byNorm[k]; !dup {
			cs.byNorm[k] = n
		}
	}
	return cs
}

// find returns the first column matching any of the folded candidates, or "".
func (cs columnSet) find(cands ...string) string {
	for _, c := range cands {
		if n, ok := cs.byNorm[c]; ok {
			return n
		}
	}
	return ""
}

func (cs columnSet) has(cands ...string) bool { return cs.find(cands...) != "" }

// all returns every present column among the candidates, in candidate order.
func (cs columnSet) all(cands ...string) []string {
	var out []string
	for _, c := range cands {
		if n, ok := cs.byNorm[c]; ok {
			out = append(out, n)
		}
	}
	return out
}

// exact finds a column by its exact name, then case-insensitively (for --map).
func (cs columnSet) exact(name string) string {
	for _, n := range cs.names {
		if n == name {
			return n
		}
	}
	for _, n := range cs.names {
		if strings.EqualFold(n, name) {
			return n
		}
	}
	return ""
}

// Candidate names, folded, for exports that are not one of the known vendors.
var (
	genericUser    = []string{"userid", "user", "uid", "customerid", "customer", "distinctid", "personid", "anonymousid", "userpseudoid", "visitorid", "clientid", "memberid", "email"}
	genericEvent   = []string{"event", "eventname", "eventtype", "action", "name", "type"}
	genericTime    = []string{"timestamp", "time", "eventtime", "eventtimestamp", "ts", "datetime", "date", "createdat", "occurredat", "sentat", "receivedat"}
	genericAccount = []string{"accountid", "account", "groupid", "companyid", "orgid", "organizationid", "workspaceid", "teamid"}
	genericRevenue = moneyNames
)

// moneyNames are the folded names of a column holding an event's money, most specific first:
// what analytics tools, shops and published transaction data sets call it.
var moneyNames = []string{"revenue", "amount", "totalamount", "amountspent", "dollarvalue", "dollars", "dollar",
	"sales", "salesamount", "total", "totalprice", "ordertotal", "ordervalue", "spend", "spent", "payment", "value", "price"}

// quantityNames and unitPriceNames are the columns whose product is revenue in line-item
// tables (revenue = quantity × unit price).
var (
	quantityNames  = []string{"quantity", "qty", "units", "unitssold", "quantityordered"}
	unitPriceNames = []string{"unitprice", "priceeach", "priceperunit", "itemprice", "price"}
)

// detectMapping recognises an export by its column names and applies --map overrides. It
// fails when user, event or timestamp cannot be found, naming the columns it saw.
func detectMapping(columns []string, overrides map[string]string) (*fieldMapping, error) {
	cs := newColumnSet(columns)
	m := recognise(cs)
	if err := applyOverrides(m, cs, overrides); err != nil {
		return nil, err
	}
	var missing []string
	if len(m.user) == 0 {
		missing = append(missing, "user_id")
	}
	if len(m.event) == 0 && m.eventConst == "" {
		missing = append(missing, "event")
	}
	if m.ts == "" {
		missing = append(missing, "timestamp")
	}
	if len(missing) > 0 {
		var how []string
		for _, f := range missing {
			if f == "event" {
				how = append(how, "--event NAME (every row that event) or --map event=COLUMN")
				continue
			}
			how = append(how, "--map "+f+"=COLUMN")
		}
		return nil, fmt.Errorf("%w: no %s column among %s; name them with %s",
			ErrNoColumns, strings.Join(missing, ", "), quoteList(columns, 30), strings.Join(how, " "))
	}
	return m, nil
}

func quoteList(names []string, max int) string {
	var q []string
	for i, n := range names {
		if i == max {
			q = append(q, fmt.Sprintf("… %d more", len(names)-max))
			break
		}
		q = append(q, fmt.Sprintf("%q", n))
	}
	if len(q) == 0 {
		return "(no columns)"
	}
	return strings.Join(q, ", ")
}

// flavourRule recognises one export by its column names and says which columns fill which
// fields. Names are folded (normName). The rules are data so that a new export is one more
// entry, tried in order: vendor exports by names only they use come before the generic names
// that several share.
type flavourRule struct {
	flavour string
	// requires: every group must have a column present (any name of the group). A name
	// starting with "=" matches that exact, unfolded spelling only.
	requires [][]string
	unless   []string // none of these may be present
	user     []string // every present one, coalesced in this order
	event    []string // every present one, coalesced in this order
	// eventConst names every row's event when the file has no event column.
	eventConst string
	ts         []string // the first present
	account    []string // the first present
	revenue    []string // the first present
	quantity   []string // with price: revenue = quantity × price
	price      []string
	props      []string // every present one, merged
	dropProps  []string // keys removed from the merged properties
	traits     []string // every present one, merged: the person's attributes (fieldMapping.traits)
	traitsSkip [2]string
	traitsOnly bool
	// firstOnly takes only the first present column of user and event (generic exports,
	// where several candidates may mean different things).
	firstOnly bool
	// monthFirst: the export is known to write slashed dates month first.
	monthFirst bool
}

var (
	transactionDates     = []string{"invoicedate", "orderdate", "transactiondate", "purchasedate", "date"}
	transactionCustomers = []string{"customerid", "customer", "custid", "customerno", "customernumber", "clientid"}
	// transactionMoney: a transaction table's amount, under the names money columns have
	// (moneyNames without the ambiguous value and price).
	transactionMoney = []string{"revenue", "amount", "totalamount", "amountspent", "dollarvalue", "dollars", "dollar",
		"sales", "salesamount", "total", "totalprice", "ordertotal", "ordervalue", "spend", "spent", "payment"}
)

// flavourRules is the detection table.
var flavourRules = []flavourRule{
	// GA4's BigQuery export, flattened: event_timestamp is microseconds since the epoch.
	// event_params and user_properties are lists of {key, value: {string_value, int_value,
	// double_value, float_value}}: flattened by key with the typed value, the parameters into
	// properties and the user properties into attributes.
	{flavour: FlavourGA4, requires: [][]string{{"eventname"}, {"eventtimestamp"}},
		user: []string{"userid", "userpseudoid"}, event: []string{"eventname"}, ts: []string{"eventtimestamp"},
		revenue: []string{"ecommerce.purchaserevenue", "purchaserevenue", "eventvalueinusd", "ecommerce.purchaserevenueinusd"},
		props:   []string{"eventparams"}, traits: []string{"userproperties"}, traitsOnly: true},
	// Amplitude's export: user_id is null for anonymous devices, which fall back to the
	// device and then Amplitude's own id. user_properties are the person's as of the event.
	{flavour: FlavourAmplitude, requires: [][]string{{"eventtype"}, {"eventtime"}},
		user: []string{"userid", "deviceid", "amplitudeid"}, event: []string{"eventtype"}, ts: []string{"eventtime"},
		revenue: []string{"revenue"}, props: []string{"eventproperties"}, traits: []string{"userproperties"}},
	// Mixpanel: distinct_id and time live inside properties in the raw export, or as
	// columns when flattened. time is epoch seconds (milliseconds in newer exports).
	{flavour: FlavourMixpanel, requires: [][]string{{"event"}, {"properties.distinctid", "distinctid"}, {"properties.time", "time"}},
		unless: []string{"timestamp"},
		user:   []string{"properties.distinctid", "distinctid"}, event: []string{"event"}, ts: []string{"properties.time", "time"},
		props: []string{"properties"}, dropProps: []string{"distinct_id", "time"}},
	// PostHog: the person's properties as of the event (person_properties in its exports),
	// then what the event sets ($set).
	{flavour: FlavourPostHog, requires: [][]string{{"distinctid"}, {"event"}, {"timestamp"}},
		user: []string{"distinctid"}, event: []string{"event"}, ts: []string{"timestamp"}, props: []string{"properties"},
		traits: []string{"personproperties", "properties.set"}},
	// Segment: identify and page calls have no event name; their type stands in. identify's
	// traits (and context.traits on other calls) are the person's; a group call's traits are
	// the group's, not the person's.
	{flavour: FlavourSegment,
		requires: [][]string{{"userid", "anonymousid"}, {"event", "type"}, {"timestamp", "originaltimestamp"},
			{"anonymousid", "messageid", "receivedat", "sentat", "originaltimestamp", "=userId"}},
		user: []string{"userid", "anonymousid"}, event: []string{"event", "type"}, ts: []string{"timestamp", "originaltimestamp"},
		account: []string{"groupid", "context.groupid"}, revenue: []string{"revenue"}, props: []string{"properties"},
		traits: []string{"context.traits", "traits"}, traitsSkip: [2]string{"type", "group"}},
	{flavour: FlavourCanonical, requires: [][]string{{"userid"}, {"event"}, {"timestamp"}},
		user: []string{"userid"}, event: []string{"event"}, ts: []string{"timestamp"},
		account: []string{"accountid"}, revenue: []string{"revenue"}, props: []string{"properties"}},
	// Transaction tables: one row per line item, which becomes a purchase event (a refund
	// when the amount is negative). UCI's Online Retail writes its dates month first
	// (12/1/2010 8:26), which a file of early-month days alone cannot show.
	{flavour: FlavourTransaction, requires: [][]string{{"invoiceno"}, {"customerid"}, {"invoicedate"}, {"quantity"}, {"unitprice"}},
		user: []string{"customerid"}, eventConst: "purchase", ts: []string{"invoicedate"},
		quantity: []string{"quantity"}, price: []string{"unitprice"}, account: []string{"accountid"}, monthFirst: true},
	{flavour: FlavourTransaction, requires: [][]string{transactionCustomers, transactionDates, quantityNames, unitPriceNames},
		unless: []string{"event", "eventname", "eventtype"},
		user:   transactionCustomers, eventConst: "purchase", ts: transactionDates,
		quantity: quantityNames, price: unitPriceNames, account: []string{"accountid"}, firstOnly: true},
	{flavour: FlavourTransaction, requires: [][]string{transactionCustomers, transactionDates, transactionMoney},
		unless: []string{"event", "eventname", "eventtype"},
		user:   transactionCustomers, eventConst: "purchase", ts: transactionDates,
		revenue: transactionMoney, account: []string{"accountid"}, firstOnly: true},
	// Anything else: common names, the first of each list that is present.
	{flavour: FlavourGeneric, firstOnly: true,
		user: genericUser, event: genericEvent, ts: genericTime, account: genericAccount, revenue: genericRevenue,
		props: []string{"properties", "eventproperties", "params"}},
}

// matches reports whether the file's columns satisfy the rule.
func (r flavourRule) matches(cs columnSet) bool {
	for _, group := range r.requires {
		found := false
		for _, name := range group {
			if exact, ok := strings.CutPrefix(name, "="); ok {
				found = found || cs.exact(exact) == exact
			} else {
				found = found || cs.has(name)
			}
		}
		if !found {
			return false
		}
	}
	return !cs.has(r.unless...)
}

// evidence lists the columns that made the rule match: one of each required group.
func (r flavourRule) evidence(cs columnSet) []string {
	var out []string
	for _, group := range r.requires {
		for _, name := range group {
			col := ""
			if exact, ok := strings.CutPrefix(name, "="); ok {
				col = cs.exact(exact)
			} else {
				col = cs.find(name)
			}
			if col != "" {
				out = append(out, col)
				break
			}
		}
	}
	return out
}

// mapping fills a fieldMapping from the file's columns.
func (r flavourRule) mapping(cs columnSet) *fieldMapping {
	m := &fieldMapping{flavour: r.flavour, eventConst: r.eventConst, monthFirst: r.monthFirst,
		ts: cs.find(r.ts...), account: cs.find(r.account...), props: cs.all(r.props...), dropProps: r.dropProps,
		traits: cs.all(r.traits...), traitsOnly: r.traitsOnly}
	if skip := cs.find(normName(r.traitsSkip[0])); skip != "" {
		m.traitsSkip = [2]string{skip, r.traitsSkip[1]}
	}
	if r.firstOnly {
		if u := cs.find(r.user...); u != "" {
			m.user = []string{u}
		}
		if e := cs.find(r.event...); e != "" {
			m.event = []string{e}
		}
	} else {
		m.user, m.event = cs.all(r.user...), cs.all(r.event...)
	}
	if q, p := cs.find(r.quantity...), cs.find(r.price...); q != "" && p != "" {
		m.quantity, m.price = q, p
	} else {
		m.revenue = cs.find(r.revenue...)
	}
	return m
}

// recognise picks the first rule the columns match.
func recognise(cs columnSet) *fieldMapping {
	for _, r := range flavourRules {
		if r.matches(cs) {
			m := r.mapping(cs)
			m.why = r.evidence(cs)
			return m
		}
	}
	return &fieldMapping{flavour: FlavourGeneric}
}

// applyOverrides lets --map name the column of any field; it wins over detection.
func applyOverrides(m *fieldMapping, cs columnSet, overrides map[string]string) error {
	if len(overrides) == 0 {
		return nil
	}
	fields := make([]string, 0, len(overrides))
	for f := range overrides {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		if name, ok := strings.CutPrefix(overrides[f], "="); ok && f == "event" {
			// --event NAME (--map event==NAME): every row of the file is that event.
			m.event, m.eventConst, m.eventGiven = nil, name, true
			m.mapped = append(m.mapped, f)
			continue
		}
		col := cs.exact(overrides[f])
		if col == "" {
			return fmt.Errorf("--map %s=%s: no such column (columns: %s)", f, overrides[f], quoteList(cs.names, 30))
		}
		switch f {
		case "user_id":
			m.user = []string{col}
		case "event":
			m.event, m.eventConst = []string{col}, ""
		case "timestamp":
			m.ts = col
		case "account_id":
			m.account = col
		case "revenue":
			m.revenue, m.quantity, m.price = col, "", ""
		case "properties":
			m.props, m.dropProps = []string{col}, nil
		default:
			return fmt.Errorf("--map %s=%s: unknown field %q (fields: %s)", f, overrides[f], f, strings.Join(MapFields, ", "))
		}
		m.mapped = append(m.mapped, f)
	}
	if m.flavour == FlavourGeneric && len(m.mapped) >= 3 {
		m.flavour = FlavourMapped
	}
	return nil
}

// ParseMap parses `field=column` flags into overrides, refusing unknown fields. `event==NAME`
// gives every row the event NAME (no event column); it is kept as the override "=NAME".
func ParseMap(specs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, s := range specs {
		f, col, ok := strings.Cut(s, "=")
		f, col = strings.TrimSpace(f), strings.TrimSpace(col)
		if !ok || f == "" || col == "" || (col == "=" && f == "event") {
			return nil, fmt.Errorf("--map %q: want field=column, e.g. --map user_id=customer (or event==NAME)", s)
		}
		if strings.HasPrefix(col, "=") && f != "event" {
			return nil, fmt.Errorf("--map %s: only the event can be a constant (event==NAME)", s)
		}
		known := false
		for _, k := range MapFields {
			known = known || k == f
		}
		if !known {
			return nil, fmt.Errorf("--map %s: unknown field %q (fields: %s)", s, f, strings.Join(MapFields, ", "))
		}
		out[f] = col
	}
	return out, nil
}
