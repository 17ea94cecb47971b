package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xentree/xentree/client"
	"github.com/xentree/xentree/client/local"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/httpapi"
	"github.com/xentree/xentree/xentreetest"
)

// The program against a real server (the test links the engine; the
// program does not).
func TestRun(t *testing.T) {
	ctx := context.Background()
	eng := xentreetest.NewEngine(t)
	u, _ := xentreetest.CreateUser(t, eng, "ada@example.com")
	for _, title := range []string{"Biology", "Chemistry"} {
		if _, err := local.New(eng, u).CreateConversation(ctx, conversation.CreateRequest{Title: title}); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(httpapi.New(eng, httpapi.Config{}))
	t.Cleanup(srv.Close)

	var out strings.Builder
	if err := run(ctx, srv.URL, "ada@example.com", xentreetest.Password, &out); err != nil {
		t.Fatalf("run: %v", err)
	}
	if got, want := out.String(), "Chemistry\nBiology\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
	err := run(ctx, srv.URL, "ada@example.com", "wrong password", &out)
	if err == nil || !strings.Contains(err.Error(), "wrong email or password") {
		t.Errorf("wrong password: err = %v", err)
	}
	if _, err := client.New("not a url"); err == nil {
		t.Errorf("client.New(bad url): no error")
	}
}
