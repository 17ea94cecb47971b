package main

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A request that outlives the stop's grace (a stream) has its context
// cancelled, and stopServing returns only after its handler did, so the
// engine is never closed under it.
func TestStopServingCancelsWhatOutlivesTheGrace(t *testing.T) {
	reqCtx, endRequests := context.WithCancel(context.Background())
	defer endRequests()
	var inflight requests
	entered, finished := make(chan struct{}), make(chan error, 1)
	srv := &http.Server{
		BaseContext: func(net.Listener) context.Context { return reqCtx },
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inflight.start()
			defer inflight.done()
			close(entered)
			<-r.Context().Done() // a stream that would run on
			finished <- r.Context().Err()
		}),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String()); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	err = stopServing(srv, endRequests, &inflight, 10*time.Millisecond, 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("stopServing = %v, want the requests it cancelled named", err)
	}
	// Ended through the requests' own context, not only by their
	// connections closing: a handler between writes sees it too.
	if reqCtx.Err() == nil {
		t.Error("the requests' base context was not cancelled")
	}
	select {
	case err := <-finished:
		if err == nil {
			t.Error("the handler ended without its context cancelled")
		}
	default:
		t.Error("stopServing returned before the handler did")
	}
	select {
	case <-inflight.idle():
	default:
		t.Error("a handler still counted as running")
	}
}

// Requests that finish within the grace are not cut short.
func TestStopServingIdle(t *testing.T) {
	_, endRequests := context.WithCancel(context.Background())
	defer endRequests()
	var inflight requests
	srv := &http.Server{Handler: http.NotFoundHandler()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	if err := stopServing(srv, endRequests, &inflight, 10*time.Second, time.Second); err != nil {
		t.Errorf("stopServing with nothing running = %v", err)
	}
}
