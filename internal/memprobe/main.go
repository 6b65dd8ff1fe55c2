// Command memprobe measures the embedded store's memory (issue 18, item 1): it loads a
// dataset folder into memstore as `chainmap serve` does (read, validate, index), forces
// a garbage collection and prints the load time, the live heap and bytes per enterprise,
// and the process's peak resident set (VmHWM). Run it under /usr/bin/time -v for a
// second opinion on the peak. It is a measuring tool, not part of chainmap.
//
//	go run ./internal/memprobe [-heap heap.prof] [-cpu cpu.prof] [-dump answers.jsonl] [-ask answers.jsonl] DIR
//	go run ./internal/memprobe -neo4j -ask answers.jsonl   # the same questions of NEO4J_URI
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
	"github.com/chainmap/chainmap/neo4jstore"
)

func main() {
	heap := flag.String("heap", "", "write a heap profile (after the GC) to this file")
	cpu := flag.String("cpu", "", "write a CPU profile of the load to this file")
	dumpTo := flag.String("dump", "", "after measuring, write the answers of many store calls to this file (compare two builds)")
	askTo := flag.String("ask", "", "after measuring, write the answers of a few questions on -focus to this file (cheap at any size; compare with -neo4j)")
	focus := flag.String("focus", "c1,110000,110100", "chain, province and city that -ask asks about")
	fromNeo4j := flag.Bool("neo4j", false, "load nothing: ask -ask's questions of the Neo4j at NEO4J_URI (NEO4J_USERNAME, NEO4J_PASSWORD)")
	flag.Parse()
	f := strings.Split(*focus, ",")
	if len(f) != 3 {
		fmt.Fprintln(os.Stderr, "memprobe: -focus wants chain,province,city")
		os.Exit(2)
	}
	if *fromNeo4j {
		if err := askNeo4j(*askTo, f); err != nil {
			fmt.Fprintln(os.Stderr, "memprobe:", err)
			os.Exit(1)
		}
		return
	}
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "memprobe:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: memprobe [-heap FILE] [-cpu FILE] [-dump FILE] DIR")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *heap, *dumpTo, *askTo, f); err != nil {
		fmt.Fprintln(os.Stderr, "memprobe:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(dir, heap, dumpTo, askTo string, focus []string) error {
	ctx := context.Background()
	start := time.Now()
	s := memstore.New()
	if _, err := loaders.Load(ctx, dir, s, loaders.Options{}); err != nil {
		return err
	}
	took := time.Since(start)
	counts, err := s.Counts(ctx)
	if err != nil {
		return err
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	n := counts["enterprises"]
	per := 0.0
	if n > 0 {
		per = float64(m.HeapAlloc) / float64(n)
	}
	fmt.Printf("load %.1f s; enterprises %d ops %d links %d; heap live %d MiB (%.0f B/enterprise); %s\n",
		took.Seconds(), n, counts["operations"], counts["supply_links"], m.HeapAlloc>>20, per, procStatus("VmHWM", "VmRSS"))
	if heap != "" {
		f, err := os.Create(heap)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.WriteHeapProfile(f); err != nil {
			return err
		}
	}
	if askTo != "" {
		if err := askFile(ctx, s, askTo, focus); err != nil {
			return err
		}
	}
	if dumpTo != "" {
		f, err := os.Create(dumpTo)
		if err != nil {
			return err
		}
		defer f.Close()
		return dump(ctx, s, f)
	}
	runtime.KeepAlive(s)
	return nil
}

// procStatus returns the named lines of /proc/self/status (Linux), or "" elsewhere.
func procStatus(keys ...string) string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return ""
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		for _, k := range keys {
			if v, ok := strings.CutPrefix(sc.Text(), k+":"); ok {
				out = append(out, k+" "+strings.TrimSpace(v))
			}
		}
	}
	return strings.Join(out, "; ")
}

// askFile writes ask's answers to a file.
func askFile(ctx context.Context, s chainmap.Store, path string, focus []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := ask(ctx, s, focus[0], focus[1], focus[2], f); err != nil {
		f.Close()
		return fmt.Errorf("ask: %w", err)
	}
	return f.Close()
}

// askNeo4j asks ask's questions of the Neo4j named by the environment, with chainmap
// serve's deadline per call raised to five minutes (a 10M graph's cold caches).
func askNeo4j(path string, focus []string) error {
	if path == "" {
		return fmt.Errorf("-neo4j needs -ask FILE")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	s, err := neo4jstore.Open(ctx, neo4jstore.Config{URI: os.Getenv("NEO4J_URI"), Username: os.Getenv("NEO4J_USERNAME"),
		Password: os.Getenv("NEO4J_PASSWORD"), QueryTimeout: 5 * time.Minute})
	if err != nil {
		return err
	}
	defer s.Close(context.Background())
	return askFile(ctx, s, path, focus)
}
