package conformance

import (
	"fmt"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
)

// TestSessionsContract holds both lead stores to the same keeping of logins: a session is
// found by the hash of its id until it expires, never by anything else; logout, a change of
// account and the purge delete; one account keeps at most MaxSessionsPerUser; a state
// backup carries none.
func TestSessionsContract(t *testing.T) {
	for _, lc := range leadCases(t) {
		t.Run(lc.name, func(t *testing.T) {
			defer failOnMust(t)
			ss, ok := lc.leads.(chainmap.SessionStore)
			if !ok {
				t.Fatalf("%T keeps no sessions", lc.leads)
			}
			ctx := ctxT(t)
			t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			mk := func(id, user string, created time.Time, ttl time.Duration) *chainmap.Session {
				return &chainmap.Session{IDHash: chainmap.SessionIDHash(id), User: user, Role: chainmap.RolePromoter,
					Created: created, Expires: created.Add(ttl)}
			}
			a := mk("id-a", "wang", t0, time.Hour)
			if err := ss.CreateSession(ctx, a); err != nil {
				t.Fatal(err)
			}
			if err := ss.CreateSession(ctx, a); code(err) != chainmap.ECONFLICT {
				t.Errorf("the same session twice: %v", err)
			}
			got := must(ss.Session(ctx, a.IDHash, t0.Add(time.Minute)))
			if got.User != "wang" || got.Role != chainmap.RolePromoter || !got.Expires.Equal(a.Expires) || !got.Created.Equal(t0) {
				t.Errorf("session read back: %+v, want %+v", got, a)
			}
			// Only the hash finds it: the id itself (what a cookie holds) or the CSRF token
			// are not keys.
			for _, k := range []string{"id-a", chainmap.SessionCSRF("id-a"), chainmap.SessionIDHash(a.IDHash)} {
				if _, err := ss.Session(ctx, k, t0); code(err) != chainmap.ENOTFOUND {
					t.Errorf("found by %q: %v", k, err)
				}
			}
			if _, err := ss.Session(ctx, a.IDHash, a.Expires); code(err) != chainmap.ENOTFOUND {
				t.Errorf("read at its expiry: %v", err)
			}
			for _, bad := range []*chainmap.Session{
				{IDHash: "id-b", User: "wang", Role: chainmap.RoleViewer, Created: t0, Expires: t0.Add(time.Hour)},
				{IDHash: chainmap.SessionIDHash("b"), User: "wang", Role: "root", Created: t0, Expires: t0.Add(time.Hour)},
				{IDHash: chainmap.SessionIDHash("b"), User: "a b", Role: chainmap.RoleViewer, Created: t0, Expires: t0.Add(time.Hour)},
				{IDHash: chainmap.SessionIDHash("b"), User: "wang", Role: chainmap.RoleViewer, Created: t0, Expires: t0},
			} {
				if err := ss.CreateSession(ctx, bad); code(err) != chainmap.EINVALID {
					t.Errorf("invalid session %+v: %v", bad, err)
				}
			}

			// Logout deletes; deleting again is no error.
			must(0, ss.DeleteSession(ctx, a.IDHash))
			if _, err := ss.Session(ctx, a.IDHash, t0); code(err) != chainmap.ENOTFOUND {
				t.Errorf("after logout: %v", err)
			}
			must(0, ss.DeleteSession(ctx, a.IDHash))

			// A login purges the expired sessions of everyone.
			old := mk("id-old", "zhou", t0, time.Hour)
			must(0, ss.CreateSession(ctx, old))
			live := mk("id-live", "zhou", t0, 10*time.Hour)
			must(0, ss.CreateSession(ctx, live))
			must(0, ss.CreateSession(ctx, mk("id-later", "li", t0.Add(2*time.Hour), time.Hour)))
			if _, err := ss.Session(ctx, old.IDHash, t0); code(err) != chainmap.ENOTFOUND {
				t.Errorf("an expired session survived a later login: %v", err)
			}
			must(ss.Session(ctx, live.IDHash, t0.Add(2*time.Hour)))
			if n := must(ss.PurgeSessions(ctx, t0.Add(11*time.Hour))); n != 2 {
				t.Errorf("purge at +11h deleted %d, want 2 (zhou's live one and li's)", n)
			}
			if n := must(ss.PurgeSessions(ctx, t0.Add(11*time.Hour))); n != 0 {
				t.Errorf("second purge deleted %d", n)
			}

			// One account keeps at most MaxSessionsPerUser: the oldest go.
			t1 := t0.Add(24 * time.Hour)
			for i := range chainmap.MaxSessionsPerUser + 3 {
				must(0, ss.CreateSession(ctx, mk(fmt.Sprint("cap-", i), "zhao", t1.Add(time.Duration(i)*time.Second), time.Hour)))
			}
			other := mk("other-user", "li", t1, time.Hour)
			must(0, ss.CreateSession(ctx, other))
			kept := 0
			for i := range chainmap.MaxSessionsPerUser + 3 {
				_, err := ss.Session(ctx, chainmap.SessionIDHash(fmt.Sprint("cap-", i)), t1.Add(time.Minute))
				if err == nil {
					kept++
					if i < 3 {
						t.Errorf("session %d of zhao is one of the oldest and was kept", i)
					}
				}
			}
			if kept != chainmap.MaxSessionsPerUser {
				t.Errorf("zhao keeps %d sessions, want %d", kept, chainmap.MaxSessionsPerUser)
			}
			// A change of account ends all of that account's sessions, no one else's.
			if n := must(ss.DeleteUserSessions(ctx, "zhao")); n != chainmap.MaxSessionsPerUser {
				t.Errorf("deleted %d of zhao's sessions", n)
			}
			must(ss.Session(ctx, other.IDHash, t1.Add(time.Minute)))

			// Sessions are not user data: a backup has none, and a restore needs no empty
			// session table.
			d := must(lc.leads.ExportState(ctx))
			if n := len(d.Leads) + len(d.FollowUps) + len(d.Audit) + len(d.Users); n != 0 {
				t.Errorf("a store holding only sessions exported %d records", n)
			}
			must(0, lc.leads.ImportState(ctx, d))
		})
	}
}
