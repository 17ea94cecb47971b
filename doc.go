// Package xentree is an embeddable AI-learning backend: accounts and tokens,
// AI conversations, a knowledge base, metered voice sessions, organizations
// and English-learning modules, behind one in-process Engine.
//
// There are three ways in, and all reach the same Engine, so every check is
// the same for each:
//
//   - a Go program opens an Engine and calls its methods;
//   - package httpapi serves the Engine as the documented REST API;
//   - cmd/xentree is a single binary that does the latter.
//
// # Embedding
//
// Open an Engine on a data folder (an SQLite file and a Bleve index live
// there), get a User, and call methods with it. An application with its own
// accounts needs neither passwords nor tokens: EnsureUser maps its user id
// to a Xentree account on first use.
//
//	eng, err := xentree.Open(ctx, xentree.Config{Dir: "./xentree-data"})
//	if err != nil {
//		return err
//	}
//	defer eng.Close()
//	user, err := eng.EnsureUser(ctx, "app-user-42", "ada@example.com")
//	if err != nil {
//		return err
//	}
//	profile, err := eng.Me(ctx, user)
//
// A REST client instead registers and logs in (Register, Login) and sends its
// access token, which Authenticate turns into the User.
//
// # Errors
//
// Every method returns errors of type *Error with a Kind (KindInvalid,
// KindNotFound, ...) and a public Code, or, where a caller's context ended,
// its context error; KindOf reads the kind from any error (a context's is
// KindUnavailable).
// Something the caller may not see is KindNotFound, never KindForbidden.
//
// # Tests
//
// Package xentreetest opens a ready Engine on a temporary folder with a fake
// clock and no network.
package xentree
