package chainmap

import (
	"context"
	"math"
	"strings"
	"testing"
)

func TestCheckFigure(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string // "" = accepted, else a part of the message
	}{
		{0, ""}, {1, ""}, {MaxFigure, ""}, {1e-300, ""},
		{-1, "must not be negative"}, {math.Copysign(0, -1), ""},
		{math.NaN(), "finite"}, {math.Inf(1), "finite"}, {math.Inf(-1), "finite"},
		{MaxFigure * 1.0000001, "at most 1e+15"}, {1e308, "at most"},
	} {
		err := CheckFigure("capacity", c.v)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v, want accepted", c.v, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || ErrorCode(err) != EINVALID):
			t.Errorf("%v: %v, want EINVALID containing %q", c.v, err, c.want)
		}
	}
	if _, err := addFigures("sum", math.MaxFloat64, math.MaxFloat64); err == nil || !strings.Contains(err.Error(), "overflows") {
		t.Errorf("addFigures of two MaxFloat64: %v, want an overflow error", err)
	}
	if s, err := addFigures("sum", MaxFigure, MaxFigure); err != nil || s != 2*MaxFigure {
		t.Errorf("addFigures(MaxFigure, MaxFigure) = %v, %v", s, err)
	}
}

// TestWhatIfRefusesBadFigures is issue 12's finding 3: two additions of capacity 1e308
// overflowed to +Inf and the API answered HTTP 500; negative capacities were accepted.
// The figures are checked before the store is read (so a nil store suffices here).
func TestWhatIfRefusesBadFigures(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	n := func(v int) *int { return &v }
	for name, c := range map[string]struct {
		q    WhatIfQuery
		want string
	}{
		"huge":         {WhatIfQuery{Add: []WhatIfChange{{Segment: "s", Capacity: f(1e308)}, {Segment: "s", Capacity: f(1e308)}}}, "whatIf add[0].capacity must be at most"},
		"negative":     {WhatIfQuery{Add: []WhatIfChange{{Segment: "s", Capacity: f(-5)}}}, "whatIf add[0].capacity must not be negative"},
		"remove NaN":   {WhatIfQuery{Remove: []WhatIfChange{{Enterprise: "e", Segment: "s"}, {Enterprise: "e", Segment: "s", Capacity: f(math.NaN())}}}, "whatIf remove[1].capacity must be a finite number"},
		"threshold":    {WhatIfQuery{Overrides: []ThresholdOverride{{MinCapacity: f(math.Inf(1))}}}, "threshold minCapacity must be a finite number"},
		"min LQ":       {WhatIfQuery{Overrides: []ThresholdOverride{{MinLQ: f(-0.5)}}}, "threshold minLq must not be negative"},
		"enterprises":  {WhatIfQuery{Overrides: []ThresholdOverride{{MinEnterprises: n(-1)}}}, "threshold minEnterprises must be between 0 and"},
		"int overflow": {WhatIfQuery{Overrides: []ThresholdOverride{{MinEnterprises: n(99999999999)}}}, "threshold minEnterprises must be between 0 and"},
	} {
		_, err := WhatIf(context.Background(), nil, c.q)
		if err == nil || ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want EINVALID %q", name, err, c.want)
		}
	}
	for name, q := range map[string]EnterpriseQuery{"min": {MinRevenue: f(math.NaN())}, "max": {MaxRevenue: f(-1)}} {
		if err := q.Validate(); err == nil || ErrorCode(err) != EINVALID {
			t.Errorf("enterprise query %s: %v, want EINVALID", name, err)
		}
	}
}
