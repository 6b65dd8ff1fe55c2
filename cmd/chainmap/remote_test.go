package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/boltstore"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
	"github.com/chainmap/chainmap/server"
)

// TestAccountCommandsWhileServing: while a server holds the embedded state file, the
// account and backup commands say what to do, and with --server run through it.
func TestAccountCommandsWhileServing(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	if out, err := run(t, "correct horse battery\n", "user", "add", "root", "--role", "admin", "--state", state); err != nil {
		t.Fatalf("first admin: %v\n%s", err, out)
	}
	st, err := boltstore.Open(state) // the serving process holds the file from here on
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mem := memstore.New()
	if _, err := loaders.Load(context.Background(), "../../testdata/minimal", mem, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	tokens, _ := server.ParseTokens("admin-token-0123456789:admin:root,viewer-token-0123456789:viewer")
	ts := httptest.NewServer(server.New(server.Config{Pipeline: &chainmap.Pipeline{Data: mem, Leads: st}, Tokens: tokens,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, mem, nil).Handler())
	defer ts.Close()

	for _, args := range [][]string{
		{"user", "add", "wang", "--role", "promoter", "--state", state},
		{"user", "set", "root", "--disable", "--state", state},
		{"user", "list", "--state", state},
		{"state", "backup", filepath.Join(dir, "b0.json"), "--state", state},
	} {
		out, err := run(t, "correct horse battery\n", args...)
		if err == nil || !strings.Contains(err.Error(), "locked") || !strings.Contains(err.Error(), "--server http://") ||
			!strings.Contains(err.Error(), "stop the server") {
			t.Errorf("%v while serving: %v\n%s", args, err, out)
		}
	}
	if _, err := run(t, "", "state", "restore", filepath.Join(dir, "none.json"), "--state", state); err == nil {
		t.Error("restore of a missing file")
	}

	srv := []string{"--server", ts.URL}
	t.Setenv("CHAINMAP_TOKEN", "")
	if _, err := run(t, "correct horse battery\n", append([]string{"user", "add", "wang", "--role", "promoter"}, srv...)...); err == nil ||
		!strings.Contains(err.Error(), "CHAINMAP_TOKEN") {
		t.Errorf("--server without a token: %v", err)
	}
	t.Setenv("CHAINMAP_TOKEN", "viewer-token-0123456789")
	if _, err := run(t, "correct horse battery\n", append([]string{"user", "add", "wang", "--role", "promoter"}, srv...)...); err == nil ||
		!strings.Contains(err.Error(), "FORBIDDEN") {
		t.Errorf("--server with a viewer's token: %v", err)
	}
	t.Setenv("CHAINMAP_TOKEN", "admin-token-0123456789")
	if out, err := run(t, "correct horse battery\n", append([]string{"user", "add", "wang", "--role", "promoter"}, srv...)...); err != nil ||
		!strings.Contains(out, "added wang (promoter)") {
		t.Fatalf("user add --server: %v\n%s", err, out)
	}
	if out, err := run(t, "", append([]string{"user", "set", "wang", "--role", "manager"}, srv...)...); err != nil ||
		!strings.Contains(out, "wang is now manager, enabled") {
		t.Fatalf("user set --server: %v\n%s", err, out)
	}
	if out, err := run(t, "", append([]string{"user", "set", "root", "--role", "viewer"}, srv...)...); err == nil ||
		!strings.Contains(err.Error(), "last enabled admin") {
		t.Errorf("demoting the last admin through the server: %v\n%s", err, out)
	}
	tokFile := filepath.Join(dir, "token")
	os.WriteFile(tokFile, []byte("admin-token-0123456789\n"), 0o600)
	t.Setenv("CHAINMAP_TOKEN", "")
	out, err := run(t, "", append([]string{"user", "list", "--token-file", tokFile}, srv...)...)
	if err != nil || !strings.Contains(out, "wang\tmanager\t") || !strings.Contains(out, "root\tadmin\t") {
		t.Fatalf("user list --server: %v\n%s", err, out)
	}
	backup := filepath.Join(dir, "backup.json")
	if out, err := run(t, "", append([]string{"state", "backup", backup, "--token-file", tokFile}, srv...)...); err != nil ||
		!strings.Contains(out, "2 users") {
		t.Fatalf("state backup --server: %v\n%s", err, out)
	}
	if _, err := run(t, "", append([]string{"state", "backup", backup, "--token-file", tokFile}, srv...)...); err == nil {
		t.Error("a backup through the server overwrote a file")
	}
	raw, _ := os.ReadFile(backup)
	var d chainmap.StateDump
	if err := json.Unmarshal(raw, &d); err != nil || len(d.Users) != 2 || len(d.Audit) != 3 {
		t.Fatalf("backup file: %v, %d users, %d audit entries", err, len(d.Users), len(d.Audit))
	}
	// The backup restores into a new state file, accounts and all.
	restored := filepath.Join(dir, "restored.db")
	if out, err := run(t, "", "state", "restore", backup, "--state", restored); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if out, err := run(t, "", "user", "list", "--state", restored); err != nil || !strings.Contains(out, "wang\tmanager") {
		t.Errorf("restored users: %v\n%s", err, out)
	}
	// Without a server, the same commands work on the file once it is free.
	st.Close()
	if out, err := run(t, "", "user", "set", "wang", "--disable", "--state", state); err != nil || !strings.Contains(out, "disabled") {
		t.Errorf("user set on the file: %v\n%s", err, out)
	}
}
