// Command memprobe measures the embedded store's memory (issue 18, item 1): it loads a
// dataset folder into memstore as `chainmap serve` does (read, validate, index), forces
// a garbage collection and prints the load time, the live heap and bytes per enterprise,
// and the process's peak resident set (VmHWM). Run it under /usr/bin/time -v for a
// second opinion on the peak. It is a measuring tool, not part of chainmap.
//
//	go run ./internal/memprobe [-heap heap.prof] [-cpu cpu.prof] [-dump answers.jsonl] DIR
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

	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
)

func main() {
	heap := flag.String("heap", "", "write a heap profile (after the GC) to this file")
	cpu := flag.String("cpu", "", "write a CPU profile of the load to this file")
	dumpTo := flag.String("dump", "", "after measuring, write the answers of many store calls to this file (compare two builds)")
	flag.Parse()
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
	if err := run(flag.Arg(0), *heap, *dumpTo); err != nil {
		fmt.Fprintln(os.Stderr, "memprobe:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(dir, heap, dumpTo string) error {
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
