package query

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Reasons a row is rejected. They are the `reason` of the rejected table and the keys of
// RejectedByReason.
const (
	ReasonNoUser        = "no user id"
	ReasonNoEvent       = "no event name"
	ReasonNoTimestamp   = "no timestamp"
	ReasonBadTimestamp  = "bad timestamp"
	ReasonTimeRange     = "timestamp out of range" // outside LoadRequest.TimeRange (1900–2200 by default)
	ReasonBadProperties = "broken JSON properties"
	ReasonBadJSON       = "broken JSON"        // an NDJSON line that is not a JSON object
	ReasonBadRevenue    = "bad revenue"        // present but not a finite number; negative is fine (refunds)
	ReasonColumnCount   = "wrong column count" // a CSV row with more or fewer fields than the header
	ReasonBadQuoting    = "bad quoting"
	ReasonBadEncoding   = "bad encoding"
	ReasonLineTooLong   = "line too long"
	ReasonBadValue      = "bad value"         // a users-file value that does not fit its column's type
	ReasonDuplicateUser = "duplicate user id" // a users-file row superseded by a later row of the same user
)

// blankRow marks NDJSON blank lines in the stage: they are neither loaded nor rejected.
const blankRow = "(blank)"

// structuralReason maps DuckDB's CSV reject error types to our reasons.
func structuralReasonSQL(col string, json bool) string {
	if json {
		// The NDJSON line reader only fails on lines it cannot split, which are broken JSON.
		return quoteLiteral(ReasonBadJSON)
	}
	return fmt.Sprintf(`CASE %s
		WHEN 'TOO MANY COLUMNS' THEN %s WHEN 'TOO FEW COLUMNS' THEN %s
		WHEN 'UNQUOTED VALUE' THEN %s WHEN 'INVALID ENCODING' THEN %s WHEN 'INVALID UNICODE' THEN %s
		WHEN 'LINE SIZE OVER MAXIMUM' THEN %s WHEN 'CAST' THEN %s
		ELSE lower(CAST(%s AS VARCHAR)) END`, col,
		quoteLiteral(ReasonColumnCount), quoteLiteral(ReasonColumnCount), quoteLiteral(ReasonBadQuoting),
		quoteLiteral(ReasonBadEncoding), quoteLiteral(ReasonBadEncoding), quoteLiteral(ReasonLineTooLong),
		quoteLiteral(ReasonBadValue), col)
}

// stageSQL builds the statement that reads the whole file once into a temporary table, in
// file order (rowids are consecutive in file order, so rowid - min(rowid) + 1 counts records;
// inside a transaction they do not start at 0).
func stageSQL(src *fileSource, m *fieldMapping, rd reading, stage string) string {
	return fmt.Sprintf("CREATE TEMP TABLE %s AS\n%s", quoteIdent(stage), parsedSQL(src, m, rd))
}

// reading is how a load reads values: its timestamps and the span they must lie in.
type reading struct {
	time      timeReading
	timeRange [2]time.Time
}

