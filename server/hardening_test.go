package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/server"
)

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// logged starts a server whose log goes to a buffer; production turns introspection off.
func logged(t *testing.T, s chainmap.Store, cfg server.Config, production bool) (*httptest.Server, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(buf, nil))
	cfg.Introspection = !production
	ts := httptest.NewServer(server.New(cfg, s, nil).Handler())
	t.Cleanup(ts.Close)
	return ts, buf
}

// answer is one HTTP answer: its status and the first error's code and message.
type answer struct {
	status        int
	code, message string
	body          string
}

func do(t *testing.T, client *http.Client, req *http.Request) answer {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, body: string(raw)}
	var r gqlResponse
	if json.Unmarshal(raw, &r) == nil && len(r.Errors) > 0 {
		a.code, _ = r.Errors[0].Extensions["code"].(string)
		a.message = r.Errors[0].Message
	}
	return a
}

func postQuery(t *testing.T, ctx context.Context, ts *httptest.Server, query string, vars map[string]any) answer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return do(t, http.DefaultClient, req)
}

// fanOut is the document of finding 1: each fragment spreads the next one twice, so the
// n+1 fragments expand to 2^n fields.
func fanOut(n int) string {
	var b strings.Builder
	b.WriteString("query { chains { ...F0 } }")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, " fragment F%d on Chain { ...F%d ...F%d }", i, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Chain { id }", n)
	return b.String()
}

// TestFragmentFanOut is finding 1 of issue 12: fragments spreading each other twice took a
// CPU core for minutes (gqlgen's complexity walk and the depth walk of Limits visit a
// fragment at every spread). The document's expanded size is now bounded before
// validation. The 20 s client timeout is a "did not hang" guard, not a performance claim.
func TestFragmentFanOut(t *testing.T) {
	ts, logs := logged(t, load(t, "../testdata/minimal"), server.Config{}, false)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	if a := postQuery(t, ctx, ts, fanOut(30), nil); a.code != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Errorf("n=30: %d %q %q", a.status, a.code, a.message)
	}
	var wg sync.WaitGroup
	codes := make([]string, 6)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(map[string]any{"query": fanOut(26)})
			req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				codes[i] = err.Error()
				return
			}
			defer resp.Body.Close()
			var r gqlResponse
			json.NewDecoder(resp.Body).Decode(&r)
			if len(r.Errors) > 0 {
				codes[i], _ = r.Errors[0].Extensions["code"].(string)
			}
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != "COMPLEXITY_LIMIT_EXCEEDED" {
			t.Errorf("parallel n=26 #%d: %q", i, c)
		}
	}
	if !strings.Contains(logs.String(), "expands past the selection limit") {
		t.Errorf("the refusal was not logged:\n%s", logs.String())
	}

	// Siblings: other shapes that expand (or compare) far beyond their text.
	var allLater strings.Builder
	allLater.WriteString("query { chains { ...G0 } }")
	for i := 0; i < 24; i++ {
		fmt.Fprintf(&allLater, " fragment G%d on Chain {", i)
		for j := i + 1; j <= 24; j++ {
			fmt.Fprintf(&allLater, " ...G%d", j)
		}
		allLater.WriteString(" }")
	}
	allLater.WriteString(" fragment G24 on Chain { id }")
	var deepChildren strings.Builder
	deepChildren.WriteString(`query { segment(id: "x") { ...S0 } }`)
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&deepChildren, " fragment S%d on Segment { children { ...S%d } parent { ...S%d } }", i, i+1, i+1)
	}
	deepChildren.WriteString(" fragment S30 on Segment { id }")
	for _, tc := range []struct{ name, query, want string }{
		{"each fragment spreads every later one", allLater.String(), "COMPLEXITY_LIMIT_EXCEEDED"},
		{"4,900 copies of one field (quadratic overlap check)", "{ chains { " + strings.Repeat("id ", 4900) + "} }", "COMPLEXITY_LIMIT_EXCEEDED"},
		{"fan-out through nested fields", deepChildren.String(), "COMPLEXITY_LIMIT_EXCEEDED"},
		{"1,200 nested inline fragments (the parser's nesting limit)", nestedInline(1200), "GRAPHQL_PARSE_FAILED"},
		{"fragment cycle", "query { chains { ...C0 } } fragment C0 on Chain { id ...C1 } fragment C1 on Chain { ...C0 }", "GRAPHQL_VALIDATION_FAILED"},
		{"fan-out in an unused fragment", fanOut(30) + " query Other { dataset { id } }", "COMPLEXITY_LIMIT_EXCEEDED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if a := postQuery(t, ctx, ts, tc.query, nil); a.code != tc.want {
				t.Errorf("%d %q %q, want %s", a.status, a.code, a.message, tc.want)
			}
		})
	}

	// Real queries stay well inside the bound: GraphiQL's full introspection query and the
	// README's nested read.
	for name, q := range map[string]string{"introspection": introspectionQuery, "nested": nested} {
		if a := postQuery(t, ctx, ts, q, nil); a.code != "" || a.status != 200 {
			t.Errorf("%s refused: %d %q %q", name, a.status, a.code, a.message)
		}
	}
}

