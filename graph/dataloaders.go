package graph

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/vikstrous/dataloadgen"
)

// Loaders batch the lookups of one request: every resolver at one level of a query asks
// its loader, and the loader makes one store call for all of them. They live for one
// request only, so no result outlives the data it came from.
type Loaders struct {
	Sources         *dataloadgen.Loader[string, *chainmap.Source]
	Chains          *dataloadgen.Loader[string, *chainmap.Chain]
	Segments        *dataloadgen.Loader[string, *chainmap.Segment]
	Regions         *dataloadgen.Loader[string, *chainmap.Region]
	Parks           *dataloadgen.Loader[string, *chainmap.Park]
	Enterprises     *dataloadgen.Loader[string, *chainmap.Enterprise]
	OpsByEnterprise *dataloadgen.Loader[string, []*chainmap.Operation]
	OpsBySegment    *dataloadgen.Loader[string, []*chainmap.Operation]
	LinksBySupplier *dataloadgen.Loader[string, []*chainmap.SupplyLink]
	LinksByCustomer *dataloadgen.Loader[string, []*chainmap.SupplyLink]
	ProjectsByEnt   *dataloadgen.Loader[string, []*chainmap.Project]
	FlowsBySegment  *dataloadgen.Loader[string, []*chainmap.Flow]
	SegmentsByChain *dataloadgen.Loader[string, []*chainmap.Segment]

	// Small tables read whole, once per request, to answer parent → children lookups.
	regionsOnce  sync.Once
	allRegions   []*chainmap.Region
	regionsErr   error
	segmentsOnce sync.Once
	allSegments  []*chainmap.Segment
	segmentsErr  error
	store        chainmap.Store

	mu       sync.Mutex
	progress map[string]*chainmap.GoalProgress

	// leadsOnce makes LeadsBySegment, lazily: it needs the pipeline, which the resolver has.
	leadsOnce      sync.Once
	LeadsBySegment *dataloadgen.Loader[string, []*chainmap.Lead]
}

// leadsBySegment returns the request's loader of leads by segment.
func (l *Loaders) leadsBySegment(p *chainmap.Pipeline) *dataloadgen.Loader[string, []*chainmap.Lead] {
	l.leadsOnce.Do(func() {
		l.LeadsBySegment = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string][]*chainmap.Lead, error) {
			return p.LeadsBySegment(ctx, ids)
		}, dataloadgen.WithWait(loaderWait), dataloadgen.WithBatchCapacity(1000))
	})
	return l.LeadsBySegment
}

type loadersKey struct{}

// loaderWait is how long a loader collects keys before it calls the store.
const loaderWait = 2 * time.Millisecond

func byID[T any](ids []string, list []*T, id func(*T) string) map[string]*T {
	m := make(map[string]*T, len(list))
	for _, v := range list {
		m[id(v)] = v
	}
	return m
}

func groupBy[T any](list []*T, key func(*T) string) map[string][]*T {
	m := map[string][]*T{}
	for _, v := range list {
		k := key(v)
		m[k] = append(m[k], v)
	}
	return m
}

