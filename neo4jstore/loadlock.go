package neo4jstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/chainmap/chainmap"
)

// The load lock: one load at a time per database, whichever process runs it. Two loads
// interleaving their batches, prunes and statistics into one graph would leave it matching
// neither dataset, so BeginLoad takes a lock node, (:LoadLock {name: "load"}), in a
// transaction, and a second load is refused naming the holder and how long it has held
// the lock. The holder renews the lock's expiry while it loads; a loader that crashed
// stops renewing, and its lock is free once it expires (LoadLockTTL after the last
// renewal), or at once when the holder ran on this host and no longer runs. Times are
// the database server's (timestamp()), so loaders on machines with different clocks
// agree.

// lockName names the one load lock of a database.
const lockName = "load"

// defaultLoadLockTTL is how long a lock outlives its holder's last renewal, and
// minLoadLockTTL the shortest allowed (the holder renews every third of it).
const (
	defaultLoadLockTTL = 2 * time.Minute
	minLoadLockTTL     = 3 * time.Second
)

// loadLock is a load lock this process holds. Its methods do nothing on a nil lock (a
// dry run takes none).
type loadLock struct {
	s      *Store
	token  string
	holder string
	ttl    time.Duration

	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
	mu       sync.Mutex
	lost     error // set when a renewal found another holder
	released bool
}

// takeLoadLock takes the database's load lock for a load of dataset, or refuses with
// ECONFLICT naming the current holder and the lock's age. A lock held by a process of
// this host that no longer runs (a loader killed on this machine) is taken over at once
// instead of waiting for it to expire.
func (s *Store) takeLoadLock(ctx context.Context, dataset string) (*loadLock, error) {
	if _, err := s.write(ctx, `CREATE CONSTRAINT loadlock_name IF NOT EXISTS FOR (lk:LoadLock) REQUIRE lk.name IS UNIQUE`, nil); err != nil {
		return nil, fmt.Errorf("neo4j: create the load lock's constraint: %w", err)
	}
	var raw [16]byte
	_, _ = rand.Read(raw[:]) // never fails (crypto/rand)
	host, _ := os.Hostname()
	k := &loadLock{s: s, token: hex.EncodeToString(raw[:]), ttl: s.lockTTL,
		holder: fmt.Sprintf("%s pid %d loading %q", host, os.Getpid(), dataset)}
	params := map[string]any{"name": lockName, "token": k.token, "holder": k.holder, "host": host,
		"pid": int64(os.Getpid()), "ttl": k.ttl.Milliseconds()}
	// The first SET takes the node's write lock before its holder is read, so of two
	// loads starting at once the second reads what the first wrote.
	res, err := s.write(ctx, `MERGE (lk:LoadLock {name: $name})
SET lk.contended_at = timestamp()
WITH lk, (lk.token IS NULL OR lk.expires_at < timestamp()) AS free,
     lk.holder AS holder, timestamp() - lk.taken_at AS age, lk.token AS held, lk.host AS host, lk.pid AS pid
SET lk.token = CASE WHEN free THEN $token ELSE lk.token END,
    lk.holder = CASE WHEN free THEN $holder ELSE lk.holder END,
    lk.host = CASE WHEN free THEN $host ELSE lk.host END,
    lk.pid = CASE WHEN free THEN $pid ELSE lk.pid END,
    lk.taken_at = CASE WHEN free THEN timestamp() ELSE lk.taken_at END,
    lk.expires_at = CASE WHEN free THEN timestamp() + $ttl ELSE lk.expires_at END
RETURN free, holder, age, held, host, pid`, params)
	if err != nil {
		return nil, fmt.Errorf("neo4j: take the load lock: %w", err)
	}
	if len(res.Records) != 1 {
		return nil, fmt.Errorf("neo4j: take the load lock: %d answers", len(res.Records))
	}
	v := res.Records[0].Values
	free, _ := v[0].(bool)
	if !free {
		holder, _ := v[1].(string)
		age := time.Duration(asInt(v[2])) * time.Millisecond
		held, _ := v[3].(string)
		heldHost, _ := v[4].(string)
		if heldHost == host && host != "" && !processRuns(asInt(v[5])) {
			// Compare and set: taken over only if nobody took it meanwhile.
			params["held"] = held
			res, err := s.write(ctx, `MATCH (lk:LoadLock {name: $name}) WHERE lk.token = $held
SET lk.token = $token, lk.holder = $holder, lk.host = $host, lk.pid = $pid,
    lk.taken_at = timestamp(), lk.expires_at = timestamp() + $ttl
RETURN count(lk)`, params)
			if err != nil {
				return nil, fmt.Errorf("neo4j: take over the load lock of a stopped loader: %w", err)
			}
			free = asInt(res.Records[0].Values[0]) == 1
			if free {
				s.log.Warn("neo4j: took over the load lock of a loader that no longer runs", "holder", holder, "held_for", age.Round(time.Second))
			}
		}
		if !free {
			return nil, chainmap.Errorf(chainmap.ECONFLICT,
				"neo4j: another load is in progress: %s has held the load lock for %s; try again when it ends "+
					"(a loader that stopped without releasing the lock loses it %s after its last renewal)",
				holder, age.Round(time.Second), k.ttl)
		}
	}
	k.stop, k.done = make(chan struct{}), make(chan struct{})
	go k.renewEvery(k.ttl / 3)
	return k, nil
}

