package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
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
		rf   remoteFlags
		role string
	)
	add := &cobra.Command{
		Use:   "add NAME --role viewer|promoter|manager|admin",
		Short: "Add an account; the password is read from the terminal (twice) or the first line of stdin",
		Long: `user add creates an account in the state store (the bbolt file of the embedded store, or
Neo4j when NEO4J_URI is set). Roles: viewer (reads leads), promoter (creates leads, edits
their own), manager (edits all, reassigns, reads the audit trail), admin (accounts, reload).
The password (10 to 256 characters) is stored as an Argon2id hash.

The embedded state file is locked while 'chainmap serve' runs: then add the account
through the server, with --server URL and an admin bearer token in CHAINMAP_TOKEN (or
--token-file), or stop the server first. The first admin is added with the server stopped.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			u := &chainmap.User{Name: args[0], Role: chainmap.Role(role), PasswordHash: "-"}
			if err := u.Validate(); err != nil {
				return err
			}
			pw, err := readPassword(cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if rf.server != "" {
				var out struct{ Name, Role string }
				if err := rf.call(ctx, "POST", "/admin/users", map[string]string{"name": u.Name, "role": role, "password": pw}, &out, 64<<10); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "added %s (%s) through %s\n", out.Name, out.Role, rf.server)
				return nil
			}
			hash, err := password.Hash(pw)
			if err != nil {
				return err
			}
			st, where, closeFn, err := sf.open(ctx, logger())
			if err != nil {
				return lockedHint(cmd, err, true)
			}
			defer closeFn()
			if _, err := (&chainmap.Accounts{Store: st}).AddUser(cliAdmin(ctx), u.Name, u.Role, hash); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added %s (%s) to %s\n", u.Name, u.Role, where)
			return nil
		},
	}
	add.Flags().StringVar(&role, "role", "", "viewer, promoter, manager or admin")
	add.MarkFlagRequired("role")
	sf.register(add)
	rf.register(add)

	var (
		ssf, lf              stateFlags
		srf, lrf             remoteFlags
		setRole              string
		disable, enable, pwd bool
	)
	set := &cobra.Command{
		Use:   "set NAME [--role ROLE] [--disable | --enable] [--password]",
		Short: "Change an account: its role, disable or enable it, or set a new password (from the terminal or stdin); its sessions end",
		Long: `user set changes an account. Every session of the account ends, so the change applies at
its next request. The last enabled admin can be neither demoted nor disabled. Like user
add, it runs through a running server with --server URL (admin token in CHAINMAP_TOKEN or
--token-file), or on the state store when no server holds it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if disable && enable {
				return errors.New("give --disable or --enable, not both")
			}
			body := map[string]any{}
			var e chainmap.UserEdit
			if setRole != "" {
				r := chainmap.Role(setRole)
				if !r.Valid() {
					return fmt.Errorf("--role: %q is not one of viewer, promoter, manager, admin", setRole)
				}
				e.Role, body["role"] = &r, setRole
			}
			if disable || enable {
				e.Disabled, body["disabled"] = &disable, disable
			}
			var pw string
			if pwd {
				var err error
				if pw, err = readPassword(cmd.InOrStdin(), cmd.ErrOrStderr()); err != nil {
					return err
				}
				body["password"] = pw
			}
			if len(body) == 0 {
				return errors.New("nothing to change: give --role, --disable, --enable or --password")
			}
			var out struct {
				Name, Role string
				Disabled   bool
			}
			if srf.server != "" {
				if err := srf.call(ctx, "PATCH", "/admin/users/"+url.PathEscape(args[0]), body, &out, 64<<10); err != nil {
					return err
				}
			} else {
				if pwd {
					hash, err := password.Hash(pw)
					if err != nil {
						return err
					}
					e.PasswordHash = &hash
				}
				st, _, closeFn, err := ssf.open(ctx, logger())
				if err != nil {
					return lockedHint(cmd, err, true)
				}
				defer closeFn()
				u, err := (&chainmap.Accounts{Store: st}).UpdateUser(cliAdmin(ctx), args[0], e)
				if err != nil {
					return err
				}
				out.Name, out.Role, out.Disabled = u.Name, string(u.Role), u.Disabled
			}
			state := "enabled"
			if out.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is now %s, %s; their sessions have ended\n", out.Name, out.Role, state)
			return nil
		},
	}
	set.Flags().StringVar(&setRole, "role", "", "new role: viewer, promoter, manager or admin")
	set.Flags().BoolVar(&disable, "disable", false, "disable the account (it cannot log in; its sessions end)")
	set.Flags().BoolVar(&enable, "enable", false, "enable a disabled account")
	set.Flags().BoolVar(&pwd, "password", false, "set a new password, read from the terminal (twice) or the first line of stdin")
	ssf.register(set)
	srf.register(set)

	list := &cobra.Command{
		Use:   "list",
		Short: "List the accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			type row struct {
				Name, Role, CreatedAt string
				Disabled              bool
			}
			var rows []row
			if lrf.server != "" {
				var out struct{ Users []row }
				if err := lrf.call(cmd.Context(), "GET", "/admin/users", nil, &out, 64<<20); err != nil {
					return err
				}
				rows = out.Users
			} else {
				st, _, closeFn, err := lf.open(cmd.Context(), logger())
				if err != nil {
					return lockedHint(cmd, err, true)
				}
				defer closeFn()
				us, err := st.Users(cmd.Context())
				if err != nil {
					return err
				}
				for _, u := range us {
					rows = append(rows, row{u.Name, string(u.Role), u.CreatedAt.Format(time.RFC3339), u.Disabled})
				}
			}
			for _, r := range rows {
				day, _, _ := strings.Cut(r.CreatedAt, "T")
				line := fmt.Sprintf("%s\t%s\t%s", r.Name, r.Role, day)
				if r.Disabled {
					line += "\tdisabled"
				}
				fmt.Fprintln(cmd.OutOrStdout(), line)
			}
			return nil
		},
	}
	lf.register(list)
	lrf.register(list)
	cmd.AddCommand(add, set, list)
	return cmd
}

