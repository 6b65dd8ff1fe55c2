package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/boltstore"
	"github.com/chainmap/chainmap/internal/pipebench"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
	"github.com/chainmap/chainmap/neo4jstore"
	"github.com/chainmap/chainmap/server"
)

// pipelineMain is `chainbench pipeline`: the pipeline's write benchmark (issue 16, item
// 9). For each store it serves the dataset with chainmap's server (in this process, on
// a loopback port, the production handler), runs N writers for the duration
// (internal/pipebench), stops the server, reopens the store as a restart would, and
// checks every acknowledged write (zero lost, zero duplicated). It prints one Markdown
// table; the exit status is 1 when a write was lost or duplicated or a request failed.
//
//	chainbench pipeline --stores embedded,neo4j --writers 50 --duration 2m
//
// Neo4j is the one NEO4J_URI, NEO4J_USERNAME and NEO4J_PASSWORD name: its dataset is
// replaced by --data (its pipeline data is kept, the run's leads are added): use a
// scratch database.
func pipelineMain(args []string) int {
	fs := flag.NewFlagSet("chainbench pipeline", flag.ExitOnError)
	stores := fs.String("stores", "embedded,neo4j", "stores to measure: embedded (memstore + a bbolt state file), neo4j (NEO4J_URI)")
	writers := fs.Int("writers", 50, "concurrent writers")
	duration := fs.Duration("duration", 2*time.Minute, "how long the writers write")
	data := fs.String("data", "testdata/minimal", "dataset the leads refer to (segment W2, park east-park)")
	segment := fs.String("segment", "W2", "segment of the leads")
	park := fs.String("park", "east-park", "park of the leads")
	work := fs.String("work", filepath.Join(os.TempDir(), "chainbench-pipeline"), "folder of the embedded store's state file")
	fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of each store's writing window (server and writers share this process) to FILE.<store>")
	fs.Parse(args)
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

	fmt.Printf("`chainbench pipeline --stores %s --writers %d --duration %s`, %s, %d CPUs (GOMAXPROCS %d), Go %s\n\n",
		*stores, *writers, *duration, time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Println("| store | load avg before → after | acknowledged creates + moves | writes/s | failed | lost | duplicated | audit entries | stage move p50 / p95 / p99 | create p95 | p95 goal |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	bad := false
	for _, name := range strings.Split(*stores, ",") {
		name = strings.TrimSpace(name)
		cfg := pipebench.Config{Writers: *writers, Duration: *duration, Segment: *segment, Park: *park,
			RunID: time.Now().UTC().Format("0102150405")}
		var (
			row string
			err error
		)
		switch name {
		case "embedded":
			row, err = pipelineEmbedded(ctx, cfg, *data, *work)
		case "neo4j":
			row, err = pipelineNeo4j(ctx, cfg, *data)
		default:
			err = fmt.Errorf("unknown store %q (embedded or neo4j)", name)
		}
		if row != "" {
			fmt.Println(row)
		}
		if err != nil {
			log.Printf("pipeline %s: %v", name, err)
			bad = true
		}
	}
	if bad {
		return 1
	}
	return 0
}

// cpuProfile is --cpuprofile.
var cpuProfile string

// runProfiled runs the writers, under the CPU profiler when --cpuprofile asks for it (the
// profile covers the writing window only, not the verification after it).
func runProfiled(ctx context.Context, cfg pipebench.Config, store string) (*pipebench.Result, error) {
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile + "." + store)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	return pipebench.Run(ctx, cfg)
}

// serveFor serves the pipeline over a loopback port with one promoter token per writer,
// returning the base URL and a function that shuts the server down (draining requests).
func serveFor(cfg *pipebench.Config, data chainmap.Store, leads chainmap.LeadStore) (func(), error) {
	spec, _ := pipebench.Tokens(*cfg)
	tokens, err := server.ParseTokens(spec)
	if err != nil {
		return nil, err
	}
	h := server.New(server.Config{Pipeline: &chainmap.Pipeline{Data: data, Leads: leads}, Tokens: tokens,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, data, nil).Handler()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	cfg.URL = "http://" + l.Addr().String()
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}, nil
}

func pipelineEmbedded(ctx context.Context, cfg pipebench.Config, data, work string) (string, error) {
	mem := memstore.New()
	if _, err := loaders.Load(ctx, data, mem, loaders.Options{}); err != nil {
		return "", fmt.Errorf("load %s: %w", data, err)
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(work, "state-"+cfg.RunID+".db")
	defer os.Remove(path)
	st, err := boltstore.Open(path)
	if err != nil {
		return "", err
	}
	stop, err := serveFor(&cfg, mem, st)
	if err != nil {
		st.Close()
		return "", err
	}
	before := loadavg()
	res, runErr := runProfiled(ctx, cfg, "embedded")
	after := loadavg()
	stop()
	st.Close()
	// Verify on the file reopened, as after a restart.
	if st, err = boltstore.Open(path); err != nil {
		return "", err
	}
	defer st.Close()
	return pipelineRow("embedded (bbolt)", res, runErr, st, before, after, 50*time.Millisecond)
}

func pipelineNeo4j(ctx context.Context, cfg pipebench.Config, data string) (string, error) {
	ncfg := neo4jstore.Config{URI: os.Getenv("NEO4J_URI"), Username: os.Getenv("NEO4J_USERNAME"),
		Password: os.Getenv("NEO4J_PASSWORD"), Database: os.Getenv("NEO4J_DATABASE")}
	if ncfg.URI == "" {
		return "", errors.New("set NEO4J_URI (and NEO4J_USERNAME, NEO4J_PASSWORD) to a scratch Neo4j")
	}
	st, err := neo4jstore.Open(ctx, ncfg)
	if err != nil {
		return "", err
	}
	if err := st.Reset(ctx); err != nil {
		st.Close(context.Background())
		return "", err
	}
	if _, err := loaders.Load(ctx, data, st, loaders.Options{}); err != nil {
		st.Close(context.Background())
		return "", fmt.Errorf("load %s into Neo4j: %w", data, err)
	}
	stop, err := serveFor(&cfg, st, st)
	if err != nil {
		st.Close(context.Background())
		return "", err
	}
	before := loadavg()
	res, runErr := runProfiled(ctx, cfg, "neo4j")
	after := loadavg()
	stop()
	st.Close(context.Background())
	// Verify through a new connection, as after a restart of the server.
	if st, err = neo4jstore.Open(ctx, ncfg); err != nil {
		return "", err
	}
	defer st.Close(context.Background())
	return pipelineRow("Neo4j", res, runErr, st, before, after, 150*time.Millisecond)
}

// pipelineRow verifies a run against the store and formats its table row.
func pipelineRow(name string, res *pipebench.Result, runErr error, st chainmap.LeadStore, before, after string, goal time.Duration) (string, error) {
	if res == nil {
		return "", runErr
	}
	vctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	check, err := pipebench.Verify(vctx, st, res)
	if err != nil {
		return "", err
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }
	p95 := pipebench.Percentile(res.MoveLatency, 95)
	met := "met"
	if p95 >= goal {
		met = "**missed**"
	}
	row := fmt.Sprintf("| %s | %s → %s | %d + %d = %d in %s | %.0f | %d | %d | %d | %d (want %d) | %s / %s / %s ms | %s ms | < %s ms: %s |",
		name, before, after, res.Creates, res.Moves, res.Acknowledged(), res.Elapsed.Round(time.Second),
		float64(res.Acknowledged())/res.Elapsed.Seconds(), res.Failed, len(check.Lost), len(check.Duplicated),
		check.AuditEntries, check.AuditWant, ms(pipebench.Percentile(res.MoveLatency, 50)), ms(p95),
		ms(pipebench.Percentile(res.MoveLatency, 99)), ms(pipebench.Percentile(res.CreateLatency, 95)), ms(goal), met)
	switch {
	case runErr != nil:
		return row, runErr
	case check.Err() != nil:
		return row, check.Err()
	case res.Failed > 0:
		return row, fmt.Errorf("%d requests failed: %v", res.Failed, res.Errors)
	}
	return row, nil
}
