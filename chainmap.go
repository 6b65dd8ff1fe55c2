// Package chainmap holds the domain of an industrial-chain knowledge graph: chains and
// their segments, regions, parks, enterprises and what they make, supply links, projects,
// policies, goals and the sources behind every fact.
//
// The package knows nothing of GraphQL, HTTP or Neo4j. Storage packages implement the
// Store interface declared here; the GraphQL layer and the analysis consume it.
package chainmap

import (
	"errors"
	"fmt"
	"strings"
)

// Version is the build version of chainmap, set with -ldflags at release time.
var Version = "dev"

// Stage places a segment in the chain, from raw materials to services.
type Stage string

// The stages a segment can belong to, in chain order.
const (
	StageUpstream   Stage = "upstream"
	StageMidstream  Stage = "midstream"
	StageDownstream Stage = "downstream"
	StageEndProduct Stage = "end_product"
	StageService    Stage = "service"
)

// Stages lists every stage in chain order, so callers can build columns.
var Stages = []Stage{StageUpstream, StageMidstream, StageDownstream, StageEndProduct, StageService}

// Valid reports whether s is one of the known stages.
func (s Stage) Valid() bool {
	for _, v := range Stages {
		if s == v {
			return true
		}
	}
	return false
}

// Confidence says how far a fact can be trusted; a figure without a source must be
// illustrative or synthetic.
type Confidence string

// The confidence levels, from strongest to weakest.
const (
	ConfidencePrimary      Confidence = "primary"
	ConfidenceSourced      Confidence = "sourced"
	ConfidenceUnverified   Confidence = "unverified"
	ConfidenceIllustrative Confidence = "illustrative"
	ConfidenceSynthetic    Confidence = "synthetic"
)

// Valid reports whether c is a known confidence level.
func (c Confidence) Valid() bool {
	switch c {
	case ConfidencePrimary, ConfidenceSourced, ConfidenceUnverified, ConfidenceIllustrative, ConfidenceSynthetic:
		return true
	}
	return false
}

// Citation points at a source and, optionally, a place in it ("SEED#二(四)2").
type Citation string

// SourceID returns the id of the cited source (the part before '#').
func (c Citation) SourceID() string {
	s, _, _ := strings.Cut(string(c), "#")
	return strings.TrimSpace(s)
}

// Text returns the citation as written ("SEED#二(四)2").
func (c Citation) Text() string { return string(c) }

// Locator returns the section, clause or page cited (the part after '#'), if any.
func (c Citation) Locator() string {
	_, l, _ := strings.Cut(string(c), "#")
	return strings.TrimSpace(l)
}

// Provenance is carried by every fact: where it comes from and how far to trust it.
type Provenance struct {
	// Sources cites the documents a fact comes from.
	Sources []Citation `json:"sources,omitempty"`
	// Confidence grades the fact.
	Confidence Confidence `json:"confidence,omitempty"`
	// Note is free text for the reader.
	Note string `json:"note,omitempty"`
}

// Illustrative reports whether the fact is only shown for illustration (or generated),
// so user interfaces can mark it.
func (p Provenance) Illustrative() bool {
	return p.Confidence == ConfidenceIllustrative || p.Confidence == ConfidenceSynthetic
}

// Error codes shared by every layer; transports map them to their own statuses.
const (
	ENOTFOUND    = "NOT_FOUND"
	EINVALID     = "BAD_USER_INPUT"
	EUNAVAILABLE = "SERVICE_UNAVAILABLE"
	// ECONFLICT refuses a change that would collide with one already under way (a second
	// reload while one runs) or with a newer version of the same record.
	ECONFLICT = "CONFLICT"
	EINTERNAL = "INTERNAL_SERVER_ERROR"
)

// Error is a domain error with a machine-readable code and a message safe to show users.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a domain error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first domain error in err's chain, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of a domain error, or a generic message for
// anything else so that internals (queries, stack traces) never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
