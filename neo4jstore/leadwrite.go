package neo4jstore

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/chainmap/chainmap"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// A lead is written optimistically: compare-and-set on its stored JSON.
//
// A change is computed in Go (chainmap.ApplyLeadChange, the one rule for both stores) from
// the lead's data as last seen by this process, and written by one auto-commit statement
// that takes the lead's write lock, compares the stored data with what the change was
// computed from, and only if they are equal writes the lead and its audit entry. When they
// differ (another writer, another process, a restore, a follow-up), nothing is written and
// the lead is read again and the change recomputed, or refused. Equality of the whole data
// (not of a counter) means any writer of l.data, this binary's or not, makes a stale base
// fail.
//
// The data last seen comes from a small cache of the leads this process wrote or read
// (leadCache), so that a move of a lead one has just created or opened costs one round
// trip; a cache miss costs a read more. An answer other than success computed from cached
// data (a refusal, a conflict) is never returned as it is: the lead is read from the
// database and the change computed again, so a stale cache can cost time but never change
// an answer.
//
// Before, an update was a transaction function of two statements (lock and read; write)
// and a commit, three round trips with the lead locked throughout; a refused move took
// the lock too. Under 50 writers on Neo4j the stage move's p95 was 165–473 ms.

// leadCacheEntries and leadCacheMaxData bound the cache: at most that many leads of at
// most that many bytes of JSON each (a lead with a long history is read each time).
const (
	leadCacheEntries = 4096
	leadCacheMaxData = 16 << 10
)

// optimisticAttempts is how many compare-and-set writes writeLead tries before it takes
// the lead's lock instead (writeLeadLocked): a stale cache costs one, a lead written by
// many at once more.
const optimisticAttempts = 3

// leadCache maps a lead id to its data JSON as this process last saw it committed.
type leadCache struct{ c *lru.Cache[string, string] }

func newLeadCache() leadCache {
	c, err := lru.New[string, string](leadCacheEntries)
	if err != nil { // only for a size ≤ 0
		panic(err)
	}
	return leadCache{c}
}

func (lc leadCache) get(id string) (string, bool) { return lc.c.Get(id) }

func (lc leadCache) put(id, data string) {
	if len(data) > leadCacheMaxData {
		lc.c.Remove(id)
		return
	}
	lc.c.Add(id, data)
}

func (lc leadCache) drop(id string) { lc.c.Remove(id) }

// autoCommit runs one statement as a transaction of its own in one round trip (RUN and
// PULL pipelined; the server commits before the last PULL answers), where a transaction
// function costs two (BEGIN, RUN, PULL; COMMIT). The driver does not retry it: callers
// decide what a failure means. It shares ExecuteQuery's bookmarks, so reads through
// s.read see its writes in a cluster too.
func (s *Store) autoCommit(ctx context.Context, mode neo4j.AccessMode, cypher string, params map[string]any) ([]*neo4j.Record, error) {
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.db, AccessMode: mode,
		BookmarkManager: s.driver.ExecuteQueryBookmarkManager()})
	defer sess.Close(context.Background())
	res, err := sess.Run(ctx, cypher, params)
	if err != nil {
		return nil, err
	}
	return res.Collect(ctx)
}

// retryable reports whether a failed auto-commit statement may be run again: the driver
// says the failure is transient and the caller's deadline has not passed.
func retryable(ctx context.Context, err error) bool {
	return ctx.Err() == nil && neo4j.IsRetryable(err)
}

// readLeadData reads a lead's data JSON in one round trip, retrying transient failures
// (a pooled connection the server closed, a restarting database) a few times.
func (s *Store) readLeadData(ctx context.Context, id string) (string, error) {
	var err error
	for range 3 {
		var recs []*neo4j.Record
		recs, err = s.autoCommit(ctx, neo4j.AccessModeRead, `MATCH (l:Lead {id: $id}) RETURN l.data`, map[string]any{"id": id})
		if err == nil {
			if len(recs) == 0 {
				s.leadCache.drop(id)
				return "", chainmap.Errorf(chainmap.ENOTFOUND, "no lead %q", id)
			}
			data, ok := recs[0].Values[0].(string)
			if !ok {
				return "", fmt.Errorf("neo4j: lead %s: data is %T", id, recs[0].Values[0])
			}
			s.leadCache.put(id, data)
			return data, nil
		}
		if !retryable(ctx, err) {
			break
		}
	}
	return "", fmt.Errorf("neo4j: read lead: %w", s.wrap(err))
}

