// Package dirlock keeps two Xentree processes from pulling a SQLite data
// folder out from under each other. Every process that uses the folder holds
// a shared lock on its lock file while it does (a server, a backup, an
// export); a command that replaces or copies the folder's files wholesale
// (restore, migrate-store) needs the lock alone, and is refused while any
// other holds it. The locks are the operating system's advisory file locks
// (flock), so a process that dies releases its lock with it: there is no
// stale lock file to clean up.
package dirlock

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/xentree/xentree/internal/xerr"
)

// FileName is the lock file's name in a data folder.
const FileName = "xentree.lock"

// ErrBusy is what taking a lock returns while another process holds a lock
// that conflicts with it.
var ErrBusy = errors.New("dirlock: the data folder is in use")

// Lock is a held lock; Release gives it back.
type Lock struct{ f *os.File }

// Shared takes a shared lock on dir's lock file, creating it: any number of
// processes may hold one at once, none while another holds Exclusive.
func Shared(dir string) (*Lock, error) { return take(dir, false) }

// Exclusive takes dir's lock alone: refused while any other process (or
// another Lock of this one) holds it, shared or not.
func Exclusive(dir string) (*Lock, error) { return take(dir, true) }

func take(dir string, exclusive bool) (*Lock, error) {
	// Read-only and 0644: flock needs no write access, and a lock file
	// first created by root (a backup from cron) must not keep the server's
	// own user from opening it.
	f, err := os.OpenFile(filepath.Join(dir, FileName), os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, xerr.Internalf(err, "open the data folder's lock file %s", filepath.Join(dir, FileName))
	}
	if err := flock(f, exclusive); err != nil {
		f.Close()
		return nil, err
	}
	return &Lock{f: f}, nil
}

// Release gives the lock back. A nil Lock, or one released before, is
// harmless.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the descriptor releases its flock
	l.f = nil
	return err
}
