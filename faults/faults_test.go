// Package faults holds the reliability tests that break things on purpose: Neo4j stopped
// during a load or while serving, a database that stops answering, and the server killed
// under load. Each test starts its own Neo4j on its own port and data folder, so it never
// disturbs the rest of the suite. They need Java and Maven (scripts/neo4j.sh) and fail,
// not skip, when those are missing and CHAINMAP_FAULTS is not "skip".
package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chainmap/chainmap/internal/neotest"
	"github.com/chainmap/chainmap/neo4jstore"
	"github.com/chainmap/chainmap/server"
)

func skipUnlessWanted(t *testing.T) {
	t.Helper()
	if os.Getenv("CHAINMAP_FAULTS") == "skip" {
		t.Skip("!!! CHAINMAP_FAULTS=skip: fault tests skipped")
	}
	if testing.Short() {
		t.Skip("short mode")
	}
}

// TestNeo4jStoppedMidLoad stops Neo4j while `chainmap load` writes: the load fails with a
// clear message and a non-zero exit; run again once Neo4j is back, it ends in exactly the
// graph of a clean load.
func TestNeo4jStoppedMidLoad(t *testing.T) {
	skipUnlessWanted(t)
	bin := neotest.BuildChainmap(t)
	data := t.TempDir()
	if out, err := exec.Command(bin, "gen", "--enterprises", "8000", "--seed", "11", "--out", data).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	neo := neotest.Start(t)
	d := neotest.Driver(t, neo.URI, "neo4j", neo.Password)

	load := exec.Command(bin, "load", "--batch-size", "500", "--no-progress", data)
	load.Env = neo.Env()
	var out bytes.Buffer
	load.Stdout, load.Stderr = &out, &out
	if err := load.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Minute)
	stopped := false
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		n := neotest.Count(ctx, d, "neo4j", "MATCH (e:Enterprise) RETURN count(e)")
		cancel()
		if n >= 1500 {
			if err := neo.Down(); err != nil {
				t.Fatal(err)
			}
			stopped = true
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !stopped {
		load.Process.Kill()
		t.Fatalf("the load never reached 1500 enterprises:\n%s", out.String())
	}
	done := make(chan error, 1)
	go func() { done <- load.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("the load succeeded although Neo4j stopped:\n%s", out.String())
		}
	case <-time.After(90 * time.Second):
		load.Process.Kill()
		t.Fatalf("the load hung after Neo4j stopped:\n%s", out.String())
	}
	msg := out.String()
	if !strings.Contains(msg, "became unavailable during the load") || !strings.Contains(msg, "Run the same command again") {
		t.Errorf("unclear failure message:\n%s", msg)
	}
	t.Logf("load failed as expected: %s", lastLine(msg))

	if err := neo.Up(); err != nil {
		t.Fatal(err)
	}
	d = neotest.Driver(t, neo.URI, "neo4j", neo.Password)
	again := exec.Command(bin, "load", "--no-progress", data)
	again.Env = neo.Env()
	if b, err := again.CombinedOutput(); err != nil {
		t.Fatalf("second load: %v\n%s", err, b)
	}
	n1, r1, h1 := neotest.Fingerprint(t, d, "neo4j")
	clean := exec.Command(bin, "load", "--replace", "--no-progress", data)
	clean.Env = neo.Env()
	if b, err := clean.CombinedOutput(); err != nil {
		t.Fatalf("clean load: %v\n%s", err, b)
	}
	n2, r2, h2 := neotest.Fingerprint(t, d, "neo4j")
	t.Logf("resumed: %d nodes %d rels %s; clean: %d nodes %d rels %s", n1, r1, h1, n2, r2, h2)
	if h1 != h2 || n1 != n2 || r1 != r2 {
		t.Error("the resumed load differs from a clean load")
	}
}

