package chainmap

import "context"

// Kind names a kind of record: a table of a dataset and the domain type its rows become.
type Kind string

// The kinds of record, in the order a load writes them: every reference points at a kind
// written earlier (or at the same kind, for hierarchies).
const (
	KindSources      Kind = "sources"
	KindChains       Kind = "chains"
	KindSegments     Kind = "segments"
	KindFlows        Kind = "flows"
	KindRegions      Kind = "regions"
	KindParks        Kind = "parks"
	KindEnterprises  Kind = "enterprises"
	KindOperations   Kind = "operations"
	KindSupplyLinks  Kind = "supply_links"
	KindProjects     Kind = "projects"
	KindPolicies     Kind = "policies"
	KindGoals        Kind = "goals"
	KindIndicators   Kind = "indicators"
	KindPlatforms    Kind = "platforms"
	KindTechnologies Kind = "technologies"
)

// Kinds lists every kind in load order.
var Kinds = []Kind{KindSources, KindChains, KindSegments, KindFlows, KindRegions, KindParks,
	KindEnterprises, KindOperations, KindSupplyLinks, KindProjects, KindPolicies, KindGoals,
	KindIndicators, KindPlatforms, KindTechnologies}

// Record is the set of domain types a load writes, one per Kind.
type Record interface {
	Source | Chain | Segment | Flow | Region | Park | Enterprise | Operation | SupplyLink |
		Project | Policy | Goal | Indicator | Platform | Technology
}

// kindOf returns the kind of a record value ("" for a type that is not a Record).
func kindOf(rec any) Kind {
	switch rec.(type) {
	case Source:
		return KindSources
	case Chain:
		return KindChains
	case Segment:
		return KindSegments
	case Flow:
		return KindFlows
	case Region:
		return KindRegions
	case Park:
		return KindParks
	case Enterprise:
		return KindEnterprises
	case Operation:
		return KindOperations
	case SupplyLink:
		return KindSupplyLinks
	case Project:
		return KindProjects
	case Policy:
		return KindPolicies
	case Goal:
		return KindGoals
	case Indicator:
		return KindIndicators
	case Platform:
		return KindPlatforms
	case Technology:
		return KindTechnologies
	}
	return ""
}

// Batch is what one LoadSession.Write receives: records of one kind. The loader sends
// Rows; a session that prepares batches (BatchPreparer) receives the form it prepared.
type Batch interface {
	Kind() Kind
	Len() int
}

// Rows is a batch of domain records of one type; a store takes it apart with a type
// switch on Rows[Source], Rows[Enterprise]….
type Rows[T Record] []T

// Kind returns the kind of T.
func (r Rows[T]) Kind() Kind {
	var zero T
	return kindOf(zero)
}

// Len returns the number of records.
func (r Rows[T]) Len() int { return len(r) }

// At returns record i, for stores that encode every kind the same way (through its
// JSON form, say) rather than type by type.
func (r Rows[T]) At(i int) any { return r[i] }

// KeySet holds every id (or composite key, see Operation.Key and SupplyLink.Key) a
// dataset defines, per kind; a pruning load removes what is not in it.
type KeySet interface {
	Has(k Kind, key string) bool
}

// LoadOptions say what a load writes and how.
type LoadOptions struct {
	// Dataset describes the dataset being loaded.
	Dataset DatasetInfo
	// Keys holds every key of the dataset, known before the first batch (the loader
	// validates the whole dataset first); nil when the caller does not prune.
	Keys KeySet
	// Prune asks a store that merges a load into what it holds (Neo4j) to remove the
	// records of this dataset that Keys does not hold. A store that replaces its one
	// dataset whole (the embedded store) always ends with exactly the loaded records.
	Prune bool
	// DryRun asks the store to write nothing and only count what would change.
	DryRun bool
}

// Loader is a store a dataset can be loaded into, one load at a time.
type Loader interface {
	// BeginLoad starts a load. While a load is in progress, another BeginLoad on the same
	// store (or, for a shared database, from another process) is refused with ECONFLICT.
	BeginLoad(ctx context.Context, opts LoadOptions) (LoadSession, error)
}

// LoadSession is one load in progress: batches written in load order (Kinds), then
// Commit, or Abort when the load fails or is cancelled; every session must end in one of
// the two (loaders.Load sees to it), since it holds the store's one load slot (and, for
// Neo4j, a lock it keeps renewing). The session holds all the load's state, so a store
// handle serves reads and later loads unchanged.
type LoadSession interface {
	// Write stores one batch.
	Write(ctx context.Context, b Batch) error
	// Commit finishes the load: the store serves the new data (or, in a dry run, has
	// counted what would change) and accepts the next BeginLoad.
	Commit(ctx context.Context) error
	// Abort ends a load that will not be committed: the store drops what it can of the
	// half-built data (the embedded store drops its whole staging graph; Neo4j keeps what
	// it wrote, marked as loading, for the next load to complete), keeps serving what it
	// served before, and accepts the next BeginLoad. Abort after Commit does nothing.
	Abort(ctx context.Context)
}

// BatchPreparer is implemented by load sessions that turn a batch into a form of their
// own before writing it. The loader calls Prepare on its reading goroutine and hands the
// result to Write, so preparing the next batch overlaps with writing the previous one.
type BatchPreparer interface {
	Prepare(b Batch) (Batch, error)
}

// StagedLoader is implemented by stores whose load sessions build the new data aside and
// expose nothing of it before Commit (the embedded store builds a new graph and swaps it
// in). The loader may then validate and write in one reading of the dataset, aborting
// the session on any problem, instead of validating everything before the first write.
type StagedLoader interface {
	StagesLoads() bool
}

// Change counts what a load did (or, in a dry run, would do) to the records of one kind.
type Change struct {
	Created, Updated, Removed int
}

// ChangeCounter is implemented by load sessions that count what they change; after
// Commit, Changes returns the counts per kind.
type ChangeCounter interface {
	Changes() map[Kind]Change
}
