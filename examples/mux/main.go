// Command mux mounts Xentree's REST API under an application's own router,
// behind the application's own authentication: the application decides who
// is calling, and Xentree acts for that user (httpapi.Config.Authenticate).
package main

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/httpapi"
)

// appSessions stands for the application's own login system: a session
// cookie names one of its users.
var appSessions = map[string]struct{ id, email string }{
	"cookie-of-ada": {"user-42", "ada@example.com"},
}

// newHandler is the application's router with Xentree under /learn/.
func newHandler(eng *xentree.Engine) http.Handler {
	api := httpapi.New(eng, httpapi.Config{
		Authenticate: func(r *http.Request) (xentree.User, bool, error) {
			c, err := r.Cookie("session")
			if err != nil {
				return xentree.User{}, false, nil // no session: Xentree's own tokens may still apply
			}
			s, ok := appSessions[c.Value]
			if !ok {
				return xentree.User{}, false, nil
			}
			u, err := eng.EnsureUser(r.Context(), s.id, s.email)
			return u, err == nil, err
		},
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("the application's own pages\n"))
	})
	// Xentree's routes start with /api; the application serves them under /learn.
	mux.Handle("/learn/", http.StripPrefix("/learn", api))
	return mux
}

func main() {
	dir := os.Getenv("XENTREE_DATA")
	if dir == "" {
		dir = "./xentree-data"
	}
	eng, err := xentree.Open(context.Background(), xentree.Config{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	addr := "127.0.0.1:8081"
	log.Printf("listening on %s; try: curl -b session=cookie-of-ada http://%s/learn/api/xel/dashboard", addr, addr)
	log.Fatal(http.ListenAndServe(addr, newHandler(eng)))
}
