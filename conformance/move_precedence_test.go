package conformance

import (
	"context"
	"testing"

	"github.com/chainmap/chainmap"
)

// TestMoveLeadErrorPrecedence pins the order MoveLead refuses in, which its checks kept
// when they moved into LeadChange.Check (run by the store on the lead it reads): a
// missing lead, then FORBIDDEN (not the actor's lead), then EINVALID (a move that needs
// approval, a reason missing or out of place), and only then CONFLICT for a stale
// version.
func TestMoveLeadErrorPrecedence(t *testing.T) {
	onPipelines(t, func(t *testing.T, lc leadCase, p *chainmap.Pipeline) {
		wang, zhou := as("wang", chainmap.RolePromoter), as("zhou", chainmap.RolePromoter)
		l := must(p.CreateLead(wang, chainmap.LeadInput{FirmName: "先后企业", Segment: "W2", Park: "east-park"}))
		l = must(p.MoveLead(wang, l.ID, l.Version, chainmap.LeadContact, "", ""))
		stale := l.Version - 1
		for _, tc := range []struct {
			name   string
			ctx    context.Context
			id     string
			to     chainmap.LeadStage
			reason chainmap.CloseReason
			note   string
			want   string
		}{
			{"missing lead", wang, "L-none", chainmap.LeadVisit, "", "", chainmap.ENOTFOUND},
			{"another's lead, stale, bad reason", zhou, l.ID, chainmap.LeadOnHold, "", "", chainmap.EFORBIDDEN},
			{"own lead, stale, needs approval", wang, l.ID, chainmap.LeadSigned, "", "", chainmap.EINVALID},
			{"own lead, stale, reason missing", wang, l.ID, chainmap.LeadOnHold, "", "", chainmap.EINVALID},
			{"own lead, stale, reason out of place", wang, l.ID, chainmap.LeadVisit, "", "说明", chainmap.EINVALID},
			{"own lead, stale", wang, l.ID, chainmap.LeadVisit, "", "", chainmap.ECONFLICT},
		} {
			if _, err := p.MoveLead(tc.ctx, tc.id, stale, tc.to, tc.reason, tc.note); code(err) != tc.want {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
			}
		}
	})
}
