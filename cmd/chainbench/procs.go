package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is a child process the benchmark started; it is only ever stopped by its own pid.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// childEnv is the environment of a child without any NEO4J_* variable, plus extra.
func childEnv(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "NEO4J_") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, extra...)
}

// start runs a child with its output in logFile.
func start(name, logFile string, env []string, bin string, args ...string) (*proc, error) {
	f, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logFile, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the child (its own pid only), then SIGKILL after grace.
func (p *proc) stop(grace time.Duration) {
	if p == nil || p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *proc) tail(n int) string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitHTTP polls url until it answers 200, the child exits, or timeout passes.
func waitHTTP(p *proc, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	c := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		if p != nil && p.exited() {
			return fmt.Errorf("%s exited during start-up: %v\n%s", p.name, p.err, p.tail(20))
		}
		resp, err := c.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if p != nil {
		return fmt.Errorf("%s not ready at %s after %s\n%s", p.name, url, timeout, p.tail(20))
	}
	return fmt.Errorf("%s not ready after %s", url, timeout)
}

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// rssKiB reads VmRSS (or VmHWM) of a pid from /proc, in KiB; 0 when unknown.
func procStatusKiB(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, field+":") {
			fs := strings.Fields(line)
			if len(fs) >= 2 {
				v, _ := strconv.ParseInt(fs[1], 10, 64)
				return v
			}
		}
	}
	return 0
}

func rssMiB(pid int) float64 { return float64(procStatusKiB(pid, "VmRSS")) / 1024 }

// sampler records the peak RSS of a pid until stopped.
type sampler struct {
	mu   sync.Mutex
	peak float64
	stop chan struct{}
	wg   sync.WaitGroup
}

func sampleRSS(pid int, every time.Duration) *sampler {
	s := &sampler{stop: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if v := rssMiB(pid); v > 0 {
				s.mu.Lock()
				s.peak = max(s.peak, v)
				s.mu.Unlock()
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *sampler) done() float64 {
	close(s.stop)
	s.wg.Wait()
	return s.peak
}

// neo4jInstance is the benchmark's own local Neo4j, run by scripts/neo4j.sh with its own
// home and port (never the development or test instances).
type neo4jInstance struct {
	script    string
	home      string
	port      int
	heap      string
	pagecache string
	uri       string
}

func (n *neo4jInstance) run(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	all := append(args, "--home", n.home, "--port", strconv.Itoa(n.port), "--heap", n.heap, "--timeout", "240")
	cmd := exec.CommandContext(ctx, n.script, all...)
	cmd.Env = childEnv("NEO4J_PAGECACHE=" + n.pagecache)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w\n%s", n.script, strings.Join(args, " "), err, errb.String())
	}
	return strings.TrimSpace(out.String()), nil
}

func (n *neo4jInstance) start(ctx context.Context) error {
	// The instance stops when this process ends, however it ends (issue 12: a killed
	// benchmark must not leave its Neo4j running).
	out, err := n.run(ctx, "start", "--watch-pid", strconv.Itoa(os.Getpid()))
	if err != nil {
		return err
	}
	n.uri = strings.TrimSpace(out[strings.LastIndex(out, "\n")+1:])
	return nil
}

func (n *neo4jInstance) stop(ctx context.Context) error {
	_, err := n.run(ctx, "stop")
	return err
}

// fresh stops the instance, deletes its home (an empty database), and starts it again.
func (n *neo4jInstance) fresh(ctx context.Context) error {
	if err := n.stop(ctx); err != nil {
		return err
	}
	if err := safeRemove(n.home); err != nil {
		return err
	}
	return n.start(ctx)
}

// safeRemove deletes a benchmark Neo4j home, refusing anything that does not look like one.
func safeRemove(home string) error {
	abs, err := filepath.Abs(home)
	if err != nil {
		return err
	}
	if abs == "/" || !strings.Contains(filepath.Base(abs), "bench") {
		return fmt.Errorf("refusing to delete %s: a benchmark Neo4j home must have \"bench\" in its name", abs)
	}
	entries, err := os.ReadDir(abs)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		switch e.Name() {
		case "data", "logs", "neo4j.log", "neo4j.log.prev", "neo4j.pid", "neo4j.port", "run", "plugins", "import", "conf", "metrics", "licenses":
		default:
			return fmt.Errorf("refusing to delete %s: it holds %q, which a Neo4j home made by scripts/neo4j.sh does not", abs, e.Name())
		}
	}
	return os.RemoveAll(abs)
}
