package server

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/chainmap/chainmap"
)

// Evidence files: POST /leads/{id}/attachments takes one file (multipart/form-data, field
// "file") for a lead the caller may edit, behind a login (with its X-CSRF-Token) or a
// bearer token; GET /attachments/{id} sends it back as a download that no browser renders
// in the page (Content-Disposition: attachment, nosniff, a sandboxing CSP).

// maxUploadBody bounds an upload request: the file and the multipart framing.
const maxUploadBody = chainmap.MaxAttachmentBytes + 64<<10

// uploadSlots bounds the uploads held in memory at once (10 MiB each), so a burst of
// uploads cannot exhaust the server's memory: the others wait for a slot or their
// request's end.
var uploadSlots = make(chan struct{}, 4)

func (s *Server) uploadAttachment(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Pipeline == nil {
		writeJSON(w, http.StatusNotImplemented, map[string]any{"error": "this server keeps no leads", "code": "NOT_IMPLEMENTED"})
		return
	}
	if r.ContentLength > maxUploadBody {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"error": "a file may be at most 10 MiB", "code": codeTooLarge})
		return
	}
	select {
	case uploadSlots <- struct{}{}:
		defer func() { <-uploadSlots }()
	case <-r.Context().Done():
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "the server is busy with other uploads", "code": chainmap.EUNAVAILABLE})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBody)
	mr, err := r.MultipartReader()
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "send the file as multipart/form-data in the field \"file\"", "code": codeBadRequest})
		return
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"error": "a file may be at most 10 MiB", "code": codeTooLarge})
				return
			}
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "no field \"file\" in the form", "code": codeBadRequest})
			return
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		content, err := io.ReadAll(io.LimitReader(part, chainmap.MaxAttachmentBytes+1))
		if err != nil {
			var mbe *http.MaxBytesError
			status, code := http.StatusBadRequest, codeBadRequest
			if errors.As(err, &mbe) {
				status, code = http.StatusRequestEntityTooLarge, codeTooLarge
			}
			writeJSON(w, status, map[string]any{"error": "the upload could not be read whole", "code": code})
			return
		}
		if len(content) > chainmap.MaxAttachmentBytes {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"error": "a file may be at most 10 MiB", "code": codeTooLarge})
			return
		}
		a, err := s.cfg.Pipeline.AddAttachment(r.Context(), r.PathValue("id"), part.FileName(), content)
		if err != nil {
			s.writeDomainError(w, "upload attachment", err)
			return
		}
		writeJSON(w, http.StatusCreated, a)
		return
	}
}

func (s *Server) downloadAttachment(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Pipeline == nil {
		writeJSON(w, http.StatusNotImplemented, map[string]any{"error": "this server keeps no leads", "code": "NOT_IMPLEMENTED"})
		return
	}
	a, content, err := s.cfg.Pipeline.Attachment(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeDomainError(w, "download attachment", err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.Type)
	h.Set("Content-Length", strconv.Itoa(len(content)))
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": a.Name})
	if disp == "" { // a name the header cannot carry: the browser picks one
		disp = "attachment"
	}
	h.Set("Content-Disposition", disp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	w.Write(content)
}
