package server

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/chainmap/chainmap"
)

// kpiCSV answers GET /export/kpis.csv?period=month|quarter|year&groupBy=none|chain|
// segment|park|region|owner&from=YYYY-MM-DD&to=YYYY-MM-DD (and the lead filters chain,
// segment, park, region, owner): the rows of pipelineKPIs, one line each, for whoever
// may read leads.
func (s *Server) kpiCSV(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Pipeline == nil {
		writeJSON(w, http.StatusNotImplemented, map[string]any{"error": "this server keeps no leads", "code": "NOT_IMPLEMENTED"})
		return
	}
	v := r.URL.Query()
	q := chainmap.KPIQuery{Period: chainmap.KPIPeriod(v.Get("period")), GroupBy: chainmap.KPIGroup(v.Get("groupBy")),
		From: v.Get("from"), To: v.Get("to"), Filter: chainmap.LeadFilter{Chain: v.Get("chain"), Segment: v.Get("segment"),
			Park: v.Get("park"), Region: v.Get("region"), Owner: v.Get("owner")}}
	rep, err := s.cfg.Pipeline.KPIs(r.Context(), q)
	if err != nil {
		s.writeDomainError(w, "kpi export", err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="chainmap-kpis-`+string(rep.Period)+".csv\"")
	w.Write([]byte("\ufeff")) // a BOM, so spreadsheet programs read UTF-8
	cw := csv.NewWriter(w)
	header := []string{"period", "start", "last", string(rep.GroupBy), "leadsCreated", "signed", "registered", "started", "producing",
		"contracted (亿元)", "paidIn (亿元)", "signedToDate", "honoured", "履约率", "awaitingStart", "开工率",
		"contractedToDate (亿元)", "paidInToDate (亿元)", "资金到位率", "capacity", "flagged", "flaggedLeads"}
	for _, st := range chainmap.LeadStages[:len(chainmap.LeadStages)-1] {
		header = append(header, "conversion "+string(st))
	}
	for _, st := range chainmap.LeadStages {
		header = append(header, "median days "+string(st))
	}
	cw.Write(header)
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	opt := func(f *float64) string {
		if f == nil {
			return ""
		}
		return num(*f)
	}
	for _, row := range rep.Rows {
		var capa []string
		for _, u := range row.Capacity {
			capa = append(capa, num(u.Value)+" "+u.Unit)
		}
		line := []string{row.Period, row.Start, row.Last, cell(row.Group), strconv.Itoa(row.LeadsCreated), strconv.Itoa(row.Signed),
			strconv.Itoa(row.Registered), strconv.Itoa(row.Started), strconv.Itoa(row.Producing), num(row.Contracted), num(row.PaidIn),
			strconv.Itoa(row.SignedToDate), strconv.Itoa(row.Honoured), opt(row.PerformanceRate), strconv.Itoa(row.AwaitingStart),
			opt(row.StartRate), num(row.ContractedToDate), num(row.PaidInToDate), opt(row.FundingRate), cell(strings.Join(capa, "; ")),
			strconv.Itoa(row.Flagged), strings.Join(row.FlaggedLeads, " ")}
		for _, c := range row.Conversion {
			line = append(line, opt(c.Rate))
		}
		for _, d := range row.DaysInStage {
			line = append(line, opt(d.Median))
		}
		cw.Write(line)
	}
	cw.Flush()
}
