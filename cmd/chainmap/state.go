package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/boltstore"
	"github.com/chainmap/chainmap/internal/password"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// defaultStatePath is where the embedded store keeps the pipeline's user data when
// --state is not given: under the dataset folder (DIR/.chainmap/state.db) or, for the
// bundled dataset, in the user's state directory ($XDG_STATE_HOME/chainmap/state.db,
// default ~/.local/state/chainmap/state.db). CHAINMAP_STATE overrides both.
func defaultStatePath(dataDir string) (string, error) {
	if p := os.Getenv("CHAINMAP_STATE"); p != "" {
		return p, nil
	}
	if dataDir != "" {
		return filepath.Join(dataDir, ".chainmap", "state.db"), nil
	}
	base := os.Getenv("XDG_STATE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no --state given and no home directory for the default: %w", err)
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "chainmap", "state.db"), nil
}

// stateFlags choose where the pipeline's user data lives: Neo4j when NEO4J_URI is set,
// else a bbolt file.
type stateFlags struct {
	path    string
	dataDir string
	nf      neo4jFlags
}

func (f *stateFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.path, "state", "", "state file of the embedded store (leads, users, audit trail); default DIR/.chainmap/state.db with --data DIR, else ~/.local/state/chainmap/state.db (env CHAINMAP_STATE)")
	cmd.Flags().StringVar(&f.dataDir, "data", "", "dataset folder of the embedded store (sets the default state file)")
	f.nf.register(cmd)
}

// open returns the lead store and a function that closes it.
func (f *stateFlags) open(ctx context.Context, log *slog.Logger) (chainmap.LeadStore, string, func(), error) {
	if f.nf.uri != "" {
		s, err := f.nf.open(ctx, log)
		if err != nil {
			return nil, "", nil, err
		}
		return s, "Neo4j at " + f.nf.uri, func() { s.Close(context.Background()) }, nil
	}
	path := f.path
	if path == "" {
		var err error
		if path, err = defaultStatePath(f.dataDir); err != nil {
			return nil, "", nil, err
		}
	}
	s, err := boltstore.Open(path)
	if err != nil {
		return nil, "", nil, err
	}
	return s, path, func() { s.Close() }, nil
}

func userCmd(logger func() *slog.Logger) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage the accounts that log in to the pipeline"}
	var (
		sf   stateFlags
		role string
	)
	add := &cobra.Command{
		Use:   "add NAME --role viewer|promoter|manager|admin",
		Short: "Add an account; the password is read from the terminal (twice) or the first line of stdin",
		Long: `user add creates an account in the state store (the bbolt file of the embedded store, or
Neo4j when NEO4J_URI is set). Roles: viewer (reads leads), promoter (creates leads, edits
their own), manager (edits all, reassigns, reads the audit trail), admin (accounts, reload).
The password (10 to 256 characters) is stored as an Argon2id hash. The embedded state file
is locked while 'chainmap serve' runs: stop the server, add the user, start it again.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			pw, err := readPassword(cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			hash, err := password.Hash(pw)
			if err != nil {
				return err
			}
			u := &chainmap.User{Name: args[0], Role: chainmap.Role(role), PasswordHash: hash, CreatedAt: time.Now().UTC()}
			if err := u.Validate(); err != nil {
				return err
			}
			st, where, closeFn, err := sf.open(ctx, logger())
			if err != nil {
				return err
			}
			defer closeFn()
			actor := "cli:" + osUser()
			err = st.AddUser(ctx, u, chainmap.AuditEntry{At: u.CreatedAt, Actor: actor, Action: chainmap.ActionUserAdd,
				Subject: u.Name, After: chainmap.AuditJSON(u.AuditView())})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added %s (%s) to %s\n", u.Name, u.Role, where)
			return nil
		},
	}
	add.Flags().StringVar(&role, "role", "", "viewer, promoter, manager or admin")
	add.MarkFlagRequired("role")
	sf.register(add)

	var lf stateFlags
	list := &cobra.Command{
		Use:   "list",
		Short: "List the accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, _, closeFn, err := lf.open(cmd.Context(), logger())
			if err != nil {
				return err
			}
			defer closeFn()
			us, err := st.Users(cmd.Context())
			if err != nil {
				return err
			}
			for _, u := range us {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\n", u.Name, u.Role, u.CreatedAt.Format(time.DateOnly))
			}
			return nil
		},
	}
	lf.register(list)
	cmd.AddCommand(add, list)
	return cmd
}

func osUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// readPassword reads a password from the terminal (asked twice, not echoed) or, when
// stdin is not a terminal, its first line.
func readPassword(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		fmt.Fprint(prompt, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the two passwords differ")
		}
		return string(a), password.Check(string(a))
	}
	line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := password.Check(pw); err != nil {
		return "", err
	}
	return pw, nil
}

// maxBackupBytes bounds the backup file restore reads.
const maxBackupBytes = 1 << 30

func stateCmd(logger func() *slog.Logger) *cobra.Command {
	cmd := &cobra.Command{Use: "state", Short: "Back up and restore the pipeline's user data (leads, follow-ups, audit trail, accounts)"}
	var bf stateFlags
	backup := &cobra.Command{
		Use:   "backup FILE",
		Short: "Write all user data to FILE (JSON, format chainmap-state/1); FILE must not exist",
		Long: `backup reads the user data in one consistent transaction and writes it to FILE through a
temporary file that is synced and renamed, so FILE is either complete or absent. It never
overwrites a file. The embedded state file is locked while 'chainmap serve' runs; with
Neo4j, backups run while the server serves.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, where, closeFn, err := bf.open(cmd.Context(), logger())
			if err != nil {
				return err
			}
			defer closeFn()
			d, err := st.ExportState(cmd.Context())
			if err != nil {
				return err
			}
			if err := exportFiles(cmd.Context(), st, d); err != nil {
				return err
			}
			if err := writeBackup(args[0], d); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backed up %d leads, %d follow-ups, %d audit entries, %d users, %d files from %s to %s\n",
				len(d.Leads), len(d.FollowUps), len(d.Audit), len(d.Users), len(d.Attachments), where, args[0])
			return nil
		},
	}
	bf.register(backup)
	var rf stateFlags
	restore := &cobra.Command{
		Use:   "restore FILE",
		Short: "Restore a backup into an empty state store (never over existing data)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			d := new(chainmap.StateDump)
			dec := json.NewDecoder(io.LimitReader(f, maxBackupBytes))
			dec.DisallowUnknownFields()
			if err := dec.Decode(d); err != nil {
				return fmt.Errorf("%s: not a chainmap state backup: %w", args[0], err)
			}
			if err := d.Validate(); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			st, where, closeFn, err := rf.open(cmd.Context(), logger())
			if err != nil {
				return err
			}
			defer closeFn()
			if err := st.ImportState(cmd.Context(), d); err != nil {
				return err
			}
			if err := importFiles(cmd.Context(), st, d); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored %d leads, %d follow-ups, %d audit entries, %d users, %d files into %s\n",
				len(d.Leads), len(d.FollowUps), len(d.Audit), len(d.Users), len(d.Attachments), where)
			return nil
		},
	}
	rf.register(restore)
	cmd.AddCommand(backup, restore)
	return cmd
}

// writeBackup writes d to path atomically: a temporary file in the same folder, synced,
// then linked to path (which fails if path exists).
func writeBackup(path string, d *chainmap.StateDump) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s exists; choose a new file (a backup never overwrites)", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".chainmap-backup-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	enc := json.NewEncoder(tmp)
	if err := enc.Encode(d); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		dir.Sync()
		dir.Close()
	}
	return nil
}
