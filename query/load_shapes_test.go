package query

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Files as people have them: no event column, money under another name, other delimiters.

// shapeCase is one file written to a temporary folder and what it must load as.
type shapeCase struct {
	name, text string
	mapping    map[string]string
	flavour    string
	events     []eventRow // the stored events, in storedEvents' order (fields set are compared)
	props      []string   // substrings the first event's properties must hold
	members    map[string][]string
}

func TestLoadFileShapes(t *testing.T) {
	cases := []shapeCase{
		{name: "orders.csv", text: "customer,date,quantity,dollar_value\nc1,19970101,2,29.33\nc2,19970102,1,-9.77\n",
			mapping: map[string]string{"event": "=order"}, flavour: FlavourTransaction,
			// --event names every row, a negative amount too (no refund then).
			events: []eventRow{
				{User: "c1", Event: "order", TS: "1997-01-01T00:00:00.000000", Revenue: "29.33"},
				{User: "c2", Event: "order", TS: "1997-01-02T00:00:00.000000", Revenue: "-9.77"},
			},
			props:   []string{`"quantity":2`, `"dollar_value":29.33`},
			members: map[string][]string{`{did: order, where: {quantity: ">= 2"}}`: {"c1"}}},
		{name: "sales.csv", text: "user_id,day,sales\nu1,2025-03-01,10.5\nu2,2025-03-02,4\n",
			mapping: map[string]string{"event": "=sale", "timestamp": "day"}, flavour: FlavourGeneric,
			events: []eventRow{
				{User: "u1", Event: "sale", TS: "2025-03-01T00:00:00.000000", Revenue: "10.5"},
				{User: "u2", Event: "sale", TS: "2025-03-02T00:00:00.000000", Revenue: "4.0"},
			}},
		{name: "totals.csv", text: "customer_id,order_date,total\nc1,2025-03-01,12\n", flavour: FlavourTransaction,
			events: []eventRow{{User: "c1", Event: "purchase", TS: "2025-03-01T00:00:00.000000", Revenue: "12.0"}}},
		{name: "lines.csv", text: "customer_id,invoice_date,qty,price_each\nc1,2025-03-01,3,2.5\n", flavour: FlavourTransaction,
			events: []eventRow{{User: "c1", Event: "purchase", TS: "2025-03-01T00:00:00.000000", Revenue: "7.5"}},
			props:  []string{`"qty":3`, `"price_each":2.5`}},
		// Semicolons and decimal commas: what European spreadsheets write.
		{name: "semicolon.csv", text: "user_id;event;timestamp;revenue;basket\nu1;buy;2025-03-01T10:00:00Z;12,50;3\nu2;buy;2025-03-02T10:00:00Z;1.234,5;1\n",
			events: []eventRow{
				{User: "u1", Event: "buy", TS: "2025-03-01T10:00:00.000000", Revenue: "12.5"},
				{User: "u2", Event: "buy", TS: "2025-03-02T10:00:00.000000", Revenue: "1234.5"},
			},
			props:   []string{`"basket":3`},
			members: map[string][]string{`{measure: sum(revenue), of: buy, is: "> 1000"}`: {"u2"}}},
		{name: "prices.tsv", text: "user_id\tevent\ttimestamp\tprice_paid\tnote\nu1\tbuy\t2025-03-01T10:00:00Z\t2,75\tred, blue\n",
			events:  []eventRow{{User: "u1", Event: "buy", TS: "2025-03-01T10:00:00.000000"}},
			props:   []string{`"price_paid":2.75`, `"note":"red, blue"`},
			members: map[string][]string{`{did: buy, where: {price_paid: "> 2.5"}}`: {"u1"}}},
		// Whitespace-separated, aligned columns: the classic layout of published data sets.
		{name: "cdnow.txt", text: "customer date quantity amount\r\n 00001 19970101  1   11.77\r\n 00002 19970112  5   77.00\r\n",
			mapping: map[string]string{"event": "=purchase"}, flavour: FlavourTransaction,
			events: []eventRow{
				{User: "00001", Event: "purchase", TS: "1997-01-01T00:00:00.000000", Revenue: "11.77"},
				{User: "00002", Event: "purchase", TS: "1997-01-12T00:00:00.000000", Revenue: "77.0"},
			},
			props: []string{`"quantity":1`}},
		{name: "money.csv", text: "user_id,event,timestamp,amount_spent\nu1,buy,2025-03-01T10:00:00Z,3.25\n",
			mapping: map[string]string{"revenue": "amount_spent"},
			events:  []eventRow{{User: "u1", Event: "buy", TS: "2025-03-01T10:00:00.000000", Revenue: "3.25"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.name)
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			s := memStore(t)
			rep := mustLoad(t, s, LoadRequest{Paths: []string{path}, Map: tc.mapping})
			fr := rep.Files[0]
			if fr.Rejected != 0 || (tc.flavour != "" && fr.Flavour != tc.flavour) {
				t.Errorf("flavour %s, %d rejected %v; want %s, none rejected", fr.Flavour, fr.Rejected, fr.Examples, tc.flavour)
			}
			stored := storedEvents(t, s)
			if len(stored) != len(tc.events) {
				t.Fatalf("stored %d events, want %d:\n%s", len(stored), len(tc.events), fmtEvents(stored))
			}
			for _, w := range tc.events {
				if !containsEvent(stored, w) {
					t.Errorf("no stored event matches %+v; stored:\n%s", w, fmtEvents(stored))
				}
			}
			for _, sub := range tc.props {
				if !strings.Contains(stored[0].Props, sub) {
					t.Errorf("properties %s lack %s", stored[0].Props, sub)
				}
			}
			e := NewEngine(s)
			for src, want := range tc.members {
				if got := membersOf(t, e, src); !slices.Equal(got, want) {
					t.Errorf("%s: members %v, want %v", src, got, want)
				}
			}
		})
	}
}

