package sse

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll returns every event of in and the error that ended the stream.
func readAll(r *Reader) ([]Event, error) {
	var out []Event
	for {
		ev, err := r.Next()
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
}

func TestReader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Event
	}{
		{"OpenAI data lines", "data: {\"a\":1}\n\ndata: [DONE]\n\n",
			[]Event{{"message", []byte(`{"a":1}`)}, {"message", []byte("[DONE]")}}},
		{"Anthropic named events", "event: message_start\ndata: {}\n\nevent: ping\ndata: {\"type\": \"ping\"}\n\n",
			[]Event{{"message_start", []byte("{}")}, {"ping", []byte(`{"type": "ping"}`)}}},
		{"CRLF", "event: a\r\ndata: 1\r\n\r\n", []Event{{"a", []byte("1")}}},
		{"CR", "event: a\rdata: 1\r\rdata: 2\r\r", []Event{{"a", []byte("1")}, {"message", []byte("2")}}},
		{"data lines join with LF", "data: one\ndata:two\ndata\n\n", []Event{{"message", []byte("one\ntwo\n")}}},
		{"only the first space goes", "data:  two spaces\n\n", []Event{{"message", []byte(" two spaces")}}},
		{"comments and unknown fields", ": keep-alive\nid: 7\nretry: 10\nfoo: bar\ndata: x\n\n", []Event{{"message", []byte("x")}}},
		{"an event without data is not dispatched and forgets its name", "event: a\n\ndata: x\n\n", []Event{{"message", []byte("x")}}},
		{"empty data is data", "data:\n\n", []Event{{"message", []byte{}}}},
		{"an event cut off by the end is dropped", "data: 1\n\ndata: 2\n", []Event{{"message", []byte("1")}}},
		{"a byte order mark at the start", "\uFEFFdata: x\n\n", []Event{{"message", []byte("x")}}},
		{"no events", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte at a time too, so that a CR and its LF arrive apart.
			for _, r := range []io.Reader{strings.NewReader(tt.in), iotest.OneByteReader(strings.NewReader(tt.in))} {
				got, err := readAll(NewReader(r, MaxLine))
				if err != io.EOF {
					t.Errorf("end = %v, want io.EOF", err)
				}
				if !eventsEqual(got, tt.want) {
					t.Errorf("events = %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func eventsEqual(a, b []Event) bool {
	return slices.EqualFunc(a, b, func(x, y Event) bool { return x.Type == y.Type && bytes.Equal(x.Data, y.Data) })
}

// The data of an event stays valid after the next one is read.
func TestReaderDataIsOwned(t *testing.T) {
	r := NewReader(strings.NewReader("data: first\n\ndata: second\n\n"), MaxLine)
	a, _ := r.Next()
	b, _ := r.Next()
	if string(a.Data) != "first" || string(b.Data) != "second" {
		t.Errorf("events = %q, %q, want first, second", a.Data, b.Data)
	}
}

func TestReaderErrors(t *testing.T) {
	t.Run("read error", func(t *testing.T) {
		r := NewReader(io.MultiReader(strings.NewReader("data: 1\n\ndata: 2"), iotest.ErrReader(io.ErrUnexpectedEOF)), MaxLine)
		got, err := readAll(r)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("end = %v, want io.ErrUnexpectedEOF", err)
		}
		if len(got) != 1 {
			t.Errorf("events = %q, want the one completed before the error", got)
		}
	})
	t.Run("line too long", func(t *testing.T) {
		r := NewReader(strings.NewReader("data: "+strings.Repeat("x", 100)+"\n\n"), 64)
		if _, err := r.Next(); !errors.Is(err, ErrLineTooLong) {
			t.Errorf("Next = %v, want ErrLineTooLong", err)
		}
	})
}

// reference parses in by the standard's rules the plain way: line ends
// normalized first, then split.
func reference(in []byte) []Event {
	s := strings.TrimPrefix(string(in), "\uFEFF")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	lines = lines[:len(lines)-1] // the last piece has no line end: never a blank line
	var out []Event
	var typ string
	var data []string
	for _, l := range lines {
		if l == "" {
			if data != nil {
				out = append(out, Event{Type: cmp.Or(typ, "message"), Data: []byte(strings.Join(data, "\n"))})
			}
			typ, data = "", nil
			continue
		}
		name, value, _ := strings.Cut(l, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "event":
			typ = value
		case "data":
			data = append(data, value)
		}
	}
	return out
}

// FuzzReader checks the Reader against the plain reference on any input,
// read whole and a byte at a time, and that its events survive being
// written out and read back.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"data: {\"choices\":[]}\n\ndata: [DONE]\n\n",
		"event: message_start\r\ndata: {}\r\n\r\n: c\r\n",
		"event: a\rdata: 1\r\r",
		"\uFEFFdata\n\ndata:x\ndata: y\n\n",
		"event: e\n\nid: 1\nretry: 2\ndata: z\n",
		"event: error\ndata: {\"detail\":{\"error\":\"provider_unavailable\",\"message\":\"m\"}}\n\n",
		"\r\n\r\n\r", "event\nevent:\ndata:\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		want := reference(in)
		for _, r := range []io.Reader{bytes.NewReader(in), iotest.OneByteReader(bytes.NewReader(in))} {
			got, err := readAll(NewReader(r, MaxLine))
			if err != io.EOF {
				t.Fatalf("end = %v, want io.EOF", err)
			}
			if !eventsEqual(got, want) {
				t.Fatalf("events = %q, want %q", got, want)
			}
		}
		var out bytes.Buffer
		for _, e := range want {
			if strings.ContainsAny(e.Type, "\r\n") || bytes.ContainsRune(e.Data, '\r') {
				t.Fatalf("event %q holds a line break it cannot", e)
			}
			fmt.Fprintf(&out, "event: %s\n", e.Type)
			for _, line := range bytes.Split(e.Data, []byte("\n")) {
				fmt.Fprintf(&out, "data: %s\n", line)
			}
			out.WriteString("\n")
		}
		if again, err := readAll(NewReader(&out, MaxLine)); err != io.EOF || !eventsEqual(again, want) {
			t.Fatalf("written out and read back: %q, %v, want %q", again, err, want)
		}
	})
}

func TestAll(t *testing.T) {
	var got []Event
	var end error
	for ev, err := range NewReader(io.MultiReader(strings.NewReader("data: 1\n\ndata: 2\n\n"), iotest.ErrReader(io.ErrUnexpectedEOF)), MaxLine).All() {
		if err != nil {
			end = err
			continue
		}
		got = append(got, ev)
	}
	if want := []Event{{"message", []byte("1")}, {"message", []byte("2")}}; !eventsEqual(got, want) || end != io.ErrUnexpectedEOF {
		t.Errorf("All = %q then %v, want %q then io.ErrUnexpectedEOF", got, end, want)
	}
	n := 0
	for range NewReader(strings.NewReader("data: 1\n\ndata: 2\n\n"), MaxLine).All() {
		n++
		break
	}
	if n != 1 {
		t.Errorf("break after %d events, want 1", n)
	}
}
