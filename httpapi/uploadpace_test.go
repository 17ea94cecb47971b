package httpapi_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree/httpapi"
	"github.com/xentree/xentree/xentreetest"
)

// TestStalledUploadGivesItsSlotBack: a client that sends an upload's
// headers and a few bytes, then nothing, used to hold an upload slot until
// the server's 2-minute read timeout. It is cut off (503) once a stall
// window passes without 64 KiB, and the slot serves the next upload; an
// upload that arrives at once is unaffected by the short window.
func TestStalledUploadGivesItsSlotBack(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	srv := httptest.NewServer(httpapi.New(eng, httpapi.Config{MaxConcurrentUploads: 1, UploadStallTimeout: 200 * time.Millisecond}))
	defer srv.Close()
	_, tok := xentreetest.CreateUser(t, eng, "ada@example.com")

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The test's own guard against a hang, not a wait: the server answers
	// when its stall window passes.
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	body := `{"title":"Stalled","content":"`
	fmt.Fprintf(conn, "POST /api/knowledge/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n%s", tok.AccessToken, body)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled upload: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("stalled upload: %d, want 503", res.StatusCode)
	}

	// The only slot is free again, and a whole body is read as before.
	req, _ := http.NewRequest("POST", srv.URL+"/api/knowledge/documents",
		strings.NewReader(`{"title":"Whole","content":"`+strings.Repeat("Glaciers move slowly. ", 20000)+`"}`))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	ok, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ok.Body.Close()
	if ok.StatusCode != http.StatusCreated {
		t.Fatalf("upload after the stalled one: %d", ok.StatusCode)
	}
}
