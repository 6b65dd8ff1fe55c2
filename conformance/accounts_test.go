package conformance

import (
	"strings"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
)

// TestAccountsContract: account management (the admin endpoints and the command line go
// through chainmap.Accounts) behaves alike on both stores: only admins manage, a change
// is audited without the password hash and ends the account's sessions, the last admin
// stays, and the backup holds everything.
func TestAccountsContract(t *testing.T) {
	for _, lc := range leadCases(t) {
		t.Run(lc.name, func(t *testing.T) {
			defer failOnMust(t)
			clk := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
			acc := &chainmap.Accounts{Store: lc.leads, Now: clk.Now}
			root := as("root", chainmap.RoleAdmin)
			// The first admin comes from the command line (no actor in the store yet).
			must(0, lc.leads.AddUser(root, &chainmap.User{Name: "root", Role: chainmap.RoleAdmin, PasswordHash: "h-root"},
				chainmap.AuditEntry{Actor: "cli:test", Action: chainmap.ActionUserAdd, Subject: "root"}))
			wang := must(acc.AddUser(root, "wang", chainmap.RolePromoter, "h-wang"))
			if wang.Role != chainmap.RolePromoter || !wang.CreatedAt.Equal(clk.Now()) {
				t.Errorf("added %+v", wang)
			}
			for _, c := range []struct {
				who  string
				role chainmap.Role
				want string
			}{{"li", chainmap.RoleManager, chainmap.EFORBIDDEN}, {"", "", chainmap.EUNAUTHENTICATED}} {
				ctx := as(c.who, c.role)
				if _, err := acc.AddUser(ctx, "x", chainmap.RoleViewer, "h"); code(err) != c.want {
					t.Errorf("%s adds a user: %v", c.who, err)
				}
				if _, err := acc.UpdateUser(ctx, "wang", chainmap.UserEdit{Role: ptr(chainmap.RoleAdmin)}); code(err) != c.want {
					t.Errorf("%s raises wang to admin: %v", c.who, err)
				}
				if _, err := acc.Users(ctx); code(err) != c.want {
					t.Errorf("%s lists users: %v", c.who, err)
				}
				if _, err := acc.Backup(ctx); code(err) != c.want {
					t.Errorf("%s backs up: %v", c.who, err)
				}
			}
			if _, err := acc.AddUser(root, "wang", chainmap.RoleViewer, "h"); code(err) != chainmap.ECONFLICT {
				t.Errorf("wang twice: %v", err)
			}
			if _, err := acc.AddUser(root, "a b", chainmap.RoleViewer, "h"); code(err) != chainmap.EINVALID {
				t.Errorf("a bad name: %v", err)
			}

			// A change of role ends wang's sessions, is audited, keeps the hash out.
			ss := lc.leads.(chainmap.SessionStore)
			sess := &chainmap.Session{IDHash: chainmap.SessionIDHash("wang-login"), User: "wang", Role: chainmap.RolePromoter,
				Created: clk.Now(), Expires: clk.Now().Add(time.Hour)}
			must(0, ss.CreateSession(root, sess))
			clk.add(time.Minute)
			u := must(acc.UpdateUser(root, "wang", chainmap.UserEdit{Role: ptr(chainmap.RoleManager)}))
			if u.Role != chainmap.RoleManager || u.PasswordHash != "h-wang" || u.Disabled {
				t.Errorf("after the role change %+v", u)
			}
			if _, err := ss.Session(root, sess.IDHash, clk.Now()); code(err) != chainmap.ENOTFOUND {
				t.Errorf("wang's session outlived the change of role: %v", err)
			}
			if got := must(lc.leads.User(root, "wang")); got.Role != chainmap.RoleManager {
				t.Errorf("stored %+v", got)
			}
			u = must(acc.UpdateUser(root, "wang", chainmap.UserEdit{Disabled: ptr(true), PasswordHash: ptr("h-wang-2")}))
			if !u.Disabled || u.PasswordHash != "h-wang-2" || u.Role != chainmap.RoleManager {
				t.Errorf("after disabling %+v", u)
			}
			entries := must(lc.leads.Audit(root, chainmap.AuditQuery{Subject: "wang"}))
			if len(entries) != 3 || entries[1].Action != chainmap.ActionUserUpdate || entries[1].Actor != "root" ||
				!strings.Contains(entries[1].Before, `"promoter"`) || !strings.Contains(entries[1].After, `"manager"`) ||
				!strings.Contains(entries[2].After, `"password":"changed"`) || !strings.Contains(entries[2].After, `"disabled":true`) {
				t.Errorf("audit of wang: %+v", entries)
			}
			for _, e := range entries {
				if strings.Contains(e.Before+e.After, "h-wang") {
					t.Errorf("a password hash in the audit trail: %+v", e)
				}
			}

			// Refused changes change nothing.
			for _, c := range []struct {
				name string
				edit chainmap.UserEdit
				want string
			}{
				{"ghost", chainmap.UserEdit{Disabled: ptr(true)}, chainmap.ENOTFOUND},
				{"wang", chainmap.UserEdit{Role: ptr(chainmap.Role("root"))}, chainmap.EINVALID},
				{"root", chainmap.UserEdit{Role: ptr(chainmap.RoleManager)}, chainmap.EINVALID}, // last admin
				{"root", chainmap.UserEdit{Disabled: ptr(true)}, chainmap.EINVALID},             // own account
				{"wang", chainmap.UserEdit{PasswordHash: ptr("")}, chainmap.EINVALID},
			} {
				if _, err := acc.UpdateUser(root, c.name, c.edit); code(err) != c.want {
					t.Errorf("update %s %+v: %v, want %s", c.name, c.edit, err, c.want)
				}
			}
			if n := len(must(lc.leads.Audit(root, chainmap.AuditQuery{}))); n != 4 {
				t.Errorf("%d audit entries after the refused changes, want 4", n)
			}
			// With a second admin, root may step down.
			must(acc.UpdateUser(root, "wang", chainmap.UserEdit{Role: ptr(chainmap.RoleAdmin), Disabled: ptr(false)}))
			must(acc.UpdateUser(root, "root", chainmap.UserEdit{Role: ptr(chainmap.RoleViewer)}))

			d := must(acc.Backup(as("wang", chainmap.RoleAdmin)))
			if len(d.Users) != 2 || len(d.Audit) != 6 {
				t.Errorf("backup: %d users, %d audit entries", len(d.Users), len(d.Audit))
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestTwoAdminsDemotingEachOther: the last-admin rule is checked inside the store's
// transaction, so two admins demoting each other at the same moment cannot both succeed.
func TestTwoAdminsDemotingEachOther(t *testing.T) {
	for _, lc := range leadCases(t) {
		t.Run(lc.name, func(t *testing.T) {
			defer failOnMust(t)
			acc := &chainmap.Accounts{Store: lc.leads}
			for _, n := range []string{"root", "boss"} {
				must(0, lc.leads.AddUser(ctxT(t), &chainmap.User{Name: n, Role: chainmap.RoleAdmin, PasswordHash: "h"},
					chainmap.AuditEntry{Actor: "cli:test", Action: chainmap.ActionUserAdd, Subject: n}))
			}
			for round := range 5 {
				errs := make(chan error, 2)
				for _, p := range [][2]string{{"root", "boss"}, {"boss", "root"}} {
					go func() {
						_, err := acc.UpdateUser(as(p[0], chainmap.RoleAdmin), p[1], chainmap.UserEdit{Role: ptr(chainmap.RoleViewer)})
						errs <- err
					}()
				}
				won := 0
				for range 2 {
					switch err := <-errs; code(err) {
					case "ok":
						won++
					case chainmap.EINVALID:
					default:
						t.Fatalf("round %d: %v", round, err)
					}
				}
				admins := 0
				for _, u := range must(lc.leads.Users(ctxT(t))) {
					if u.Role == chainmap.RoleAdmin && !u.Disabled {
						admins++
					}
				}
				if won != 1 || admins != 1 {
					t.Fatalf("round %d: %d demotions won, %d admins left; want 1 and 1", round, won, admins)
				}
				for _, n := range []string{"root", "boss"} { // both admins again for the next round
					must(lc.leads.(chainmap.AccountStore).UpdateUser(ctxT(t), n, chainmap.UserChange{Actor: "test",
						Apply: func(u *chainmap.User) error { u.Role = chainmap.RoleAdmin; return nil }}))
				}
			}
		})
	}
}
