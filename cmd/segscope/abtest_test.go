package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func abRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"abtest"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func abJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, stdout, stderr := abRun(t, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("abtest %v: exit %d: %s", args, code, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("abtest %v: output is not JSON: %v\n%s", args, err, stdout)
	}
	return got
}

func TestABTestJSON(t *testing.T) {
	got := abJSON(t, "--baseline", "0.1", "--mde", "0.02", "--daily", "500", "--sims", "4000", "--seed", "7")
	for field, want := range map[string]float64{"per_variant": 3841, "total": 7682, "days": 16, "treatment_rate": 0.12} {
		if v, ok := got[field].(float64); !ok || math.Abs(v-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", field, got[field], want)
		}
	}
	curve, ok := got["power_curve"].([]any)
	if !ok || len(curve) == 0 {
		t.Fatalf("power_curve = %v", got["power_curve"])
	}
	planned := false
	for _, row := range curve {
		r := row.(map[string]any)
		if r["mde"] == 0.02 {
			planned = r["per_variant"] == 3841.0 && r["power"].(float64) >= 0.8
		}
	}
	if !planned {
		t.Errorf("power_curve lacks the planned mde with 3841 users at power ≥ 0.8: %v", curve)
	}

	sim, ok := got["simulation"].(map[string]any)
	if !ok {
		t.Fatalf("simulation = %v", got["simulation"])
	}
	num := func(k string) float64 { v, _ := sim[k].(float64); return v }
	if s := num("share_significant"); s < 0.77 || s > 0.83 {
		t.Errorf("share_significant = %v, want about 0.8", s)
	}
	if f := num("false_positive_rate"); f < 0.035 || f > 0.065 {
		t.Errorf("false_positive_rate = %v, want about 0.05", f)
	}
	if p := num("peeking_false_positive_rate"); p < 0.15 || p > 0.35 || num("looks") != 16 {
		t.Errorf("peeking_false_positive_rate = %v over %v looks, want well above 0.05 over 16", p, sim["looks"])
	}
	if num("runs") != 4000 || num("seed") != 7 {
		t.Errorf("runs %v seed %v", sim["runs"], sim["seed"])
	}
	lift := sim["lift"].(map[string]any)
	q := lift["quantiles"].(map[string]any)
	for _, k := range []string{"p5", "p10", "p25", "p50", "p75", "p90", "p95"} {
		if _, ok := q[k].(float64); !ok {
			t.Errorf("lift quantile %s missing: %v", k, q)
		}
	}
	if med := q["p50"].(float64); math.Abs(med-0.2) > 0.02 {
		t.Errorf("median lift %v, want about 0.2", med)
	}
	hist := lift["histogram"].(map[string]any)
	total := 0.0
	for _, c := range hist["counts"].([]any) {
		total += c.(float64)
	}
	if total != 4000 {
		t.Errorf("histogram holds %v runs, want 4000", total)
	}
}

