package neo4jstore

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

var _ chainmap.Loader = (*Store)(nil)

// loadSession is one load into Neo4j: what it loads, how, what it changed so far, and
// the load lock it holds (none in a dry run, which writes nothing).
type loadSession struct {
	s       *Store
	info    chainmap.DatasetInfo
	keys    chainmap.KeySet
	prune   bool
	dryRun  bool
	changes map[chainmap.Kind]*chainmap.Change
	lock    *loadLock
}

var (
	_ chainmap.LoadSession   = (*loadSession)(nil)
	_ chainmap.BatchPreparer = (*loadSession)(nil)
	_ chainmap.ChangeCounter = (*loadSession)(nil)
)

// EnsureSchema creates the constraints and indexes, idempotently. It runs before any write.
func (s *Store) EnsureSchema(ctx context.Context) error {
	for _, stmt := range schemaStatements() {
		if _, err := s.write(ctx, stmt, nil); err != nil {
			return fmt.Errorf("neo4j: create schema (%s): %w", stmt, err)
		}
	}
	ctx, cancel := s.deadline(ctx)
	defer cancel()
	if _, err := neo4j.ExecuteQuery(ctx, s.driver, "CALL db.awaitIndexes(60)", nil, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(s.db)); err != nil {
		return fmt.Errorf("neo4j: await indexes: %w", s.wrap(err))
	}
	return nil
}

// BeginLoad prepares a load: schema first, then the load lock (one load at a time per
// database, see loadLock), then the dataset marked as loading, so that an interrupted
// load is visible (status "loading") until a later load completes it. A dry run takes no
// lock and writes nothing.
func (s *Store) BeginLoad(ctx context.Context, opts chainmap.LoadOptions) (chainmap.LoadSession, error) {
	if opts.Prune && opts.Keys == nil {
		return nil, fmt.Errorf("neo4j: a pruning load needs the dataset's keys")
	}
	l := &loadSession{s: s, info: opts.Dataset, keys: opts.Keys, prune: opts.Prune, dryRun: opts.DryRun,
		changes: map[chainmap.Kind]*chainmap.Change{}}
	if l.dryRun {
		return l, nil
	}
	if err := s.EnsureSchema(ctx); err != nil {
		return nil, err
	}
	lock, err := s.takeLoadLock(ctx, opts.Dataset.ID)
	if err != nil {
		return nil, err
	}
	l.lock = lock
	p, err := props(l.info)
	if err == nil {
		_, err = s.write(ctx, `MERGE (d:Dataset {id: $id})
SET d.status = 'loading', d.started_at = $now, d.info = $info`,
			map[string]any{"id": l.info.ID, "now": time.Now().UTC().Format(time.RFC3339Nano), "info": mustJSON(p)})
	}
	s.forgetReferences()
	if err != nil {
		l.Abort(context.WithoutCancel(ctx))
		return nil, err
	}
	return l, nil
}

// Changes returns what the load created, updated and removed (or, in a dry run, would).
func (l *loadSession) Changes() map[chainmap.Kind]chainmap.Change {
	out := make(map[chainmap.Kind]chainmap.Change, len(l.changes))
	for k, c := range l.changes {
		out[k] = *c
	}
	return out
}

// Abort releases the load lock. What the load wrote stays, with the dataset marked as
// loading: the next load of the dataset completes it.
func (l *loadSession) Abort(ctx context.Context) {
	if l.lock != nil {
		l.lock.release(ctx)
	}
}

// prepared is a batch encoded as the parameter maps Write sends.
type prepared struct {
	kind chainmap.Kind
	rows []map[string]any
}

func (p prepared) Kind() chainmap.Kind { return p.kind }
func (p prepared) Len() int            { return len(p.rows) }

// Write stores one batch: nodes merged on their unique id, relationships brought in
// line with the row, all in one parameterised query per batch.
func (l *loadSession) Write(ctx context.Context, b chainmap.Batch) error {
	if err := l.lock.held(); err != nil {
		return err
	}
	p, ok := b.(prepared)
	if !ok {
		var err error
		if p, err = l.prepare(b); err != nil {
			return err
		}
	}
	s, rows := l.s, p.rows
	var err error
	var cypher string
	if n, ok := nodeKindOf(b.Kind()); ok {
		cypher = nodeWriteCypher(n)
		if l.dryRun {
			cypher = nodeDiffCypher(n)
		} else if fresh, err := s.freshNodes(ctx, n, rows); err != nil {
			return err
		} else if fresh {
			cypher = nodeCreateCypher(n)
		}
	} else if e, ok := edgeKindOf(b.Kind()); ok {
		cypher = edgeWriteCypher(e)
		if l.dryRun {
			cypher = edgeDiffCypher(e)
		} else if fresh, err := s.freshEdges(ctx, e, rows); err != nil {
			return err
		} else if fresh {
			cypher = edgeCreateCypher(e)
		}
	} else {
		return fmt.Errorf("neo4j: no model for %s", b.Kind())
	}
	var res *neo4j.EagerResult
	if l.dryRun {
		res, err = s.read(ctx, cypher, map[string]any{"rows": rows})
	} else {
		res, err = s.write(ctx, cypher, map[string]any{"rows": rows})
	}
	if err != nil {
		return fmt.Errorf("neo4j: write %s: %w", b.Kind(), err)
	}
	c := l.change(b.Kind())
	if len(res.Records) == 1 {
		c.Created += asInt(res.Records[0].Values[0])
		c.Updated += asInt(res.Records[0].Values[1])
	}
	return nil
}