// leadWrite is one optimistic write of a lead: compute returns the lead to store and its
// audit entry from the lead as found (or refuses), extra adds Cypher run after the lead's
// data compared equal (it may use $id and the lead as l), with its parameters.
type leadWrite struct {
	what    string
	compute func(cur *chainmap.Lead) (*chainmap.Lead, chainmap.AuditEntry, error)
	extra   string
	params  map[string]any
	// done, when set, is a read (with the write's parameters) returning true when this
	// write is stored, for a write that does not raise the lead's version (casWrite).
	done string
}

// casLead is the compare-and-set statement: lock the lead, compare its data with $old,
// and only then write it (setLead), the extra clause and the audit entry. It returns one
// row when it wrote, none when the data differed or the lead is gone.
func casLead(extra string) string {
	return `MATCH (l:Lead {id: $id})
SET l._lock = true REMOVE l._lock
WITH l WHERE l.data = $old
` + extra + "\n" + setLead + auditOn("l") + "\nRETURN l.version"
}

// writeLead runs w optimistically (see the top of this file) and returns the lead as
// stored.
func (s *Store) writeLead(ctx context.Context, id string, w leadWrite) (*chainmap.Lead, error) {
	ctx, cancel, err := s.startWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	old, cached := s.leadCache.get(id)
	for attempt := 1; ; attempt++ {
		if !cached {
			var err error
			if old, err = s.readLeadData(ctx, id); err != nil {
				return nil, err
			}
		}
		cur, err := decodeLead(old)
		if err != nil {
			return nil, err
		}
		next, audit, err := w.compute(cur)
		if err != nil {
			if cached { // confirm a refusal on the lead as stored
				cached = false
				continue
			}
			return nil, err
		}
		params := auditParams(leadParams(next), audit)
		maps.Copy(params, w.params)
		params["old"] = old
		data := params["data"].(string)
		wrote, err := s.casWrite(ctx, id, casLead(w.extra), params, data, w.done)
		if err != nil {
			s.leadCache.drop(id)
			return nil, fmt.Errorf("neo4j: %s: %w", w.what, err)
		}
		if wrote {
			s.leadCache.put(id, data)
			return next, nil
		}
		// The lead changed since old was read: read it again and recompute, and after
		// optimisticAttempts such losses wait for the lock instead.
		cached = false
		if attempt >= optimisticAttempts {
			return s.writeLeadLocked(ctx, id, w)
		}
	}
}

// firstRecord runs one statement in tx and returns its first record, or missing when it
// returns none: the read-under-lock of a node that must exist (a lead, a user).
func firstRecord(ctx context.Context, tx neo4j.ManagedTransaction, cypher string, params map[string]any, missing error) (*neo4j.Record, error) {
	res, err := tx.Run(ctx, cypher, params)
	if err != nil {
		return nil, err
	}
	recs, err := res.Collect(ctx)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, missing
	}
	return recs[0], nil
}

