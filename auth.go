package chainmap

import (
	"context"
	"slices"
	"strings"
)

// Codes of a refused identity or permission; the transports map them to 401 and 403.
const (
	EUNAUTHENTICATED = "UNAUTHENTICATED"
	EFORBIDDEN       = "FORBIDDEN"
)

// Actor is who makes a request: a logged-in user or a script's bearer token. The zero
// Actor is anonymous.
type Actor struct {
	Name string
	Role Role
}

// Anonymous reports whether nobody is logged in.
func (a Actor) Anonymous() bool { return a.Name == "" || !a.Role.Valid() }

type actorKey struct{}

// WithActor returns ctx carrying the actor (set by the server from a session or token).
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor of ctx (anonymous when none was set).
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// Action is something an actor may be allowed to do.
type Action string

// Every action on the pipeline and the accounts. Reading the analysis is not among them:
// it is open unless the server requires a login.
const (
	ActReadLeads  Action = "read_leads"  // leads, a lead, its follow-ups, the pipeline report
	ActCreateLead Action = "create_lead" // a new lead, owned by the actor
	ActEditLead   Action = "edit_lead"   // update fields, move stage, add a follow-up, close
	ActReassign   Action = "reassign"    // give a lead (or a new one) to another owner
	ActReadAudit  Action = "read_audit"  // the audit trail and its CSV export
	ActManageUser Action = "manage_user" // add and change accounts, back up all user data
	ActReload     Action = "reload"      // reload the dataset
	// ActImport imports enterprise lists into the served dataset and applies their
	// placement review (the web page's import; the command line is not behind accounts).
	ActImport Action = "import_lists"
	// A move to 签约 or later is a request with evidence (approval.go) until an approver
	// decides it.
	ActRequestMove Action = "request_move" // request such a move, or withdraw the request
	ActDecideMove  Action = "decide_move"  // approve or refuse a request
)

// Actions lists every action, for the authorisation matrix test.
var Actions = []Action{ActReadLeads, ActCreateLead, ActEditLead, ActReassign, ActReadAudit, ActManageUser, ActReload,
	ActImport, ActRequestMove, ActDecideMove}

// ApprovalPolicy is what a bureau configures about approvals: which roles decide the
// requests of moves to 签约 or later (default manager and admin), and whether the person
// who requested a move may also approve it (default no: separation of duties).
type ApprovalPolicy struct {
	Approvers    []Role
	SelfApproval bool
}

// approvers returns the configured roles, or the default.
func (pol ApprovalPolicy) approvers() []Role {
	if len(pol.Approvers) == 0 {
		return []Role{RoleManager, RoleAdmin}
	}
	return pol.Approvers
}

// Validate refuses unknown roles and viewers (who may change nothing) as approvers.
func (pol ApprovalPolicy) Validate() error {
	for _, r := range pol.Approvers {
		if !r.Valid() || r == RoleViewer {
			return Errorf(EINVALID, "approvers: %q is not one of promoter, manager, admin", clip(string(r)))
		}
	}
	return nil
}

// Authorize is the one place that decides who may do what. lead is the lead acted on, for
// the actions whose answer depends on its owner (a promoter edits only their own); nil
// otherwise. It returns nil, EUNAUTHENTICATED for an anonymous actor, or EFORBIDDEN.
//
//	viewer    reads leads and the pipeline
//	promoter  + creates leads and edits the leads they own
//	manager   + edits every lead, reassigns, reads the audit trail, imports enterprise lists
//	admin     + manages accounts and reloads the dataset
//
// Requesting a move to 签约 or later (ActRequestMove) follows editing; deciding one
// (ActDecideMove) is for managers and admins, never on a request of one's own.
// Deciding a move request (ActDecideMove) is for the default ApprovalPolicy's approvers;
// see ApprovalPolicy.Authorize for a configured one.
func Authorize(a Actor, act Action, lead *Lead) error {
	return ApprovalPolicy{}.Authorize(a, act, lead)
}

// Authorize is Authorize under this policy: the same rules, with the policy's approvers
// and separation of duties for ActDecideMove. Requesting a move (ActRequestMove) is
// editing: a promoter requests on their own leads, a manager on any.
func (pol ApprovalPolicy) Authorize(a Actor, act Action, lead *Lead) error {
	if a.Anonymous() {
		return Errorf(EUNAUTHENTICATED, "log in to see or change leads")
	}
	rank := map[Role]int{RoleViewer: 0, RolePromoter: 1, RoleManager: 2, RoleAdmin: 3}[a.Role]
	need := 0
	switch act {
	case ActReadLeads:
		need = 0
	case ActCreateLead:
		need = 1
	case ActDecideMove:
		if !slices.Contains(pol.approvers(), a.Role) {
			return Errorf(EFORBIDDEN, "the role %s may not approve or refuse stage moves (approvers: %s)", a.Role, joinRoles(pol.approvers()))
		}
		if lead != nil && lead.Request != nil && lead.Request.By == a.Name && !pol.SelfApproval {
			return Errorf(EFORBIDDEN, "you requested this move: another approver must decide it (separation of duties)")
		}
		return nil
	case ActEditLead, ActRequestMove:
		need = 2
		if a.Role == RolePromoter && lead != nil && lead.Owner == a.Name {
			need = 1
		}
	case ActReassign, ActReadAudit, ActImport:
		need = 2
	case ActManageUser, ActReload:
		need = 3
	default:
		return Errorf(EFORBIDDEN, "unknown action %q", act)
	}
	if rank < need {
		if (act == ActEditLead || act == ActRequestMove) && a.Role == RolePromoter {
			return Errorf(EFORBIDDEN, "a promoter may edit only the leads they own")
		}
		return Errorf(EFORBIDDEN, "the role %s may not %s", a.Role, act)
	}
	return nil
}

func joinRoles(rs []Role) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return strings.Join(out, ", ")
}