// freshNodes reports whether a batch can take the CREATE fast path: none of its ids
// exists yet (not even as a stub) and no row names a parent of its own kind. One indexed
// lookup per batch; a batch that fails the check takes the MERGE path, so a re-load or a
// resumed load stays exact.
func (s *Store) freshNodes(ctx context.Context, n nodeKind, rows []map[string]any) (bool, error) {
	for _, f := range n.stubFields() {
		for _, r := range rows {
			if r[f] != nil {
				return false, nil
			}
		}
	}
	ids := make([]any, len(rows))
	for i, r := range rows {
		ids[i] = r["id"]
	}
	res, err := s.read(ctx, fmt.Sprintf("UNWIND $ids AS id MATCH (n:%s {id: id}) RETURN count(n)", n.label), map[string]any{"ids": ids})
	if err != nil {
		return false, fmt.Errorf("neo4j: write %s: %w", n.kind, err)
	}
	return asInt(res.Records[0].Values[0]) == 0, nil
}

// freshEdges reports whether none of a relationship batch's keys exists yet.
func (s *Store) freshEdges(ctx context.Context, e edgeKind, rows []map[string]any) (bool, error) {
	keys := make([]any, len(rows))
	for i, r := range rows {
		keys[i] = r["key"]
	}
	res, err := s.read(ctx, fmt.Sprintf("UNWIND $keys AS k MATCH ()-[r:%s {key: k}]->() RETURN count(r)", e.rel), map[string]any{"keys": keys})
	if err != nil {
		return false, fmt.Errorf("neo4j: write %s: %w", e.kind, err)
	}
	return asInt(res.Records[0].Values[0]) == 0, nil
}

func (l *loadSession) change(k chainmap.Kind) *chainmap.Change {
	c := l.changes[k]
	if c == nil {
		c = &chainmap.Change{}
		l.changes[k] = c
	}
	return c
}

// records is a batch of domain records (chainmap.Rows) read one at a time.
type records interface {
	chainmap.Batch
	At(i int) any
}

// Prepare turns a batch of domain records into the property maps Write sends, so that
// the loader can encode the next batch while the previous one is being written.
func (l *loadSession) Prepare(b chainmap.Batch) (chainmap.Batch, error) {
	return l.prepare(b)
}

// prepare converts a batch into parameter maps, tagging each with the dataset and, for
// relationship kinds, with its key.
func (l *loadSession) prepare(b chainmap.Batch) (prepared, error) {
	recs, ok := b.(records)
	if !ok {
		return prepared{}, fmt.Errorf("neo4j: unexpected batch of %T", b)
	}
	rows := make([]map[string]any, recs.Len())
	for i := range rows {
		rec := recs.At(i)
		p, err := props(rec)
		if err != nil {
			return prepared{}, fmt.Errorf("neo4j: encode %s: %w", b.Kind(), err)
		}
		p["dataset"] = l.info.ID
		if k, ok := rec.(interface{ Key() string }); ok {
			p["key"] = k.Key()
		}
		rows[i] = p
	}
	return prepared{kind: b.Kind(), rows: rows}, nil
}

// Commit prunes what the dataset no longer contains (when asked), marks the load
// complete, builds the statistics cells and releases the load lock.
func (l *loadSession) Commit(ctx context.Context) error {
	if err := l.lock.check(ctx); err != nil {
		return err
	}
	if l.prune {
		if err := l.pruneAll(ctx); err != nil {
			return err
		}
	}
	if l.dryRun {
		return nil
	}
	s := l.s
	_, err := s.write(ctx, `MATCH (d:Dataset {id: $id}) SET d.status = 'complete', d.finished_at = $now`,
		map[string]any{"id": l.info.ID, "now": time.Now().UTC().Format(time.RFC3339Nano)})
	s.forgetReferences()
	if err != nil {
		return err
	}
	if err := s.BuildStats(ctx); err != nil {
		return fmt.Errorf("the dataset is loaded and complete, but its statistics are not (analyses aggregate live until the next load): %w", err)
	}
	l.lock.release(ctx)
	return nil
}

