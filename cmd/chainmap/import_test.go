package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/chainmap/chainmap/internal/neotest"
)

// runArgs executes the chainmap command line with no input and returns its output and
// error (state_test.go's run, with stdin).
func runArgs(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return run(t, "", args...)
}

// TestImportCommand runs the walk-through of docs/import.md on the example lists.
func TestImportCommand(t *testing.T) {
	dir := neotest.CopyDataset(t, "../../data/zhengzhou-aluminium")
	ex := "../../testdata/import-example/"
	review := filepath.Join(t.TempDir(), "review.xlsx")
	out, err := runArgs(t, "import", ex+"registry-export.csv", ex+"规上企业名录.xlsx", "--into", dir, "--review", review)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		`registry-export.csv:3: 统一社会信用代码: "91410181MA46EXAM1X" fails its GB 32100 check character: kept aside, not trusted`,
		"→ E1.wheel [confirmed, score 5]",
		"8 firms: 3 confirmed, 1 uncertain, 4 not on the chain; added 4 enterprises, 4 operations (suggested), 2 sources; 2 problems",
		"review workbook: " + review,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if out, err := runArgs(t, "validate", dir); err != nil {
		t.Errorf("the dataset does not validate after the import: %v\n%s", err, out)
	}
	out, err = runArgs(t, "import", "--apply-review", review, "--into", dir, "--reviewer", "tester")
	if err != nil || !strings.Contains(out, "review applied: 0 accepted, 0 rejected, 0 moved to another segment, 7 left as they were") {
		t.Errorf("apply of an undecided review: %v\n%s", err, out)
	}
	// --strict with a problem in the lists: exit error, nothing written.
	before, _ := os.ReadFile(filepath.Join(dir, "enterprises.csv"))
	_, err = runArgs(t, "import", ex+"registry-export.csv", "--into", dir, "--strict")
	if err == nil || !strings.Contains(err.Error(), "--strict") {
		t.Errorf("--strict with problems: err = %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "enterprises.csv"))
	if !bytes.Equal(before, after) {
		t.Error("--strict with problems wrote enterprises.csv")
	}
	if _, err := runArgs(t, "import", ex+"registry-export.csv"); err == nil || !strings.Contains(err.Error(), "--into DIR is required") {
		t.Errorf("missing --into: %v", err)
	}
}

// TestImportOfNothingReadableFails: when no input could be read at all (a FIFO, a missing
// file), the command exits non-zero instead of reporting "0 firms" with success, which a
// script would take for an empty list.
func TestImportOfNothingReadableFails(t *testing.T) {
	dir := neotest.CopyDataset(t, "../../data/zhengzhou-aluminium")
	fifo := filepath.Join(t.TempDir(), "list.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{fifo, filepath.Join(t.TempDir(), "missing.csv")} {
		out, err := runArgs(t, "import", in, "--into", dir, "--dry-run")
		if err == nil || !strings.Contains(err.Error(), "no firm could be read") {
			t.Errorf("%s: err %v\n%s", filepath.Base(in), err, out)
		}
	}
}