// parsedSQL is the query yielding the file's records in file order with every field
// parsed, a reason for each bad row and, for bad rows only, what their raw text is rebuilt
// from. When the reader numbers its rows (src.rowNumber) it also yields k, the record's
// 1-based number. tclass and traw carry the class of timestamps read automatically that are
// not ISO text (see load_time.go), for decideTimeReading.
func parsedSQL(src *fileSource, m *fieldMapping, rd reading) string {
	var l1 []string // parsed fields, next to the source's own columns
	add := func(expr, name string) { l1 = append(l1, expr+" AS "+name) }
	k := ""
	if src.rowNumber != "" {
		add(src.rowNumber+" + 1", "__k")
		k = ", __k AS k"
	}

	users := make([]string, len(m.user))
	for i, c := range m.user {
		users[i] = src.text(c)
	}
	add(coalesceSQL(users), "__u")

	revBad := "false"
	switch {
	case m.quantity != "":
		q, qbad := src.number(m.quantity)
		p, pbad := src.number(m.price)
		add(fmt.Sprintf("(%s) * (%s)", q, p), "__r")
		revBad = fmt.Sprintf("(%s OR %s)", qbad, pbad)
	case m.revenue != "":
		v, bad := src.number(m.revenue)
		add(v, "__r")
		revBad = bad
	default:
		add("CAST(NULL AS DOUBLE)", "__r")
	}
	add(revBad, "__rbad")

	if m.eventConst != "" {
		add(quoteLiteral(m.eventConst), "__e")
	} else {
		events := make([]string, len(m.event))
		for i, c := range m.event {
			events[i] = src.text(c)
		}
		add(coalesceSQL(events), "__e")
	}
	tc := src.timeColumns(m.ts, rd.time)
	add(tc.raw, "__traw")
	add(tc.iso, "__tiso")
	if m.account != "" {
		add(src.text(m.account), "__a")
	} else {
		add("CAST(NULL AS VARCHAR)", "__a")
	}

	// Properties: the mapped JSON columns (a non-object value is kept under its column's
	// name), merged over every column no field uses.
	var parts []string
	pbad := []string{"false"}
	for i, c := range m.props {
		v, bad := src.jsonOf(c)
		add(v, fmt.Sprintf("__pj%d", i))
		pbad = append(pbad, bad)
		parts = append(parts, objectSQL(fmt.Sprintf("__pj%d", i), c))
	}
	add(strings.Join(pbad, " OR "), "__pbad")
	used := m.used()
	var extras string
	if src.kind == jsonFileSource {
		var drop []string
		for k := range used {
			if !strings.Contains(k, ".") {
				drop = append(drop, k)
			}
		}
		// Patching an empty object with the record drops its null values (a missing value,
		// however deep), then the patch drops the keys the fields took.
		if len(drop) > 0 {
			extras = fmt.Sprintf("json_merge_patch('{}', j, %s)", quoteLiteral(jsonNullPatch(drop)))
		} else {
			extras = "json_merge_patch('{}', j)"
		}
	} else {
		var kv []string
		for _, c := range src.columns {
			if !used[c.name] {
				// A flattened nested column ("properties.plan") is the property "plan".
				key := strings.TrimPrefix(c.name, "properties.")
				kv = append(kv, quoteLiteral(key), src.extraValue(c))
			}
		}
		if len(kv) > 0 {
			// Patching an empty object drops the null (absent) values.
			extras = fmt.Sprintf("json_merge_patch('{}', json_object(%s))", strings.Join(kv, ", "))
		}
	}
	var props string
	switch {
	case extras == "" && len(parts) == 0:
		props = "CAST(NULL AS JSON)"
	case extras == "" && len(parts) == 1 && len(m.dropProps) == 0:
		props = parts[0]
	default:
		cur := extras
		for _, p := range parts {
			if cur == "" {
				cur = p
				continue
			}
			cur = fmt.Sprintf("json_merge_patch(coalesce(%s, '{}'), coalesce(%s, '{}'))", cur, p)
		}
		if len(m.dropProps) > 0 {
			cur = fmt.Sprintf("json_merge_patch(coalesce(%s, '{}'), %s)", cur, quoteLiteral(jsonNullPatch(append([]string{}, m.dropProps...))))
		}
		// An event with no properties at all stores NULL rather than {}.
		props = fmt.Sprintf("CAST(NULLIF(CAST(%s AS VARCHAR), '{}') AS JSON)", cur)
	}

	var reason []string
	if src.kind == jsonFileSource {
		reason = append(reason,
			fmt.Sprintf("WHEN line IS NULL OR trim(line) = '' THEN %s", quoteLiteral(blankRow)),
			fmt.Sprintf("WHEN j IS NULL OR json_type(j) <> 'OBJECT' THEN %s", quoteLiteral(ReasonBadJSON)))
	}
	reason = append(reason,
		"WHEN __u IS NULL THEN "+quoteLiteral(ReasonNoUser),
		"WHEN __e IS NULL THEN "+quoteLiteral(ReasonNoEvent),
		"WHEN __traw IS NULL THEN "+quoteLiteral(ReasonNoTimestamp),
		"WHEN __t IS NULL THEN "+quoteLiteral(ReasonBadTimestamp),
		fmt.Sprintf("WHEN __t < %s OR __t >= %s THEN %s", timestampLiteral(rd.timeRange[0]), timestampLiteral(rd.timeRange[1]), quoteLiteral(ReasonTimeRange)),
		"WHEN __pbad THEN "+quoteLiteral(ReasonBadProperties),
		"WHEN __rbad THEN "+quoteLiteral(ReasonBadRevenue))

	traits := traitsSQL(src, m)
	event := "__e"
	if m.eventConst != "" && !m.eventGiven {
		// A transaction line with a negative amount is a return, not a purchase.
		event = fmt.Sprintf("CASE WHEN __r < 0 THEN 'refund' ELSE %s END", quoteLiteral(m.eventConst))
	}
	revenue := "__r"
	if m.revenue == "" && m.quantity == "" && props != "CAST(NULL AS JSON)" {
		// Segment, Mixpanel, PostHog and Amplitude carry revenue inside properties.
		revenue = fmt.Sprintf("coalesce(__r, TRY_CAST(__p->>%s AS DOUBLE), TRY_CAST(__p->>%s AS DOUBLE))",
			quoteLiteral(jsonKeyPath("revenue")), quoteLiteral(jsonKeyPath("$revenue")))
	}
	return fmt.Sprintf(`SELECT __u AS user_id, %[1]s AS event, __t AS ts, __a AS account_id, %[2]s AS revenue, __p AS properties,
	__reason AS reason, CASE WHEN __reason IS NOT NULL THEN %[3]s END AS raw,
	__tclass AS tclass, CASE WHEN __tclass IS NOT NULL THEN __traw END AS traw%[8]s, %[12]s AS traits
FROM (
	SELECT *, %[4]s AS __p, CASE %[5]s END AS __reason
	FROM (SELECT *, %[9]s AS __tclass, %[10]s AS __t
		FROM (SELECT *, %[11]s AS __tnum
			FROM (SELECT *, %[6]s FROM %[7]s)))
)`, event, revenue, src.rawExpr(), props, strings.Join(reason, " "), strings.Join(l1, ", "), src.reader, k,
		tc.class, tc.ts, tc.num, traits)
}