// TestDeadlineBeforeRunning: a request whose deadline has passed by the time it is
// parsed, validated or run is not run (the phases check the request's context).
func TestDeadlineBeforeRunning(t *testing.T) {
	cs := newCounting(load(t, "../testdata/minimal"))
	ts, _ := logged(t, cs, server.Config{QueryTimeout: time.Nanosecond}, false)
	a := postQuery(t, t.Context(), ts, `{ chains { id segments { id } } }`, nil)
	if a.code != "REQUEST_CANCELLED" && a.code != "SERVICE_UNAVAILABLE" {
		t.Errorf("a request past its deadline answered %d %q %q", a.status, a.code, a.body)
	}
	if cs.n() != 0 {
		t.Errorf("a request past its deadline made %d store calls", cs.n())
	}
}

// TestNoSuggestionsInProduction is finding 8: production mode removes every "did you
// mean" the validator makes (fields, arguments, enum values, input fields, types, leaf
// selections, inline fragment types), while development mode keeps them.
func TestNoSuggestionsInProduction(t *testing.T) {
	s := load(t, "../testdata/minimal")
	prod, _ := logged(t, s, server.Config{}, true)
	dev, _ := logged(t, s, server.Config{}, false)
	cases := []struct {
		name, query string
		vars        map[string]any
	}{
		{"field", `{ chains { nme } }`, nil},
		{"argument", `{ gapAnalysis(chian: "widget", scope: {region: "110100"}) { total } }`, nil},
		{"enum value", `{ enterprises(orderBy: REVENU) { totalCount } }`, nil},
		{"input field", `{ enterprises(filter: {regon: "110100"}) { totalCount } }`, nil},
		{"input field of a scope", `{ gapAnalysis(chain: "widget", scope: {regon: "110100"}) { total } }`, nil},
		{"variable type", `query($c: Strin) { chain(id: $c) { id } }`, map[string]any{"c": "widget"}},
		{"fragment type", `query { chains { ...F } } fragment F on Chian { id }`, nil},
		{"inline fragment type", `{ chains { ... on Chian { id } } }`, nil},
		{"leaf without selection", `{ chains }`, nil},
		{"enum value in a variable", `query($o: EnterpriseOrder) { enterprises(orderBy: $o) { totalCount } }`, map[string]any{"o": "REVENU"}},
		{"single quote", `{ chain(id: 'widget') { id } }`, nil},
	}
	devSuggested := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := postQuery(t, t.Context(), prod, tc.query, tc.vars)
			if a.code == "" {
				t.Fatalf("no error: %s", a.body)
			}
			if strings.Contains(strings.ToLower(a.body), "did you mean") {
				t.Errorf("production suggests: %s", a.body)
			}
			if d := postQuery(t, t.Context(), dev, tc.query, tc.vars); strings.Contains(strings.ToLower(d.body), "did you mean") {
				devSuggested++
			} else {
				t.Logf("development mode does not suggest here either: %s", trim(d.body))
			}
		})
	}
	// The cases are real suggestion triggers: development mode suggests for most of them.
	if devSuggested < 7 {
		t.Errorf("development mode suggested in only %d of %d cases; the cases no longer trigger suggestions", devSuggested, len(cases))
	}
}

