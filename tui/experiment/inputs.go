package experiment

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/segscope/segscope/abtest"
	"github.com/segscope/segscope/report/format"
)

// field is one input of the form.
type field int

const (
	fBaseline field = iota
	fMDE
	fAlpha
	fPower
	fVariants
	fDaily
	fSims
	fieldCount
)

var fieldLabels = [fieldCount]string{"baseline", "mde", "alpha", "power", "variants", "daily", "sims"}

// inputs are what the experimenter decides.
type inputs struct {
	Baseline float64 // control conversion rate, (0, 1)
	MDE      float64 // absolute (0.01 = one point) or relative (0.1 = +10%)
	Relative bool
	Alpha    float64
	Power    float64
	Variants int
	Daily    float64 // entrants per day, all arms; 0 = unknown
	Sims     int     // Monte Carlo experiments; 0 = none
}

// defaultInputs are the form's values before a campaign fills it.
func defaultInputs() inputs {
	return inputs{Baseline: 0.10, MDE: 0.10, Relative: true, Alpha: 0.05, Power: 0.8, Variants: 2, Sims: 10000}
}

// design is the inputs as the abtest package takes them.
func (in inputs) design() abtest.Design {
	return abtest.Design{Baseline: in.Baseline, MDE: in.MDE, Relative: in.Relative,
		Alpha: in.Alpha, Power: in.Power, Variants: in.Variants}
}

// maxSims bounds the simulation the screen runs.
const maxSims = 1_000_000

// maxVariants bounds the arms the form takes.
const maxVariants = 20

// text is the field's value as the form shows it and as editing starts from.
func (in inputs) text(f field) string {
	switch f {
	case fBaseline:
		return pct(in.Baseline)
	case fMDE:
		if in.Relative {
			return signed(trim(in.MDE*100)) + "%"
		}
		return signed(trim(in.MDE*100)) + " pp"
	case fAlpha:
		return trim(in.Alpha)
	case fPower:
		return pct(in.Power)
	case fVariants:
		return strconv.Itoa(in.Variants)
	case fDaily:
		if in.Daily <= 0 {
			return "–"
		}
		return trimN(in.Daily, 1)
	case fSims:
		return format.Count(int64(in.Sims))
	}
	return ""
}

// editText is the value the editor starts from: text without thousands separators or
// the placeholder dash.
func (in inputs) editText(f field) string {
	s := in.text(f)
	switch f {
	case fDaily:
		if s == "–" {
			return ""
		}
	case fSims:
		s = strings.ReplaceAll(s, ",", "")
	case fMDE:
		s = strings.TrimSuffix(strings.TrimSuffix(s, " pp"), "%")
		s = strings.TrimPrefix(s, "+")
	case fBaseline, fPower:
		s = strings.TrimSuffix(s, "%")
	}
	return s
}

// unit is what a bare number typed into the field means.
func (in inputs) unit(f field) string {
	switch f {
	case fBaseline, fPower:
		return "%"
	case fMDE:
		if in.Relative {
			return "% of baseline"
		}
		return "pp (points)"
	case fDaily:
		return "entrants a day, all arms"
	case fSims:
		return "experiments"
	case fVariants:
		return "arms with control"
	}
	return ""
}

