package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/chainmap/chainmap/importer"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func importCmd() *cobra.Command {
	var (
		into, sheet, mapping, review, apply, reviewer string
		dryRun, strict, verbose                       bool
	)
	cmd := &cobra.Command{
		Use:   "import FILE… --into DIR",
		Short: "Add a bureau's enterprise lists (registry exports, 规上名录; CSV or XLSX) to a dataset, placed on the chain (挂链) for review",
		Long: `import reads enterprise lists as bureaus hold them (title and unit rows above the header,
merged cells, GBK, money in 千元/万元/亿元), merges the same firm across files and with the
dataset's enterprises (by credit code, else normalised name), finds each firm's region, and
places it on the chain's segments by the taxonomy's rules. Placed firms are added to DIR as
enterprises with one operation each, marked verification "suggested"; each file becomes a
sources.csv row. Importing the same files again changes nothing.

  --dry-run          report only; write nothing
  --strict           stop, writing nothing, if any row has a problem
  --review FILE      also write a review workbook (one row per placement, with evidence)
  --apply-review F   apply a filled-in review workbook (accept / reject / a segment id)

Every problem is printed as file:line: column: what is wrong. See docs/import.md.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if into == "" {
				return errors.New("--into DIR is required (the dataset folder to add to)")
			}
			out := cmd.OutOrStdout()
			if apply != "" {
				if len(args) > 0 {
					return errors.New("--apply-review takes no list files")
				}
				res, err := importer.ApplyReview(cmd.Context(), apply, into, reviewer, dryRun)
				if res != nil {
					printApply(out, res)
				}
				return err
			}
			if len(args) == 0 {
				return errors.New("name at least one list file (CSV or XLSX)")
			}
			opt := importer.Options{DryRun: dryRun, Strict: strict, Read: importer.ReadOptions{Sheet: sheet}}
			if mapping != "" {
				m, err := readMapping(mapping)
				if err != nil {
					return err
				}
				opt.Read.Mapping = m
			}
			bar := newPlaceProgress(cmd.ErrOrStderr())
			reading := newReadProgress(cmd.ErrOrStderr())
			opt.ReadProgress = func(n int) { reading.update(n, -1) }
			opt.Progress = func(done, total int) {
				reading.finish()
				bar.update(done, total)
			}
			places, perr := newPlaceLines(verbose)
			if perr != nil {
				return perr
			}
			defer places.close()
			opt.OnRow = places.add
			opt.ReviewPath = review
			res, err := importer.Import(cmd.Context(), args, into, opt)
			reading.finish()
			bar.finish()
			if res != nil {
				if perr := printImport(out, res, places); perr != nil && err == nil {
					err = perr
				}
				if review != "" && err == nil {
					fmt.Fprintf(out, "review workbook: %s (%d rows to decide)\n", review, res.Reviewed)
				}
			}
			if err == nil && strict && !res.Report.OK() {
				err = importer.ErrStrict
			}
			if err == nil && res.Firms == 0 && !res.Report.OK() {
				// Nothing could be read at all (every input refused or unreadable): a script
				// must not take that for a list with no firm in it.
				err = errors.New("no firm could be read from the lists: see the problems above")
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&into, "into", "", "dataset folder to add to")
	f.BoolVar(&dryRun, "dry-run", false, "report what would be added; write nothing")
	f.StringVar(&sheet, "sheet", "", "read only this sheet of each workbook")
	f.StringVar(&mapping, "mapping", "", "YAML file naming columns the import does not recognise (see docs/import.md)")
	f.BoolVar(&strict, "strict", false, "write nothing if any row has a problem")
	f.StringVar(&review, "review", "", "write a review workbook (.xlsx) of the placements")
	f.StringVar(&apply, "apply-review", "", "apply a filled-in review workbook")
	f.StringVar(&reviewer, "reviewer", os.Getenv("USER"), "reviewer name recorded with --apply-review")
	f.BoolVarP(&verbose, "verbose", "v", false, "also list firms not placed, and every merge")
	return cmd
}

// placeProgress shows a bar of firms placed on a terminal, and nothing otherwise.
type placeProgress struct{ bar *progressbar.ProgressBar }

func newPlaceProgress(w io.Writer) *placeProgress {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &placeProgress{}
	}
	return &placeProgress{bar: progressbar.NewOptions(-1, progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("placing firms"), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("firms"), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())}
}

// newReadProgress counts the rows read, on a terminal, while the lists are read.
func newReadProgress(w io.Writer) *placeProgress {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &placeProgress{}
	}
	return &placeProgress{bar: progressbar.NewOptions(-1, progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("reading rows"), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())}
}

// update shows done of total (total -1: not known yet).
func (p *placeProgress) update(done, total int) {
	if p.bar == nil {
		return
	}
	if total >= 0 {
		p.bar.ChangeMax(total)
	}
	p.bar.Set(done)
}

// finish clears the bar; later updates show nothing.
func (p *placeProgress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}

func readMapping(path string) (*importer.Mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return importer.ReadMapping(path, f)
}

// placeLines keeps the report's place lines in a temporary file as firms are placed,
// so that they can be printed after the problems, notes and merges without holding a
// million of them.
type placeLines struct {
	f       *os.File
	w       *bufio.Writer
	counts  map[string]int
	verbose bool
	err     error
}

func newPlaceLines(verbose bool) (*placeLines, error) {
	f, err := os.CreateTemp("", "chainmap-import-report-*.txt")
	if err != nil {
		return nil, fmt.Errorf("temporary file for the report: %w", err)
	}
	os.Remove(f.Name())
	return &placeLines{f: f, w: bufio.NewWriterSize(f, 1<<16), counts: map[string]int{}, verbose: verbose}, nil
}

func (pl *placeLines) add(r importer.Row) {
	p := r.Placement
	pl.counts[p.Decision]++
	if p.Decision == importer.Rejected && !pl.verbose {
		return
	}
	state := "added"
	switch {
	case r.Skipped != "":
		state = "not added: " + r.Skipped
	case !r.Written:
		state = "not placed"
	}
	if _, err := fmt.Fprintf(pl.w, "place: %s %s → %s [%s, score %d] %s (%s)\n", r.Entity.ID, r.Entity.Rec.Name,
		orDash(p.Primary), p.Decision, p.Score, p.EvidenceText(), state); err != nil && pl.err == nil {
		pl.err = err
	}
}

func (pl *placeLines) close() { pl.f.Close() }

// printImport prints the problems, notes, merges, the place lines and the summary.
func printImport(out io.Writer, res *importer.Result, pl *placeLines) error {
	rep := res.Report
	for _, p := range rep.Problems {
		fmt.Fprintln(out, p)
	}
	if rep.Dropped > 0 {
		fmt.Fprintf(out, "… and %d more problems\n", rep.Dropped)
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(out, "note:", n)
	}
	for _, m := range rep.Merges {
		fmt.Fprintln(out, "merge:", m)
	}
	err := pl.err
	if err == nil {
		err = pl.w.Flush()
	}
	if err == nil {
		_, err = pl.f.Seek(0, io.SeekStart)
	}
	if err == nil {
		_, err = io.Copy(out, pl.f)
	}
	if err != nil {
		err = fmt.Errorf("temporary file for the report: %w", err)
	}
	counts := pl.counts
	fmt.Fprintf(out, "%d firms: %d confirmed, %d uncertain, %d not on the chain; added %d enterprises, %d operations (suggested), %d sources; %d problems\n",
		res.Firms, counts[importer.Confirmed], counts[importer.Uncertain], counts[importer.Rejected],
		res.AddedEnterprises, res.AddedOperations, res.AddedSources, len(rep.Problems)+rep.Dropped)
	return err
}

func printApply(out io.Writer, res *importer.ApplyResult) {
	for _, p := range res.Problems {
		fmt.Fprintln(out, p)
	}
	fmt.Fprintf(out, "review applied: %d accepted, %d rejected, %d moved to another segment, %d left as they were\n",
		res.Accepted, res.Rejected, res.Moved, res.Unchanged)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