// TestRequestErrorCodes is finding 9: every request refused before or by GraphQL gets
// the right status and a documented extensions.code, and none is logged at ERROR; only
// real faults are INTERNAL_SERVER_ERROR.
func TestRequestErrorCodes(t *testing.T) {
	s := load(t, "../testdata/minimal")
	ts, logs := logged(t, s, server.Config{MaxBodyBytes: 1 << 20}, true)
	big := `{"query":"{ dataset { id } }","variables":{"x":"` + strings.Repeat("x", 1<<20) + `"}}`
	req := func(method, ctype, body string) *http.Request {
		r, _ := http.NewRequest(method, ts.URL+"/graphql", strings.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		return r
	}
	chunked := func(body string) *http.Request {
		// An io.Reader of unknown length makes the client send the body chunked.
		r, _ := http.NewRequest("POST", ts.URL+"/graphql", io.MultiReader(strings.NewReader(body)))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	get := func(q url.Values) *http.Request {
		r, _ := http.NewRequest("GET", ts.URL+"/graphql?"+q.Encode(), nil)
		return r
	}
	cases := []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"valid", req("POST", "application/json", `{"query":"{ dataset { id } }"}`), 200, ""},
		{"malformed JSON", req("POST", "application/json", `{"query": "{ dataset { id } }"`), 400, "BAD_REQUEST"},
		{"not JSON at all", req("POST", "application/json", `query { dataset { id } }`), 400, "BAD_REQUEST"},
		{"empty body", req("POST", "application/json", ``), 400, "BAD_REQUEST"},
		{"batch (a JSON array)", req("POST", "application/json", `[{"query":"{ dataset { id } }"},{"query":"{ dataset { id } }"}]`), 400, "BAD_REQUEST"},
		{"a JSON string", req("POST", "application/json", `"{ dataset { id } }"`), 400, "BAD_REQUEST"},
		{"query is a number", req("POST", "application/json", `{"query":123}`), 400, "BAD_REQUEST"},
		{"variables is a string", req("POST", "application/json", `{"query":"{ dataset { id } }","variables":"x"}`), 400, "BAD_REQUEST"},
		{"variables is an array", req("POST", "application/json", `{"query":"{ dataset { id } }","variables":[1]}`), 400, "BAD_REQUEST"},
		{"operationName is a number", req("POST", "application/json", `{"query":"{ dataset { id } }","operationName":5}`), 400, "BAD_REQUEST"},
		{"extensions is a string", req("POST", "application/json", `{"query":"{ dataset { id } }","extensions":"x"}`), 400, "BAD_REQUEST"},
		{"over 1 MiB with Content-Length", req("POST", "application/json", big), 413, "PAYLOAD_TOO_LARGE"},
		{"over 1 MiB chunked", chunked(big), 413, "PAYLOAD_TOO_LARGE"},
		{"text/plain", req("POST", "text/plain", `{"query":"{ dataset { id } }"}`), 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"form post", req("POST", "application/x-www-form-urlencoded", `query=%7B+dataset+%7B+id+%7D+%7D`), 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"no content type", req("POST", "", `{"query":"{ dataset { id } }"}`), 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"PUT", req("PUT", "application/json", `{"query":"{ dataset { id } }"}`), 405, "METHOD_NOT_ALLOWED"},
		{"DELETE", req("DELETE", "", ``), 405, "METHOD_NOT_ALLOWED"},
		{"GET", get(url.Values{"query": {"{ dataset { id } }"}}), 200, ""},
		{"GET with malformed variables", get(url.Values{"query": {"{ dataset { id } }"}, "variables": {"{nope"}}), 400, "BAD_REQUEST"},
		{"GET with variables not an object", get(url.Values{"query": {"{ dataset { id } }"}, "variables": {`"x"`}}), 400, "BAD_REQUEST"},
		{"GET without a query", get(url.Values{}), 200, "GRAPHQL_VALIDATION_FAILED"},
		{"introspection in production", req("POST", "application/json", `{"query":"{ __schema { queryType { name } } }"}`), 200, "INTROSPECTION_DISABLED"},
		{"introspection through a fragment", req("POST", "application/json", `{"query":"query { ...I } fragment I on Query { __type(name: \"Chain\") { name } }"}`), 200, "INTROSPECTION_DISABLED"},
		{"syntax error", req("POST", "application/json", `{"query":"{ dataset { id "}`), 200, "GRAPHQL_PARSE_FAILED"},
		{"unknown operation name", req("POST", "application/json", `{"query":"query A { dataset { id } }","operationName":"B"}`), 200, "GRAPHQL_VALIDATION_FAILED"},
		{"variable of the wrong type", req("POST", "application/json", `{"query":"query($n: Int) { enterprises(first: $n) { totalCount } }","variables":{"n":"ten"}}`), 200, "GRAPHQL_VALIDATION_FAILED"},
		{"Int out of range in a variable", req("POST", "application/json", `{"query":"query($n: Int) { enterprises(first: $n) { totalCount } }","variables":{"n":1e20}}`), 200, "GRAPHQL_VALIDATION_FAILED"},
		{"Int out of range as a literal", req("POST", "application/json", `{"query":"{ enterprises(first: 99999999999) { totalCount } }"}`), 200, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"typename is not introspection", req("POST", "application/json", `{"query":"{ __typename }"}`), 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, http.DefaultClient, tc.req)
			if a.status != tc.status || a.code != tc.code {
				t.Errorf("got %d %q (%s), want %d %q", a.status, a.code, trim(a.body), tc.status, tc.code)
			}
			if tc.code != "" && a.message == "" {
				t.Errorf("no message: %s", trim(a.body))
			}
		})
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("refusals were logged as errors:\n%s", trim(logs.String()))
	}

	// The same refusal under application/graphql-response+json is a 400.
	r := req("POST", "application/json", `{"query":"{ __schema { queryType { name } } }"}`)
	r.Header.Set("Accept", "application/graphql-response+json")
	if a := do(t, http.DefaultClient, r); a.status != 400 || a.code != "INTROSPECTION_DISABLED" {
		t.Errorf("graphql-response+json: %d %q", a.status, a.code)
	}
}