func coalesceSQL(exprs []string) string {
	if len(exprs) == 1 {
		return exprs[0]
	}
	return "coalesce(" + strings.Join(exprs, ", ") + ")"
}

// prepareEventsFile reads one events file into its stage, outside the transaction, with
// the (person, account) pairs the writing phase needs. A text file that DuckDB reads
// otherwise than its scan is read again from its regular copy (load_reconcile.go).
func (l *loader) prepareEventsFile(ctx context.Context, pl loadPlan) (*preparedFile, error) {
	return l.readText(ctx, pl, l.readEventsFile)
}

func (l *loader) readEventsFile(ctx context.Context, pl loadPlan) (*preparedFile, error) {
	p := &preparedFile{plan: pl, began: time.Now(),
		report: &FileReport{Path: pl.path, Kind: "events", Format: pl.sniff.format, Gzip: pl.sniff.gzip}}
	l.progress(pl, PhaseReading, 0)
	src, err := l.openSource(ctx, pl, false)
	if err != nil {
		return nil, err
	}
	p.src = src
	m, err := detectMapping(src.columnNames(), withGuesses(l.req.Map, pl.sniff.guessed))
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", pl.path, err)
	}
	p.report.Flavour = m.flavour
	for _, f := range m.mapped {
		if _, given := l.req.Map[f]; given {
			p.report.Mapped = append(p.report.Mapped, f)
		} else {
			p.report.Guessed = append(p.report.Guessed, f+"="+pl.sniff.guessed[f])
		}
	}
	p.who = strings.Join(m.user, " or ")
	p.report.Roles, p.report.RecognisedBy = m.roles(), m.why
	p.report.Layout = jsonLayout(pl.sniff, src.wrapper)
	p.report.Delimiter = delimiterName(src, pl.sniff)
	p.traits = len(m.traits) > 0

	rd := l.rd
	staged, err := l.stageEvents(ctx, p, m, rd)
	if err != nil {
		return nil, err
	}
	// A typed instant column (Parquet TIMESTAMP) has no classes to tell apart: the reading
	// stands, and whether any value was readable is known from the good rows below, without
	// reading the whole file once more for its classes (3 s of CPU on 10M events).
	typedTime := rd.time.auto && src.timeColumns(m.ts, rd.time).class == noTimeClass
	switch {
	case typedTime:
	case rd.time.auto:
		// Timestamps read automatically: the classes of the whole column decide whether the
		// reading stands, must be redone day-first, or cannot be trusted (load_time.go).
		classes, err := l.timeClasses(ctx, p)
		if err != nil {
			return nil, err
		}
		dayFirst, read, err := decideTimeReading(m.ts, classes, m.monthFirst)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", pl.path, err)
		}
		if dayFirst {
			rd.time.dayFirst = true
			if staged, err = l.stageEvents(ctx, p, m, rd); err != nil {
				return nil, err
			}
		}
		p.report.Timestamps = timestampsRead(classes, read)
	default:
		p.report.Timestamps = rd.time.String()
	}
	if err := l.reconcile(ctx, p, staged); err != nil {
		return nil, err
	}
	// One pass over the stage collects (person, account) pairs, counting the good rows on
	// the way; people and accounts are then read from the pairs, far fewer than the events.
	p.pairs = l.tempName("pairs")
	if _, err := l.exec(ctx, "load "+pl.path+": collect people", fmt.Sprintf(`CREATE TEMP TABLE %s AS
		SELECT user_id, account_id, min(%s) AS first, min(ts) AS earliest, max(ts) AS last, count(*) AS n
		FROM %s WHERE reason IS NULL GROUP BY user_id, account_id`, quoteIdent(p.pairs), p.recordNo(), p.rows())); err != nil {
		return nil, err
	}
	if err := l.summarise(ctx, p); err != nil {
		return nil, err
	}
	if err := l.q.QueryRowContext(ctx, "SELECT coalesce(sum(n), 0) FROM "+quoteIdent(p.pairs)).Scan(&p.good); err != nil {
		return nil, fmt.Errorf("load %s: count rows: %w", pl.path, err)
	}
	p.bad = staged - p.good
	if typedTime {
		classes := []timeClass{{class: "iso", n: p.good}}
		if p.good == 0 {
			// No good row, so count the readable values (of rows rejected for other reasons).
			if classes, err = l.timeClasses(ctx, p); err != nil {
				return nil, err
			}
		}
		p.report.Timestamps = timestampsRead(classes, "")
	}
	l.progress(pl, PhaseUsers, p.good)
	return p, nil
}

