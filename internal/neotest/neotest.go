// Package neotest helps tests that need a real Neo4j: it starts private instances through
// scripts/neo4j.sh, connects drivers, and fingerprints whole graphs to compare loads.
package neotest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Instance is a private Neo4j started for one test, on its own port and data folder.
type Instance struct {
	URI      string
	Home     string
	Port     int
	Password string
	script   string
}

// RepoRoot returns the repository root (where go.mod is).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start launches a private Neo4j (auth on) and stops it when the test ends. It fails the
// test when Neo4j cannot be started: these tests never skip silently.
func Start(t testing.TB) *Instance {
	t.Helper()
	in := &Instance{Home: t.TempDir(), Port: FreePort(t), Password: "fault-test-only",
		script: filepath.Join(RepoRoot(), "scripts", "neo4j.sh")}
	if err := in.Up(); err != nil {
		t.Fatalf("start a private Neo4j: %v", err)
	}
	t.Cleanup(func() { in.Down() })
	return in
}

// Up starts (or restarts) the instance and waits until Bolt answers.
func (in *Instance) Up() error {
	// --watch-pid: the instance stops when this test process ends, however it ends.
	cmd := exec.Command("bash", in.script, "start", "--home", in.Home, "--port", fmt.Sprint(in.Port),
		"--watch-pid", fmt.Sprint(os.Getpid()))
	cmd.Env = append(os.Environ(), "NEO4J_PASSWORD="+in.Password, "CHAINMAP_NEO4J_HEAP=512m", "NEO4J_PAGECACHE=128m")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		return fmt.Errorf("%v: %s", err, stderr)
	}
	in.URI = strings.TrimSpace(string(out))
	return nil
}

// Down stops the instance by its recorded pid.
func (in *Instance) Down() error {
	out, err := exec.Command("bash", in.script, "stop", "--home", in.Home).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

// Pid returns the instance's process id.
func (in *Instance) Pid() int {
	b, err := os.ReadFile(filepath.Join(in.Home, "neo4j.pid"))
	if err != nil {
		return 0
	}
	var pid int
	fmt.Sscanf(strings.TrimSpace(string(b)), "%d", &pid)
	return pid
}

// Env returns the environment that points chainmap at this instance.
func (in *Instance) Env() []string {
	return append(os.Environ(), "NEO4J_URI="+in.URI, "NEO4J_USERNAME=neo4j", "NEO4J_PASSWORD="+in.Password, "NEO4J_DATABASE=neo4j")
}

// Driver connects a driver to a Neo4j given by URI and credentials, closed at cleanup.
func Driver(t testing.TB, uri, user, password string) neo4j.DriverWithContext {
	t.Helper()
	auth := neo4j.NoAuth()
	if password != "" {
		if user == "" {
			user = "neo4j"
		}
		auth = neo4j.BasicAuth(user, password, "")
	}
	d, err := neo4j.NewDriverWithContext(uri, auth)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close(context.Background()) })
	return d
}

// Count runs a counting query and returns its number (or -1 on error).
func Count(ctx context.Context, d neo4j.DriverWithContext, db, cypher string) int {
	res, err := neo4j.ExecuteQuery(ctx, d, cypher, nil, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(db))
	if err != nil || len(res.Records) == 0 {
		return -1
	}
	n, _ := res.Records[0].Values[0].(int64)
	return int(n)
}

// Fingerprint summarises a whole graph: node and relationship counts and a hash of every
// node (labels, properties) and relationship (type, ends, properties), sorted, so two
// graphs with the same fingerprint hold the same data. Load timestamps are left out.
func Fingerprint(t testing.TB, d neo4j.DriverWithContext, db string) (nodes, rels int, hash string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := func(q string) []*neo4j.Record {
		res, err := neo4j.ExecuteQuery(ctx, d, q, nil, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(db), neo4j.ExecuteQueryWithReadersRouting())
		if err != nil {
			t.Fatal(err)
		}
		return res.Records
	}
	var lines []string
	for _, r := range run("MATCH (n) RETURN labels(n), properties(n)") {
		props := r.Values[1].(map[string]any)
		delete(props, "started_at")
		delete(props, "finished_at")
		// The statistics marker names the dataset version, which holds load times.
		delete(props, "built_at")
		if fmt.Sprint(r.Values[0]) == "[StatsMeta]" {
			delete(props, "version")
		}
		b, _ := json.Marshal([]any{r.Values[0], props})
		lines = append(lines, "N"+string(b))
	}
	nodes = len(lines)
	for _, r := range run("MATCH (a)-[r]->(b) RETURN type(r), a.id, b.id, properties(r)") {
		b, _ := json.Marshal(r.Values)
		lines = append(lines, "R"+string(b))
	}
	rels = len(lines) - nodes
	sort.Strings(lines)
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return nodes, rels, fmt.Sprintf("%x", h[:8])
}

// BuildChainmap builds the chainmap binary once per test process (into a temp dir the
// operating system reclaims) and returns its path.
func BuildChainmap(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "chainmap-bin-")
		if err != nil {
			built.err = err
			return
		}
		bin := filepath.Join(dir, "chainmap")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/chainmap")
		cmd.Dir = RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("%v\n%s", err, out)
			return
		}
		built.bin = bin
	})
	if built.err != nil {
		t.Fatalf("build chainmap: %v", built.err)
	}
	return built.bin
}

// built is the binary BuildChainmap made for this test process: one build, shared by
// every test of the package (each test used to link its own, minutes on a busy machine).
var built struct {
	once sync.Once
	bin  string
	err  error
}

// CopyDataset copies a dataset folder (subfolders included) into a new temporary folder
// and returns it, for tests that edit or import into a dataset.
func CopyDataset(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), raw, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}