func TestABTestJSONOptions(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		check func(t *testing.T, got map[string]any)
	}{
		{"percent inputs and evan miller", []string{"--baseline", "20%", "--mde", "5%", "--formula", "evanmiller", "--sims", "0"},
			func(t *testing.T, got map[string]any) {
				if got["per_variant"] != 1030.0 || got["formula"] != "evanmiller" {
					t.Errorf("per_variant %v formula %v, want 1030 evanmiller", got["per_variant"], got["formula"])
				}
				if got["simulation"] != nil {
					t.Errorf("--sims 0: simulation = %v, want null", got["simulation"])
				}
				if _, ok := got["days"]; ok {
					t.Errorf("days without --daily: %v", got["days"])
				}
			}},
		{"relative mde", []string{"--baseline", "0.1", "--mde", "0.2", "--relative", "--sims", "0"},
			func(t *testing.T, got map[string]any) {
				if got["per_variant"] != 3841.0 {
					t.Errorf("per_variant = %v, want 3841", got["per_variant"])
				}
			}},
		{"variants with bonferroni", []string{"--baseline", "0.1", "--mde", "0.02", "--variants", "4", "--bonferroni", "--sims", "0"},
			func(t *testing.T, got map[string]any) {
				n := got["per_variant"].(float64)
				if got["total"] != 4*n || n <= 3841 || got["comparisons"] != 3.0 || got["correction"] != "bonferroni" {
					t.Errorf("per_variant %v total %v comparisons %v correction %v", n, got["total"], got["comparisons"], got["correction"])
				}
			}},
		{"uneven split", []string{"--baseline", "0.45", "--mde", "-0.2", "--power", "0.9", "--ratio", "3", "--formula", "corrected", "--sims", "0"},
			func(t *testing.T, got map[string]any) {
				arms := got["arms"].(map[string]any)
				if arms["control"] != 84.0 || arms["per_treatment"] != 250.0 || got["total"] != 334.0 {
					t.Errorf("arms %v total %v, want 84/250 and 334", arms, got["total"])
				}
			}},
		{"no daily rate leaves peeking unknown", []string{"--baseline", "0.1", "--mde", "0.02", "--sims", "500"},
			func(t *testing.T, got map[string]any) {
				sim := got["simulation"].(map[string]any)
				if v, ok := sim["peeking_false_positive_rate"]; !ok || v != nil || sim["looks"] != 0.0 {
					t.Errorf("peeking_false_positive_rate %v looks %v, want null and 0", v, sim["looks"])
				}
			}},
		{"impact", []string{"--baseline", "0.1", "--mde", "0.02", "--sims", "0", "--entrants", "50000", "--revenue", "40"},
			func(t *testing.T, got map[string]any) {
				im := got["impact"].(map[string]any)
				if math.Abs(im["extra_conversions"].(float64)-1000) > 1e-6 || math.Abs(im["extra_revenue"].(float64)-40000) > 1e-4 || im["entrants"] != 50000.0 {
					t.Errorf("impact = %v, want 1000 conversions and 40000 revenue", im)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.check(t, abJSON(t, tc.args...)) })
	}
}

func TestABTestDeterministic(t *testing.T) {
	args := []string{"--baseline", "0.05", "--mde", "0.15", "--relative", "--daily", "900", "--sims", "2000", "--seed", "11"}
	_, first, _ := abRun(t, args...)
	_, second, _ := abRun(t, args...)
	if first != second {
		t.Errorf("same seed, different output:\n%s\n---\n%s", first, second)
	}
	_, other, _ := abRun(t, append(args[:len(args)-1], "12")...)
	if other == first {
		t.Error("seeds 11 and 12 gave identical output")
	}
}

func TestABTestText(t *testing.T) {
	code, stdout, stderr := abRun(t, "--baseline", "10%", "--mde", "2%", "--daily", "500", "--sims", "3000")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"control rate    10.00%",
		"treatment rate  12.00%   +2.00 pp (+20.0%)",
		"control    3,841",
		"total      7,682",
		"days          16  at 500 entrants a day",
		"+2.00 pp (+20.0%)          12.00%   80.0%                  3,841  ← planned",
		"Monte Carlo · 3,000 experiments of 3,841 control and 3,841 treatment users, seed 1",
		"(significant at any of 16 daily looks)",
		"^ true +20.0%",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.ContainsAny(stdout, "▁▂▃▄▅▆▇█") {
		t.Errorf("no histogram in:\n%s", stdout)
	}
}

