package chainmap

import (
	"time"
)

// LeadRows are dataset rows made from leads (usually the producing ones), so the next
// dataset version learns from the team's work: per lead a source naming the lead, the
// enterprise when it is a new firm, its operation in the segment (marked suggested, for a
// reviewer) and its project. Every row cites the lead's source.
type LeadRows struct {
	Sources     []*Source
	Enterprises []*Enterprise
	Operations  []*Operation
	Projects    []*Project
}

// LeadSourceID is the id of the source row that stands for a lead in exported rows.
func LeadSourceID(l *Lead) string { return "lead-" + l.ID }

// BuildLeadRows turns leads into dataset rows. parkRegion gives a park's (first) region,
// for a new firm whose lead names only a park; a lead with neither region nor a known
// park region is skipped and reported in the second result.
func BuildLeadRows(leads []*Lead, parkRegion map[string]string, now time.Time) (LeadRows, []string) {
	var out LeadRows
	var skipped []string
	for _, l := range leads {
		region := l.Region
		if region == "" {
			region = parkRegion[l.Park]
		}
		ent := l.Enterprise
		if ent == "" || l.EnterpriseMissing {
			if region == "" {
				skipped = append(skipped, l.ID+": no region for the new firm")
				continue
			}
			ent = LeadSourceID(l)
			out.Enterprises = append(out.Enterprises, &Enterprise{ID: ent, NameZh: l.FirmName, CreditCode: l.CreditCode,
				Region: region, Park: l.Park, Status: StatusActive,
				Provenance: Provenance{Sources: []Citation{Citation(LeadSourceID(l))}, Confidence: ConfidenceUnverified}})
		}
		src := &Source{ID: LeadSourceID(l), Title: "招商线索 " + l.FirmName + "（" + string(l.Stage) + "）",
			Publisher: "chainmap pipeline", Date: now.UTC().Format(time.DateOnly), Kind: "other",
			Note: "lead " + l.ID + ", owner " + l.Owner}
		out.Sources = append(out.Sources, src)
		prov := Provenance{Sources: []Citation{Citation(src.ID)}, Confidence: ConfidenceUnverified}
		op := &Operation{Enterprise: ent, Segment: l.Segment, Role: RoleProducer, Evidence: "招商线索 " + l.ID,
			Verification: VerificationSuggested, Provenance: prov}
		if l.Capacity != nil {
			v := *l.Capacity
			year := now.Year()
			op.Capacity, op.CapacityUnit, op.CapacityYear = &v, l.CapacityUnit, &year
		}
		out.Operations = append(out.Operations, op)
		p := &Project{ID: LeadSourceID(l), NameZh: l.FirmName + " 招商项目", Enterprise: ent, Park: l.Park, Region: l.Region,
			Segments: []string{l.Segment}, Capacity: op.Capacity, CapacityUnit: op.CapacityUnit, Investment: l.Investment,
			Stage: leadProjectStage(l.Stage), Provenance: prov}
		for _, h := range l.History {
			y := h.At.Year()
			switch {
			case h.To == LeadSigned || (p.StartYear == nil && h.To.AtLeast(LeadSigned)):
				p.StartYear = &y
			case h.To == LeadProduction:
				p.EndYear = &y
			}
		}
		out.Projects = append(out.Projects, p)
	}
	return out, skipped
}

// leadProjectStage maps a lead's stage to the dataset's project stages.
func leadProjectStage(s LeadStage) string {
	switch s {
	case LeadProduction:
		return "producing"
	case LeadConstruction:
		return "under_construction"
	case LeadRegistered:
		return "registered"
	case LeadSigned:
		return "signed"
	case LeadNegotiation:
		return "negotiating"
	case LeadTerminated:
		return "cancelled"
	}
	return "lead"
}
