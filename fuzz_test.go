package chainmap_test

import (
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
)

func FuzzParseDerivation(f *testing.F) {
	for _, s := range []string{"count_enterprises()", "count_enterprises(revenue>=50)", "count_enterprises(designation=规上)",
		"sum_capacity(M1)", "count_enterprises(revenue>=abc)", "sum_capacity()", "x(", ")))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := chainmap.ParseDerivation(s)
		if err != nil {
			return
		}
		if d.Func != "count_enterprises" && d.Func != "sum_capacity" {
			t.Fatalf("accepted %q as %q", s, d.Func)
		}
		if d.Func == "sum_capacity" && d.Segment == "" {
			t.Fatalf("sum_capacity without a segment accepted: %q", s)
		}
	})
}

func FuzzConvertUnit(f *testing.F) {
	f.Add(1.5, "万吨/年", "t")
	f.Add(3.0, "亿kWh", "kWh/a")
	f.Add(-1.0, "只", "万只")
	f.Add(0.0, "", "")
	f.Fuzz(func(t *testing.T, v float64, from, to string) {
		got, err := chainmap.ConvertUnit(v, from, to)
		if err != nil {
			return
		}
		back, err := chainmap.ConvertUnit(got, to, from)
		if err != nil {
			t.Fatalf("%s→%s converts but not back: %v", from, to, err)
		}
		if v != 0 && (back/v > 1+1e-9 || back/v < 1-1e-9) {
			t.Fatalf("round trip %v %s → %v %s → %v", v, from, got, to, back)
		}
	})
}

func FuzzCitation(f *testing.F) {
	f.Add("SEED#二(四)2")
	f.Add("#")
	f.Add("a#b#c")
	f.Fuzz(func(t *testing.T, s string) {
		c := chainmap.Citation(s)
		if strings.Contains(c.SourceID(), "#") {
			t.Fatalf("source id %q of %q holds a '#'", c.SourceID(), s)
		}
		if !strings.Contains(s, "#") && c.Locator() != "" {
			t.Fatalf("locator %q without a '#' in %q", c.Locator(), s)
		}
		if c.Text() != s {
			t.Fatalf("text %q, want %q", c.Text(), s)
		}
	})
}
