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
	ts         string
	account    string
	revenue    string
	quantity   string // transaction tables: revenue = quantity × price
	price      string
	props      []string // JSON object columns merged into properties, later ones winning
	dropProps  []string // keys removed from the merged properties (Mixpanel's distinct_id, time)
	mapped     []string // fields set by --map, for the report
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
	for _, c := range []string{m.ts, m.account, m.revenue, m.quantity, m.price} {
		if c != "" {
			u[c] = true
		}
	}
	for _, c := range m.props {
		u[c] = true
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
	genericUser    = []string{"userid", "user", "uid", "customerid", "distinctid", "personid", "anonymousid", "userpseudoid", "visitorid", "clientid", "memberid", "email"}
	genericEvent   = []string{"event", "eventname", "eventtype", "action", "name", "type"}
	genericTime    = []string{"timestamp", "time", "eventtime", "eventtimestamp", "ts", "datetime", "date", "createdat", "occurredat", "sentat", "receivedat"}
	genericAccount = []string{"accountid", "account", "groupid", "companyid", "orgid", "organizationid", "workspaceid", "teamid"}
	genericRevenue = []string{"revenue", "amount", "total", "value", "price"}
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

// recognise picks the flavour. The order matters: vendor exports are recognised by names
// only they use before the generic names that several share.
func recognise(cs columnSet) *fieldMapping {
	m := &fieldMapping{}
	switch {
	case cs.has("eventname") && cs.has("eventtimestamp"):
		// GA4's BigQuery export, flattened: event_timestamp is microseconds since the epoch.
		m.flavour = FlavourGA4
		m.user = cs.all("userid", "userpseudoid")
		m.event = cs.all("eventname")
		m.ts = cs.find("eventtimestamp")
		m.revenue = cs.find("eventvalueinusd", "ecommerce.purchaserevenue", "purchaserevenue", "ecommerce.purchaserevenueinusd")
		m.props = cs.all("eventparams")
	case cs.has("eventtype") && cs.has("eventtime"):
		// Amplitude's export: user_id is null for anonymous devices, which fall back to the
		// device and then Amplitude's own id.
		m.flavour = FlavourAmplitude
		m.user = cs.all("userid", "deviceid", "amplitudeid")
		m.event = cs.all("eventtype")
		m.ts = cs.find("eventtime")
		m.revenue = cs.find("revenue")
		m.props = cs.all("eventproperties")
	case cs.has("event") && cs.has("properties.distinctid", "distinctid") && cs.has("properties.time", "time") && !cs.has("timestamp"):
		// Mixpanel: distinct_id and time live inside properties in the raw export, or as
		// columns when flattened. time is epoch seconds (milliseconds in newer exports).
		m.flavour = FlavourMixpanel
		m.user = cs.all("properties.distinctid", "distinctid")
		m.event = cs.all("event")
		m.ts = cs.find("properties.time", "time")
		m.props = cs.all("properties")
		m.dropProps = []string{"distinct_id", "time"}
	case cs.has("distinctid") && cs.has("event") && cs.has("timestamp"):
		m.flavour = FlavourPostHog
		m.user = cs.all("distinctid")
		m.event = cs.all("event")
		m.ts = cs.find("timestamp")
		m.props = cs.all("properties")
	case cs.has("userid", "anonymousid") && cs.has("event") && cs.has("timestamp") &&
		(cs.has("anonymousid", "messageid", "receivedat", "sentat", "originaltimestamp") || cs.exact("userId") == "userId"):
		// Segment: identify and page calls have no event name; their type stands in.
		m.flavour = FlavourSegment
		m.user = cs.all("userid", "anonymousid")
		m.event = cs.all("event", "type")
		m.ts = cs.find("timestamp", "originaltimestamp")
		m.account = cs.find("groupid", "context.groupid")
		m.revenue = cs.find("revenue")
		m.props = cs.all("properties")
	case cs.has("userid") && cs.has("event") && cs.has("timestamp"):
		m.flavour = FlavourCanonical
		m.user = cs.all("userid")
		m.event = cs.all("event")
		m.ts = cs.find("timestamp")
		m.account = cs.find("accountid")
		m.revenue = cs.find("revenue")
		m.props = cs.all("properties")
	case cs.has("customerid") && cs.has("invoicedate", "orderdate", "transactiondate", "purchasedate", "date") &&
		(cs.has("quantity") && cs.has("unitprice", "price") || cs.has("amount", "total", "sales", "revenue")):
		// Transaction tables (Online Retail and the like): one row per line item, which
		// becomes a purchase event (a refund when the quantity is negative).
		m.flavour = FlavourTransaction
		m.user = cs.all("customerid")
		m.eventConst = "purchase"
		m.ts = cs.find("invoicedate", "orderdate", "transactiondate", "purchasedate", "date")
		if cs.has("quantity") && cs.has("unitprice", "price") {
			m.quantity = cs.find("quantity")
			m.price = cs.find("unitprice", "price")
		} else {
			m.revenue = cs.find("amount", "total", "sales", "revenue")
		}
		m.account = cs.find("accountid")
	default:
		m.flavour = FlavourGeneric
		if u := cs.find(genericUser...); u != "" {
			m.user = []string{u}
		}
		if e := cs.find(genericEvent...); e != "" {
			m.event = []string{e}
		}
		m.ts = cs.find(genericTime...)
		m.account = cs.find(genericAccount...)
		m.revenue = cs.find(genericRevenue...)
		m.props = cs.all("properties", "eventproperties", "params")
	}
	return m
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

// ParseMap parses `field=column` flags into overrides, refusing unknown fields.
func ParseMap(specs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, s := range specs {
		f, col, ok := strings.Cut(s, "=")
		f, col = strings.TrimSpace(f), strings.TrimSpace(col)
		if !ok || f == "" || col == "" {
			return nil, fmt.Errorf("--map %q: want field=column, e.g. --map user_id=customer", s)
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