// anonymousWarning says in words, when more than warnAnonymous of a file's rows have no user
// id, how many they are and what became of them (fewer are only counted by reason).
func anonymousWarning(fr *FileReport, who string) {
	n := fr.RejectedByReason[ReasonNoUser]
	if n == 0 || fr.Rows == 0 || float64(n) <= warnAnonymous*float64(fr.Rows) {
		return
	}
	if who == "" {
		who = "user id"
	}
	share := fmt.Sprintf("%.1f%%", 100*float64(n)/float64(fr.Rows))
	fr.Warnings = append(fr.Warnings, fmt.Sprintf("%s of rows (%s of %s) have no %s: kept aside as rejected (%s); they are not in any segment",
		share, countWord(n), countWord(fr.Rows), who, ReasonNoUser))
}

// Thresholds of the load summary's warnings.
var (
	// warnAnonymous: a few rows without a user id are noise; more are a share of the
	// business (guest checkouts) that no segment will hold, which the reader must know.
	warnAnonymous = 0.05
	// warnBefore: real behavioral data rarely starts before 1990; epoch numbers read in the
	// wrong unit land in 1970.
	warnBefore = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	// warnFuture: events after now (plus this slack for clocks) did not happen yet.
	warnFutureSlack = time.Hour
)

// Warn when one person holds at least topShare of a file's rows, if the file has at least
// topRows rows, and either their id reads like a placeholder ("unknown", "0", "guest") or
// the file has at least topPeople people and they hold topOverAverage times an average
// person's rows. A small file of a few customers has a biggest one holding a large share
// without anything being wrong (UCI Online Retail's first 328 rows: one customer of 12
// holds 20%); a placeholder standing for missing ids stands out however small the file.
const (
	topShare       = 0.10
	topRows        = 100
	topPeople      = 100
	topOverAverage = 10
)

// placeholderIDs are ids exports write where the person is not known, besides the words
// that mean a missing value (DefaultNulls), which a file may still hold as ids when the
// load is told (--null with an empty word) that only the empty value is missing.
var placeholderIDs = []string{"-1", "unknown", "anonymous", "anon", "guest", "nil",
	"undefined", "(none)", "(not set)", "not set", "-", "?", "missing", "test"}

// placeholderID reports whether id reads like a placeholder: a missing-value word, one of
// placeholderIDs, or zeros.
func placeholderID(id string) bool {
	id = strings.TrimSpace(id)
	isWord := func(w string) bool { return strings.EqualFold(w, id) }
	return slices.ContainsFunc(DefaultNulls, isWord) || slices.ContainsFunc(placeholderIDs, isWord) ||
		strings.Trim(id, "0") == ""
}