func TestParseMapEventConstant(t *testing.T) {
	m, err := ParseMap([]string{"event==Order Completed", "user_id=email"})
	if err != nil || m["event"] != "=Order Completed" || m["user_id"] != "email" {
		t.Errorf("ParseMap = %v, %v", m, err)
	}
	for _, bad := range []string{"event==", "user_id==x"} {
		if _, err := ParseMap([]string{bad}); err == nil {
			t.Errorf("ParseMap(%q) accepted", bad)
		}
	}
	// Without an event column and without --event, the error says how to give one.
	path := filepath.Join(t.TempDir(), "orders.csv")
	os.WriteFile(path, []byte("user_id,day,sales\nu1,2025-03-01,10.5\n"), 0o644)
	_, err = memStore(t).Load(context.Background(), LoadRequest{Paths: []string{path}, Map: map[string]string{"timestamp": "day"}})
	if err == nil || !strings.Contains(err.Error(), "--event NAME") {
		t.Errorf("load without an event: %v; want a hint at --event NAME", err)
	}
}

// A whitespace-separated file without a header (CDNOW's layout): the columns' content names
// the person, the time and revenue; --event names the event; a rejected row keeps its line.
func TestLoadHeaderlessWhitespace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "CDNOW_sample.txt")
	text := " 00001 19970101  1   11.77\r\n 00002 19970112  1   12.00\r\n 00002 19970112  5   77.00\r\n 00003 1997-13-45  2   20.76\r\n 00003 19970330  2   20.76\r\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s := memStore(t)
	rep, err := s.Load(context.Background(), LoadRequest{Paths: []string{path}, Map: map[string]string{"event": "=purchase"},
		LimitRejected: true, MaxRejected: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	fr := rep.Files[0]
	if fr.Loaded != 4 || fr.Rejected != 1 || !slices.Equal(fr.Guessed, []string{"revenue=column3", "timestamp=column1", "user_id=column0"}) {
		t.Errorf("loaded %d, rejected %d, guessed %v; want 4, 1, revenue, timestamp and user_id", fr.Loaded, fr.Rejected, fr.Guessed)
	}
	if len(fr.Warnings) != 0 {
		t.Errorf("warnings %v", fr.Warnings)
	}
	if rj := storedRejects(t, s); len(rj) != 1 || rj[0].Line != 4 {
		t.Errorf("rejected %+v, want line 4", rj)
	}
	stored := storedEvents(t, s)
	for _, w := range []eventRow{
		{User: "00001", Event: "purchase", TS: "1997-01-01T00:00:00.000000", Revenue: "11.77", Props: `{"column2":1,"column3":11.77}`},
		{User: "00002", Event: "purchase", TS: "1997-01-12T00:00:00.000000", Revenue: "77.0", Props: `{"column2":5,"column3":77.0}`},
	} {
		if !containsEvent(stored, w) {
			t.Errorf("no stored event matches %+v; stored:\n%s", w, fmtEvents(stored))
		}
	}
	if got := membersOf(t, NewEngine(s), `{did: purchase, where: {column2: ">= 2"}}`); !slices.Equal(got, []string{"00002", "00003"}) {
		t.Errorf("members %v", got)
	}
}

func TestWhitespaceHead(t *testing.T) {
	cases := []struct {
		head               string
		whitespace, noHead bool
	}{
		{"customer date qty amount\n c1 19970101 1 2.5\n c2 19970102 3 4.5\n", true, false},
		{" 00001 19970101  1   11.77\r\n 00002 19970112  1   12.00\r\n", true, true},
		{"a,b\n1,2\n", false, false},
		{"name city\nAnn New York\n", false, false}, // fields do not line up: not a table
		{"one line only\n", false, false},
	}
	for _, tc := range cases {
		ws, noHead := whitespaceHead([]byte(tc.head), false)
		if ws != tc.whitespace || noHead != tc.noHead {
			t.Errorf("whitespaceHead(%q) = %v, %v; want %v, %v", tc.head, ws, noHead, tc.whitespace, tc.noHead)
		}
	}
}