// set parses s into the field. Rates are typed in percent (10 or 10%) except alpha, which
// is a fraction (0.05) unless it ends in %.
func (in *inputs) set(f field, s string) error {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	switch f {
	case fBaseline, fPower:
		v, err := number(strings.TrimSuffix(s, "%"))
		if err != nil {
			return err
		}
		v /= 100
		if !(v > 0 && v < 1) {
			return fmt.Errorf("%s must be above 0%% and below 100%%", fieldLabels[f])
		}
		if f == fBaseline {
			in.Baseline = v
		} else {
			in.Power = v
		}
	case fMDE:
		t := strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(s), "pp"), "%"))
		v, err := number(t)
		if err != nil {
			return err
		}
		if v == 0 {
			return errors.New("mde must not be zero")
		}
		in.MDE = v / 100
	case fAlpha:
		scale := 1.0
		if strings.HasSuffix(s, "%") {
			s, scale = strings.TrimSuffix(s, "%"), 0.01
		}
		v, err := number(s)
		if err != nil {
			return err
		}
		v *= scale
		if !(v > 0 && v < 1) {
			return errors.New("alpha must be between 0 and 1 (0.05, or 5%)")
		}
		in.Alpha = v
	case fVariants:
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		if n < 2 || n > maxVariants {
			return fmt.Errorf("variants counts the arms with control: 2 to %d", maxVariants)
		}
		in.Variants = n
	case fDaily:
		if s == "" || s == "-" || s == "–" {
			in.Daily = 0
			return nil
		}
		v, err := number(s)
		if err != nil {
			return err
		}
		if !(v > 0) {
			return errors.New("daily entrants must be above 0 (empty for unknown)")
		}
		in.Daily = v
	case fSims:
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		if n < 0 || n > maxSims {
			return fmt.Errorf("sims must be between 0 and %s", format.Count(maxSims))
		}
		in.Sims = n
	}
	return nil
}

func number(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

// Steps of ←/→ for the fields with a few sensible values.
var (
	alphaSteps = []float64{0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2}
	powerSteps = []float64{0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99}
	simsSteps  = []float64{0, 1000, 2000, 5000, 10000, 20000, 50000, 100000}
)

// nudge moves the field one step up (dir 1) or down (dir -1).
func (in *inputs) nudge(f field, dir int) {
	switch f {
	case fBaseline:
		step := 0.005
		if in.Baseline < 0.02 || (in.Baseline == 0.02 && dir < 0) {
			step = 0.001
		}
		in.Baseline = clamp(round(in.Baseline+float64(dir)*step, 6), 0.001, 0.999)
	case fMDE:
		step := 0.001
		if in.Relative {
			step = 0.01
		}
		v := round(in.MDE+float64(dir)*step, 6)
		if v == 0 {
			v = round(v+float64(dir)*step, 6)
		}
		in.MDE = v
	case fAlpha:
		in.Alpha = stepTo(alphaSteps, in.Alpha, dir)
	case fPower:
		in.Power = stepTo(powerSteps, in.Power, dir)
	case fVariants:
		in.Variants = int(clamp(float64(in.Variants+dir), 2, maxVariants))
	case fDaily:
		switch {
		case in.Daily <= 0 && dir > 0:
			in.Daily = 100
		case in.Daily > 0:
			v := in.Daily * 1.25
			if dir < 0 {
				v = in.Daily / 1.25
			}
			in.Daily = math.Max(0.1, round(v, 1))
		}
	case fSims:
		in.Sims = int(stepTo(simsSteps, float64(in.Sims), dir))
	}
}

// stepTo is the next value of steps above v (dir 1) or below it (dir -1); v itself when
// there is none.
func stepTo(steps []float64, v float64, dir int) float64 {
	if dir > 0 {
		for _, s := range steps {
			if s > v+1e-12 {
				return s
			}
		}
		return v
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i] < v-1e-12 {
			return steps[i]
		}
	}
	return v
}

// toggleRelative switches the MDE between absolute and relative, keeping the effect.
func (in *inputs) toggleRelative() {
	if in.Relative {
		in.MDE = round(in.MDE*in.Baseline, 6)
	} else if in.Baseline > 0 {
		in.MDE = round(in.MDE/in.Baseline, 6)
	}
	in.Relative = !in.Relative
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// pct writes a rate as a percent with at most two decimals: 0.1 → "10%", 0.90789 →
// "90.79%".
func pct(r float64) string { return trim(round(r*100, 2)) + "%" }

// trim writes v with at most four decimals and no trailing zeros.
func trim(v float64) string { return trimN(v, 4) }

func trimN(v float64, digits int) string {
	s := strconv.FormatFloat(round(v, digits), 'f', digits, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func signed(s string) string {
	if strings.HasPrefix(s, "-") {
		return s
	}
	return "+" + s
}
