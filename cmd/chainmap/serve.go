package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/boltstore"
	"github.com/chainmap/chainmap/data"
	"github.com/chainmap/chainmap/frontend"
	"github.com/chainmap/chainmap/internal/safefile"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
	"github.com/chainmap/chainmap/neo4jstore"
	"github.com/chainmap/chainmap/server"
	"github.com/spf13/cobra"
)

func serveCmd(logger func() *slog.Logger) *cobra.Command {
	var (
		cfg          server.Config
		dataDir      string
		production   bool
		approvers    string
		selfApproval bool
		tokensFile   string
		statePath    string
		nf           neo4jFlags
		// importMaxBytes bounds one upload of the page's import (server.ImportConfig).
		importMaxBytes int64
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the GraphQL API and the web map",
		Long: `serve answers GraphQL at /graphql, health at /healthz and /readyz, and the web map at /.

Without NEO4J_URI it uses the embedded store, loaded at start from the bundled
Zhengzhou aluminium dataset (or --data DIR). With NEO4J_URI it reads from Neo4j, which
'chainmap load' populates. SIGINT or SIGTERM stops it gracefully: /readyz turns 503,
new connections are refused, and requests in flight get --shutdown-grace to finish.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := logger()
			cfg.Logger = log
			if err := durationFromEnv(cmd, "shutdown-grace", "CHAINMAP_SHUTDOWN_GRACE", &cfg.ShutdownTimeout); err != nil {
				return err
			}
			if err := durationFromEnv(cmd, "shutdown-delay", "CHAINMAP_SHUTDOWN_DELAY", &cfg.ShutdownDelay); err != nil {
				return err
			}
			cfg.Introspection = !production
			cfg.Playground = !production
			ctx := cmd.Context()
			store, kind, closeFn, err := openServeStore(ctx, log, &nf, dataDir)
			if err != nil {
				return err
			}
			defer closeFn()
			leads, where, closeLeads, err := openServeLeads(store, statePath, dataDir)
			if err != nil {
				return err
			}
			defer closeLeads()
			policy, err := approvalPolicy(approvers, selfApproval)
			if err != nil {
				return err
			}
			cfg.Pipeline = &chainmap.Pipeline{Data: store, Leads: leads, Approval: policy}
			if users, err := leads.Users(ctx); err == nil && len(users) == 0 {
				log.Warn("no accounts yet: leads need a login; add the first with chainmap user add NAME --role admin", "state", where)
			}
			log.Info("pipeline state", "state", where)
			tokens := os.Getenv("CHAINMAP_TOKENS")
			if tokensFile != "" {
				// A regular file only, at most 1 MiB: a FIFO or device named here must
				// not hang or exhaust the start (issue 12's rule for every input file).
				b, err := readSmallFile(cmd.Context(), tokensFile, 1<<20)
				if err != nil {
					return fmt.Errorf("tokens: %w", err)
				}
				tokens = string(b)
			}
			if cfg.Tokens, err = server.ParseTokens(tokens); err != nil {
				return fmt.Errorf("tokens: %w", err)
			}
			if mem, ok := store.(*memstore.Store); ok {
				cfg.Reload = func(ctx context.Context) error {
					d, err := openDataset(dataDir)
					if err != nil {
						return err
					}
					_, err = d.Load(ctx, mem, loaders.Options{})
					return err
				}
			}
			if _, ok := store.(*memstore.Store); ok && dataDir != "" {
				// The web page's import writes the served folder and reloads it; staged
				// uploads wait for their review next to the state file.
				cfg.Import = &server.ImportConfig{DataDir: dataDir, StateDir: filepath.Join(filepath.Dir(where), "imports"), Skip: []string{where},
					MaxBytes: importMaxBytes}
			}
			srv := server.New(cfg, store, frontend.Dist())
			err = srv.Run(ctx, func(addr string) {
				log.Info("chainmap serving", "url", "http://"+addr+"/", "store", kind)
				fmt.Fprintf(cmd.OutOrStdout(), "chainmap is running at http://%s/ (GraphQL at http://%s/graphql, %s store)\n", addr, addr, kind)
			})
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			log.Info("chainmap stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen address HOST:PORT")
	cmd.Flags().StringVar(&approvers, "approvers", os.Getenv("CHAINMAP_APPROVERS"), "roles that approve moves to 签约 and later, comma-separated (default manager,admin; env CHAINMAP_APPROVERS)")
	cmd.Flags().BoolVar(&selfApproval, "self-approval", os.Getenv("CHAINMAP_SELF_APPROVAL") == "1", "let an approver approve their own requests (off: separation of duties; env CHAINMAP_SELF_APPROVAL=1)")
	cmd.Flags().StringVar(&dataDir, "data", "", "dataset folder for the embedded store (default: the bundled Zhengzhou aluminium dataset)")
	cmd.Flags().BoolVar(&production, "production", os.Getenv("CHAINMAP_PRODUCTION") == "1", "production mode: introspection and GraphiQL off (env CHAINMAP_PRODUCTION=1)")
	cmd.Flags().Int64Var(&cfg.MaxBodyBytes, "max-body", 1<<20, "largest request body in bytes")
	cmd.Flags().DurationVar(&cfg.QueryTimeout, "request-timeout", 30*time.Second, "deadline of one GraphQL request")
	cmd.Flags().IntVar(&cfg.ComplexityLimit, "complexity-limit", 20000, "largest query cost (a page of n items costs n × its selection)")
	cmd.Flags().IntVar(&cfg.MaxDepth, "max-depth", 10, "deepest query nesting")
	cmd.Flags().IntVar(&cfg.MaxAliases, "max-aliases", 15, "most aliases in one query")
	cmd.Flags().IntVar(&cfg.MaxSelections, "max-selections", 1000, "most fields and fragments a query expands to (a fragment counts each time it is spread)")
	cmd.Flags().DurationVar(&cfg.ShutdownTimeout, "shutdown-grace", server.DefaultShutdownTimeout, "time requests in flight get to finish after SIGTERM (env CHAINMAP_SHUTDOWN_GRACE)")
	cmd.Flags().DurationVar(&cfg.ShutdownDelay, "shutdown-delay", 0, "time /readyz answers 503 before new connections are refused, for load balancers (env CHAINMAP_SHUTDOWN_DELAY)")
	cmd.Flags().StringSliceVar(&cfg.CORSOrigins, "cors-origin", nil, "origins allowed to call the API from a browser (repeatable; default same origin only)")
	cmd.Flags().StringVar(&tokensFile, "tokens-file", "", "file of token:role[:name] lines for scripts (roles viewer, promoter, manager, admin, reader); default env CHAINMAP_TOKENS")
	cmd.Flags().StringVar(&statePath, "state", "", "state file of the embedded store (leads, users, audit trail); default DIR/.chainmap/state.db with --data DIR, else ~/.local/state/chainmap/state.db (env CHAINMAP_STATE); with Neo4j the state is in Neo4j")
	cmd.Flags().BoolVar(&cfg.RequireLogin, "require-login", os.Getenv("CHAINMAP_REQUIRE_LOGIN") == "1", "close the whole API, analysis included, to anonymous requests (env CHAINMAP_REQUIRE_LOGIN=1); leads always need a login")
	cmd.Flags().BoolVar(&cfg.SecureCookies, "secure-cookies", false, "mark the session cookie Secure on plain HTTP too (behind a proxy that terminates TLS)")
	cmd.Flags().DurationVar(&cfg.SessionTTL, "session-ttl", server.DefaultSessionTTL, "how long a login lasts")
	cmd.Flags().Int64Var(&importMaxBytes, "import-max-bytes", 16<<20, "largest upload of enterprise lists in the page's import (with --data DIR; about 25 bytes of memory per byte while it runs)")
	nf.register(cmd)
	return cmd
}

// durationFromEnv sets a duration flag from its environment variable when the flag was not
// given, refusing a value that is not a positive duration.
func durationFromEnv(cmd *cobra.Command, flag, env string, dst *time.Duration) error {
	v := os.Getenv(env)
	if v == "" || cmd.Flags().Changed(flag) {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return fmt.Errorf("%s=%q is not a duration such as 30s or 1m", env, v)
	}
	*dst = d
	return nil
}

// openDataset opens the dataset folder, or the bundled dataset when dir is empty.
func openDataset(dir string) (*loaders.Dataset, error) {
	if dir != "" {
		return loaders.Open(dir)
	}
	var fsys fs.FS = data.Bundled()
	return loaders.OpenFS(fsys, "bundled:"+data.BundledName)
}

// openServeStore returns Neo4j when a URI is configured, else the embedded store loaded
// with the dataset.
func openServeStore(ctx context.Context, log *slog.Logger, nf *neo4jFlags, dataDir string) (chainmap.Store, string, func(), error) {
	if nf.uri != "" {
		s, err := nf.open(ctx, log)
		if err != nil {
			return nil, "", nil, err
		}
		if _, err := s.Info(ctx); err != nil {
			log.Warn("Neo4j holds no chainmap dataset yet: run chainmap load DIR", "err", err)
		}
		return s, "neo4j", func() { s.Close(context.Background()) }, nil
	}
	d, err := openDataset(dataDir)
	if err != nil {
		return nil, "", nil, reportLoadError(err)
	}
	start := time.Now()
	mem := memstore.New()
	if _, err := d.Load(ctx, mem, loaders.Options{}); err != nil {
		return nil, "", nil, reportLoadError(err)
	}
	counts, _ := mem.Counts(ctx)
	log.Info("embedded store loaded", "dataset", d.Manifest.ID, "enterprises", counts["enterprises"],
		"segments", counts["segments"], "took", time.Since(start).Round(time.Millisecond))
	return mem, "embedded", func() {}, nil
}

// readSmallFile reads an operator's file (followed through links: secrets are often
// mounted as links) if it is a regular file of at most max bytes: a FIFO, device or
// folder named by mistake must not hang or exhaust the start.
func readSmallFile(ctx context.Context, path string, max int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, st.Mode().Type())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st2, err := f.Stat(); err != nil || !os.SameFile(st, st2) {
		return nil, fmt.Errorf("%s changed while it was opened", path)
	}
	return safefile.ReadAll(ctx, f, path, max)
}

// openServeLeads returns where the pipeline's user data lives: Neo4j itself when the
// dataset is there, else the bbolt state file.
func openServeLeads(store chainmap.Store, statePath, dataDir string) (chainmap.LeadStore, string, func(), error) {
	if ls, ok := store.(*neo4jstore.Store); ok {
		return ls, "neo4j", func() {}, nil
	}
	if statePath == "" {
		var err error
		if statePath, err = defaultStatePath(dataDir); err != nil {
			return nil, "", nil, err
		}
	}
	st, err := boltstore.Open(statePath)
	if err != nil {
		return nil, "", nil, err
	}
	return st, statePath, func() { st.Close() }, nil
}
