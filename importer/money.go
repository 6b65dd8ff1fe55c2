package importer

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"

	"golang.org/x/text/width"
)

// moneyUnits gives each money unit in 元. Conversions use exact rationals, never floats:
// 12345.678 千元 is 0.12345678 亿元, not a rounding of it.
var moneyUnits = map[string]*big.Rat{
	"元":  big.NewRat(1, 1),
	"千元": big.NewRat(1000, 1),
	"万元": big.NewRat(10_000, 1),
	"亿元": big.NewRat(100_000_000, 1),
}

// foreignCurrencies are currencies a registry states capital in; amounts in them are
// reported, never converted (no exchange rate is assumed).
var foreignCurrencies = []string{"美元", "港元", "港币", "欧元", "日元", "英镑", "澳元", "新台币", "韩元", "瑞士法郎", "加元", "新加坡元"}

var moneyNoise = strings.NewReplacer(",", "", " ", "", "(", "", ")", "")

var moneyRe = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)(千|万|亿)?(元)?$`)

// money is a parsed amount: in 元 when the currency is CNY, else Foreign names the
// currency and Amount is left nil.
type money struct {
	Yuan    *big.Rat
	Foreign string
}

// parseMoney reads an amount such as "8000", "8,000.5", "8000万元人民币", "1.2亿元" or
// "500万美元". A unit in the cell wins over colUnit (from the header or a unit row); a
// bare number with no unit anywhere is an error, as is a foreign currency (reported,
// not converted).
func parseMoney(cell, colUnit string) (*money, error) {
	s := width.Fold.String(strings.TrimSpace(cell))
	s = moneyNoise.Replace(s)
	if s == "" || s == "-" || s == "—" || s == "--" {
		return nil, nil
	}
	for _, c := range foreignCurrencies {
		if strings.Contains(s, c) {
			return &money{Foreign: c}, nil
		}
	}
	s = strings.TrimSuffix(strings.TrimSuffix(s, "人民币"), "(人民币)")
	s = strings.TrimPrefix(s, "人民币")
	m := moneyRe.FindStringSubmatch(s)
	if m == nil {
		return nil, fmt.Errorf("%q is not an amount of money (a number, optionally with 千元/万元/亿元)", cell)
	}
	unit := colUnit
	if m[2] != "" || m[3] != "" {
		unit = m[2] + "元"
	}
	factor, ok := moneyUnits[unit]
	if !ok {
		return nil, fmt.Errorf("%q has no unit: state it in the header (e.g. 营业收入（千元）), a unit row, or the mapping file's units", cell)
	}
	v, ok := new(big.Rat).SetString(m[1])
	if !ok {
		return nil, fmt.Errorf("%q is not a number", cell)
	}
	return &money{Yuan: v.Mul(v, factor)}, nil
}

// inUnit expresses an amount of 元 in unit as an exact decimal string ("0.12345678"):
// every unit is a power of ten of 元 and every input a finite decimal, so the result is
// always a finite decimal.
func inUnit(yuan *big.Rat, unit string) string {
	v := new(big.Rat).Quo(yuan, moneyUnits[unit])
	return exactDecimal(v)
}

// exactDecimal prints a rational whose denominator divides a power of ten without
// rounding, with no trailing zeros.
func exactDecimal(v *big.Rat) string {
	d := new(big.Int).Set(v.Denom())
	places := 0
	ten, two, five := big.NewInt(10), big.NewInt(2), big.NewInt(5)
	for d.Cmp(big.NewInt(1)) != 0 && places < 64 {
		switch {
		case new(big.Int).Mod(d, ten).Sign() == 0:
			d.Quo(d, ten)
		case new(big.Int).Mod(d, two).Sign() == 0:
			d.Quo(d, two)
		case new(big.Int).Mod(d, five).Sign() == 0:
			d.Quo(d, five)
		default:
			places = 64 // not a finite decimal: print rounded at 64 places
		}
		places++
	}
	s := v.FloatString(places)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
