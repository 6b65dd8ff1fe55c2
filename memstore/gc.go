package memstore

import (
	"runtime/debug"
	"sync"
)

// Bounding a load's peak (issue 18, item 1). A load parses every row into a domain
// record, compacts it and drops it, so the garbage it makes is several times the graph
// it builds, while the graph and the loader's key sets grow to their largest. With the
// collector's default target (GOGC=100) the heap may reach twice what was live at the
// last collection: at a million enterprises the peak resident set was 0.94 GiB for a
// 0.44 GiB graph. While any load into an embedded store runs, the target is lowered to
// loadGCPercent (the heap may grow by half the live heap, not all of it): 0.74–0.81 GiB
// at the same size in three runs, with no measurable cost in CPU time. A stricter target set by the
// operator (GOGC below it, or GOGC=off with a GOMEMLIMIT) is kept, and the previous
// target comes back when the last load ends.
const loadGCPercent = 50

var loadGC struct {
	sync.Mutex
	loads int
	prev  int
	set   bool // whether the target was lowered (and must be restored)
}

// lowerGC lowers the collector's target for a load; the load calls the returned function
// once, when it ends.
func lowerGC() (restore func()) {
	loadGC.Lock()
	defer loadGC.Unlock()
	if loadGC.loads == 0 {
		prev := debug.SetGCPercent(loadGCPercent)
		loadGC.prev, loadGC.set = prev, true
		if prev < 0 || prev <= loadGCPercent {
			debug.SetGCPercent(prev) // the operator's own target is stricter (or the collector is off on purpose)
			loadGC.set = false
		}
	}
	loadGC.loads++
	var once sync.Once
	return func() {
		once.Do(func() {
			loadGC.Lock()
			defer loadGC.Unlock()
			if loadGC.loads--; loadGC.loads == 0 && loadGC.set {
				debug.SetGCPercent(loadGC.prev)
				loadGC.set = false
			}
		})
	}
}
