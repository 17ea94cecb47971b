package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/xentree/xentree/internal/xerr"
)

func TestPingAndPoolStats(t *testing.T) {
	d, _ := openTest(t)
	if err := d.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := d.PoolStats()
	if s.MaxConns < 1 || s.TotalConns < 1 || s.AcquireCount < 1 || s.TotalConns > s.MaxConns {
		t.Errorf("PoolStats after a ping = %+v", s)
	}
}

// A statement on a connection that died under it fails with
// pgconn.ErrConnClosed (BeginTx on a pooled connection whose server went
// away does): the database is unavailable, not an internal error.
func TestMapErrConnClosed(t *testing.T) {
	err := mapErr(fmt.Errorf("begin: %w", pgconn.ErrConnClosed))
	if !xerr.Is(err, xerr.Unavailable) {
		t.Errorf("mapErr(conn closed) = %v, want unavailable", err)
	}
}

// Text the database cannot hold is the client's input: 400, not 500.
func TestMapErrBadText(t *testing.T) {
	for _, code := range []string{"22021", "22P05"} {
		if err := mapErr(&pgconn.PgError{Code: code}); !xerr.Is(err, xerr.Invalid) {
			t.Errorf("mapErr(%s) = %v, want invalid", code, err)
		}
	}
}