// pruneAll removes nodes and relationships of this dataset whose ids or keys are not in
// the dataset any more. Ids are compared in pages, so memory stays bounded by the page
// size plus the dataset's key sets that validation already holds.
func (l *loadSession) pruneAll(ctx context.Context) error {
	s, keys := l.s, l.keys
	const page = 10000
	for _, n := range nodeKinds {
		var gone []string
		after := ""
		for {
			res, err := s.read(ctx, fmt.Sprintf(`MATCH (n:%s) WHERE n.dataset = $ds AND n.id > $after
RETURN n.id ORDER BY n.id LIMIT $limit`, n.label), map[string]any{"ds": l.info.ID, "after": after, "limit": page})
			if err != nil {
				return fmt.Errorf("neo4j: prune %s: %w", n.kind, err)
			}
			for _, r := range res.Records {
				id, _ := r.Values[0].(string)
				if !keys.Has(n.kind, id) {
					gone = append(gone, id)
				}
				after = id
			}
			if len(res.Records) < page {
				break
			}
		}
		l.change(n.kind).Removed += len(gone)
		if l.dryRun || len(gone) == 0 {
			continue
		}
		for i := 0; i < len(gone); i += page {
			j := min(i+page, len(gone))
			if _, err := s.write(ctx, fmt.Sprintf(`UNWIND $ids AS id MATCH (n:%s {id: id}) DETACH DELETE n`, n.label),
				map[string]any{"ids": gone[i:j]}); err != nil {
				return fmt.Errorf("neo4j: prune %s: %w", n.kind, err)
			}
		}
	}
	for _, e := range edgeKinds {
		res, err := s.read(ctx, fmt.Sprintf(`MATCH ()-[r:%s]->() WHERE r.dataset = $ds RETURN r.key`, e.rel),
			map[string]any{"ds": l.info.ID})
		if err != nil {
			return fmt.Errorf("neo4j: prune %s: %w", e.kind, err)
		}
		var gone []string
		for _, r := range res.Records {
			k, _ := r.Values[0].(string)
			if !keys.Has(e.kind, k) {
				gone = append(gone, k)
			}
		}
		sort.Strings(gone)
		l.change(e.kind).Removed += len(gone)
		if l.dryRun || len(gone) == 0 {
			continue
		}
		for i := 0; i < len(gone); i += page {
			j := min(i+page, len(gone))
			if _, err := s.write(ctx, fmt.Sprintf(`UNWIND $keys AS k MATCH ()-[r:%s {key: k}]->() DELETE r`, e.rel),
				map[string]any{"keys": gone[i:j]}); err != nil {
				return fmt.Errorf("neo4j: prune %s: %w", e.kind, err)
			}
		}
	}
	return nil
}

func asInt(v any) int {
	switch x := v.(type) {
	case int64:
		return int(x)
	case float64:
		return int(x)
	}
	return 0
}

// Reset deletes every node chainmap manages (all datasets) in batches, keeping the
// schema. It is destructive: `chainmap load --replace` and the tests use it. Relationships
// go first, in batches, so that a segment with a million operations never has to be
// detached in one transaction. It refuses while a load holds the load lock: wiping the
// graph under a running load would leave it half written.
func (s *Store) Reset(ctx context.Context) error {
	if err := s.checkNoLoad(ctx); err != nil {
		return err
	}
	defer s.forgetReferences()
	labels := []string{"Dataset", "StatsMeta", "SegmentStats"}
	for _, n := range nodeKinds {
		labels = append(labels, n.label)
	}
	batch := func(cypher, what string) error {
		for {
			res, err := s.write(ctx, cypher, map[string]any{"limit": 20000})
			if err != nil {
				return fmt.Errorf("neo4j: reset %s: %w", what, err)
			}
			if asInt(res.Records[0].Values[0]) == 0 {
				return nil
			}
		}
	}
	for _, l := range labels {
		if err := batch(fmt.Sprintf(`MATCH (:%s)-[r]-() WITH DISTINCT r LIMIT $limit DELETE r RETURN count(*)`, l), l+" relationships"); err != nil {
			return err
		}
	}
	for _, l := range labels {
		if err := batch(fmt.Sprintf(`MATCH (n:%s) WITH n LIMIT $limit DETACH DELETE n RETURN count(*)`, l), l); err != nil {
			return err
		}
	}
	return nil
}
