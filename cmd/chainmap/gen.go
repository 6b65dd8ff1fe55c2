package main

import (
	"fmt"
	"time"

	"github.com/chainmap/chainmap/synth"
	"github.com/spf13/cobra"
)

func genCmd() *cobra.Command {
	var (
		n    int
		seed int64
		out  string
	)
	cmd := &cobra.Command{
		Use:   "gen --enterprises N --seed S --out DIR",
		Short: "Generate a deterministic synthetic dataset of any size, for benchmarks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runGen(cmd, n, seed, out)
		},
	}
	cmd.Flags().IntVar(&n, "enterprises", 10000, "number of enterprises")
	cmd.Flags().Int64Var(&seed, "seed", 1, "random seed (same seed, same dataset)")
	cmd.Flags().StringVar(&out, "out", "", "output folder (created)")
	cmd.MarkFlagRequired("out")
	return cmd
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
