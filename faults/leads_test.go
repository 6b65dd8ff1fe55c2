package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chainmap/chainmap/internal/neotest"
)

// TestKilledServerKeepsAcknowledgedLeads kills `chainmap serve` (embedded store, bbolt
// state) with SIGKILL while 8 clients create leads, restarts it on the same state file,
// and checks that every lead whose creation was acknowledged is there, with its audit
// entry.
func TestKilledServerKeepsAcknowledgedLeads(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	bin := neotest.BuildChainmap(t)
	state := filepath.Join(t.TempDir(), "state.db")
	env := append(os.Environ(), "NEO4J_URI=", "CHAINMAP_STATE="+state,
		"CHAINMAP_TOKENS=tok-writer-0123456789:promoter:writer,tok-boss-0123456789:manager:boss")
	start := func() (*exec.Cmd, string, *bytes.Buffer) {
		port := neotest.FreePort(t)
		cmd := exec.Command(bin, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port))
		cmd.Env = env
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		for begin := time.Now(); ; time.Sleep(50 * time.Millisecond) {
			if resp, err := http.Get(base + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			if time.Since(begin) > 2*time.Minute { // a hang guard, not a performance claim
				t.Fatalf("serve not ready:\n%s", logs.String())
			}
		}
		return cmd, base, &logs
	}
	gql := func(base, token, query string) (map[string]any, error) {
		body, _ := json.Marshal(map[string]any{"query": query})
		req, _ := http.NewRequest("POST", base+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var out struct {
			Data   map[string]any
			Errors []any
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return nil, err
		}
		if resp.StatusCode != 200 || len(out.Errors) > 0 || out.Data == nil {
			return nil, fmt.Errorf("status %d, errors %v", resp.StatusCode, out.Errors)
		}
		return out.Data, nil
	}

	cmd, base, _ := start()
	var (
		mu    sync.Mutex
		acked []string
		stop  atomic.Bool
		wg    sync.WaitGroup
	)
	const writers = 8
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				data, err := gql(base, "tok-writer-0123456789", fmt.Sprintf(
					`mutation { createLead(input: {firmName: "写入%d-%d", segment: "U1", region: "410181"}) { id } }`, w, i))
				if err != nil {
					if stop.Load() {
						return
					}
					continue
				}
				id, _ := data["createLead"].(map[string]any)["id"].(string)
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			}
		}()
	}
	for begin := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 {
			break
		}
		if time.Since(begin) > 3*time.Minute {
			stop.Store(true)
			t.Fatalf("only %d leads acknowledged in 3 minutes", n)
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	stop.Store(true)
	wg.Wait()
	mu.Lock()
	ackedAtKill := append([]string(nil), acked...)
	mu.Unlock()

	_, base, logs := start()
	have := map[string]bool{}
	after := ""
	for {
		q := `{ leads(first: 500` + after + `) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`
		data, err := gql(base, "tok-boss-0123456789", q)
		if err != nil {
			t.Fatalf("list after restart: %v\n%s", err, logs.String())
		}
		conn := data["leads"].(map[string]any)
		for _, e := range conn["edges"].([]any) {
			have[e.(map[string]any)["node"].(map[string]any)["id"].(string)] = true
		}
		pi := conn["pageInfo"].(map[string]any)
		if pi["hasNextPage"] != true {
			break
		}
		after = fmt.Sprintf(", after: %q", pi["endCursor"])
	}
	lost := 0
	for _, id := range ackedAtKill {
		if !have[id] {
			lost++
		}
	}
	data, err := gql(base, "tok-boss-0123456789", `{ auditTrail(first: 1000) { seq } }`)
	if err != nil {
		t.Fatal(err)
	}
	audit := len(data["auditTrail"].([]any))
	t.Logf("%d creations acknowledged before SIGKILL, %d leads after restart, %d audit entries, %d lost",
		len(ackedAtKill), len(have), audit, lost)
	if lost > 0 {
		t.Errorf("%d acknowledged leads lost after kill -9", lost)
	}
	if len(have) < len(ackedAtKill) || len(have) > len(ackedAtKill)+writers {
		t.Errorf("%d leads after restart: at least the %d acknowledged, at most %d in flight more",
			len(have), len(ackedAtKill), writers)
	}
	if audit != min(len(have), 1000) {
		t.Errorf("%d audit entries for %d leads", audit, len(have))
	}
}
