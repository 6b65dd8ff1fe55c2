package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/loaders"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func loadCmd(logger func() *slog.Logger) *cobra.Command {
	var (
		nf        neo4jFlags
		prune     bool
		dryRun    bool
		replace   bool
		batchSize int
		noBar     bool
	)
	cmd := &cobra.Command{
		Use:   "load DIR",
		Short: "Validate a dataset folder and load it into Neo4j",
		Long: `load validates the dataset in DIR first and writes nothing if it has any problem.
It then creates constraints and indexes, and writes in batches (UNWIND + MERGE on unique
ids). Loading the same data again changes nothing; a load that was interrupted (killed,
or Neo4j went away) is completed by running it again.

  --prune    also remove what the dataset no longer contains
  --dry-run  report what would be created, updated and removed, and write nothing
  --replace  delete every chainmap node first (all datasets), then load

Neo4j is given by NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD and NEO4J_DATABASE (or flags).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			log := logger()
			ctx := cmd.Context()
			if nf.uri == "" {
				return errors.New("load needs Neo4j: set NEO4J_URI (e.g. bolt://127.0.0.1:7687; scripts/neo4j.sh start runs one locally)")
			}
			if replace && dryRun {
				return errors.New("--replace and --dry-run cannot be combined")
			}
			d, err := loaders.Open(args[0])
			if err != nil {
				return reportLoadError(err)
			}
			store, err := nf.open(ctx, log)
			if err != nil {
				return err
			}
			defer store.Close(ctx)
			if replace {
				if err := store.Reset(ctx); err != nil {
					return err
				}
			}
			if st, _ := store.LoadStatus(ctx, d.Manifest.ID); st == "loading" {
				fmt.Fprintf(cmd.ErrOrStderr(), "The previous load of %s did not finish; this load completes it.\n", d.Manifest.ID)
			}
			start := time.Now()
			prog := newProgress(cmd.ErrOrStderr(), !noBar)
			rep, err := d.Load(ctx, store, loaders.Options{BatchSize: batchSize, Progress: prog.update, Prune: prune, DryRun: dryRun})
			prog.finish()
			if err != nil {
				if chainmap.ErrorCode(err) == chainmap.EUNAVAILABLE {
					fmt.Fprintf(cmd.ErrOrStderr(), "Neo4j at %s became unavailable during the load; what was written stays, "+
						"the dataset is marked as loading. Run the same command again once Neo4j is back: it completes the load.\n", nf.uri)
				}
				return reportLoadError(err)
			}
			elapsed := time.Since(start)
			printSummary(cmd.OutOrStdout(), rep, elapsed, dryRun)
			return nil
		},
	}
	nf.register(cmd)
	cmd.Flags().BoolVar(&prune, "prune", false, "remove what the dataset no longer contains")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "report what would change and write nothing")
	cmd.Flags().BoolVar(&replace, "replace", false, "delete every chainmap node (all datasets) before loading")
	cmd.Flags().IntVar(&batchSize, "batch-size", 2000, "rows per write transaction")
	cmd.Flags().BoolVar(&noBar, "no-progress", false, "never show a progress bar")
	return cmd
}

// reportLoadError prints every validation problem and turns the error into exit 1.
func reportLoadError(err error) error {
	var ve *loaders.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Report.Problems {
			fmt.Fprintln(os.Stderr, p)
		}
		if ve.Report.Dropped > 0 {
			fmt.Fprintf(os.Stderr, "… and %d more problems\n", ve.Report.Dropped)
		}
		fmt.Fprintf(os.Stderr, "chainmap: %d problem(s); nothing was written\n", len(ve.Report.Problems)+ve.Report.Dropped)
		return exitError{1}
	}
	return err
}

// progress shows a bar with rows per second on a terminal, and nothing otherwise.
type progress struct {
	bar  *progressbar.ProgressBar
	last map[chainmap.Kind]int
}

func newProgress(w io.Writer, want bool) *progress {
	p := &progress{last: map[chainmap.Kind]int{}}
	f, ok := w.(*os.File)
	if !want || !ok || !term.IsTerminal(int(f.Fd())) {
		return p
	}
	p.bar = progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("loading"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	return p
}

func (p *progress) update(k chainmap.Kind, written int) {
	if p.bar == nil {
		return
	}
	p.bar.Describe("loading " + string(k))
	p.bar.Add(written - p.last[k])
	p.last[k] = written
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

func printSummary(w io.Writer, rep *loaders.Report, elapsed time.Duration, dryRun bool) {
	verb := "loaded"
	if dryRun {
		verb = "dry run (nothing written)"
	}
	total := 0
	for _, n := range rep.Rows {
		total += n
	}
	fmt.Fprintf(w, "%s: %d rows in %s (%.0f rows/s)\n", verb, total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds())
	fmt.Fprintf(w, "%-14s %8s %8s %8s %8s\n", "kind", "rows", "created", "updated", "removed")
	var c, u, r int
	for _, k := range chainmap.Kinds {
		ch := rep.Changes[k]
		if rep.Rows[k] == 0 && ch.Removed == 0 {
			continue
		}
		fmt.Fprintf(w, "%-14s %8d %8d %8d %8d\n", k, rep.Rows[k], ch.Created, ch.Updated, ch.Removed)
		c, u, r = c+ch.Created, u+ch.Updated, r+ch.Removed
	}
	fmt.Fprintf(w, "%-14s %8d %8d %8d %8d\n", "total", total, c, u, r)
}
