package chainmap

import (
	"fmt"
	"strings"
)

// Unit is a parsed measurement unit: a dimension and a factor to the dimension's base
// unit (tonnes, pieces, kWh, kW, 万元).
type Unit struct {
	Dimension string
	Factor    float64
}

var unitTable = map[string]Unit{
	"t": {"mass", 1}, "吨": {"mass", 1}, "万t": {"mass", 1e4}, "万吨": {"mass", 1e4},
	"亿t": {"mass", 1e8}, "亿吨": {"mass", 1e8}, "kt": {"mass", 1e3}, "千吨": {"mass", 1e3},
	"只": {"count", 1}, "万只": {"count", 1e4}, "亿只": {"count", 1e8},
	"件": {"count", 1}, "万件": {"count", 1e4}, "套": {"count", 1}, "万套": {"count", 1e4},
	"台": {"count", 1}, "万台": {"count", 1e4}, "辆": {"count", 1}, "万辆": {"count", 1e4},
	"个": {"count", 1}, "万个": {"count", 1e4}, "亿个": {"count", 1e8}, "罐": {"count", 1}, "亿罐": {"count", 1e8},
	"kWh": {"energy", 1}, "万kWh": {"energy", 1e4}, "亿kWh": {"energy", 1e8}, "MWh": {"energy", 1e3},
	"GWh": {"energy", 1e6}, "TWh": {"energy", 1e9}, "千瓦时": {"energy", 1}, "万千瓦时": {"energy", 1e4}, "亿千瓦时": {"energy", 1e8},
	"kW": {"power", 1}, "MW": {"power", 1e3}, "万kW": {"power", 1e4}, "GW": {"power", 1e6},
	"元": {"money", 1e-4}, "万元": {"money", 1}, "亿元": {"money", 1e4},
	"m2": {"area", 1}, "万m2": {"area", 1e4}, "亿m2": {"area", 1e8}, "km2": {"area", 1e6},
	"平方米": {"area", 1}, "万平方米": {"area", 1e4}, "亿平方米": {"area", 1e8},
}

// ParseUnit parses a unit such as "万吨/年" or "t/a". The annual suffix ("/年", "/a",
// "/yr") is dropped: capacities are annual by convention.
func ParseUnit(s string) (Unit, bool) {
	s = strings.TrimSpace(s)
	for _, suf := range []string{"/年", "/a", "/yr", "/year", "每年"} {
		s = strings.TrimSuffix(s, suf)
	}
	s = strings.ReplaceAll(s, "²", "2")
	u, ok := unitTable[s]
	return u, ok
}

// ConvertUnit converts v from one unit to another. Identical unit strings always
// convert; otherwise both must be known units of the same dimension.
func ConvertUnit(v float64, from, to string) (float64, error) {
	if strings.TrimSpace(from) == strings.TrimSpace(to) {
		return v, nil
	}
	fu, ok1 := ParseUnit(from)
	tu, ok2 := ParseUnit(to)
	switch {
	case !ok1:
		return 0, fmt.Errorf("unknown unit %q", from)
	case !ok2:
		return 0, fmt.Errorf("unknown unit %q", to)
	case fu.Dimension != tu.Dimension:
		return 0, fmt.Errorf("unit %q (%s) does not convert to %q (%s)", from, fu.Dimension, to, tu.Dimension)
	}
	return v * fu.Factor / tu.Factor, nil
}

// Dimensions lists the unit dimensions stores aggregate capacity over, in a fixed order.
var Dimensions = []string{"mass", "count", "energy", "power", "money", "area"}

// DimensionIndex returns the position of a unit dimension in Dimensions, or -1.
func DimensionIndex(dim string) int {
	for i, d := range Dimensions {
		if d == dim {
			return i
		}
	}
	return -1
}

// CapacityFromDims picks, from capacity sums per dimension in base units, the one of
// the segment's unit and converts it to that unit. ok is false when nothing applies.
func CapacityFromDims(unit string, sums []float64, counts []int) (float64, bool) {
	u, known := ParseUnit(unit)
	if !known {
		return 0, false
	}
	if i := DimensionIndex(u.Dimension); i >= 0 && i < len(sums) && i < len(counts) && counts[i] > 0 {
		return sums[i] / u.Factor, true
	}
	return 0, false
}

// Normalise returns a capacity in the base unit of its dimension ("mass" in tonnes…),
// so stores can add capacities given in different units of one dimension.
func Normalise(v float64, unit string) (base float64, dim string, ok bool) {
	u, known := ParseUnit(unit)
	if !known {
		return 0, "", false
	}
	return v * u.Factor, u.Dimension, true
}
