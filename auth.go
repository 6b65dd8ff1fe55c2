package chainmap

import "context"

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
)

// Actions lists every action, for the authorisation matrix test.
var Actions = []Action{ActReadLeads, ActCreateLead, ActEditLead, ActReassign, ActReadAudit, ActManageUser, ActReload}

// Authorize is the one place that decides who may do what. lead is the lead acted on, for
// the actions whose answer depends on its owner (a promoter edits only their own); nil
// otherwise. It returns nil, EUNAUTHENTICATED for an anonymous actor, or EFORBIDDEN.
//
//	viewer    reads leads and the pipeline
//	promoter  + creates leads and edits the leads they own
//	manager   + edits every lead, reassigns, reads the audit trail
//	admin     + manages accounts and reloads the dataset
func Authorize(a Actor, act Action, lead *Lead) error {
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
	case ActEditLead:
		need = 2
		if a.Role == RolePromoter && lead != nil && lead.Owner == a.Name {
			need = 1
		}
	case ActReassign, ActReadAudit:
		need = 2
	case ActManageUser, ActReload:
		need = 3
	default:
		return Errorf(EFORBIDDEN, "unknown action %q", act)
	}
	if rank < need {
		if act == ActEditLead && a.Role == RolePromoter {
			return Errorf(EFORBIDDEN, "a promoter may edit only the leads they own")
		}
		return Errorf(EFORBIDDEN, "the role %s may not %s", a.Role, act)
	}
	return nil
}
