package server

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chainmap/chainmap"
)

// auditCSV streams the whole audit trail as CSV (managers and admins, by session or
// token), page by page so memory stays bounded whatever its length.
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Pipeline == nil {
		writeJSON(w, http.StatusNotImplemented, map[string]any{"error": "this server keeps no leads", "code": "NOT_IMPLEMENTED"})
		return
	}
	p := s.cfg.Pipeline
	first, err := p.Audit(r.Context(), chainmap.AuditQuery{})
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": chainmap.ErrorMessage(err), "code": chainmap.ErrorCode(err)})
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="chainmap-audit-`+time.Now().UTC().Format("20060102")+`.csv"`)
	w.Write([]byte("\ufeff")) // a BOM, so spreadsheet programs read UTF-8
	cw := csv.NewWriter(w)
	cw.Write([]string{"seq", "at", "actor", "action", "subject", "before", "after"})
	for page := first; len(page) > 0; {
		for _, e := range page {
			cw.Write([]string{strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339), cell(e.Actor),
				cell(e.Action), cell(e.Subject), cell(e.Before), cell(e.After)})
		}
		cw.Flush()
		if cw.Error() != nil || r.Context().Err() != nil {
			return
		}
		if page, err = p.Audit(r.Context(), chainmap.AuditQuery{After: page[len(page)-1].Seq}); err != nil {
			s.log.Error("audit export cut short", "err", err)
			return
		}
	}
}

// cell defuses a value a spreadsheet would run as a formula (CSV injection): one that
// starts with =, +, -, @, a tab or a carriage return gets a leading apostrophe.
func cell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
