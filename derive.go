package chainmap

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Derivation says how a goal's current value is computed from the graph, so that the
// goal tracks the data instead of a figure typed in once.
//
// Supported forms:
//
//	count_enterprises()                     active enterprises in the goal's scope
//	count_enterprises(revenue>=50)          … with revenue (亿元) compared to a number
//	count_enterprises(designation=规上)      … carrying a designation
//	count_enterprises(segment=M1)           … operating in a segment subtree
//	sum_capacity(M1)                        capacity of a segment subtree, in its unit
type Derivation struct {
	Func    string  // count_enterprises or sum_capacity
	Field   string  // revenue, designation, segment (count_enterprises only)
	Op      string  // >=, >, <=, <, = (with Field)
	Number  float64 // the number compared with revenue
	Text    string  // the designation or segment compared with
	Segment string  // sum_capacity's segment
}

var derivationRe = regexp.MustCompile(`^(count_enterprises|sum_capacity)\((.*)\)$`)
var conditionRe = regexp.MustCompile(`^(revenue|designation|segment)\s*(>=|<=|>|<|=)\s*(.+)$`)

// ParseDerivation parses a goal's derive expression.
func ParseDerivation(s string) (Derivation, error) {
	m := derivationRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Derivation{}, fmt.Errorf("%q is not count_enterprises(...) or sum_capacity(SEGMENT)", s)
	}
	d := Derivation{Func: m[1]}
	arg := strings.TrimSpace(m[2])
	if d.Func == "sum_capacity" {
		if arg == "" {
			return d, fmt.Errorf("sum_capacity needs a segment id")
		}
		d.Segment = arg
		return d, nil
	}
	if arg == "" {
		return d, nil
	}
	c := conditionRe.FindStringSubmatch(arg)
	if c == nil {
		return d, fmt.Errorf("%q is not a condition such as revenue>=50, designation=规上 or segment=M1", arg)
	}
	d.Field, d.Op = c[1], c[2]
	val := strings.TrimSpace(c[3])
	if d.Field == "revenue" {
		n, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return d, fmt.Errorf("revenue must be compared with a number, got %q", val)
		}
		d.Number = n
	} else {
		if d.Op != "=" {
			return d, fmt.Errorf("%s can only be compared with =", d.Field)
		}
		d.Text = val
	}
	return d, nil
}

// Compare applies the derivation's comparison to a revenue figure.
func (d Derivation) Compare(v float64) bool {
	switch d.Op {
	case ">=":
		return v >= d.Number
	case ">":
		return v > d.Number
	case "<=":
		return v <= d.Number
	case "<":
		return v < d.Number
	case "=":
		return v == d.Number
	}
	return false
}
