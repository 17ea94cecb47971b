package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/xentree/xentree/internal/xerr"
)

// MapError gives an error a kind at the edge. A driver has already given
// its own errors theirs (by result code, never by message text); what is
// left is a missing row, an ended context, or an error nobody expected.
// Drivers end their own mapping with it.
func MapError(err error) error {
	if err == nil {
		return nil
	}
	if xerr.As(err) != nil {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return xerr.Wrap(xerr.NotFound, err, "not found")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return xerr.Wrap(xerr.Unavailable, err, "request cancelled or timed out")
	}
	return xerr.Internalf(err, "store")
}

func mapErr(err error) error { return MapError(err) }
