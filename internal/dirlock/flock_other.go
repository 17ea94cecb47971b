//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package dirlock

import "os"

// flock is not available here: the folder is not locked, and the operator
// must stop the server before a restore, as the docs say.
func flock(*os.File, bool) error { return nil }

// Supported says whether the folder is really locked on this system.
const Supported = false
