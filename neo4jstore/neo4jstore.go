// Package neo4jstore keeps the chainmap knowledge graph in Neo4j. It implements
// chainmap.Store for reads and chainmap.Loader for loads, with parameterised Cypher only,
// a deadline on every call, reads routed to readers and an explicit database, so the
// same code runs against a single server (bolt://) and a cluster or Aura (neo4j://,
// neo4j+s://).
package neo4jstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"
	"golang.org/x/sync/singleflight"
)

// Config says how to reach Neo4j.
type Config struct {
	URI      string
	Username string
	Password string
	// Database is the database name; empty means "neo4j".
	Database string
	// QueryTimeout bounds every call that has no earlier deadline (default 30 s).
	QueryTimeout time.Duration
	// RetryTime bounds the driver's retries of a failed transaction (default 5 s): long
	// enough for a cluster to elect a leader, short enough to fail fast when the database
	// is gone.
	RetryTime time.Duration
	// LoadLockTTL is how long a load's lock on the database outlives the loader's last
	// renewal (default 2 min, at least 3 s): a crashed loader blocks other loads for at
	// most that long.
	LoadLockTTL time.Duration
	Logger      *slog.Logger
}

// Store is a chainmap.Store backed by Neo4j.
type Store struct {
	driver  neo4j.DriverWithContext
	db      string
	timeout time.Duration
	log     *slog.Logger

	// down holds when the database was last found unreachable (unix ns; 0: healthy).
	// While set, calls first check connectivity for at most a second instead of retrying
	// for RetryTime, so that requests fail fast until the database is back.
	down atomic.Int64
	// statsCache holds, by dataset version (see preflight), whole-dataset aggregates and
	// each chain's segment list.
	statsCache sync.Map
	// refs holds the reference tables of the last settled dataset version (References);
	// refsMu lets one caller fill it while the others wait.
	refs   atomic.Pointer[chainmap.ReferenceTables]
	refsMu sync.Mutex
	// versions lets concurrent callers share one dataset-version query (sharedVersion).
	versions singleflight.Group

	// retryTime bounds the retries of a read that failed transiently (Config.RetryTime).
	retryTime time.Duration
	// lockTTL is how long the load lock outlives its holder's last renewal.
	lockTTL time.Duration

	// leadSchemaDone is set once the pipeline's constraints exist (ensureLeadSchema).
	leadSchemaMu   sync.Mutex
	leadSchemaDone bool
	// leadCache holds the leads' data as this process last saw it committed, the base of
	// its optimistic writes (leadwrite.go).
	leadCache leadCache
	// casRun, set by tests only, wraps each run of a compare-and-set lead write (casWrite)
	// to inject what a network can do to it: a commit whose answer is lost.
	casRun func(run func() ([]*neo4j.Record, error)) ([]*neo4j.Record, error)
	// fillRead, set by tests only, runs in fillFirmKeys between reading a batch of leads
	// and writing their keys, where another process's write may land.
	fillRead func()
}

var _ chainmap.Store = (*Store)(nil)

// Open connects to Neo4j and verifies connectivity.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.URI == "" {
		return nil, errors.New("neo4j: no URI given (set NEO4J_URI)")
	}
	auth := neo4j.NoAuth()
	if cfg.Username != "" || cfg.Password != "" {
		user := cfg.Username
		if user == "" {
			user = "neo4j"
		}
		auth = neo4j.BasicAuth(user, cfg.Password, "")
	}
	if cfg.RetryTime <= 0 {
		cfg.RetryTime = 5 * time.Second
	}
	driver, err := neo4j.NewDriverWithContext(cfg.URI, auth, func(c *config.Config) {
		c.SocketConnectTimeout = 5 * time.Second
		c.ConnectionAcquisitionTimeout = 10 * time.Second
		c.MaxTransactionRetryTime = cfg.RetryTime
	})
	if err != nil {
		return nil, fmt.Errorf("neo4j: %w", err)
	}
	s := &Store{driver: driver, db: cfg.Database, timeout: cfg.QueryTimeout, log: cfg.Logger, leadCache: newLeadCache(),
		retryTime: cfg.RetryTime}
	if s.db == "" {
		s.db = "neo4j"
	}
	if s.timeout <= 0 {
		s.timeout = 30 * time.Second
	}
	if s.lockTTL = cfg.LoadLockTTL; s.lockTTL <= 0 {
		s.lockTTL = defaultLoadLockTTL
	}
	s.lockTTL = max(s.lockTTL, minLoadLockTTL)
	if s.log == nil {
		s.log = slog.Default()
	}
	vctx, cancel := s.deadline(ctx)
	defer cancel()
	if err := driver.VerifyConnectivity(vctx); err != nil {
		driver.Close(context.Background())
		return nil, fmt.Errorf("neo4j: cannot reach %s: %w", cfg.URI, err)
	}
	return s, nil
}

// Close releases the driver's connections.
func (s *Store) Close(ctx context.Context) error { return s.driver.Close(ctx) }

// deadline bounds ctx by the store's query timeout, keeping an earlier deadline.
func (s *Store) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok && time.Until(d) < s.timeout {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.timeout)
}

