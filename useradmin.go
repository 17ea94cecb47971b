package xentree

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
)

// ExportFormat names the archive ExportUser writes; ExportVersion changes
// when its shape does.
const (
	ExportFormat  = "xentree.user-export"
	ExportVersion = 1
)

// ExportUser writes a JSON archive of everything userID owns to w, from one
// consistent snapshot: {"format", "version", "user_id", "exported_at",
// "tables": {"conversations": [row, ...], ...}}. Rows carry every stored
// column (times in Unix milliseconds) except secrets: the password hash,
// API key hashes and sealed integration tokens never leave the database.
// Operator method: no User is checked.
func (e *Engine) ExportUser(ctx context.Context, userID string, w io.Writer) error {
	out := &attemptWriter{w: w}
	bw := out.bw()
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		if err := out.begin(); err != nil {
			return err
		}
		if _, err := tx.UserByID(ctx, userID); err != nil {
			return err
		}
		head, _ := json.Marshal(map[string]any{"format": ExportFormat, "version": ExportVersion,
			"user_id": userID, "exported_at": tx.Now.Format(time.RFC3339Nano)})
		// The header's closing brace is replaced by the tables, which are
		// streamed: a user with a million messages is not held in memory.
		bw.Write(head[:len(head)-1])
		bw.WriteString(`,"tables":{`)
		for i, t := range store.UserTables {
			if i > 0 {
				bw.WriteByte(',')
			}
			name, _ := json.Marshal(t.Name)
			bw.Write(name)
			bw.WriteString(":[")
			n := 0
			err := tx.UserRows(ctx, t, userID, func(row map[string]any) error {
				b, err := json.Marshal(row)
				if err != nil {
					return xerr.Internalf(err, "export %s", t.Name)
				}
				if n > 0 {
					bw.WriteByte(',')
				}
				n++
				bw.WriteString("\n")
				_, err = bw.Write(b)
				return err
			})
			if err != nil {
				return err
			}
			bw.WriteString("]")
		}
		_, err := bw.WriteString("}}\n")
		return err
	})
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return xerr.Internalf(err, "write export")
	}
	return nil
}

// attemptWriter buffers a stream written inside a read function, which the
// store may run again (PostgreSQL retries a read whose connection was
// lost). A new attempt starts over while what the last one wrote is still
// in the buffer; once part of it has reached w it cannot be taken back, so
// the new attempt fails instead of writing the archive's start twice.
type attemptWriter struct {
	w        io.Writer
	buf      *bufio.Writer
	written  int64 // bytes that reached w
	attempts int
}

func (a *attemptWriter) Write(p []byte) (int, error) {
	n, err := a.w.Write(p)
	a.written += int64(n)
	return n, err
}

func (a *attemptWriter) bw() *bufio.Writer {
	if a.buf == nil {
		a.buf = bufio.NewWriterSize(a, 64<<10)
	}
	return a.buf
}

// begin starts an attempt.
func (a *attemptWriter) begin() error {
	a.attempts++
	if a.attempts == 1 {
		return nil
	}
	if a.written > 0 {
		return xerr.New(xerr.Unavailable, "the database connection was lost after part of the export was written: run the export again")
	}
	a.buf.Reset(a)
	return nil
}

// DeleteUserReport says what DeleteUser removed besides the account.
type DeleteUserReport struct {
	// Organizations the user was the only member of, deleted with them.
	DeletedOrganizations []string `json:"deleted_organizations"`
	// IndexEntries is how many search index entries were queued for removal.
	IndexEntries int `json:"index_entries"`
}

// DeleteUser deletes an account and everything it owns, in one transaction:
// conversations, messages, notes, sessions, Live sessions and transcripts,
// personal documents, API keys, integrations, XEL progress, and their search
// index entries. Organizations where the user was the only member go too.
// Documents the user uploaded to an organization that remains stay with it,
// without an uploader. It refuses (conflict) while the user is the last
// owner of an organization that has other members: make one of them owner
// first. Operator method: no User is checked.
func (e *Engine) DeleteUser(ctx context.Context, userID string) (DeleteUserReport, error) {
	var rep DeleteUserReport
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		rep = DeleteUserReport{DeletedOrganizations: []string{}}
		if _, err := tx.UserByID(ctx, userID); err != nil {
			return err
		}
		orgs, err := tx.UserOrgs(ctx, userID)
		if err != nil {
			return err
		}
		var blocked []string
		for _, o := range orgs {
			if o.Members > 1 && o.Role == "owner" && o.Owners == 1 {
				blocked = append(blocked, o.Slug)
			}
		}
		if len(blocked) > 0 {
			ce := xerr.Newf(xerr.Conflict, "the user is the last owner of %s, which have other members: make one of them owner first",
				strings.Join(blocked, ", "))
			ce.Code = "last_owner"
			return ce
		}
		var ids []string
		for _, o := range orgs {
			if o.Members > 1 {
				// Through the organization's own path, so its member count
				// stays true.
				if err := tx.MembershipDelete(ctx, o.OrgID, userID); err != nil {
					return err
				}
				continue
			}
			chunks, err := tx.OrgChunkIDs(ctx, o.OrgID)
			if err != nil {
				return err
			}
			if err := tx.OrgDelete(ctx, o.OrgID); err != nil {
				return err
			}
			ids = append(ids, chunks...)
			rep.DeletedOrganizations = append(rep.DeletedOrganizations, o.OrgID)
		}
		own, err := tx.UserSearchableIDs(ctx, userID)
		if err != nil {
			return err
		}
		for _, id := range append(ids, own...) {
			if err := tx.OutboxDelete(ctx, id); err != nil {
				return err
			}
		}
		rep.IndexEntries = len(ids) + len(own)
		return tx.UserDelete(ctx, userID)
	})
	if err != nil {
		return DeleteUserReport{}, err
	}
	e.tell(ctx, noticeUser, userID)
	for _, id := range rep.DeletedOrganizations {
		e.tell(ctx, noticeOrg, id)
	}
	return rep, nil
}