// writeLeadLocked runs w in a transaction function that first takes the lead's write lock
// and then reads it, so it cannot lose to another writer: the fallback of writeLead when
// the lead is so busy that optimistic writes keep losing (many writers of one lead, or
// follow-ups, which do not bump the version, racing updates).
func (s *Store) writeLeadLocked(ctx context.Context, id string, w leadWrite) (*chainmap.Lead, error) {
	var data string
	out, err := s.writeTx(ctx, w.what, func(ctx context.Context, tx neo4j.ManagedTransaction) (any, error) {
		rec, err := firstRecord(ctx, tx, `MATCH (l:Lead {id: $id}) SET l._lock = true REMOVE l._lock RETURN l.data`,
			map[string]any{"id": id}, chainmap.Errorf(chainmap.ENOTFOUND, "no lead %q", id))
		if err != nil {
			return nil, err
		}
		old, _ := rec.Values[0].(string)
		cur, err := decodeLead(old)
		if err != nil {
			return nil, err
		}
		next, audit, err := w.compute(cur)
		if err != nil {
			return nil, err
		}
		params := auditParams(leadParams(next), audit)
		maps.Copy(params, w.params)
		params["old"] = old
		data = params["data"].(string)
		// The lock is held, so the comparison cannot fail: no row would be a bug.
		if _, err := firstRecord(ctx, tx, casLead(w.extra), params, fmt.Errorf("lead %s changed while locked", id)); err != nil {
			return nil, err
		}
		return next, nil
	})
	if err != nil {
		s.leadCache.drop(id)
		return nil, err
	}
	s.leadCache.put(id, data)
	return out.(*chainmap.Lead), nil
}

// casWrite runs a compare-and-set statement and reports whether it wrote. A transient
// failure the server reports rolled the statement back: it is run again. When the
// connection failed instead, its outcome is unknown (the server may have committed, or
// may still be running it), and stays unknown through later runs: the lead is read, and
// if its data is the data this write stores, the write happened; if it is still the data
// the write was based on, the write is run again; if another writer changed it, the write
// happened only if done says so (a follow-up's node), or did not if the version it would
// have raised is unchanged; otherwise nobody can tell, and the caller is told so rather
// than given a guess (a recomputed write would be applied twice, or refused as a conflict
// with itself).
func (s *Store) casWrite(ctx context.Context, id, cypher string, params map[string]any, data, done string) (bool, error) {
	unsure := false
	for range 3 {
		run := func() ([]*neo4j.Record, error) { return s.autoCommit(ctx, neo4j.AccessModeWrite, cypher, params) }
		if s.casRun != nil {
			inner := run
			run = func() ([]*neo4j.Record, error) { return s.casRun(inner) }
		}
		recs, err := run()
		switch {
		case err == nil && len(recs) > 0:
			return true, nil
		case err == nil && !unsure:
			return false, nil
		case err != nil && !retryable(ctx, err):
			return false, s.wrap(err)
		case err != nil && !unsure && !answerLost(err):
			continue // the server rolled it back (or it never left): nothing was written
		}
		// This run failed transiently, or found the lead changed after an earlier run's
		// outcome was lost: did one of them write?
		unsure = true
		now, rerr := s.readLeadData(ctx, id)
		switch {
		case rerr != nil:
			return false, rerr
		case now == data:
			return true, nil
		case now == params["old"]:
			continue // no run wrote (yet): run again; a late commit makes this one find the lead changed
		}
		if done != "" {
			recs, err := s.autoCommit(ctx, neo4j.AccessModeRead, done, params)
			if err != nil {
				return false, s.wrap(err)
			}
			if len(recs) > 0 {
				if ok, _ := recs[0].Values[0].(bool); ok {
					return true, nil
				}
			}
			return false, nil
		}
		if sameVersion(now, params["old"]) {
			return false, nil // this write would have raised it
		}
		return false, chainmap.Errorf(chainmap.EUNAVAILABLE,
			"the database lost the answer to this write of lead %s and the lead has changed since: whether it was written is unknown; reload the lead", id)
	}
	return false, chainmap.Errorf(chainmap.EUNAVAILABLE, "the database keeps failing this write; try again")
}

// answerLost reports whether a failed statement's outcome is unknown: the connection
// failed, so the server may have committed it. A failure the server reports rolled the
// statement back; a connection never acquired ran nothing.
func answerLost(err error) bool {
	var ce *neo4j.ConnectivityError
	return errors.As(err, &ce)
}

// sameVersion reports whether two lead data JSONs carry the same version.
func sameVersion(a string, b any) bool {
	bs, _ := b.(string)
	la, erra := decodeLead(a)
	lb, errb := decodeLead(bs)
	return erra == nil && errb == nil && la.Version == lb.Version
}