// failFast returns SERVICE_UNAVAILABLE at once while the database is known to be down
// and still does not answer a connectivity check; it clears the state once it answers.
func (s *Store) failFast(ctx context.Context) error {
	if s.down.Load() == 0 {
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := s.driver.VerifyConnectivity(cctx); err != nil {
		return &chainmap.Error{Code: chainmap.EUNAVAILABLE, Message: "the database is unavailable", Err: err}
	}
	s.down.Store(0)
	return nil
}

// ruleParams are the domain's rules as values every read query may use, so that the
// Cypher text names them ($active, $rnd, $producer, $coveringKinds, $suggested) instead of copying
// the literals: chainmap.StatusActive, the roles, chainmap.ParkKindsCoveringRegions,
// chainmap.VerificationSuggested.
var ruleParams = map[string]any{
	"active": chainmap.StatusActive, "producer": chainmap.RoleProducer, "rnd": chainmap.RoleRnD,
	"coveringKinds": chainmap.ParkKindsCoveringRegions(), "suggested": chainmap.VerificationSuggested,
}

// withRules returns params with ruleParams added (the caller's map is not changed).
func withRules(params map[string]any) map[string]any {
	out := make(map[string]any, len(params)+len(ruleParams))
	maps.Copy(out, ruleParams)
	maps.Copy(out, params)
	return out
}

// read runs a parameterised read query routed to readers.
func (s *Store) read(ctx context.Context, cypher string, params map[string]any) (*neo4j.EagerResult, error) {
	if err := s.failFast(ctx); err != nil {
		return nil, err
	}
	params = withRules(params)
	ctx, cancel := s.deadline(ctx)
	defer cancel()
	// One auto-commit statement (leadwrite.go): one round trip where ExecuteQuery's
	// transaction function costs two; transient failures are retried here as the driver
	// would retry them, for at most the store's RetryTime.
	start := time.Now()
	for wait := 50 * time.Millisecond; ; wait *= 2 {
		recs, err := s.autoCommit(ctx, neo4j.AccessModeRead, cypher, params)
		if err == nil {
			return &neo4j.EagerResult{Records: recs}, nil
		}
		if !retryable(ctx, err) || time.Since(start)+wait > s.retryTime {
			return nil, s.wrap(err)
		}
		select {
		case <-ctx.Done():
			return nil, s.wrap(err)
		case <-time.After(wait):
		}
	}
}

// write runs a parameterised write query routed to the leader.
func (s *Store) write(ctx context.Context, cypher string, params map[string]any) (*neo4j.EagerResult, error) {
	if err := s.failFast(ctx); err != nil {
		return nil, err
	}
	ctx, cancel := s.deadline(ctx)
	defer cancel()
	res, err := neo4j.ExecuteQuery(ctx, s.driver, cypher, params, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(s.db), neo4j.ExecuteQueryWithWritersRouting())
	if err != nil {
		return nil, s.wrap(err)
	}
	return res, nil
}

// wrap turns driver errors into domain errors: connectivity problems become
// SERVICE_UNAVAILABLE, deadlines keep their context error, the rest is internal (the
// Cypher text never reaches users).
func (s *Store) wrap(err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &chainmap.Error{Code: chainmap.EUNAVAILABLE, Message: "the database did not answer in time", Err: err}
	}
	var cerr *neo4j.ConnectivityError
	// A transaction function whose retries ran out ends in TransactionExecutionLimit, which
	// does not unwrap to its causes; the driver retries only what it deems transient (a
	// lost connection, a database restarting), so it means the database is unavailable.
	var limit *neo4j.TransactionExecutionLimit
	if errors.As(err, &cerr) || errors.As(err, &limit) || neo4j.IsRetryable(err) || strings.Contains(err.Error(), "connection refused") {
		s.down.Store(time.Now().UnixNano())
		return &chainmap.Error{Code: chainmap.EUNAVAILABLE, Message: "the database is unavailable", Err: err}
	}
	return &chainmap.Error{Code: chainmap.EINTERNAL, Message: "database error", Err: err}
}

// Ping checks that Neo4j answers a trivial query on the configured database.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.read(ctx, "RETURN 1 AS ok", nil)
	return err
}

// props converts a domain record into Neo4j properties through its JSON form, so
// the property names are the dataset's column names. Nested values are never produced:
// domain records hold scalars and lists of scalars only.
func props(v any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	for k, x := range m {
		m[k] = normalise(x)
	}
	return m, nil
}

func normalise(x any) any {
	switch v := x.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case []any:
		// Neo4j lists must be homogeneous; domain lists are all strings or all ints.
		allInt := true
		for i := range v {
			v[i] = normalise(v[i])
			if _, ok := v[i].(int64); !ok {
				allInt = false
			}
		}
		if allInt {
			out := make([]int64, len(v))
			for i := range v {
				out[i] = v[i].(int64)
			}
			return out
		}
		out := make([]string, len(v))
		for i := range v {
			out[i] = fmt.Sprint(v[i])
		}
		return out
	}
	return x
}

// decode fills a domain record from Neo4j properties.
func decode(m map[string]any, out any) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, out)
}

// collect decodes the first column of every record (a property map) into T.
func collect[T any](res *neo4j.EagerResult) ([]*T, error) {
	out := make([]*T, 0, len(res.Records))
	for _, rec := range res.Records {
		m, ok := rec.Values[0].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("neo4j: unexpected value %T", rec.Values[0])
		}
		v := new(T)
		if err := decode(m, v); err != nil {
			return nil, fmt.Errorf("neo4j: decode %T: %w", v, err)
		}
		out = append(out, v)
	}
	return out, nil
}
