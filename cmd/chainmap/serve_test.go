package main

import (
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