// failingStore fails in a way no input explains: a fault of the server.
type failingStore struct{ chainmap.Store }

func (failingStore) Chains(context.Context, chainmap.IDQuery) ([]*chainmap.Chain, error) {
	return nil, fmt.Errorf("disk on fire")
}

// TestFaultsAreInternal: a real fault answers INTERNAL_SERVER_ERROR without its detail and
// is logged at ERROR.
func TestFaultsAreInternal(t *testing.T) {
	ts, logs := logged(t, failingStore{load(t, "../testdata/minimal")}, server.Config{}, true)
	a := postQuery(t, t.Context(), ts, `{ chains { id } }`, nil)
	if a.code != "INTERNAL_SERVER_ERROR" || strings.Contains(a.body, "fire") {
		t.Errorf("fault answered %d %q %s", a.status, a.code, a.body)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "disk on fire") {
		t.Errorf("the fault was not logged at ERROR:\n%s", logs.String())
	}
}

// TestLogsAreBounded is the log part of finding 7: 20 malformed 1 MB requests used to add
// their whole bodies (20.8 MB) to the log. Every logged field is capped now.
func TestLogsAreBounded(t *testing.T) {
	ts, logs := logged(t, load(t, "../testdata/minimal"), server.Config{}, false)
	payloads := []func(i int) (ctype, body string){
		func(i int) (string, string) {
			return "application/json", `{"query": "` + strings.Repeat("{", 1_000_000)
		},
		func(i int) (string, string) {
			return "application/json", `{"query":"{ chains { id } }","variables":"` + strings.Repeat("v", 1_000_000) + `"}`
		},
		func(i int) (string, string) { return "text/plain", strings.Repeat("p", 1_000_000) },
		func(i int) (string, string) {
			return "application/json", `{"query":"{ ` + strings.Repeat("nope", 250_000) + ` }"}`
		},
	}
	before := logs.Len()
	for i := 0; i < 20; i++ {
		ctype, body := payloads[i%len(payloads)](i)
		r, _ := http.NewRequest("POST", ts.URL+"/graphql", strings.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		r.Header.Set("User-Agent", strings.Repeat("u", 4000))
		a := do(t, http.DefaultClient, r)
		if a.status == 200 && a.code == "" {
			t.Fatalf("a malformed request was answered: %s", trim(a.body))
		}
	}
	grew := logs.Len() - before
	t.Logf("20 malformed 1 MB requests added %d bytes to the log", grew)
	if grew > 20*2048 {
		t.Errorf("20 malformed 1 MB requests added %d bytes to the log, more than 2 KiB each", grew)
	}
	if grew == 0 {
		t.Error("malformed requests were not logged at all")
	}
}

func TestCapLogValue(t *testing.T) {
	if got := server.CapLogValue("short"); got != "short" {
		t.Errorf("short value changed: %q", got)
	}
	long := strings.Repeat("é", 1000) // 2,000 bytes, so the cut must respect characters
	got := server.CapLogValue(long)
	if len(got) > 300 || !strings.HasSuffix(got, "…(2000 bytes)") || !strings.HasPrefix(got, "éé") {
		t.Errorf("capped value: %q", got)
	}
	var buf bytes.Buffer
	log := slog.New(server.NewCapHandler(slog.NewTextHandler(&buf, nil)))
	log.With("ctx", strings.Repeat("c", 1e5)).Info(strings.Repeat("m", 1e5), "s", strings.Repeat("s", 1e5),
		"err", fmt.Errorf("wrapped: %s", strings.Repeat("e", 1e5)), slog.Group("g", "inner", strings.Repeat("i", 1e5)))
	if buf.Len() > 5*400 {
		t.Errorf("one record with five 100 kB fields logged %d bytes", buf.Len())
	}
}

func nestedInline(n int) string {
	return "{ chains { " + strings.Repeat("... on Chain { ", n) + "id" + strings.Repeat(" }", n) + " } }"
}

// TestErrorsPerAnswerBounded: an answer carries at most 50 errors and says how many it
// left out (a directive repeated 300 times made 300 validation errors).
func TestErrorsPerAnswerBounded(t *testing.T) {
	ts, _ := logged(t, load(t, "../testdata/minimal"), server.Config{}, true)
	body, _ := json.Marshal(map[string]any{"query": "{ dataset " + strings.Repeat("@include(if: true) ", 300) + "{ id } }"})
	resp, err := http.Post(ts.URL+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r gqlResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) != 51 || r.Errors[50].Extensions["code"] != "ERRORS_TRUNCATED" {
		t.Fatalf("%d errors, last %v", len(r.Errors), r.Errors[len(r.Errors)-1])
	}
	if !strings.Contains(r.Errors[50].Message, "more errors were left out") {
		t.Errorf("last error: %q", r.Errors[50].Message)
	}
}

func trim(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// introspectionQuery is GraphiQL's standard introspection query.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description
    args { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}`
