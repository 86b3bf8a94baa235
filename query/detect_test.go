package query

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetectFormat(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name   string
		data   []byte
		format Format
		latin1 bool
		err    error
	}{
		{"a.csv", []byte("user_id,event,timestamp\nu1,a,2025-01-01\n"), FormatCSV, false, nil},
		{"a.txt", []byte("user_id;event;timestamp\n"), FormatCSV, false, nil}, // DuckDB sniffs the ';'
		{"a.tsv", []byte("user_id\tevent\n"), FormatTSV, false, nil},
		{"tabs.csv", []byte("user_id\tevent\ttimestamp\n"), FormatTSV, false, nil},
		{"bom.csv", []byte("\xef\xbb\xbfuser_id,event\n"), FormatCSV, false, nil},
		{"latin1.csv", []byte("user_id,city\nu1,K\xf6ln\n"), FormatCSV, true, nil},
		{"a.ndjson", []byte("{\"a\":1}\n{\"a\":2}\n"), FormatNDJSON, false, nil},
		{"a.json", []byte("  [\n{\"a\":1}]"), FormatJSON, false, nil},
		{"a.parquet", []byte("PAR1\x15\x00rest"), FormatParquet, false, nil},
		{"empty.csv", nil, "", false, ErrEmptyFile},
		{"blank.csv", []byte(" \n\n"), "", false, ErrEmptyFile},
		{"fake.parquet", []byte("user_id,event\n"), "", false, ErrUnknownFormat},
		{"fake.json", []byte("user_id,event\n"), "", false, ErrUnknownFormat},
		{"bin.csv", []byte("\x00\x01\x02\x03binary"), "", false, ErrUnknownFormat},
		{"book.csv", []byte("PK\x03\x04...."), "", false, ErrUnknownFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sf, err := detectFormat(write(tc.name, tc.data))
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sf.format != tc.format || sf.gzip || sf.latin1 != tc.latin1 {
				t.Errorf("got %+v, want %s latin1=%v", sf, tc.format, tc.latin1)
			}
		})
	}
	t.Run("gzip", func(t *testing.T) {
		p := gzipTo(t, write("g.ndjson", []byte("{\"a\":1}\n")), filepath.Join(dir, "g.ndjson.gz"))
		sf, err := detectFormat(p)
		if err != nil || sf.format != FormatNDJSON || !sf.gzip {
			t.Errorf("got %+v, %v", sf, err)
		}
		empty := gzipTo(t, write("e.csv", nil), filepath.Join(dir, "e.csv.gz"))
		if _, err := detectFormat(empty); !errors.Is(err, ErrEmptyFile) {
			t.Errorf("empty gzip: %v", err)
		}
	})
}

func TestDetectMapping(t *testing.T) {
	tests := []struct {
		columns []string
		flavour string
		user    []string
		event   []string
		ts      string
	}{
		{[]string{"user_id", "event", "timestamp", "account_id", "revenue", "properties"}, FlavourCanonical, []string{"user_id"}, []string{"event"}, "timestamp"},
		{[]string{"userId", "event", "timestamp", "properties"}, FlavourSegment, []string{"userId"}, []string{"event"}, "timestamp"},
		{[]string{"anonymousId", "userId", "event", "type", "timestamp", "messageId"}, FlavourSegment, []string{"userId", "anonymousId"}, []string{"event", "type"}, "timestamp"},
		{[]string{"amplitude_id", "user_id", "device_id", "event_type", "event_time", "event_properties"}, FlavourAmplitude, []string{"user_id", "device_id", "amplitude_id"}, []string{"event_type"}, "event_time"},
		{[]string{"event", "properties.distinct_id", "properties.time", "properties"}, FlavourMixpanel, []string{"properties.distinct_id"}, []string{"event"}, "properties.time"},
		{[]string{"event", "distinct_id", "time", "$browser"}, FlavourMixpanel, []string{"distinct_id"}, []string{"event"}, "time"},
		{[]string{"uuid", "event", "properties", "timestamp", "distinct_id"}, FlavourPostHog, []string{"distinct_id"}, []string{"event"}, "timestamp"},
		{[]string{"event_date", "event_timestamp", "event_name", "user_pseudo_id"}, FlavourGA4, []string{"user_pseudo_id"}, []string{"event_name"}, "event_timestamp"},
		{[]string{"InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"}, FlavourTransaction, []string{"CustomerID"}, nil, "InvoiceDate"},
		{[]string{"Invoice", "StockCode", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"}, FlavourTransaction, []string{"Customer ID"}, nil, "InvoiceDate"},
		{[]string{"visitor_id", "action", "created_at"}, FlavourGeneric, []string{"visitor_id"}, []string{"action"}, "created_at"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.columns, ","), func(t *testing.T) {
			m, err := detectMapping(tc.columns, nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.flavour != tc.flavour || strings.Join(m.user, ",") != strings.Join(tc.user, ",") ||
				strings.Join(m.event, ",") != strings.Join(tc.event, ",") || m.ts != tc.ts {
				t.Errorf("got %s user %v event %v ts %s", m.flavour, m.user, m.event, m.ts)
			}
		})
	}
	t.Run("transactions revenue", func(t *testing.T) {
		m, _ := detectMapping([]string{"CustomerID", "InvoiceDate", "Quantity", "UnitPrice"}, nil)
		if m.quantity != "Quantity" || m.price != "UnitPrice" || m.eventConst != "purchase" {
			t.Errorf("%+v", m)
		}
	})
}

func TestParseMap(t *testing.T) {
	got, err := ParseMap([]string{"user_id=Customer ID", " event = action "})
	if err != nil || got["user_id"] != "Customer ID" || got["event"] != "action" {
		t.Errorf("%v %v", got, err)
	}
	for _, bad := range []string{"user_id", "=x", "who=x", "user_id="} {
		if _, err := ParseMap([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
