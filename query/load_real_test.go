package query

import (
	"math"
	"path/filepath"
	"testing"
	"time"
)

// TestLoadRealExports loads published exports as a new user would, with no flag but the
// currency, and checks the counts, the time range and the revenue. The files, under
// testdata/load/real:
//   - uci_online_retail_head.csv: the first 328 rows of UCI Online Retail as published in
//     github.com/ChaubeyRishita/AgenticAI (OnlineRetail.csv at f61fa5f), dates written
//     12-01-2010 08:26; 9 cancellations (invoices starting with C);
//   - uci_online_retail_us.csv: the same rows with the dates as the UCI CSV conversions
//     write them, 12/1/2010 8:26;
//   - r_write_csv_online_retail.csv: the same rows as R's write.csv writes a data frame
//     (a "" row-name column, strings quoted, numbers bare, NA for a missing number), built
//     by hand (no R here), plus the real row 536414, whose CustomerID is missing: NA;
//   - cdnow_head.csv: the first 500 rows of the CDNOW master file as published in
//     github.com/xiaobeicheng/User-consumption-data (CDNOW_master.txt at 2f8455a, whose
//     dates that publisher moved from 1997 to 2021), its space-aligned columns written
//     with commas under a header: dates YYYYMMDD.
func TestLoadRealExports(t *testing.T) {
	day := func(s string) time.Time { t, _ := time.Parse("2006-01-02 15:04", s); return t }
	for _, tc := range []struct {
		file                 string
		rows, loaded, noUser int64
		refunds              int64
		first, last          time.Time
		revenue              float64
		people               int64
		timestamps           string
	}{
		{"uci_online_retail_head.csv", 328, 328, 0, 9, day("2010-12-01 08:26"), day("2010-12-01 11:21"), 13827.63, 25, "M/D/Y"},
		{"uci_online_retail_us.csv", 328, 328, 0, 9, day("2010-12-01 08:26"), day("2010-12-01 11:21"), 13827.63, 25, "M/D/Y"},
		{"r_write_csv_online_retail.csv", 329, 328, 1, 9, day("2010-12-01 08:26"), day("2010-12-01 11:21"), 13827.63, 25, "M/D/Y"},
		{"cdnow_head.csv", 500, 500, 0, 0, day("2021-01-01 00:00"), day("2022-06-27 00:00"), 19116.91, 125, "YYYYMMDD"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			s := memStore(t)
			rep := mustLoad(t, s, LoadRequest{Paths: []string{filepath.Join("testdata", "load", "real", tc.file)},
				Currency: "GBP", LimitRejected: true, MaxRejected: 0.05, LimitAnonymous: true, MaxAnonymous: 0.5})
			fr := rep.Files[0]
			if fr.Rows != tc.rows || fr.Loaded != tc.loaded || fr.RejectedByReason[ReasonNoUser] != tc.noUser || fr.Rejected != tc.noUser {
				t.Errorf("rows %d, loaded %d, rejected %v; want %d, %d, %d without a user", fr.Rows, fr.Loaded, fr.RejectedByReason, tc.rows, tc.loaded, tc.noUser)
			}
			if !fr.First.Equal(tc.first) || !fr.Last.Equal(tc.last) || fr.Timestamps != tc.timestamps {
				t.Errorf("times %s … %s (%s), want %s … %s (%s)", fr.First, fr.Last, fr.Timestamps, tc.first, tc.last, tc.timestamps)
			}
			info, err := s.Info(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(info.Revenue-tc.revenue) > 0.005 || info.Currency != "GBP" || info.Users != tc.people || info.EventNames["refund"] != tc.refunds {
				t.Errorf("revenue %.2f %s, %d people, %d refunds; want %.2f GBP, %d, %d", info.Revenue, info.Currency, info.Users, info.EventNames["refund"],
					tc.revenue, tc.people, tc.refunds)
			}
		})
	}
}
