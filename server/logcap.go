package server

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"unicode/utf8"
)

// maxLogField is the most bytes of one logged value: requests are logged by what they
// did, not echoed, so a 1 MB body adds a few hundred bytes to the log.
const maxLogField = 256

// CapLogValue returns s unchanged when it fits in maxLogField bytes, else its first
// maxLogField bytes (cut on a character boundary) followed by "…(N bytes)".
func CapLogValue(s string) string {
	if len(s) <= maxLogField {
		return s
	}
	cut := maxLogField
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…(" + strconv.Itoa(len(s)) + " bytes)"
}

// capHandler caps the message and every attribute of the records it passes on, whatever
// their source (request data, errors that quote it, net/http's own messages).
type capHandler struct{ next slog.Handler }

// NewCapHandler wraps a handler so that no logged value is longer than maxLogField bytes
// (plus the "…(N bytes)" note).
func NewCapHandler(h slog.Handler) slog.Handler {
	if c, ok := h.(capHandler); ok {
		return c
	}
	return capHandler{next: h}
}

func (c capHandler) Enabled(ctx context.Context, l slog.Level) bool { return c.next.Enabled(ctx, l) }

func (c capHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, CapLogValue(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(capAttr(a))
		return true
	})
	return c.next.Handle(ctx, out)
}

func (c capHandler) WithAttrs(as []slog.Attr) slog.Handler {
	capped := make([]slog.Attr, len(as))
	for i, a := range as {
		capped[i] = capAttr(a)
	}
	return capHandler{next: c.next.WithAttrs(capped)}
}

func (c capHandler) WithGroup(name string) slog.Handler {
	return capHandler{next: c.next.WithGroup(CapLogValue(name))}
}

// capAttr caps a string, an error, a Stringer or anything else printed as text; numbers,
// times and durations pass unchanged.
func capAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, CapLogValue(v.String()))
	case slog.KindGroup:
		g := v.Group()
		capped := make([]any, len(g))
		for i, ga := range g {
			capped[i] = capAttr(ga)
		}
		return slog.Group(a.Key, capped...)
	case slog.KindAny:
		return slog.String(a.Key, CapLogValue(fmt.Sprint(v.Any())))
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}
