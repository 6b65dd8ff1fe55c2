package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/spf13/cobra"
)

func leadsCmd(logger func() *slog.Logger) *cobra.Command {
	cmd := &cobra.Command{Use: "leads", Short: "Work with the pipeline's leads from the command line"}
	var (
		sf     stateFlags
		stages []string
		into   string
	)
	export := &cobra.Command{
		Use:   "export --stage 投产 --into DIR",
		Short: "Write the leads at a stage as dataset rows (sources, enterprises, operations, projects) for the next dataset version",
		Long: `export writes, for every lead at the given stages (default 投产), a source row naming the
lead, an enterprise row when it is a new firm, its operation in the segment (verification
"suggested": a reviewer confirms it) and its project, every row citing the lead's source.
The files (sources.csv, enterprises.csv, operations.csv, projects.csv) use the dataset
format's columns; append their rows to the next version of the dataset. DIR must be new or
empty: nothing is overwritten.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			log := logger()
			if err := emptyDir(into); err != nil {
				return err
			}
			var want []chainmap.LeadStage
			for _, s := range stages {
				st := chainmap.LeadStage(s)
				if !st.Valid() {
					return fmt.Errorf("--stage %q is not one of 线索 接洽 考察 洽谈 签约 注册 开工 投产 搁置 终止", s)
				}
				want = append(want, st)
			}
			data, _, closeData, err := openServeStore(ctx, log, &sf.nf, sf.dataDir)
			if err != nil {
				return err
			}
			defer closeData()
			st, _, closeFn, err := sf.open(ctx, log)
			if err != nil {
				return err
			}
			defer closeFn()
			var leads []*chainmap.Lead
			q := chainmap.LeadQuery{Stages: want, First: chainmap.MaxLeadPage}
			for {
				page, err := st.Leads(ctx, q)
				if err != nil {
					return err
				}
				leads = append(leads, page.Leads...)
				if !page.HasNext {
					break
				}
				q.After = page.EndCursor
			}
			if err := chainmap.FlagMissing(ctx, data, leads); err != nil {
				return err
			}
			parks, err := data.Parks(ctx, chainmap.ParkQuery{})
			if err != nil {
				return err
			}
			parkRegion := map[string]string{}
			for _, p := range parks {
				if len(p.Regions) > 0 {
					parkRegion[p.ID] = p.Regions[0]
				}
			}
			rows, skipped := chainmap.BuildLeadRows(leads, parkRegion, time.Now())
			for _, s := range skipped {
				fmt.Fprintln(cmd.ErrOrStderr(), "skipped", s)
			}
			if err := os.MkdirAll(into, 0o755); err != nil {
				return err
			}
			for _, t := range []struct {
				file string
				cols []string
				rows any
			}{
				{"sources.csv", []string{"id", "title", "publisher", "date", "url", "licence", "kind", "note"}, rows.Sources},
				{"enterprises.csv", []string{"id", "name_zh", "credit_code", "region", "park", "status", "sources", "confidence"}, rows.Enterprises},
				{"operations.csv", []string{"enterprise", "segment", "role", "capacity", "capacity_unit", "capacity_year", "evidence",
					"verification", "sources", "confidence"}, rows.Operations},
				{"projects.csv", []string{"id", "name_zh", "enterprise", "park", "region", "segments", "capacity", "capacity_unit",
					"investment", "stage", "start_year", "end_year", "sources", "confidence"}, rows.Projects},
			} {
				if err := writeRows(filepath.Join(into, t.file), t.cols, t.rows); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d leads as %d sources, %d enterprises, %d operations, %d projects to %s\n",
				len(leads)-len(skipped), len(rows.Sources), len(rows.Enterprises), len(rows.Operations), len(rows.Projects), into)
			return nil
		},
	}
	export.Flags().StringSliceVar(&stages, "stage", []string{string(chainmap.LeadProduction)}, "stages to export (repeatable)")
	export.Flags().StringVar(&into, "into", "", "folder to write (new or empty)")
	export.MarkFlagRequired("into")
	sf.register(export)
	cmd.AddCommand(export)
	return cmd
}

func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty; export writes into a new or empty folder", dir)
	}
	return nil
}

// writeRows writes records as CSV with the given columns, read from each record's JSON
// form (whose names are the dataset's columns); lists are joined with ';'.
func writeRows(path string, cols []string, records any) error {
	raw, err := json.Marshal(records)
	if err != nil {
		return err
	}
	var rows []map[string]any
	if err := json.Unmarshal(raw, &rows); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write(cols)
	for _, r := range rows {
		rec := make([]string, len(cols))
		for i, c := range cols {
			rec[i] = cellText(r[c])
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = cellText(p)
		}
		return strings.Join(parts, ";")
	}
	return fmt.Sprint(v)
}
