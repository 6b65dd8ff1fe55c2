package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/server"
)

// slowStore holds every Chains call until release is closed (or the call's context ends).
type slowStore struct {
	chainmap.Store
	entered chan struct{}
	release chan struct{}
	ended   chan error // receives the context's error when a held call is abandoned (if set)
}

func (s *slowStore) Chains(ctx context.Context, q chainmap.IDQuery) ([]*chainmap.Chain, error) {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	select {
	case <-s.release:
	case <-ctx.Done():
		if s.ended != nil {
			s.ended <- ctx.Err()
		}
		return nil, ctx.Err()
	}
	return s.Store.Chains(ctx, q)
}

// runServer runs a server until the returned cancel is called; done receives Run's error.
func runServer(t *testing.T, st chainmap.Store, cfg server.Config) (addr string, cancel func(), done chan error) {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ready := make(chan string, 1)
	done = make(chan error, 1)
	go func() { done <- server.New(cfg, st, nil).Run(ctx, func(a string) { ready <- a }) }()
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	return addr, cancel, done
}

func refused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// TestShutdownDrainsLongRequests is finding 10: a request in flight that outlasts the old
// 5 s shutdown window completes, /readyz reports not-ready first, new connections are
// refused, and Run returns nil once drained.
func TestShutdownDrainsLongRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("waits past the old 5 s shutdown window")
	}
	st := &slowStore{Store: load(t, "../testdata/minimal"), entered: make(chan struct{}, 1), release: make(chan struct{})}
	addr, cancel, done := runServer(t, st, server.Config{ShutdownDelay: 300 * time.Millisecond})
	base := "http://" + addr
	type result struct {
		status int
		body   string
		err    error
	}
	inflight := make(chan result, 1)
	go func() {
		resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{ chains { id } }"}`))
		if err != nil {
			inflight <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		inflight <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-st.entered
	stopped := time.Now()
	cancel()

	// Not ready first: during the shutdown delay the listener still accepts, and /readyz
	// says 503.
	sawNotReady := false
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for i := 0; i < 200 && !sawNotReady; i++ {
		resp, err := fresh.Get(base + "/readyz")
		if err != nil {
			break
		}
		resp.Body.Close()
		sawNotReady = resp.StatusCode == http.StatusServiceUnavailable
		time.Sleep(5 * time.Millisecond)
	}
	if !sawNotReady {
		t.Error("/readyz never answered 503 during the shutdown")
	}
	// Then new connections are refused.
	var dialErr error
	for i := 0; i < 400; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			dialErr = err
			break
		}
		c.Close()
		time.Sleep(5 * time.Millisecond)
	}
	if !refused(dialErr) {
		t.Errorf("new connections were not refused during the shutdown: %v", dialErr)
	}
	// The in-flight request is still held; release it after the old 5 s window.
	time.Sleep(time.Until(stopped.Add(5500 * time.Millisecond)))
	select {
	case err := <-done:
		t.Fatalf("Run returned %v with a request in flight", err)
	default:
	}
	close(st.release)
	r := <-inflight
	if r.err != nil || r.status != 200 || !strings.Contains(r.body, `"widget"`) {
		t.Errorf("the in-flight request got %d %q %v", r.status, r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Errorf("Run returned %v after draining", err)
	}
}

// TestShutdownGraceExpires: when requests outlast the grace period, Run says so.
func TestShutdownGraceExpires(t *testing.T) {
	st := &slowStore{Store: load(t, "../testdata/minimal"), entered: make(chan struct{}, 1), release: make(chan struct{})}
	addr, cancel, done := runServer(t, st, server.Config{ShutdownTimeout: 200 * time.Millisecond})
	go func() {
		resp, err := http.Post("http://"+addr+"/graphql", "application/json", strings.NewReader(`{"query":"{ chains { id } }"}`))
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-st.entered
	cancel()
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "grace period") || !strings.Contains(err.Error(), "1 requests still running") {
		t.Errorf("Run returned %v, want the grace period named", err)
	}
}

// TestShutdownUnderLoad: clients query without pause over keep-alive connections while
// the server shuts down (five times). Every request either gets its full answer or is
// refused at connect time (ECONNREFUSED); none gets EOF or a reset. Before the drain,
// Shutdown closed keep-alive connections under clients that were sending on them.
func TestShutdownUnderLoad(t *testing.T) {
	s := load(t, "../testdata/minimal")
	for round := 0; round < 5; round++ {
		shutdownUnderLoad(t, s)
	}
}

func shutdownUnderLoad(t *testing.T, s chainmap.Store) {
	addr, cancel, done := runServer(t, s, server.Config{})
	url := "http://" + addr + "/graphql"
	var ok, refusedN, broken atomic.Int64
	var mu sync.Mutex
	var brokenErrs []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// Keep-alive connections for every client; the timeout is a "did not hang" guard.
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer client.CloseIdleConnections()
	for c := 0; c < 16; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Post(url, "application/json", strings.NewReader(`{"query":"{ chains { id segments { id } } }"}`))
				if err != nil {
					if refused(err) {
						refusedN.Add(1)
						time.Sleep(time.Millisecond)
						continue
					}
					broken.Add(1)
					mu.Lock()
					brokenErrs = append(brokenErrs, err.Error())
					mu.Unlock()
					continue
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || !strings.Contains(string(b), `"widget"`) {
					broken.Add(1)
					mu.Lock()
					brokenErrs = append(brokenErrs, fmt.Sprintf("%d %v %.100s", resp.StatusCode, err, b))
					mu.Unlock()
					continue
				}
				ok.Add(1)
			}
		}()
	}
	for ok.Load() < 200 {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	err := <-done
	for refusedN.Load() < 20 {
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("shutdown under load: %d answered, %d refused at connect, %d broken", ok.Load(), refusedN.Load(), broken.Load())
	if err != nil {
		t.Errorf("Run returned %v", err)
	}
	if broken.Load() > 0 {
		t.Errorf("%d requests got a broken answer: %v", broken.Load(), brokenErrs[:min(5, len(brokenErrs))])
	}
}

// TestClientGoneStopsWork: when the client goes away, the request's context reaches the
// store call it is waiting on, and the server logs that the request was cut short.
func TestClientGoneStopsWork(t *testing.T) {
	st := &slowStore{Store: load(t, "../testdata/minimal"), entered: make(chan struct{}, 1),
		release: make(chan struct{}), ended: make(chan error, 1)}
	ts, logs := logged(t, st, server.Config{}, false)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/graphql", strings.NewReader(`{"query":"{ chains { id } }"}`))
		req.Header.Set("Content-Type", "application/json")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	<-st.entered
	cancel()
	guard := time.NewTimer(20 * time.Second) // a "did not hang" guard
	defer guard.Stop()
	select {
	case err := <-st.ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the store call ended with %v", err)
		}
	case <-guard.C:
		t.Fatal("the store call was not cancelled when the client went away")
	}
	for !strings.Contains(logs.String(), "graphql request cut short") {
		select {
		case <-guard.C:
			t.Fatalf("the cut-short request was not logged:\n%s", logs.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
