package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestShutdownGraceFromEnv: CHAINMAP_SHUTDOWN_GRACE sets the grace period unless the flag
// is given, and a malformed value stops serve with a message naming the variable.
func TestShutdownGraceFromEnv(t *testing.T) {
	cases := []struct {
		env, flag string
		want      time.Duration
		bad       bool
	}{
		{"", "", 30 * time.Second, false},
		{"45s", "", 45 * time.Second, false},
		{"45s", "10s", 10 * time.Second, false},
		{"soon", "", 0, true},
		{"-5s", "", 0, true},
	}
	for _, tc := range cases {
		t.Setenv("CHAINMAP_SHUTDOWN_GRACE", tc.env)
		cmd := serveCmd(nil)
		if tc.flag != "" {
			if err := cmd.Flags().Set("shutdown-grace", tc.flag); err != nil {
				t.Fatal(err)
			}
		}
		d, err := cmd.Flags().GetDuration("shutdown-grace")
		if err != nil {
			t.Fatal(err)
		}
		err = durationFromEnv(cmd, "shutdown-grace", "CHAINMAP_SHUTDOWN_GRACE", &d)
		if tc.bad {
			if err == nil {
				t.Errorf("env %q accepted", tc.env)
			}
			continue
		}
		if err != nil || d != tc.want {
			t.Errorf("env %q flag %q: %v %v, want %v", tc.env, tc.flag, d, err, tc.want)
		}
	}
}

// TestTokensFileIsReadSafely: --tokens-file reads a regular file (links followed), and
// refuses a FIFO at once instead of hanging the start, and a file over 1 MiB.
func TestTokensFileIsReadSafely(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "tokens")
	if err := os.WriteFile(good, []byte("admin-token-0123456789:admin\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{good, link} {
		if b, err := readSmallFile(t.Context(), p, 1<<20); err != nil || !strings.Contains(string(b), "admin") {
			t.Errorf("%s: %q, %v", p, b, err)
		}
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := readSmallFile(t.Context(), fifo, 1<<20); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("FIFO: %v", err)
		}
	case <-time.After(30 * time.Second): // a hang guard, not a performance claim
		t.Fatal("reading a FIFO as the tokens file hangs")
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readSmallFile(t.Context(), big, 1<<20); err == nil {
		t.Error("a 2 MiB tokens file was read")
	}
}
