package neo4jstore

import (
	"context"
	"encoding/json"

	"github.com/chainmap/chainmap"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

var _ chainmap.AccountStore = (*Store)(nil)

// UpdateUser implements chainmap.AccountStore: the account (locked by the SET for the
// rest of the transaction), its audit entry and the end of its sessions in one
// transaction.
func (s *Store) UpdateUser(ctx context.Context, name string, change chainmap.UserChange) (*chainmap.User, error) {
	out, err := s.writeTx(ctx, "update user", func(ctx context.Context, tx neo4j.ManagedTransaction) (any, error) {
		// Taking the write lock first (SET of a property to itself) serialises two admins
		// changing one account, so the second applies its change to the first's result.
		rec, err := firstRecord(ctx, tx, `MATCH (u:User {name: $name}) SET u.data = u.data RETURN u.data`,
			map[string]any{"name": name}, chainmap.Errorf(chainmap.ENOTFOUND, "no user %q", name))
		if err != nil {
			return nil, err
		}
		cur := new(chainmap.User)
		if err := decodeJSON(rec.Values[0], cur); err != nil {
			return nil, err
		}
		next, audit, err := chainmap.ApplyUserChange(cur, change)
		if err != nil {
			return nil, err
		}
		if change.Check != nil {
			// Every account change appends to the audit trail, whose counter this
			// transaction now locks: changes checked here run one at a time, and read
			// the accounts as the previous one left them.
			if _, err := tx.Run(ctx, `MERGE (c:AuditCounter {id: 'audit'}) SET c.n = coalesce(c.n, 0)`, nil); err != nil {
				return nil, err
			}
			res, err := tx.Run(ctx, `MATCH (u:User) WHERE u.name <> $name RETURN u.data`, map[string]any{"name": name})
			if err != nil {
				return nil, err
			}
			recs, err := res.Collect(ctx)
			if err != nil {
				return nil, err
			}
			others, err := decodeAll[chainmap.User](recs)
			if err != nil {
				return nil, err
			}
			if err := change.Check(next, others); err != nil {
				return nil, err
			}
		}
		raw, _ := json.Marshal(next)
		if _, err := tx.Run(ctx, `MATCH (u:User {name: $name}) SET u.data = $data`, map[string]any{"name": name, "data": string(raw)}); err != nil {
			return nil, err
		}
		if _, err := deleteUserSessionsTx(ctx, tx, name); err != nil {
			return nil, err
		}
		return next, appendAuditTx(ctx, tx, subjectUser, audit)
	})
	if err != nil {
		return nil, err
	}
	return out.(*chainmap.User), nil
}
