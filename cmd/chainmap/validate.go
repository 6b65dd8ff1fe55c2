package main

import (
	"fmt"

	"github.com/chainmap/chainmap/loaders"
	"github.com/spf13/cobra"
)

func validateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate DIR",
		Short: "Check a dataset folder and report every problem; writes nothing",
		Long: `validate reads every table of the dataset in DIR and reports every problem it finds,
one per line as file:line: field: what is wrong (unknown references, duplicate ids, cycles,
unit mismatches, out-of-range values, bad coordinates, adcodes or credit codes, encodings).
It exits 1 when there is any problem, 0 otherwise. Nothing is written anywhere.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := loaders.Validate(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, p := range rep.Problems {
				fmt.Fprintln(out, p)
			}
			if rep.Dropped > 0 {
				fmt.Fprintf(out, "… and %d more problems\n", rep.Dropped)
			}
			total := 0
			for _, n := range rep.Rows {
				total += n
			}
			if !rep.OK() {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: %d problem(s) in %d rows\n", args[0], len(rep.Problems)+rep.Dropped, total)
				return exitError{1}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: ok, %d rows in %d tables\n", args[0], total, len(rep.Rows))
			return nil
		},
	}
}
