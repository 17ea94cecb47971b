package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/knowledge"
)

// uploadOverhead is what a multipart body may add to the file it carries
// (boundaries, part headers, the small text fields).
const uploadOverhead = 64 << 10

func (a *api) knowledgeRoutes() []route {
	const tag = "Knowledge base"
	e := a.eng
	return []route{
		{Method: "POST", Path: "/api/knowledge/search", Summary: "Search the knowledge base: the best-matching passages of the documents you may see", Tag: tag,
			Auth: bearer, Scope: auth.ScopeRAGRead, Status: 200, Request: knowledge.SearchRequest{}, Response: knowledge.SearchResponse{},
			Handle: withBody(200, false, e.SearchKnowledge)},
		{Method: "POST", Path: "/api/rag/query", Summary: "Answer a question from the knowledge base, with citations", Tag: tag,
			Auth: bearer, Scope: auth.ScopeRAGRead, Status: 200, Request: knowledge.RAGRequest{}, Response: knowledge.RAGResponse{},
			Handle: withBody(200, false, e.QueryKnowledge)},
		{Method: "GET", Path: "/api/knowledge/documents", Summary: "List your own documents, or an organization's, newest first", Tag: tag,
			Auth: bearer, Scope: auth.ScopeRAGRead, Status: 200, Response: listOf{knowledge.Document{}}, Query: []string{"organization_id", "limit", "cursor"},
			Handle: paged(queryValue("organization_id"), e.ListDocuments)},
		{Method: "POST", Path: "/api/knowledge/documents", Summary: "Add a document: multipart file (text, Markdown, HTML, PDF; 20 MiB) or JSON content", Tag: tag,
			Auth: bearer, Scope: auth.ScopeRAGWrite, Status: 201, Request: knowledge.CreateRequest{}, Response: knowledge.Document{},
			Upload: true, MaxBody: e.Config().Limits.MaxUploadBytes + uploadOverhead, Handle: a.createDocument},
		{Method: "GET", Path: "/api/knowledge/documents/{document_id}", Summary: "Get a document", Tag: tag,
			Auth: bearer, Scope: auth.ScopeRAGRead, Status: 200, Response: knowledge.Document{},
			Handle: onPath(200, []string{"document_id"}, func(ctx context.Context, u xentree.User, p []string, _ noBody) (knowledge.Document, error) {
				return e.GetDocument(ctx, u, p[0])
			})},
		{Method: "DELETE", Path: "/api/knowledge/documents/{document_id}", Summary: "Delete a document; it leaves search at once", Tag: tag,
			Auth: bearer, Scope: auth.ScopeRAGWrite, Status: 204,
			Handle: onPath(204, []string{"document_id"}, func(ctx context.Context, u xentree.User, p []string, _ noBody) (noBody, error) {
				return noBody{}, e.DeleteDocument(ctx, u, p[0])
			})},
	}
}

// createDocument takes a multipart upload (parts "file", and optionally
// "title" and "organization_id") or a JSON body.
func (a *api) createDocument(w http.ResponseWriter, r *http.Request, u xentree.User) error {
	release, err := a.uploads.acquire(r.Context(), u.ID)
	if err != nil {
		return err
	}
	defer release()
	body := newPacedBody(w, r, a.cfg.UploadStallTimeout, a.cfg.UploadReadTimeout)
	r.Body = body
	var req knowledge.CreateRequest
	if mediaType(r) == "multipart/form-data" {
		if err := a.readUpload(r, &req); err != nil {
			return err
		}
	} else if err := decodeJSON(r, &req, false); err != nil {
		return wantJSONOr(err, "multipart/form-data")
	}
	body.finish()
	d, err := a.eng.CreateDocument(r.Context(), u, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, d)
	return nil
}

// maxFieldBytes bounds the text parts of an upload.
const maxFieldBytes = 4 << 10

func (a *api) readUpload(r *http.Request, req *knowledge.CreateRequest) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return errInvalid("malformed multipart body: " + err.Error())
	}
	limit := a.eng.Config().Limits.MaxUploadBytes
	seen := map[string]bool{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadError(err)
		}
		name := p.FormName()
		if seen[name] {
			return xerr.InvalidField(name, "appears twice")
		}
		seen[name] = true
		switch name {
		case "file":
			req.FileName = p.FileName()
			// Sized up front from the body's length, where it is known: a
			// growing buffer held up to twice the file while it doubled.
			var buf bytes.Buffer
			if n := r.ContentLength; n > 0 {
				buf.Grow(int(min(n, limit+1)))
			}
			if _, err := buf.ReadFrom(io.LimitReader(p, limit+1)); err != nil {
				return uploadError(err)
			}
			data := buf.Bytes()
			if int64(len(data)) > limit {
				return &xerr.Error{Kind: xerr.TooLarge, Field: "file", Message: "a document may be at most " + strconv.FormatInt(limit>>20, 10) + " MiB"}
			}
			req.File = data
			req.ContentType = p.Header.Get("Content-Type")
		case "title", "organization_id":
			v, err := readField(p)
			if err != nil {
				return err
			}
			if name == "title" {
				req.Title = v
			} else {
				req.OrganizationID = v
			}
		default:
			return xerr.InvalidField(name, "is not a field of an upload (file, title, organization_id)")
		}
	}
	if req.File == nil {
		return xerr.InvalidField("file", "is required")
	}
	return nil
}

func readField(p *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, maxFieldBytes+1))
	if err != nil {
		return "", uploadError(err)
	}
	if len(b) > maxFieldBytes {
		return "", xerr.InvalidField(p.FormName(), "is too long")
	}
	return string(b), nil
}

// uploadError maps a failure while reading the body: too large, or malformed.
func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &xerr.Error{Kind: xerr.TooLarge, Field: "file", Message: "request body exceeds " + strconv.FormatInt(mbe.Limit, 10) + " bytes"}
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return xerr.Wrap(xerr.Unavailable, err, "the upload did not arrive in time")
	}
	return errInvalid("malformed multipart body")
}