// NewLoaders returns the loaders of one request.
func NewLoaders(s chainmap.Store) *Loaders {
	opts := []dataloadgen.Option{dataloadgen.WithWait(loaderWait), dataloadgen.WithBatchCapacity(1000)}
	l := &Loaders{store: s, progress: map[string]*chainmap.GoalProgress{}}
	l.Sources = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]*chainmap.Source, error) {
		v, err := s.Sources(ctx, chainmap.IDQuery{IDs: ids})
		return byID(ids, v, func(x *chainmap.Source) string { return x.ID }), err
	}, opts...)
	l.Chains = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]*chainmap.Chain, error) {
		v, err := s.Chains(ctx, chainmap.IDQuery{IDs: ids})
		return byID(ids, v, func(x *chainmap.Chain) string { return x.ID }), err
	}, opts...)
	l.Segments = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]*chainmap.Segment, error) {
		v, err := s.Segments(ctx, chainmap.SegmentQuery{IDs: ids})
		return byID(ids, v, func(x *chainmap.Segment) string { return x.ID }), err
	}, opts...)
	l.Regions = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]*chainmap.Region, error) {
		v, err := s.Regions(ctx, chainmap.RegionQuery{IDs: ids})
		return byID(ids, v, func(x *chainmap.Region) string { return x.ID }), err
	}, opts...)
	l.Parks = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]*chainmap.Park, error) {
		v, err := s.Parks(ctx, chainmap.ParkQuery{IDs: ids})
		return byID(ids, v, func(x *chainmap.Park) string { return x.ID }), err
	}, opts...)
	l.Enterprises = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]*chainmap.Enterprise, error) {
		p, err := s.Enterprises(ctx, chainmap.EnterpriseQuery{IDs: ids, SkipTotal: true})
		if err != nil {
			return nil, err
		}
		return byID(ids, p.Enterprises, func(x *chainmap.Enterprise) string { return x.ID }), nil
	}, opts...)
	l.OpsByEnterprise = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string][]*chainmap.Operation, error) {
		v, err := s.Operations(ctx, chainmap.OperationQuery{Enterprises: ids})
		return groupBy(v, func(x *chainmap.Operation) string { return x.Enterprise }), err
	}, opts...)
	l.OpsBySegment = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string][]*chainmap.Operation, error) {
		v, err := s.Operations(ctx, chainmap.OperationQuery{Segments: ids})
		return groupBy(v, func(x *chainmap.Operation) string { return x.Segment }), err
	}, opts...)
	l.LinksBySupplier = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string][]*chainmap.SupplyLink, error) {
		v, err := s.SupplyLinks(ctx, chainmap.SupplyLinkQuery{Suppliers: ids})
		return groupBy(v, func(x *chainmap.SupplyLink) string { return x.Supplier }), err
	}, opts...)
	l.LinksByCustomer = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string][]*chainmap.SupplyLink, error) {
		v, err := s.SupplyLinks(ctx, chainmap.SupplyLinkQuery{Customers: ids})
		return groupBy(v, func(x *chainmap.SupplyLink) string { return x.Customer }), err
	}, opts...)
	l.ProjectsByEnt = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string][]*chainmap.Project, error) {
		v, err := s.Projects(ctx, chainmap.ProjectQuery{Enterprises: ids})
		return groupBy(v, func(x *chainmap.Project) string { return x.Enterprise }), err
	}, opts...)
	l.FlowsBySegment = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string][]*chainmap.Flow, error) {
		v, err := s.Flows(ctx, chainmap.FlowQuery{Segments: ids})
		if err != nil {
			return nil, err
		}
		m := map[string][]*chainmap.Flow{}
		for _, f := range v {
			m[f.From] = append(m[f.From], f)
			if f.To != f.From {
				m[f.To] = append(m[f.To], f)
			}
		}
		return m, nil
	}, opts...)
	l.SegmentsByChain = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string][]*chainmap.Segment, error) {
		v, err := s.Segments(ctx, chainmap.SegmentQuery{})
		if err != nil {
			return nil, err
		}
		return groupBy(v, func(x *chainmap.Segment) string { return x.Chain }), nil
	}, opts...)
	return l
}

// Middleware gives every request its own loaders.
func Middleware(s chainmap.Store, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), loadersKey{}, NewLoaders(s))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// For returns the request's loaders, creating them if the request came without.
func (r *Resolver) loaders(ctx context.Context) *Loaders {
	if l, ok := ctx.Value(loadersKey{}).(*Loaders); ok {
		return l
	}
	return NewLoaders(r.Store)
}

// one loads a single record, turning "not found" into nil.
func one[T any](ctx context.Context, l *dataloadgen.Loader[string, *T], id string) (*T, error) {
	if id == "" {
		return nil, nil
	}
	v, err := l.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

// many loads several records in one batch (LoadAll registers every id before the loader
// fires, so a list field costs one store call for all its ids and all its siblings'),
// skipping ids that do not exist.
func many[T any](ctx context.Context, l *dataloadgen.Loader[string, *T], ids []string) ([]*T, error) {
	ids = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == "" })
	vals, err := l.LoadAll(ctx, ids)
	if err != nil {
		var each dataloadgen.ErrorSlice
		if !errors.As(err, &each) {
			return nil, err
		}
		for _, e := range each {
			if e != nil && !errors.Is(e, dataloadgen.ErrNotFound) {
				return nil, e
			}
		}
	}
	out := make([]*T, 0, len(vals))
	for _, v := range vals {
		if v != nil {
			out = append(out, v)
		}
	}
	return out, nil
}

// list loads a one-to-many list, treating "none" as empty.
func list[T any](ctx context.Context, l *dataloadgen.Loader[string, []*T], id string) ([]*T, error) {
	v, err := l.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return []*T{}, nil
	}
	return v, err
}

func (l *Loaders) regions(ctx context.Context) ([]*chainmap.Region, error) {
	l.regionsOnce.Do(func() { l.allRegions, l.regionsErr = l.store.Regions(ctx, chainmap.RegionQuery{}) })
	return l.allRegions, l.regionsErr
}

func (l *Loaders) segments(ctx context.Context) ([]*chainmap.Segment, error) {
	l.segmentsOnce.Do(func() { l.allSegments, l.segmentsErr = l.store.Segments(ctx, chainmap.SegmentQuery{}) })
	return l.allSegments, l.segmentsErr
}