// checkNoLoad refuses with ECONFLICT, naming the holder, while a load holds the lock.
func (s *Store) checkNoLoad(ctx context.Context) error {
	res, err := s.read(ctx, `MATCH (lk:LoadLock {name: $name}) WHERE lk.expires_at >= timestamp()
RETURN lk.holder, timestamp() - lk.taken_at`, map[string]any{"name": lockName})
	if err != nil {
		return fmt.Errorf("neo4j: read the load lock: %w", err)
	}
	if len(res.Records) > 0 {
		holder, _ := res.Records[0].Values[0].(string)
		age := time.Duration(asInt(res.Records[0].Values[1])) * time.Millisecond
		return chainmap.Errorf(chainmap.ECONFLICT, "neo4j: a load is in progress: %s has held the load lock for %s",
			holder, age.Round(time.Second))
	}
	return nil
}

// processRuns reports whether a process of this host with the given pid runs (or may:
// one we may not signal runs).
func processRuns(pid int) bool {
	if pid <= 0 {
		return true // unknown: assume it runs
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// renewEvery renews the lock's expiry every period until release; a renewal that fails
// (the database briefly unreachable) is tried again at the next period.
func (k *loadLock) renewEvery(period time.Duration) {
	defer close(k.done)
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-k.stop:
			return
		case <-t.C:
			if err := k.renew(context.Background()); err != nil && k.held() != nil {
				return
			}
		}
	}
}

// renew pushes the expiry back, or records that the lock was lost (it expired and
// another load took it).
func (k *loadLock) renew(ctx context.Context) error {
	res, err := k.s.write(ctx, `MATCH (lk:LoadLock {name: $name}) WHERE lk.token = $token
SET lk.expires_at = timestamp() + $ttl RETURN count(lk)`,
		map[string]any{"name": lockName, "token": k.token, "ttl": k.ttl.Milliseconds()})
	if err != nil {
		return fmt.Errorf("neo4j: renew the load lock: %w", err)
	}
	if asInt(res.Records[0].Values[0]) == 0 {
		k.mu.Lock()
		k.lost = chainmap.Errorf(chainmap.ECONFLICT,
			"neo4j: this load lost the load lock (%s): it was not renewed for %s and another load may have taken it; load again",
			k.holder, k.ttl)
		k.mu.Unlock()
		return k.lost
	}
	return nil
}

// held returns nil while the lock is this load's, else why not.
func (k *loadLock) held() error {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.lost != nil {
		return k.lost
	}
	if k.released {
		return fmt.Errorf("neo4j: the load has ended")
	}
	return nil
}

// check renews the lock now and reports whether it is still this load's: Commit calls
// it before it marks the dataset complete.
func (k *loadLock) check(ctx context.Context) error {
	if k == nil {
		return nil
	}
	if err := k.held(); err != nil {
		return err
	}
	return k.renew(ctx)
}

// release stops the renewals and deletes the lock node if it is still this load's. A
// failure to delete it is logged: the lock then expires on its own.
func (k *loadLock) release(ctx context.Context) {
	if k == nil {
		return
	}
	k.once.Do(func() {
		close(k.stop)
		<-k.done
		k.mu.Lock()
		k.released = true
		k.mu.Unlock()
		// Released even when the load's context was cancelled: that is when it matters.
		if _, err := k.s.write(context.WithoutCancel(ctx), `MATCH (lk:LoadLock {name: $name}) WHERE lk.token = $token DELETE lk`,
			map[string]any{"name": lockName, "token": k.token}); err != nil {
			k.s.log.Warn("neo4j: could not release the load lock; it expires on its own", "holder", k.holder, "ttl", k.ttl, "err", err)
		}
	})
}
