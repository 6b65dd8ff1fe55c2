package main

import (
	"fmt"
	"os"
	"time"

	"github.com/chainmap/chainmap/importer"
	"github.com/chainmap/chainmap/synth"
	"github.com/spf13/cobra"
)

func genCmd() *cobra.Command {
	var (
		n        int
		seed     int64
		out      string
		listRows int
		listOut  string
	)
	cmd := &cobra.Command{
		Use:   "gen --enterprises N --seed S --out DIR | gen --list-rows N --list-out FILE",
		Short: "Generate a deterministic synthetic dataset, or a registry-style enterprise list for chainmap import, for benchmarks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if listOut != "" {
				return runGenList(cmd, listRows, seed, listOut)
			}
			if out == "" {
				return fmt.Errorf("--out DIR (a dataset) or --list-out FILE (a list) is required")
			}
			return runGen(cmd, n, seed, out)
		},
	}
	cmd.Flags().IntVar(&n, "enterprises", 10000, "number of enterprises")
	cmd.Flags().Int64Var(&seed, "seed", 1, "random seed (same seed, same dataset)")
	cmd.Flags().StringVar(&out, "out", "", "output folder (created)")
	cmd.Flags().IntVar(&listRows, "list-rows", 100000, "rows of the enterprise list written by --list-out")
	cmd.Flags().StringVar(&listOut, "list-out", "", "write a synthetic registry-style enterprise list (CSV, invented firms) instead of a dataset")
	return cmd
}

func runGenList(cmd *cobra.Command, n int, seed int64, path string) error {
	start := time.Now()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := importer.WriteSyntheticList(f, n, uint64(seed)); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "generated %s: %d invented firms in %s (synthetic, seed %d)\n", path, n, time.Since(start).Round(time.Millisecond), seed)
	return nil
}

func runGen(cmd *cobra.Command, n int, seed int64, out string) error {
	start := time.Now()
	st, err := synth.Generate(out, synth.Options{Enterprises: n, Seed: seed})
	if err != nil {
		return err
	}
	total := 0
	for _, v := range st.Rows {
		total += v
	}
	fmt.Fprintf(cmd.OutOrStdout(), "generated %s: %d enterprises, %d rows in %s (synthetic, seed %d)\n",
		out, st.Rows["enterprises"], total, time.Since(start).Round(time.Millisecond), seed)
	return nil
}
