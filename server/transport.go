package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// HTTP-level refusal codes (extensions.code), documented in docs/api.md.
const (
	codeBadRequest       = "BAD_REQUEST"
	codeTooLarge         = "PAYLOAD_TOO_LARGE"
	codeMediaType        = "UNSUPPORTED_MEDIA_TYPE"
	codeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	codeInternal         = "INTERNAL_SERVER_ERROR"
)

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// refusal is a request refused before GraphQL sees it.
type refusal struct {
	status  int
	code    string
	message string
}

// httpTransport is the GraphQL transport for GET and POST (GraphQL over HTTP). It replaces
// gqlgen's, which answers a malformed body with INTERNAL_SERVER_ERROR and a message
// quoting the whole body: every malformed request here gets a 4xx status and a documented
// code, and nothing of the body is echoed or logged.
type httpTransport struct{ s *Server }

var _ graphql.Transport = httpTransport{}

// Supports takes every GET and POST; the method check in front answers the others.
func (httpTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodPost
}

// Do decodes the request strictly, then runs it.
func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	var (
		params *graphql.RawParams
		ref    *refusal
	)
	if r.Method == http.MethodGet {
		params, ref = decodeGET(r)
	} else {
		params, ref = decodePOST(r)
	}
	if ref != nil {
		t.s.refuse(w, r, ref)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	contentType := responseType(r)
	w.Header().Set("Content-Type", contentType)
	ctx := r.Context()
	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		status := http.StatusOK // GraphQL over HTTP: application/json answers 200 with the errors
		if contentType == mediaGraphQLResponse && errcode.GetErrorKind(errs) == errcode.KindProtocol {
			status = http.StatusBadRequest
		}
		t.s.logRefusedOperation(r, errs)
		w.WriteHeader(status)
		t.s.writeResponse(w, r, exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs))
		return
	}
	if r.Method == http.MethodGet && oc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		t.s.refuse(w, r, &refusal{http.StatusMethodNotAllowed, codeMethodNotAllowed, "GET can only run queries"})
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	if err := r.Context().Err(); err != nil {
		t.s.log.Info("graphql request cut short", "reason", err.Error(), "operation", oc.OperationName,
			"took", graphql.Now().Sub(start))
	}
	t.s.writeResponse(w, r, resp)
}

// writeResponse marshals a GraphQL answer; an answer that cannot be marshalled is a fault
// of the server (500, logged at ERROR), not a panic.
func (s *Server) writeResponse(w http.ResponseWriter, r *http.Request, resp *graphql.Response) {
	if resp == nil {
		resp = &graphql.Response{Errors: gqlerror.List{{Message: "the request was cancelled",
			Extensions: map[string]any{"code": codeRequestEnded}}}}
	}
	b, err := json.Marshal(resp)
	if err != nil {
		s.log.Error("graphql answer could not be encoded", "err", err, "path", r.URL.Path)
		b, _ = json.Marshal(&graphql.Response{Errors: gqlerror.List{{Message: "internal error",
			Extensions: map[string]any{"code": codeInternal}}}})
		w.WriteHeader(http.StatusInternalServerError)
	}
	w.Write(b)
}

// refuse answers a request refused before GraphQL, with the GraphQL error shape so that
// clients read every error the same way, and logs it at INFO with capped fields.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, ref *refusal) {
	s.log.Info("graphql request refused", "status", ref.status, "code", ref.code, "reason", ref.message,
		"method", r.Method, "content_type", r.Header.Get("Content-Type"), "content_length", r.ContentLength)
	writeRefusal(w, ref)
}

func writeRefusal(w http.ResponseWriter, ref *refusal) {
	w.Header().Set("Content-Type", mediaJSON)
	w.WriteHeader(ref.status)
	b, _ := json.Marshal(&graphql.Response{Errors: gqlerror.List{{Message: ref.message,
		Extensions: map[string]any{"code": ref.code}}}})
	w.Write(b)
}

// logRefusedOperation logs parse, validation and limit refusals at INFO: they are the
// client's mistakes, not the server's.
func (s *Server) logRefusedOperation(r *http.Request, errs gqlerror.List) {
	code, _ := errs[0].Extensions["code"].(string)
	s.log.Info("graphql operation refused", "code", code, "reason", errs[0].Message, "errors", len(errs),
		"method", r.Method)
}

