package chainmap

import (
	"math"
	"strconv"
)

// MaxFigure bounds every quantity a dataset or a request may give (capacities, revenues,
// investments, thresholds, coefficients), whatever its unit. No real figure comes near it,
// and sums of millions of figures below it stay finite, so no total can overflow. It is a
// limit on input, not a fact about the world.
const MaxFigure = 1e15

// CheckFigure refuses (EINVALID, naming field) a quantity that is not a finite number
// between 0 and MaxFigure: NaN, infinities, negative or absurdly large values are input
// mistakes, and a sum of them could not be shown.
func CheckFigure(field string, v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return Errorf(EINVALID, "%s must be a finite number", field)
	case v < 0:
		return Errorf(EINVALID, "%s must not be negative, got %s", field, formatFigure(v))
	case v > MaxFigure:
		return Errorf(EINVALID, "%s must be at most %s, got %s", field, formatFigure(MaxFigure), formatFigure(v))
	}
	return nil
}

// checkOptFigure is CheckFigure for an optional figure (nil passes).
func checkOptFigure(field string, v *float64) error {
	if v == nil {
		return nil
	}
	return CheckFigure(field, *v)
}

// addFigures returns a + b, or EINVALID naming field when the sum is not finite.
func addFigures(field string, a, b float64) (float64, error) {
	s := a + b
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return 0, Errorf(EINVALID, "%s overflows: the sum is not a finite number", field)
	}
	return s, nil
}

func formatFigure(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
