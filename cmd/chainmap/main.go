// Command chainmap is the industrial-chain knowledge graph and investment-promotion
// map: it validates and loads datasets, and serves the GraphQL API and the web front end.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/chainmap/chainmap/neo4jstore"
	"github.com/spf13/cobra"
)

// exitError carries an exit code without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// neo4jFlags are the connection settings shared by the subcommands that use Neo4j; they
// default to the conventional environment variables.
type neo4jFlags struct {
	uri, username, password, database string
	timeout                           time.Duration
}

func (f *neo4jFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.uri, "neo4j-uri", os.Getenv("NEO4J_URI"), "Neo4j URI, e.g. bolt://127.0.0.1:7687 or neo4j+s://xxx.databases.neo4j.io (env NEO4J_URI)")
	cmd.Flags().StringVar(&f.username, "neo4j-username", envOr("NEO4J_USERNAME", ""), "Neo4j user (env NEO4J_USERNAME)")
	cmd.Flags().StringVar(&f.database, "neo4j-database", envOr("NEO4J_DATABASE", "neo4j"), "Neo4j database (env NEO4J_DATABASE)")
	cmd.Flags().DurationVar(&f.timeout, "query-timeout", 30*time.Second, "deadline of every database call")
	// The password is read from the environment only, so it never shows in `ps`.
	f.password = os.Getenv("NEO4J_PASSWORD")
}

func (f *neo4jFlags) open(ctx context.Context, log *slog.Logger) (*neo4jstore.Store, error) {
	return neo4jstore.Open(ctx, neo4jstore.Config{URI: f.uri, Username: f.username, Password: f.password,
		Database: f.database, QueryTimeout: f.timeout, Logger: log})
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func newLogger(debug bool) *slog.Logger {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

func rootCmd() *cobra.Command {
	var debug bool
	root := &cobra.Command{
		Use:   "chainmap",
		Short: "Industrial-chain knowledge graph and investment-promotion map (产业链知识图谱 + 招商地图)",
		Long: `chainmap loads a documented dataset (chain taxonomy, regions, parks, enterprises,
projects, policies, goals, sources) into an embedded store or Neo4j, and serves a GraphQL
API and a web map that answer which links of a chain are missing, weak or broken in a
region or park, and whom to attract to fix them.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().BoolVar(&debug, "debug", false, "log at debug level")
	logger := func() *slog.Logger { return newLogger(debug) }
	root.AddCommand(serveCmd(logger), loadCmd(logger), validateCmd(), versionCmd(), genCmd(), importCmd(),
		userCmd(logger), stateCmd(logger), leadsCmd(logger))
	return root
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first SIGINT or SIGTERM cancels ctx (a graceful stop: serve drains, a load or
	// validate stops at its next read); from then on the default handling is back, so a
	// second signal ends the process at once instead of being swallowed.
	context.AfterFunc(ctx, stop)
	err := rootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "chainmap:", err)
		os.Exit(1)
	}
}