// summarise fills the file's time range and warnings from its pairs.
func (l *loader) summarise(ctx context.Context, p *preparedFile) error {
	fr := p.report
	var first, last sql.NullTime
	var people, rows int64
	if err := l.q.QueryRowContext(ctx, fmt.Sprintf(`SELECT min(earliest), max(last), count(DISTINCT user_id), coalesce(sum(n), 0) FROM %s`,
		quoteIdent(p.pairs))).Scan(&first, &last, &people, &rows); err != nil {
		return fmt.Errorf("load %s: summarise: %w", p.plan.path, err)
	}
	if !first.Valid {
		return nil
	}
	fr.First, fr.Last = first.Time.UTC(), last.Time.UTC()
	now := l.req.Now
	if now.IsZero() {
		now = time.Now()
	}
	if fr.First.Before(warnBefore) {
		fr.Warnings = append(fr.Warnings, fmt.Sprintf("the earliest event is %s, before 1990: if the times are numbers in another unit or layout, say how to read them with --time-format",
			fr.First.Format("2006-01-02 15:04 UTC")))
	}
	if fr.Last.After(now.Add(warnFutureSlack)) {
		fr.Warnings = append(fr.Warnings, fmt.Sprintf("the latest event is %s, in the future (now is %s): are the times in another zone or unit?",
			fr.Last.Format("2006-01-02 15:04 UTC"), now.UTC().Format("2006-01-02 15:04 UTC")))
	}
	if rows >= topRows && people >= 2 {
		var top string
		var n int64
		if err := l.q.QueryRowContext(ctx, fmt.Sprintf(`SELECT user_id, sum(n) FROM %s GROUP BY user_id ORDER BY 2 DESC, 1 LIMIT 1`,
			quoteIdent(p.pairs))).Scan(&top, &n); err != nil {
			return fmt.Errorf("load %s: summarise: %w", p.plan.path, err)
		}
		outsized := people >= topPeople && float64(n) >= topOverAverage*float64(rows)/float64(people)
		if float64(n) >= topShare*float64(rows) && (placeholderID(top) || outsized) {
			fr.Warnings = append(fr.Warnings, fmt.Sprintf("one person, %q, holds %.1f%% of the rows (%s of %s): a placeholder for a missing id? --null adds words that mean missing",
				shorten(top, 40), 100*float64(n)/float64(rows), countWord(n), countWord(rows)))
		}
	}
	return nil
}

// shorten cuts a value quoted in a message to max runes, saying how long it was.
func shorten(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return fmt.Sprintf("%s… (%d characters)", string(r[:max-1]), len(r))
}

// stageEvents reads the file into its stage (or, for Parquet, prepares the query reading
// it) and counts the records read.
func (l *loader) stageEvents(ctx context.Context, p *preparedFile, m *fieldMapping, rd reading) (int64, error) {
	src, pl := p.src, p.plan
	var staged int64
	if src.rowNumber != "" {
		// The reader numbers its rows (Parquet), so the file itself can stand in for the
		// stage: it is read here for the pairs and again when writing. Reading Parquet twice
		// costs less than materialising a 10M-row stage and scanning it back (on 10M events,
		// 1.6 s stage + 0.35 s pairs against 0.7 s for the pairs from the file), and the
		// stage's memory is not needed. CSV is not read this way: parsing it again costs more
		// than the stage, and its reader does not number rows.
		p.parsed = parsedSQL(src, m, rd)
		if err := l.q.QueryRowContext(ctx, "SELECT count(*) FROM "+src.reader).Scan(&staged); err != nil {
			return 0, fmt.Errorf("load %s: count rows: %w", pl.path, err)
		}
		return staged, nil
	}
	if p.stage != "" {
		if _, err := l.exec(ctx, "load "+pl.path, "DROP TABLE IF EXISTS temp."+quoteIdent(p.stage)); err != nil {
			return 0, err
		}
	} else {
		p.stage = l.tempName("stage")
	}
	if _, err := l.exec(ctx, "load "+pl.path, stageSQL(src, m, rd, p.stage)); err != nil {
		if pl.text != nil && pl.text.view() == viewOriginal && ctx.Err() == nil {
			return 0, fmt.Errorf("%w: %v", errIrregular, err) // read the regular copy instead
		}
		return 0, err
	}
	if err := l.q.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteIdent(p.stage)).Scan(&staged); err != nil {
		return 0, fmt.Errorf("load %s: count rows: %w", pl.path, err)
	}
	return staged, nil
}

