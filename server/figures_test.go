package server_test

import (
	"strings"
	"testing"

	"github.com/chainmap/chainmap/server"
)

// TestNumericInputs is issue 12's finding 3 through the HTTP API: figures that overflow,
// are negative or are not numbers answer BAD_USER_INPUT naming the argument, never a 500
// or "unable to marshal".
func TestNumericInputs(t *testing.T) {
	ts := newServer(t, load(t, "../data/zhengzhou-aluminium"), server.Config{})
	const scope = `chain: "aluminium", scope: {region: "410100"}`
	for name, c := range map[string]struct{ query, want string }{
		"capacity overflow":          {`{ whatIf(` + scope + `, add: [{name: "a", segment: "E1.wheel", region: "410185", capacity: 1e308}, {name: "b", segment: "E1.wheel", region: "410185", capacity: 1e308}]) { after { present } } }`, "at most"},
		"negative capacity":          {`{ whatIf(` + scope + `, add: [{name: "a", segment: "E1.wheel", region: "410185", capacity: -3}]) { after { present } } }`, "must not be negative"},
		"float literal out of range": {`{ whatIf(` + scope + `, add: [{name: "a", segment: "E1.wheel", region: "410185", capacity: 1e999}]) { after { present } } }`, ""},
		"negative threshold":         {`{ gapAnalysis(` + scope + `, thresholds: [{minCapacity: -1}]) { present } }`, "must not be negative"},
		"negative enterprises":       {`{ gapAnalysis(` + scope + `, thresholds: [{minEnterprises: -1}]) { present } }`, "must be between 0 and"},
		"enterprises beyond 32 bits": {`{ gapAnalysis(` + scope + `, thresholds: [{minEnterprises: 99999999999}]) { present } }`, ""},
		"revenue bound":              {`{ enterprises(filter: {minRevenue: -1}) { totalCount } }`, "must not be negative"},
	} {
		status, r := post(t, ts, c.query)
		if status >= 500 || len(r.Errors) == 0 {
			t.Errorf("%s: HTTP %d, errors %v: want a refusal", name, status, r.Errors)
			continue
		}
		e := r.Errors[0]
		if code, _ := e.Extensions["code"].(string); code == "INTERNAL_SERVER_ERROR" || code == "" {
			t.Errorf("%s: code %q (%s), want a user-input code", name, code, e.Message)
		}
		if !strings.Contains(e.Message, c.want) {
			t.Errorf("%s: %q, want it to say %q", name, e.Message, c.want)
		}
	}
}
