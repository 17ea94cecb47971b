package client

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/xentree/xentree/httpapi"
	"github.com/xentree/xentree/internal/xerr"
)

type sseEvent struct{ Name, Data string }

// readAll reads every event, byte by byte when slow, to split lines (and
// CRLF pairs) across reads.
func readAll(in string, slow bool) ([]sseEvent, error) {
	var r io.Reader = strings.NewReader(in)
	if slow {
		r = iotest.OneByteReader(r)
	}
	sr := newSSEReader(r)
	var evs []sseEvent
	for {
		name, data, err := sr.next()
		if errors.Is(err, io.EOF) {
			return evs, nil
		}
		if err != nil {
			return evs, err
		}
		evs = append(evs, sseEvent{name, string(data)})
	}
}

func TestSSEReader(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []sseEvent
	}{
		{"server output", "event: delta\ndata: {\"content\":\"No \"}\n\nevent: done\ndata: {}\n\n",
			[]sseEvent{{"delta", `{"content":"No "}`}, {"done", "{}"}}},
		{"CRLF and CR", "event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\r", []sseEvent{{"a", "1"}, {"b", "2"}}},
		{"data lines joined", "data: x\ndata:y\ndata\n\n", []sseEvent{{"message", "x\ny\n"}}},
		{"comments and unknown fields", ": hi\nid: 1\nretry: 5\nevent:e\ndata: d\n\n", []sseEvent{{"e", "d"}}},
		{"only the first space is cut", "data:  two\n\n", []sseEvent{{"message", " two"}}},
		{"no data, no event", "event: lost\n\nevent: kept\ndata: 1\n\n", []sseEvent{{"kept", "1"}}},
		{"BOM", "\ufeffevent: a\ndata: 1\n\n", []sseEvent{{"a", "1"}}},
		{"unterminated event dropped", "event: a\ndata: 1\n\nevent: b\ndata: 2\n", []sseEvent{{"a", "1"}}},
		{"empty", "", nil},
	}
	for _, tc := range cases {
		for _, slow := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/slow=%v", tc.name, slow), func(t *testing.T) {
				got, err := readAll(tc.in, slow)
				if err != nil || !reflect.DeepEqual(got, tc.want) {
					t.Errorf("events = %q, %v, want %q", got, err, tc.want)
				}
			})
		}
	}
}

func TestSSEReaderLineLimit(t *testing.T) {
	_, err := readAll("data: "+strings.Repeat("x", maxEventBytes)+"\n\n", false)
	if err == nil {
		t.Error("a line over maxEventBytes read without error")
	}
}

// FuzzSSEReader: the reader never panics, reads the same events whatever
// the chunking, and its events survive writing them out and reading back.
func FuzzSSEReader(f *testing.F) {
	for _, s := range []string{
		"event: delta\ndata: {\"content\":\"a\"}\n\nevent: done\ndata: {}\n\n",
		"event: error\ndata: {\"detail\":{\"error\":\"provider_unavailable\",\"message\":\"m\"}}\n\n",
		"data: x\r\ndata: y\r\n\r\n", "event: a\rdata: 1\r\r", ": c\nid: 1\n\n", "\ufeffdata\n\n",
		"data: 1\n", "\r\n\r\n\r", "event\nevent:\ndata:\n\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		evs, err := readAll(in, false)
		if err != nil {
			t.Skip() // only a line over the limit fails
		}
		slow, err := readAll(in, true)
		if err != nil || !reflect.DeepEqual(evs, slow) {
			t.Fatalf("byte by byte: %q, %v; at once: %q", slow, err, evs)
		}
		var out bytes.Buffer
		for _, e := range evs {
			if strings.ContainsAny(e.Name, "\r\n") || strings.Contains(e.Data, "\r") {
				t.Fatalf("event %q holds a line break it cannot", e)
			}
			fmt.Fprintf(&out, "event: %s\n", e.Name)
			for _, line := range strings.Split(e.Data, "\n") {
				fmt.Fprintf(&out, "data: %s\n", line)
			}
			out.WriteString("\n")
		}
		again, err := readAll(out.String(), false)
		if err != nil || !reflect.DeepEqual(again, evs) {
			t.Fatalf("written out and read back: %q, %v, want %q", again, err, evs)
		}
	})
}

// TestKindOfStatusInvertsHTTPAPI: every kind's status and default code read
// back as that kind.
func TestKindOfStatusInvertsHTTPAPI(t *testing.T) {
	for k := xerr.Internal; k <= xerr.MethodNotAllowed; k++ {
		e := &xerr.Error{Kind: k}
		if got := kindOfStatus(httpapi.StatusOf(e), e.PublicCode()); got != k {
			t.Errorf("kindOfStatus(%d, %q) = %v, want %v", httpapi.StatusOf(e), e.PublicCode(), got, k)
		}
		if got := kindByCode[e.PublicCode()]; got != k {
			t.Errorf("kindByCode[%q] = %v, want %v", e.PublicCode(), got, k)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 4, 16, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		h    string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 30 ", 30 * time.Second},
		{"-3", 0},
		{"99999999999999999", 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"soon", 0},
	}
	for _, tc := range cases {
		if got := retryAfter(tc.h, now); got != tc.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tc.h, got, tc.want)
		}
	}
}
