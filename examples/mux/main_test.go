package main

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/xentree/xentree"
)

func Example() {
	dir, _ := os.MkdirTemp("", "xentree-mux")
	defer os.RemoveAll(dir)
	eng, err := xentree.Open(context.Background(), xentree.Config{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	h := newHandler(eng)

	for _, cookie := range []string{"session=cookie-of-ada", ""} {
		req := httptest.NewRequest("POST", "/learn/api/core/conversations", strings.NewReader(`{"title":"From the app"}`))
		req.Header.Set("Content-Type", "application/json")
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
	}
	// Output:
	// 201
	// 401
}