// TestNeo4jStoppedWhileServing stops Neo4j under a running server: /readyz turns
// not-ready within seconds, queries fail fast with SERVICE_UNAVAILABLE, no goroutine
// leaks, and the server recovers without a restart when Neo4j returns.
func TestNeo4jStoppedWhileServing(t *testing.T) {
	skipUnlessWanted(t)
	bin := neotest.BuildChainmap(t)
	neo := neotest.Start(t)
	load := exec.Command(bin, "load", "--no-progress", neotest.RepoRoot()+"/testdata/minimal")
	load.Env = neo.Env()
	if b, err := load.CombinedOutput(); err != nil {
		t.Fatalf("load: %v\n%s", err, b)
	}
	ctx := context.Background()
	store, err := neo4jstore.Open(ctx, neo4jstore.Config{URI: neo.URI, Username: "neo4j", Password: neo.Password, QueryTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(ctx)
	srv := server.New(server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), QueryTimeout: 10 * time.Second}, store, nil)
	h := srv.Handler()
	ready := func() int { return serve(h, "GET", "/readyz", "").code }
	query := func() (int, string, time.Duration) {
		start := time.Now()
		r := serve(h, "POST", "/graphql", `{"query":"{ enterprises(first: 2) { totalCount nodes { id } } }"}`)
		return r.code, r.errCode(), time.Since(start)
	}
	if c := ready(); c != 200 {
		t.Fatalf("readyz = %d before the fault", c)
	}
	if _, code, _ := query(); code != "" {
		t.Fatalf("query failed before the fault: %s", code)
	}
	before := runtime.NumGoroutine()

	if err := neo.Down(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for ready() != http.StatusServiceUnavailable {
		if time.Since(start) > 10*time.Second {
			t.Fatal("readyz still ready 10 s after Neo4j stopped")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("readyz turned not-ready in %v", time.Since(start).Round(time.Millisecond))
	for i := 0; i < 3; i++ {
		_, code, took := query()
		t.Logf("query while Neo4j is down: %s in %v", code, took.Round(time.Millisecond))
		if code != "SERVICE_UNAVAILABLE" {
			t.Errorf("query while Neo4j is down: code %q", code)
		}
		if took > 6*time.Second {
			t.Errorf("query took %v while Neo4j is down: it should fail fast", took)
		}
	}

	if err := neo.Up(); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	for {
		if ready() == 200 {
			if _, code, _ := query(); code == "" {
				break
			}
		}
		if time.Since(start) > 60*time.Second {
			t.Fatal("the server did not recover within 60 s of Neo4j's return")
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("recovered %v after Neo4j was back", time.Since(start).Round(time.Millisecond))
	time.Sleep(500 * time.Millisecond)
	if after := runtime.NumGoroutine(); after > before+10 {
		t.Errorf("goroutines grew from %d to %d", before, after)
	}
}

// TestSlowDatabase freezes Neo4j (SIGSTOP) so a query outlives its deadline: the request
// ends at the deadline with a clear error and frees its resources.
func TestSlowDatabase(t *testing.T) {
	skipUnlessWanted(t)
	neo := neotest.Start(t)
	ctx := context.Background()
	store, err := neo4jstore.Open(ctx, neo4jstore.Config{URI: neo.URI, Username: "neo4j", Password: neo.Password, QueryTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(ctx)
	srv := server.New(server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), QueryTimeout: 3 * time.Second}, store, nil)
	h := srv.Handler()
	before := runtime.NumGoroutine()
	pid := neo.Pid()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGCONT)
	start := time.Now()
	r := serve(h, "POST", "/graphql", `{"query":"{ chains { id } }"}`)
	took := time.Since(start)
	syscall.Kill(pid, syscall.SIGCONT)
	t.Logf("frozen database: %d %s after %v", r.code, r.errCode(), took.Round(time.Millisecond))
	if r.errCode() != "SERVICE_UNAVAILABLE" {
		t.Errorf("code %q, want SERVICE_UNAVAILABLE: %s", r.errCode(), r.body)
	}
	if took > 4*time.Second {
		t.Errorf("the request took %v, past its 2–3 s deadline", took)
	}
	time.Sleep(time.Second)
	if after := runtime.NumGoroutine(); after > before+10 {
		t.Errorf("goroutines grew from %d to %d", before, after)
	}
}

// TestSIGTERMUnderLoad stops `chainmap serve` with SIGTERM while clients are querying
// over keep-alive connections: every request either gets its full answer or is refused at
// connect time (ECONNREFUSED) — none gets EOF or a reset (issue 12, finding 10: 20–33 of
// about 1,950 did) — and serve exits 0 once drained.
func TestSIGTERMUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	bin := neotest.BuildChainmap(t)
	port := neotest.FreePort(t)
	cmd := exec.Command(bin, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port))
	cmd.Env = append(os.Environ(), "NEO4J_URI=", "CHAINMAP_STATE="+filepath.Join(t.TempDir(), "state.db"))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	for i := 0; ; i++ {
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 100 {
			t.Fatalf("serve did not start:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	var ok, refused, failed atomic.Int64
	var mu sync.Mutex
	var failures []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// Keep-alive connections for every client; the timeout is a "did not hang" guard.
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Post(url+"/graphql", "application/json",
					strings.NewReader(`{"query":"{ gapAnalysis(chain: \"aluminium\", scope: {region: \"410100\"}) { present } }"}`))
				if err != nil {
					if errors.Is(err, syscall.ECONNREFUSED) {
						refused.Add(1)
						time.Sleep(time.Millisecond)
					} else {
						failed.Add(1)
						mu.Lock()
						failures = append(failures, err.Error())
						mu.Unlock()
					}
					continue
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err == nil && resp.StatusCode == 200 && bytes.Contains(b, []byte(`"present"`)) {
					ok.Add(1)
				} else {
					failed.Add(1)
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%d %v %.100s", resp.StatusCode, err, b))
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	took := time.Since(start)
	close(stop)
	wg.Wait()
	t.Logf("SIGTERM under load: exit %v after %v; %d answered, %d refused after shutdown, %d broken", err, took.Round(time.Millisecond), ok.Load(), refused.Load(), failed.Load())
	if err != nil {
		t.Errorf("serve exited with %v:\n%s", err, logs.String())
	}
	if failed.Load() > 0 {
		t.Errorf("%d requests got a broken answer (EOF, reset or an error), e.g. %v", failed.Load(), failures[:min(5, len(failures))])
	}
	if ok.Load() == 0 {
		t.Error("no request was answered before the signal")
	}
}

type result struct {
	code int
	body string
}

func (r result) errCode() string {
	var resp struct {
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	json.Unmarshal([]byte(r.body), &resp)
	if len(resp.Errors) == 0 {
		return ""
	}
	c, _ := resp.Errors[0].Extensions["code"].(string)
	return c
}

// serve runs one request through the handler in-process.
func serve(h http.Handler, method, path, body string) result {
	req, _ := http.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := &recorder{header: http.Header{}, code: 200}
	h.ServeHTTP(rec, req)
	return result{code: rec.code, body: rec.buf.String()}
}

type recorder struct {
	header http.Header
	buf    bytes.Buffer
	code   int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.buf.Write(b) }
func (r *recorder) WriteHeader(c int)           { r.code = c }

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
