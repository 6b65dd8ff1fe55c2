package neo4jstore

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/loaders"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

var (
	_ loaders.Sink    = (*Store)(nil)
	_ loaders.Encoder = (*Store)(nil)
)

// Change counts what a load did (or, in a dry run, would do) to one kind.
type Change struct {
	Created, Updated, Removed int
}

// LoadSummary is what a load changed, per kind.
type LoadSummary struct {
	Dataset string
	DryRun  bool
	Changes map[loaders.Kind]*Change
}

type loadState struct {
	info    chainmap.DatasetInfo
	summary *LoadSummary
}

// SetLoadOptions chooses, before a load, whether records the dataset no longer contains
// are removed (prune) and whether to write at all (dryRun: only count what would change).
func (s *Store) SetLoadOptions(prune, dryRun bool) {
	s.prune, s.dryRun = prune, dryRun
}

// Summary returns what the last load changed.
func (s *Store) Summary() *LoadSummary {
	if s.load == nil {
		return nil
	}
	return s.load.summary
}

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

// Begin prepares a load: schema first, then the dataset marked as loading, so that an
// interrupted load is visible (status "loading") until a later load completes it.
func (s *Store) Begin(ctx context.Context, info chainmap.DatasetInfo) error {
	s.load = &loadState{info: info, summary: &LoadSummary{Dataset: info.ID, DryRun: s.dryRun, Changes: map[loaders.Kind]*Change{}}}
	if s.dryRun {
		return nil
	}
	if err := s.EnsureSchema(ctx); err != nil {
		return err
	}
	p, err := props(info)
	if err != nil {
		return err
	}
	_, err = s.write(ctx, `MERGE (d:Dataset {id: $id})
SET d.status = 'loading', d.started_at = $now, d.info = $info`,
		map[string]any{"id": info.ID, "now": time.Now().UTC().Format(time.RFC3339Nano), "info": mustJSON(p)})
	s.forgetReferences()
	return err
}

// Write stores one batch: nodes merged on their unique id, relationships brought in
// line with the row, all in one parameterised query per batch.
func (s *Store) Write(ctx context.Context, b loaders.Batch) error {
	if s.load == nil {
		return fmt.Errorf("neo4j: Write before Begin")
	}
	rows, ok := b.Rows.([]map[string]any)
	var err error
	if !ok {
		if rows, err = s.rowsOf(b); err != nil {
			return err
		}
	}
	var cypher string
	if n, ok := nodeKindOf(b.Kind); ok {
		cypher = nodeWriteCypher(n)
		if s.dryRun {
			cypher = nodeDiffCypher(n)
		} else if fresh, err := s.freshNodes(ctx, n, rows); err != nil {
			return err
		} else if fresh {
			cypher = nodeCreateCypher(n)
		}
	} else if e, ok := edgeKindOf(b.Kind); ok {
		cypher = edgeWriteCypher(e)
		if s.dryRun {
			cypher = edgeDiffCypher(e)
		} else if fresh, err := s.freshEdges(ctx, e, rows); err != nil {
			return err
		} else if fresh {
			cypher = edgeCreateCypher(e)
		}
	} else {
		return fmt.Errorf("neo4j: no model for %s", b.Kind)
	}
	var res *neo4j.EagerResult
	if s.dryRun {
		res, err = s.read(ctx, cypher, map[string]any{"rows": rows})
	} else {
		res, err = s.write(ctx, cypher, map[string]any{"rows": rows})
	}
	if err != nil {
		return fmt.Errorf("neo4j: write %s: %w", b.Kind, err)
	}
	c := s.change(b.Kind)
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

func (s *Store) change(k loaders.Kind) *Change {
	c := s.load.summary.Changes[k]
	if c == nil {
		c = &Change{}
		s.load.summary.Changes[k] = c
	}
	return c
}

// Encode turns a batch of domain records into the property maps Write sends, so that
// loaders.Load can encode the next batch while the previous one is being written.
func (s *Store) Encode(b loaders.Batch) (loaders.Batch, error) {
	if s.load == nil {
		return b, fmt.Errorf("neo4j: Encode before Begin")
	}
	rows, err := s.rowsOf(b)
	if err != nil {
		return b, err
	}
	return loaders.Batch{Kind: b.Kind, Rows: rows}, nil
}

// rowsOf converts a batch into parameter maps, tagging each with the dataset and, for
// relationship kinds, with its key.
func (s *Store) rowsOf(b loaders.Batch) ([]map[string]any, error) {
	v := reflect.ValueOf(b.Rows)
	rows := make([]map[string]any, v.Len())
	for i := range rows {
		rec := v.Index(i).Interface()
		p, err := props(rec)
		if err != nil {
			return nil, fmt.Errorf("neo4j: encode %s: %w", b.Kind, err)
		}
		p["dataset"] = s.load.info.ID
		if k, ok := rec.(interface{ Key() string }); ok {
			p["key"] = k.Key()
		}
		rows[i] = p
	}
	return rows, nil
}

// End prunes what the dataset no longer contains (when asked) and marks the load complete.
func (s *Store) End(ctx context.Context, keys loaders.Keys) error {
	if s.load == nil {
		return fmt.Errorf("neo4j: End before Begin")
	}
	if s.prune {
		if err := s.pruneAll(ctx, keys); err != nil {
			return err
		}
	}
	if s.dryRun {
		return nil
	}
	_, err := s.write(ctx, `MATCH (d:Dataset {id: $id}) SET d.status = 'complete', d.finished_at = $now`,
		map[string]any{"id": s.load.info.ID, "now": time.Now().UTC().Format(time.RFC3339Nano)})
	s.forgetReferences()
	if err != nil {
		return err
	}
	if err := s.BuildStats(ctx); err != nil {
		return fmt.Errorf("the dataset is loaded and complete, but its statistics are not (analyses aggregate live until the next load): %w", err)
	}
	return nil
}

// pruneAll removes nodes and relationships of this dataset whose ids or keys are not in
// the dataset any more. Ids are compared in pages, so memory stays bounded by the page
// size plus the dataset's key sets that validation already holds.
func (s *Store) pruneAll(ctx context.Context, keys loaders.Keys) error {
	const page = 10000
	for _, n := range nodeKinds {
		var gone []string
		after := ""
		for {
			res, err := s.read(ctx, fmt.Sprintf(`MATCH (n:%s) WHERE n.dataset = $ds AND n.id > $after
RETURN n.id ORDER BY n.id LIMIT $limit`, n.label), map[string]any{"ds": s.load.info.ID, "after": after, "limit": page})
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
		s.change(n.kind).Removed += len(gone)
		if s.dryRun || len(gone) == 0 {
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
			map[string]any{"ds": s.load.info.ID})
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
		s.change(e.kind).Removed += len(gone)
		if s.dryRun || len(gone) == 0 {
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
// detached in one transaction.
func (s *Store) Reset(ctx context.Context) error {
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