// timeClasses counts the classes of the file's timestamps ("iso" for ISO text and typed
// instants), with an example of each.
func (l *loader) timeClasses(ctx context.Context, p *preparedFile) ([]timeClass, error) {
	rows, err := l.q.QueryContext(ctx, fmt.Sprintf(`SELECT coalesce(tclass, 'iso'), count(*), coalesce(any_value(traw), '')
		FROM %s WHERE ts IS NOT NULL OR tclass IS NOT NULL GROUP BY 1 ORDER BY 2 DESC`, p.rows()))
	if err != nil {
		return nil, fmt.Errorf("load %s: read timestamps: %w", p.plan.path, err)
	}
	defer rows.Close()
	var out []timeClass
	for rows.Next() {
		var c timeClass
		if err := rows.Scan(&c.class, &c.n, &c.example); err != nil {
			return nil, fmt.Errorf("load %s: read timestamps: %w", p.plan.path, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// timestampsRead says in a few words how a file's timestamps were read.
func timestampsRead(classes []timeClass, read string) string {
	iso := false
	for _, c := range classes {
		iso = iso || c.class == "iso"
	}
	switch {
	case iso && read != "":
		return "ISO 8601 and " + read
	case read != "":
		return read
	case iso:
		return "ISO 8601"
	}
	return "none readable"
}

// writeEventsFile writes a staged events file inside the transaction.
func (l *loader) writeEventsFile(ctx context.Context, p *preparedFile) error {
	pl, fr := p.plan, p.report
	if err := l.assignIDs(ctx, p); err != nil {
		return err
	}
	l.progress(pl, PhaseWriting, p.good)
	where := "WHERE s.reason IS NULL"
	if p.parsed != "" && p.bad == 0 {
		// Reading the file for the pairs found no bad record, and the file is the same
		// (checked below), so the reasons need not be worked out again. DuckDB pushes that
		// filter below the projection and so parsed every JSON properties value twice.
		where = ""
	}
	order, err := l.eventsOrder(ctx, p)
	if err != nil {
		return err
	}
	n, err := l.exec(ctx, "load "+pl.path+": write events", fmt.Sprintf(`INSERT INTO events (uid, event, ts, account_id, revenue, properties, sid)
		SELECT u.uid, s.event, s.ts, s.account_id, s.revenue, s.properties, ?
		FROM %s s JOIN users u ON u.user_id = s.user_id %s %s`, p.rows(), where, order), l.nextSID)
	if err != nil {
		return err
	}
	if n != p.good {
		return fmt.Errorf("load %s: wrote %d events of %d good rows", pl.path, n, p.good)
	}
	if p.parsed != "" {
		// The file was read twice; refuse it if it was rewritten in between.
		if st, err := os.Stat(pl.path); err != nil || st.Size() != pl.size || !st.ModTime().UTC().Equal(pl.modTime) {
			return fmt.Errorf("load %s: the file changed while it was being loaded; load it again", pl.path)
		}
	}
	fr.Loaded = n
	if err := l.writeTraits(ctx, p); err != nil {
		return err
	}
	if err := l.duplicates(ctx, pl, fr); err != nil {
		return err
	}
	if err := l.currency(ctx, p); err != nil {
		return err
	}
	l.progress(pl, PhaseRejecting, p.good)
	if err := l.writeRejected(ctx, p); err != nil {
		return err
	}
	if err := l.collectRejects(ctx, pl, fr); err != nil {
		return err
	}
	fr.Rows = fr.Loaded + fr.Rejected + fr.DuplicatesDropped
	if err := l.checkRows(p); err != nil {
		return err
	}
	anonymousWarning(fr, p.who)
	finishTiming(fr, p.began)
	return l.recordSource(ctx, pl, fr)
}

// sameEvent says that events o and e are identical in every field a row sets.
const sameEvent = `o.uid = e.uid AND o.event = e.event AND o.ts = e.ts
	AND o.account_id IS NOT DISTINCT FROM e.account_id AND o.revenue IS NOT DISTINCT FROM e.revenue
	AND CAST(o.properties AS VARCHAR) IS NOT DISTINCT FROM CAST(e.properties AS VARCHAR)`

// eventFields are the fields a row sets, and eventHash their hash: events are compared by
// hash first (a GROUP BY or join on all fields, the JSON text included, costs several times
// more) and only events whose hashes meet are compared field by field.
const (
	eventFields = "uid, event, ts, account_id, revenue, properties"
	eventHash   = "hash(" + eventFields + ")"
)

// duplicates counts the file's events (those of source l.nextSID, just written) that are
// identical in every field to an earlier event of the file or to an event of another
// source, and with Dedupe deletes them. Within the file, each group of identical events
// keeps one; against the store, an event already there makes every copy in the file a
// duplicate. Only events of the file's time span are compared against the store.
func (l *loader) duplicates(ctx context.Context, pl loadPlan, fr *FileReport) error {
	what := "load " + pl.path + ": find duplicate rows"
	sid := l.nextSID
	// Hashes met more than once in the file, and the file's hashes met among the store's
	// other events of its time span.
	twice := fmt.Sprintf(`(SELECT %s AS h FROM events WHERE sid = $1 GROUP BY h HAVING count(*) > 1)`, eventHash)
	others := `(SELECT * FROM events WHERE sid <> $1
		AND ts BETWEEN (SELECT min(ts) FROM events WHERE sid = $1) AND (SELECT max(ts) FROM events WHERE sid = $1))`
	met := fmt.Sprintf(`(SELECT %[1]s AS h FROM %[2]s INTERSECT SELECT %[1]s FROM events WHERE sid = $1)`, eventHash, others)
	inStore := fmt.Sprintf(`EXISTS (SELECT 1 FROM %s o WHERE %s)`, others, sameEvent)

	var within, across, nearby int64
	if err := l.q.QueryRowContext(ctx, fmt.Sprintf(`SELECT coalesce(sum(n - 1), 0) FROM (
			SELECT count(*) AS n FROM events WHERE sid = $1 AND %s IN %s GROUP BY %s)`, eventHash, twice, eventFields), sid).Scan(&within); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := l.q.QueryRowContext(ctx, `SELECT count(*) FROM `+others, sid).Scan(&nearby); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if nearby > 0 {
		if err := l.q.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM (
				SELECT DISTINCT %s FROM events WHERE sid = $1 AND %s IN %s) e WHERE %s`, eventFields, eventHash, met, inStore), sid).Scan(&across); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	fr.Duplicates = within + across
	if fr.Duplicates == 0 || !l.req.Dedupe {
		return nil
	}
	var dropped int64
	if within > 0 {
		n, err := l.exec(ctx, what, fmt.Sprintf(`DELETE FROM events WHERE sid = $1 AND rowid IN (
			SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY %s) AS k
				FROM events WHERE sid = $1 AND %s IN %s) WHERE k > 1)`, eventFields, eventHash, twice), sid)
		if err != nil {
			return err
		}
		dropped += n
	}
	if across > 0 {
		n, err := l.exec(ctx, what, fmt.Sprintf(`DELETE FROM events e WHERE sid = $1 AND %s IN %s AND %s`, eventHash, met, inStore), sid)
		if err != nil {
			return err
		}
		dropped += n
	}
	if dropped != fr.Duplicates {
		return fmt.Errorf("%s: dropped %d of %d duplicates", what, dropped, fr.Duplicates)
	}
	fr.DuplicatesDropped = dropped
	fr.Loaded -= dropped
	return nil
}

// currencyCode is the form of an ISO 4217 code.
var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// currencyKeys are the names of a currency column or property, lower-cased.
var currencyKeys = []string{"currency", "currency_code", "currencycode"}

// currency sets the file's revenue currency: the request's, else the one its events with
// revenue name under a currency key (a column, which became a property, or a property of
// a JSON export). Several codes make it "mixed", with a warning, since a revenue total then
// adds up different money.
func (l *loader) currency(ctx context.Context, p *preparedFile) error {
	fr := p.report
	if l.req.Currency != "" {
		fr.Currency = l.req.Currency
		return nil
	}
	keys := map[string]bool{}
	for _, k := range currencyKeys {
		keys[k] = true
	}
	for _, c := range p.src.columnNames() {
		if lc := strings.ToLower(c); slices.Contains(currencyKeys, lc) {
			keys[c] = true
		}
	}
	var exprs []string
	for k := range keys {
		exprs = append(exprs, "properties->>"+quoteLiteral(k))
	}
	slices.Sort(exprs)
	rows, err := l.q.QueryContext(ctx, fmt.Sprintf(`SELECT DISTINCT upper(trim(c)) FROM (
		SELECT %s AS c FROM events WHERE sid = ? AND revenue IS NOT NULL) WHERE c IS NOT NULL AND trim(c) <> '' ORDER BY 1 LIMIT 10`,
		coalesceSQL(exprs)), l.nextSID)
	if err != nil {
		return fmt.Errorf("load %s: read the revenue's currency: %w", p.plan.path, err)
	}
	defer rows.Close()
	var codes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return fmt.Errorf("load %s: read the revenue's currency: %w", p.plan.path, err)
		}
		codes = append(codes, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load %s: read the revenue's currency: %w", p.plan.path, err)
	}
	switch {
	case len(codes) == 1:
		fr.Currency = codes[0]
	case len(codes) > 1:
		fr.Currency = CurrencyMixed
		fr.Warnings = append(fr.Warnings, fmt.Sprintf("revenue is in several currencies (%s): a total adds up different money", strings.Join(codes, ", ")))
	}
	return nil
}

// CurrencyMixed is the currency of revenue in several currencies.
const CurrencyMixed = "mixed"

// assignIDs gives dense uids to the file's new people and aids to its new accounts, each
// batch in hash order of the external id (idruns.go: any prefix of the batch's range is then
// a random sample of it), and moves existing people to the account of their latest event in
// this file.
func (l *loader) assignIDs(ctx context.Context, p *preparedFile) error {
	what := "load " + p.plan.path + ": assign ids"
	people := fmt.Sprintf(`SELECT user_id,
		arg_max(account_id, last) FILTER (WHERE account_id IS NOT NULL) AS account_id
		FROM %s GROUP BY user_id`, quoteIdent(p.pairs))
	if l.nextUID > 0 {
		if _, err := l.exec(ctx, what, fmt.Sprintf(`UPDATE users SET account_id = p.account_id FROM (%s) p
			WHERE users.user_id = p.user_id AND p.account_id IS NOT NULL
			AND users.account_id IS DISTINCT FROM p.account_id`, people)); err != nil {
			return err
		}
	}
	n, err := l.insertRanked(ctx, what, "users (uid, user_id, account_id)", "user_id, account_id", "user_id",
		fmt.Sprintf(`SELECT user_id, account_id FROM (%s) p
			WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = p.user_id)`, people), l.nextUID)
	if err != nil {
		return err
	}
	l.numbered(&l.uidRuns, l.nextUID, n)
	l.nextUID += int32(n)
	return l.addAccounts(ctx, what, fmt.Sprintf(
		`SELECT DISTINCT account_id FROM %s WHERE account_id IS NOT NULL`, quoteIdent(p.pairs)))
}

// insertRanked inserts the rows of query (columns cols, among them key) into target,
// numbering them base, base+1, … in hash order of key (hashOrder). Sorting into a temporary
// table and numbering by rowid is about twice as fast as row_number() OVER (ORDER BY …),
// whose single ordered window does not run in parallel.
func (l *loader) insertRanked(ctx context.Context, what, target, cols, key, query string, base int32) (int64, error) {
	ranked := l.tempName("ranked")
	if _, err := l.exec(ctx, what, fmt.Sprintf("CREATE TEMP TABLE %s AS SELECT %s FROM (%s) ORDER BY %s",
		quoteIdent(ranked), cols, query, hashOrder(key))); err != nil {
		return 0, err
	}
	return l.exec(ctx, what, fmt.Sprintf(`INSERT INTO %s SELECT CAST(? + rowid - (SELECT min(rowid) FROM %s) AS INTEGER), %s FROM %s`,
		target, quoteIdent(ranked), cols, quoteIdent(ranked)), base)
}

// addAccounts gives aids, in hash order of account_id, to the accounts of a query
// (account_id) not yet known.
func (l *loader) addAccounts(ctx context.Context, what, accounts string) error {
	n, err := l.insertRanked(ctx, what, "accounts (aid, account_id)", "account_id", "account_id",
		fmt.Sprintf(`SELECT account_id FROM (%s) n
			WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.account_id = n.account_id)`, accounts), l.nextAID)
	if err != nil {
		return err
	}
	l.numbered(&l.aidRuns, l.nextAID, n)
	l.nextAID += int32(n)
	return nil
}

// writeRejected copies the stage's bad rows, and the rows DuckDB's reader could not split,
// into rejected with their lines: text files through their scan (load_reconcile.go),
// Parquet rows and JSON array records by their number.
func (l *loader) writeRejected(ctx context.Context, p *preparedFile) error {
	src := p.src
	now := time.Now().UTC()
	if p.plan.text != nil && src.rejectsTable != "" {
		return l.writeTextRejected(ctx, p, src.plan.path, now)
	}
	if p.parsed != "" && p.bad == 0 {
		return nil // nothing to write, and finding that out would read the file again
	}
	k := "k"
	if p.parsed == "" {
		k = fmt.Sprintf("rowid - (SELECT min(rowid) FROM %s) + 1", p.rows())
	}
	_, err := l.exec(ctx, "load "+src.plan.path+": write rejected rows", fmt.Sprintf(`INSERT INTO rejected (source, line, reason, raw, loaded_at)
		SELECT ?, k, reason, %[1]s, ? FROM (SELECT %[3]s AS k, reason, raw FROM %[2]s WHERE reason IS NOT NULL AND reason <> ?)`,
		src.rawText("raw"), p.rows(), k),
		src.plan.path, now, blankRow)
	return err
}

// maxEnumEvents is how many event names a file may have for its rows to be sorted by a
// dictionary of them (eventsOrder); more are sorted by their text.
const maxEnumEvents = 2000

// eventsOrder is the ORDER BY writing a file's events in layout order. The names are
// sorted as a dictionary: an ENUM of the file's names in their text order sorts exactly
// like the text, but its key is a small integer instead of a string compared over and over
// (every row of a name ties with millions of others on it).
func (l *loader) eventsOrder(ctx context.Context, p *preparedFile) (string, error) {
	names, err := queryStrings(ctx, l.q, fmt.Sprintf(`SELECT DISTINCT event FROM %s WHERE event IS NOT NULL ORDER BY event LIMIT %d`,
		p.rows(), maxEnumEvents+1))
	if err != nil {
		return "", fmt.Errorf("load %s: read event names: %w", p.plan.path, err)
	}
	if len(names) == 0 || len(names) > maxEnumEvents {
		return eventsInsertOrder, nil
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = quoteLiteral(n)
	}
	return fmt.Sprintf("ORDER BY CAST(s.event AS ENUM(%s)), u.uid, s.ts", strings.Join(quoted, ", ")), nil
}
