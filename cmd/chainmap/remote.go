package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/chainmap/chainmap/boltstore"
	"github.com/spf13/cobra"
)

// remoteFlags send an account or backup command to a running server (its admin
// endpoints) instead of opening the state store, which the embedded server holds locked.
// The admin bearer token comes from CHAINMAP_TOKEN or a file, never from the command line
// (where `ps` would show it).
type remoteFlags struct {
	server    string
	tokenFile string
}

func (f *remoteFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.server, "server", "", "run through a running chainmap server at this URL (e.g. http://127.0.0.1:8080) instead of opening the state store; needs an admin bearer token in CHAINMAP_TOKEN or --token-file")
	cmd.Flags().StringVar(&f.tokenFile, "token-file", "", "file holding the admin bearer token for --server (else env CHAINMAP_TOKEN)")
}

// remoteTimeout bounds one call to the server (a backup of a large state included).
const remoteTimeout = 5 * time.Minute

func (f *remoteFlags) token() (string, error) {
	if f.tokenFile != "" {
		raw, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		return strings.TrimSpace(string(raw)), nil
	}
	if t := os.Getenv("CHAINMAP_TOKEN"); t != "" {
		return t, nil
	}
	return "", errors.New("--server needs an admin bearer token: set CHAINMAP_TOKEN or give --token-file (tokens are configured on the server with CHAINMAP_TOKENS or --tokens-file)")
}

// call sends one request to the server and decodes its JSON answer into out (when not
// nil), at most limit bytes. A refusal comes back as an error quoting the server's
// message and code.
func (f *remoteFlags) call(ctx context.Context, method, path string, in, out any, limit int64) error {
	base, err := url.Parse(f.server)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return fmt.Errorf("--server %q: give the server's URL, e.g. http://127.0.0.1:8080", f.server)
	}
	tok, err := f.token()
	if err != nil {
		return err
	}
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(ctx, remoteTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(base.String(), "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("server %s: %w", base.Host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e struct{ Error, Code string }
		json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e)
		if e.Error == "" {
			e.Error = resp.Status
		}
		return fmt.Errorf("server %s refused: %s (%s, HTTP %d)", base.Host, e.Error, e.Code, resp.StatusCode)
	}
	if out == nil {
		return nil
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, limit))
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("server %s: unexpected answer: %w", base.Host, err)
	}
	return nil
}

// lockedHint turns "the state file is locked" into what to do: the server that holds it
// can run the command (when it has an endpoint for it), or it must be stopped.
func lockedHint(cmd *cobra.Command, err error, remote bool) error {
	if !errors.Is(err, boltstore.ErrLocked) {
		return err
	}
	if remote {
		return fmt.Errorf("%w\nA running chainmap server holds this file. Either run the command through it, e.g.\n  CHAINMAP_TOKEN=<admin token> %s --server http://127.0.0.1:8080\nor stop the server and run it again", err, strings.Join(append([]string{cmd.CommandPath()}, cmd.Flags().Args()...), " "))
	}
	return fmt.Errorf("%w\nA running chainmap server holds this file: stop it and run the command again", err)
}
