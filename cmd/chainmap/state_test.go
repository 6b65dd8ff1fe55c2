package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/boltstore"
	"github.com/chainmap/chainmap/internal/password"
)

func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	t.Setenv("NEO4J_URI", "")
	t.Setenv("CHAINMAP_STATE", "")
	root := rootCmd()
	var out bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&out)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestUserAddAndStateBackup(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	if out, err := run(t, "correct horse battery\n", "user", "add", "wang", "--role", "promoter", "--state", state); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	for _, c := range []struct {
		stdin string
		args  []string
	}{
		{"correct horse battery\n", []string{"user", "add", "wang", "--role", "admin", "--state", state}}, // exists
		{"correct horse battery\n", []string{"user", "add", "li", "--role", "root", "--state", state}},    // role
		{"short\n", []string{"user", "add", "li", "--role", "viewer", "--state", state}},                  // password
		{"correct horse battery\n", []string{"user", "add", "a b", "--role", "viewer", "--state", state}},
	} {
		if _, err := run(t, c.stdin, c.args...); err == nil {
			t.Errorf("%v accepted", c.args)
		}
	}
	backup := filepath.Join(dir, "backup.json")
	if out, err := run(t, "", "state", "backup", backup, "--state", state); err != nil || !strings.Contains(out, "1 users") {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if _, err := run(t, "", "state", "backup", backup, "--state", state); err == nil {
		t.Error("a backup overwrote a file")
	}
	restored := filepath.Join(dir, "restored.db")
	if out, err := run(t, "", "state", "restore", backup, "--state", restored); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if _, err := run(t, "", "state", "restore", backup, "--state", restored); err == nil {
		t.Error("a restore went over existing data")
	}
	st, err := boltstore.Open(restored)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.User(context.Background(), "wang")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := password.Verify("correct horse battery", u.PasswordHash); !ok || err != nil || u.Role != "promoter" {
		t.Errorf("restored user %s/%s cannot log in: %v %v", u.Name, u.Role, ok, err)
	}
	if es, _ := st.Audit(context.Background(), chainmapAuditAll()); len(es) != 1 || strings.Contains(es[0].After, "argon2") {
		t.Errorf("audit after restore: %+v (the hash must never be in the audit trail)", es)
	}
}

func chainmapAuditAll() chainmap.AuditQuery { return chainmap.AuditQuery{} }
