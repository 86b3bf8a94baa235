package query

import "time"

// Info describes what a store holds: the `segscope info` report and the explorer's Data
// screen.
type Info struct {
	Store      string           `json:"store"` // file path, or "(memory)"
	Events     int64            `json:"events"`
	Users      int64            `json:"users"`
	Accounts   int64            `json:"accounts"`
	First      time.Time        `json:"first"` // earliest event, UTC
	Last       time.Time        `json:"last"`  // latest event, UTC: the default as_of
	EventNames map[string]int64 `json:"event_names"`
	// EventCounts holds the same counts as EventNames, most frequent first, for display.
	EventCounts []NameCount     `json:"event_counts"`
	Daily       []DayCount      `json:"daily"` // events per UTC day, oldest first, no gaps
	Properties  []PropertyInfo  `json:"properties"`
	Attributes  []AttributeInfo `json:"attributes"`
	Rejected    int64           `json:"rejected"`
	// RejectedByReason counts rejected rows by their reason class (e.g. "no user id").
	RejectedByReason map[string]int64 `json:"rejected_by_reason"`
	Sources          []Source         `json:"sources"`
	DataVersion      int64            `json:"data_version"`
	// Revenue is the sum of the events' revenue.
	Revenue float64 `json:"revenue"`
	// Duplicates and DuplicatesDropped add up the sources' (see Source).
	Duplicates        int64 `json:"duplicates"`
	DuplicatesDropped int64 `json:"duplicates_dropped"`
	// Currency is the ISO 4217 code of Revenue when every source with revenue events
	// names the same one (load --currency, or a currency column); "mixed" when they name
	// several, "" when the revenue of any source has none. Currencies lists the codes of
	// the sources with one currency.
	Currency   string   `json:"currency,omitempty"`
	Currencies []string `json:"currencies,omitempty"`
}

// NameCount is one event name and how many events carry it.
type NameCount struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// DayCount is the number of events on one UTC day.
type DayCount struct {
	Day   time.Time `json:"day"`
	Count int64     `json:"count"`
}

// PropertyInfo describes one key of the events' properties JSON.
type PropertyInfo struct {
	Key      string   `json:"key"`
	Type     string   `json:"type"`   // JSON type seen most: VARCHAR, DOUBLE, BIGINT, BOOLEAN, …
	Events   int64    `json:"events"` // events carrying the key (in the sample when Sampled)
	Examples []string `json:"examples"`
	Sampled  bool     `json:"sampled,omitempty"`
}

// AttributeInfo describes one user attribute column.
type AttributeInfo struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Users    int64    `json:"users"` // users with a non-null value
	Examples []string `json:"examples"`
}

// Source records one loaded file.
type Source struct {
	Path     string    `json:"path"`
	Kind     string    `json:"kind"`   // "events" or "users"
	Format   string    `json:"format"` // e.g. "csv (segment)", "parquet (canonical)"
	Rows     int64     `json:"rows"`   // rows loaded (events, or people for a users file)
	Rejected int64     `json:"rejected"`
	LoadedAt time.Time `json:"loaded_at"`
	Seconds  float64   `json:"seconds"`
	// FileRows are the rows read from the file: Rows + Rejected + DuplicatesDropped, so
	// that they add up.
	FileRows int64 `json:"file_rows"`
	// Duplicates are the file's rows identical to an earlier row or event when it was
	// loaded (loaded all the same unless dropped: DuplicatesDropped, by --dedupe).
	Duplicates        int64 `json:"duplicates"`
	DuplicatesDropped int64 `json:"duplicates_dropped"`
	// RejectedByReason counts this file's rejected rows by reason.
	RejectedByReason map[string]int64 `json:"rejected_by_reason"`
	// Events are the file's events still in the store, and Revenue their revenue.
	Events  int64   `json:"events"`
	Revenue float64 `json:"revenue"`
	// Currency is the ISO 4217 code of the file's revenue, "mixed", or "" (unknown).
	Currency string `json:"currency,omitempty"`
	// ContentHash is the SHA-256 of the file's content ("" for stores of older segscopes).
	ContentHash string `json:"content_hash,omitempty"`
}