func TestABTestBadInput(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--mde", "0.02"}, "--baseline is required"},
		{[]string{"--baseline", "0.1"}, "--mde is required"},
		{[]string{"--baseline", "1.5", "--mde", "0.02"}, "baseline must be a rate in (0, 1)"},
		{[]string{"--baseline", "ten", "--mde", "0.02"}, `"ten" is not a number or a percent`},
		{[]string{"--baseline", "0.1", "--mde", "0"}, "mde must be a non-zero effect"},
		{[]string{"--baseline", "0.9", "--mde", "0.2"}, "outside (0, 1)"},
		{[]string{"--baseline", "0.1", "--mde", "0.02", "--alpha", "2"}, "alpha must be in (0, 1)"},
		{[]string{"--baseline", "0.1", "--mde", "0.02", "--power", "100%"}, "power must be in (0, 1)"},
		{[]string{"--baseline", "0.1", "--mde", "0.02", "--ratio", "0"}, "--ratio must be a positive number"},
		{[]string{"--baseline", "0.1", "--mde", "0.02", "--variants", "1"}, "variants counts the arms including control"},
		{[]string{"--baseline", "0.1", "--mde", "0.02", "--daily", "-3"}, "--daily must be a positive number"},
		{[]string{"--baseline", "0.1", "--mde", "0.02", "--sims", "-1"}, "--sims must not be negative"},
		{[]string{"--baseline", "0.1", "--mde", "0.02", "--formula", "fisher"}, "--formula: unknown formula"},
		{[]string{"--baseline", "0.1", "--mde", "0.02", "--revenue", "10"}, "--revenue needs --entrants"},
		{[]string{"--baseline", "0.1", "--mde", "0.02", "extra"}, "unknown command"},
	}
	for _, tc := range cases {
		code, stdout, stderr := abRun(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("abtest %v: exit %d, stderr %q, stdout %q; want exit 2 mentioning %q", tc.args, code, stderr, stdout, tc.want)
		}
	}
}

// TestABTestLooksCap: peeking is simulated one look a day up to abtest.MaxLooks (365)
// looks; a longer test gets 365 evenly spaced looks, quickly, and both outputs say so.
func TestABTestLooksCap(t *testing.T) {
	cases := []struct {
		name      string
		args      []string
		days      float64
		looks     float64
		capped    bool
		text      string
		notInText string
	}{
		{"daily looks unchanged", []string{"--baseline", "0.1", "--mde", "0.02", "--daily", "500", "--sims", "1000"},
			16, 16, false, "false positives, peeking daily", "evenly spaced"},
		{"exactly a year is daily", []string{"--baseline", "0.1", "--mde", "0.02", "--daily", "21.05", "--sims", "1000"},
			365, 365, false, "(significant at any of 365 daily looks)", "evenly spaced"},
		{"a day over a year is capped", []string{"--baseline", "0.1", "--mde", "0.02", "--daily", "21", "--sims", "1000"},
			366, 365, true, "(significant at any of 365 looks evenly spaced over 366 days, not daily: at most 365 are simulated)", "daily looks"},
		{"784,887 days", []string{"--baseline", "50%", "--mde", "0.1%", "--daily", "10"},
			784_887, 365, true, "(significant at any of 365 looks evenly spaced over 784,887 days, not daily: at most 365 are simulated)", "daily looks"},
		{"fewer users than days", []string{"--baseline", "0.3", "--mde", "0.3", "--daily", "0.5", "--sims", "1000"},
			168, 42, true, "(significant at any of 42 looks evenly spaced over 168 days, not daily: one per user of the smaller arm)", "daily looks"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			got := abJSON(t, tc.args...)
			if d := time.Since(start); d > 15*time.Second {
				t.Errorf("abtest %v took %v", tc.args, d)
			}
			sim := got["simulation"].(map[string]any)
			if got["days"] != tc.days || sim["looks"] != tc.looks || sim["looks_capped"] != tc.capped {
				t.Errorf("days %v looks %v looks_capped %v; want %v, %v, %v", got["days"], sim["looks"], sim["looks_capped"], tc.days, tc.looks, tc.capped)
			}
			if p, ok := sim["peeking_false_positive_rate"].(float64); !ok || p <= sim["false_positive_rate"].(float64) {
				t.Errorf("peeking_false_positive_rate %v, false_positive_rate %v", sim["peeking_false_positive_rate"], sim["false_positive_rate"])
			}
			code, stdout, stderr := abRun(t, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(stdout, tc.text) || strings.Contains(stdout, tc.notInText) {
				t.Errorf("output should contain %q and not %q:\n%s", tc.text, tc.notInText, stdout)
			}
		})
	}
}

func TestABTestHelpMentionsLooksCap(t *testing.T) {
	code, stdout, stderr := abRun(t, "--help")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"at most 365 looks", "evenly spaced", `"looks_capped": true`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("help lacks %q:\n%s", want, stdout)
		}
	}
}
