package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
)

func newInfoCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "info --db STORE.duckdb",
		Short: "Describe what a store holds",
		Long: `info reports a store's events, people and accounts, the time span, event names with
counts, events per day, property keys with their types and example values (sampled on big
stores), user attributes, rejected rows by reason and the loaded files. --json prints the
same as one JSON object.`,
		Args: cobra.NoArgs,
	}
	sf := addStoreFlags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		store, err := sf.openRead(cmd.Context())
		if err != nil {
			return err
		}
		defer store.Close()
		info, err := store.Info(cmd.Context())
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(s.out)
			enc.SetIndent("", "  ")
			return enc.Encode(info)
		}
		return writeInfo(s.out, info)
	}
	return cmd
}

// infoTopNames caps the event names and properties the human report lists.
const infoTopNames = 30

// writeInfo prints the report in aligned sections. Names and values come from event data:
// they pass through safe.Text before reaching the terminal.
func writeInfo(w io.Writer, info *query.Info) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(cells ...string) { fmt.Fprintln(tw, strings.Join(cells, "\t")) }

	row("store", fmt.Sprintf("%s (data version %d)", safe.Text(info.Store), info.DataVersion))
	span := "no events"
	if info.Events > 0 {
		span = fmt.Sprintf("%s … %s (%s days)", format.Timestamp(info.First), format.Timestamp(info.Last),
			format.Count(int64(len(info.Daily))))
	}
	row("events", format.Count(info.Events), span)
	row("people", format.Count(info.Users))
	if info.Revenue != 0 {
		switch info.Currency {
		case "":
			row("revenue", fmt.Sprintf("%.2f", info.Revenue), "(sum of the events' revenue; its currency is not known: load --currency CODE records it)")
		case query.CurrencyMixed:
			row("revenue", fmt.Sprintf("%.2f", info.Revenue), fmt.Sprintf("(sum of the events' revenue, in several currencies (%s): it adds up different money)",
				strings.Join(info.Currencies, ", ")))
		default:
			row("revenue", fmt.Sprintf("%.2f %s", info.Revenue, safe.Text(info.Currency)), "(sum of the events' revenue)")
		}
	}
	row("accounts", format.Count(info.Accounts))
	rejected := format.Count(info.Rejected)
	if info.Rejected > 0 {
		rejected += " (" + infoReasons(info.RejectedByReason) + ")"
	}
	row("rejected", rejected)
	if info.Duplicates > 0 {
		dups := format.Count(info.Duplicates) + " rows identical to an earlier row when loaded"
		if info.DuplicatesDropped > 0 {
			dups += ", " + format.Count(info.DuplicatesDropped) + " of them dropped (--dedupe)"
		}
		row("duplicates", dups)
	}
	tw.Flush()

	if len(info.EventCounts) > 0 {
		fmt.Fprintf(w, "\nevent names (%d)\n", len(info.EventCounts))
		top := info.EventCounts[0].Count
		for i, nc := range info.EventCounts {
			if i == infoTopNames {
				row("  …", fmt.Sprintf("%d more", len(info.EventCounts)-infoTopNames))
				break
			}
			row("  "+safe.Text(nc.Name), format.Count(nc.Count), format.Share(nc.Count, info.Events), infoBar(nc.Count, top, 20))
		}
		tw.Flush()
	}
	if len(info.Daily) > 0 {
		fmt.Fprintf(w, "\nevents per day  %s\n", infoSparkline(info.Daily, 60))
		var most query.DayCount
		for _, d := range info.Daily {
			if d.Count > most.Count {
				most = d
			}
		}
		fmt.Fprintf(w, "  busiest %s with %s events; %s a day on average\n", format.Day(most.Day),
			format.Count(most.Count), format.Count(info.Events/int64(len(info.Daily))))
	}
	if len(info.Properties) > 0 {
		title := fmt.Sprintf("\nproperties (%d keys)", len(info.Properties))
		if info.Properties[0].Sampled {
			title += ", from a sample of events"
		}
		fmt.Fprintln(w, title)
		for i, p := range info.Properties {
			if i == infoTopNames {
				row("  …", fmt.Sprintf("%d more", len(info.Properties)-infoTopNames))
				break
			}
			row("  "+safe.Text(p.Key), p.Type, format.Count(p.Events)+" events", infoExamples(p.Examples))
		}
		tw.Flush()
	}
	if len(info.Attributes) > 0 {
		fmt.Fprintf(w, "\nuser attributes (%d)\n", len(info.Attributes))
		for _, a := range info.Attributes {
			row("  "+safe.Text(a.Name), a.Type, format.Count(a.Users)+" people", infoExamples(a.Examples))
		}
		tw.Flush()
	}
	if len(info.Sources) > 0 {
		fmt.Fprintf(w, "\nsources (%d)\n", len(info.Sources))
		for _, src := range info.Sources {
			rejected := format.Count(src.Rejected) + " rejected"
			if len(src.RejectedByReason) > 0 {
				rejected += " (" + infoReasons(src.RejectedByReason) + ")"
			}
			rows := format.Count(src.FileRows) + " rows = " + format.Count(src.Rows) + " loaded + " + rejected
			if src.DuplicatesDropped > 0 {
				rows += " + " + format.Count(src.DuplicatesDropped) + " duplicates dropped"
			} else if src.Duplicates > 0 {
				rows += "; " + format.Count(src.Duplicates) + " of the loaded are duplicates"
			}
			row("  "+safe.Text(loadDisplayPath(src.Path)), src.Kind, src.Format, rows,
				src.LoadedAt.Format(time.DateTime)+" UTC")
		}
		tw.Flush()
	}
	return nil
}

func infoReasons(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = format.Count(m[k]) + " " + k
	}
	return strings.Join(parts, ", ")
}

func infoExamples(ex []string) string {
	parts := make([]string, len(ex))
	for i, e := range ex {
		parts[i] = safe.Text(e)
	}
	return strings.Join(parts, ", ")
}

func infoBar(n, top int64, width int) string {
	if top <= 0 {
		return ""
	}
	w := int(float64(n) / float64(top) * float64(width))
	if w == 0 && n > 0 {
		w = 1
	}
	return strings.Repeat("█", w)
}

// infoSparkline draws daily counts in at most width cells, each the mean of its days (so a
// short last cell is not drawn low).
func infoSparkline(days []query.DayCount, width int) string {
	per := (len(days) + width - 1) / width
	var cells []float64
	var top float64
	for i := 0; i < len(days); i += per {
		var sum, n int64
		for j := i; j < i+per && j < len(days); j++ {
			sum += days[j].Count
			n++
		}
		mean := float64(sum) / float64(n)
		cells = append(cells, mean)
		top = max(top, mean)
	}
	levels := []rune("▁▂▃▄▅▆▇█")
	var b strings.Builder
	for _, c := range cells {
		if c == 0 || top == 0 {
			b.WriteRune(' ')
			continue
		}
		b.WriteRune(levels[int(c/top*float64(len(levels)-1))])
	}
	return b.String()
}