// cliAdmin is the actor of an account command run on the state store itself: whoever
// can open the store's file (or holds the Neo4j credentials) administers it.
func cliAdmin(ctx context.Context) context.Context {
	return chainmap.WithActor(ctx, chainmap.Actor{Name: "cli:" + osUser(), Role: chainmap.RoleAdmin})
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
	var (
		bf  stateFlags
		brf remoteFlags
	)
	backup := &cobra.Command{
		Use:   "backup FILE",
		Short: "Write all user data to FILE (JSON, format chainmap-state/1); FILE must not exist",
		Long: `backup reads the user data in one consistent transaction and writes it to FILE through a
temporary file that is synced and renamed, so FILE is either complete or absent. It never
overwrites a file. The embedded state file is locked while 'chainmap serve' runs: then
back up through the server with --server URL (GET /admin/state/backup, an admin bearer
token in CHAINMAP_TOKEN or --token-file), which reads it in one transaction while it
serves. With Neo4j, backups also run directly while the server serves.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := os.Lstat(args[0]); err == nil {
				return fmt.Errorf("%s exists; choose a new file (a backup never overwrites)", args[0])
			}
			var (
				d     *chainmap.StateDump
				where string
			)
			if brf.server != "" {
				d, where = new(chainmap.StateDump), brf.server
				if err := brf.call(cmd.Context(), "GET", "/admin/state/backup", nil, d, maxBackupBytes); err != nil {
					return err
				}
				if err := d.Validate(); err != nil {
					return fmt.Errorf("the server's backup does not check out: %w", err)
				}
			} else {
				st, w, closeFn, err := bf.open(cmd.Context(), logger())
				if err != nil {
					return lockedHint(cmd, err, true)
				}
				defer closeFn()
				if d, err = chainmap.BackupState(cmd.Context(), st); err != nil {
					return err
				}
				where = w
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
	brf.register(backup)
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
				return lockedHint(cmd, err, false)
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
