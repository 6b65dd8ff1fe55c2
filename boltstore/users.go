package boltstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/chainmap/chainmap"
	bolt "go.etcd.io/bbolt"
)

var _ chainmap.AccountStore = (*Store)(nil)

// UpdateUser implements chainmap.AccountStore: the account, its audit entry and the end
// of its sessions in one transaction.
func (s *Store) UpdateUser(ctx context.Context, name string, change chainmap.UserChange) (*chainmap.User, error) {
	var out *chainmap.User
	err := s.update(ctx, "update user", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		raw := b.Get([]byte(name))
		if raw == nil {
			return chainmap.Errorf(chainmap.ENOTFOUND, "no user %q", name)
		}
		cur := new(chainmap.User)
		if err := json.Unmarshal(raw, cur); err != nil {
			return fmt.Errorf("decode user %s: %w", name, err)
		}
		next, audit, err := chainmap.ApplyUserChange(cur, change)
		if err != nil {
			return err
		}
		if change.Check != nil { // bbolt runs one write transaction at a time
			var others []*chainmap.User
			if err := b.ForEach(func(k, v []byte) error {
				if string(k) == name {
					return nil
				}
				u := new(chainmap.User)
				others = append(others, u)
				return json.Unmarshal(v, u)
			}); err != nil {
				return err
			}
			if err := change.Check(next, others); err != nil {
				return err
			}
		}
		if err := put(b, []byte(name), next); err != nil {
			return err
		}
		if _, err := deleteUserSessions(tx, name); err != nil {
			return err
		}
		out = next
		return appendAudit(tx, audit)
	})
	return out, err
}

// ErrLocked is wrapped by Open's error when another process (a running server) holds the
// state file, so commands can say what to do instead.
var ErrLocked = errors.New("the state file is locked")