// decodeGET reads query, operationName, variables and extensions from the URL.
func decodeGET(r *http.Request) (*graphql.RawParams, *refusal) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &refusal{http.StatusBadRequest, codeBadRequest, "the URL query string is malformed"}
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	if v := q.Get("variables"); v != "" {
		if p.Variables, err = decodeObject("variables", []byte(v)); err != nil {
			return nil, &refusal{http.StatusBadRequest, codeBadRequest, err.Error()}
		}
	}
	if v := q.Get("extensions"); v != "" {
		if p.Extensions, err = decodeObject("extensions", []byte(v)); err != nil {
			return nil, &refusal{http.StatusBadRequest, codeBadRequest, err.Error()}
		}
	}
	return p, nil
}

// decodePOST reads an application/json body holding one operation.
func decodePOST(r *http.Request) (*graphql.RawParams, *refusal) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != mediaJSON {
		return nil, &refusal{http.StatusUnsupportedMediaType, codeMediaType,
			"a POST body must be application/json"}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, &refusal{http.StatusRequestEntityTooLarge, codeTooLarge, "the request body is too large"}
		}
		return nil, &refusal{http.StatusBadRequest, codeBadRequest, "the request body could not be read"}
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return nil, &refusal{http.StatusBadRequest, codeBadRequest, "the request body is empty"}
	case trimmed[0] == '[':
		return nil, &refusal{http.StatusBadRequest, codeBadRequest,
			"batched requests (a JSON array) are not supported: send one operation per request"}
	case trimmed[0] != '{':
		return nil, &refusal{http.StatusBadRequest, codeBadRequest, "the request body must be a JSON object"}
	}
	var raw struct {
		Query         json.RawMessage `json:"query"`
		OperationName json.RawMessage `json:"operationName"`
		Variables     json.RawMessage `json:"variables"`
		Extensions    json.RawMessage `json:"extensions"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, &refusal{http.StatusBadRequest, codeBadRequest, "the request body is not valid JSON: " + jsonProblem(err)}
	}
	p := &graphql.RawParams{}
	if err := decodeString("query", raw.Query, &p.Query); err != nil {
		return nil, &refusal{http.StatusBadRequest, codeBadRequest, err.Error()}
	}
	if err := decodeString("operationName", raw.OperationName, &p.OperationName); err != nil {
		return nil, &refusal{http.StatusBadRequest, codeBadRequest, err.Error()}
	}
	if p.Variables, err = decodeObject("variables", raw.Variables); err != nil {
		return nil, &refusal{http.StatusBadRequest, codeBadRequest, err.Error()}
	}
	if p.Extensions, err = decodeObject("extensions", raw.Extensions); err != nil {
		return nil, &refusal{http.StatusBadRequest, codeBadRequest, err.Error()}
	}
	return p, nil
}

// jsonProblem describes a JSON syntax error by its kind and offset, never quoting input.
func jsonProblem(err error) string {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	return "malformed"
}

// decodeString reads an optional JSON string (absent and null read as "").
func decodeString(name string, raw json.RawMessage, out *string) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '"' || json.Unmarshal(raw, out) != nil {
		return fmt.Errorf("%q must be a string", name)
	}
	return nil
}

// decodeObject reads an optional JSON object, numbers kept exact (absent and null read
// as nil).
func decodeObject(name string, raw []byte) (map[string]any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '{' {
		return nil, fmt.Errorf("%q must be a JSON object", name)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%q is not valid JSON: %s", name, jsonProblem(err))
	}
	return m, nil
}

// responseType picks application/graphql-response+json only when the client asks for it
// before application/json, as gqlgen's transports do.
func responseType(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return mediaJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "*/*", "application/*", mediaJSON:
			return mediaJSON
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		}
	}
	return mediaJSON
}

// allowMethods answers methods other than GET, POST and OPTIONS with 405 and a code
// (gqlgen says "transport not supported" with 400 and none).
func (s *Server) allowMethods(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodPost, http.MethodOptions:
			next.ServeHTTP(w, r)
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			s.refuse(w, r, &refusal{http.StatusMethodNotAllowed, codeMethodNotAllowed, "use GET or POST"})
		}
	})
}
