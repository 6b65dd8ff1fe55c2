package graph

import (
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/graph/generated"
)

// approvalComplexity prices the approval, KPI and reminder fields (issue 19): a KPI
// report costs its rows (periods × an allowance of 10 groups unless ungrouped) times what
// each selects; reminders an allowance of 100; a lead's files and decisions their bounds.
func approvalComplexity(c *generated.Config) {
	c.Complexity.Query.PipelineKPIs = func(child int, period chainmap.KPIPeriod, groupBy *chainmap.KPIGroup, from, to string, _ *chainmap.LeadFilter) int {
		groups := 10
		if groupBy == nil || *groupBy == chainmap.GroupNone {
			groups = 1
		}
		return cost(100, mulSat(kpiPeriods(period, from, to), groups), child)
	}
	c.Complexity.Query.Reminders = func(child int, _ *int) int { return cost(10, 100, child) }
	c.Complexity.Lead.Attachments = func(child int) int { return cost(1, chainmap.MaxAttachmentsPerLead, child) }
	c.Complexity.Lead.Decisions = func(child int) int { return cost(0, 10, child) }
}

// kpiPeriods estimates the periods a KPI query spans (1 when the dates do not parse: the
// resolver refuses those).
func kpiPeriods(period chainmap.KPIPeriod, from, to string) int {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || t.Before(f) {
		return 1
	}
	months := (t.Year()-f.Year())*12 + int(t.Month()) - int(f.Month()) + 1
	switch period {
	case chainmap.PeriodYear:
		return min(t.Year()-f.Year()+1, chainmap.MaxKPIPeriods)
	case chainmap.PeriodQuarter:
		return min(months/3+1, chainmap.MaxKPIPeriods)
	}
	return min(months, chainmap.MaxKPIPeriods)
}
