// Package sse reads Server-Sent Events, the text/event-stream format in
// which OpenAI's and Anthropic's APIs stream their answers (ai/openai,
// ai/anthropic) and Xentree's own chat streams (client).
//
// It follows the WHATWG HTML standard's parsing rules: lines end with LF,
// CRLF or CR; a line starting with ':' is a comment; "event" names the
// event and each "data" line adds a line to its data; a blank line ends the
// event. An event without data is not dispatched, and neither is one cut
// off by the end of the stream. "id" and "retry" are of no use to a client
// that does not reconnect, and are ignored like unknown fields.
package sse

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"io"
	"iter"
)

// MaxLine is the longest line the AI providers' streams may have: 32 MiB,
// as the official OpenAI and Anthropic Go SDKs accept.
const MaxLine = 32 << 20

// ErrLineTooLong reports a line longer than the Reader's limit.
var ErrLineTooLong = errors.New("sse: line too long")

// Event is one dispatched event.
type Event struct {
	// Type is the "event" field, "message" when the event had none.
	Type string
	// Data is the event's data lines joined with "\n".
	Data []byte
}

// Reader reads events from a stream.
type Reader struct {
	scan  *bufio.Scanner
	first bool
}

// NewReader returns a Reader of r that accepts lines of up to maxLine
// bytes.
func NewReader(r io.Reader, maxLine int) *Reader {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, min(4096, maxLine)), maxLine)
	s.Split(splitLine)
	return &Reader{scan: s, first: true}
}

// Next returns the next event. At the end of the stream it returns io.EOF;
// when reading fails, the reader's error (io.ErrUnexpectedEOF for a
// connection cut mid-body, ErrLineTooLong, ...).
func (r *Reader) Next() (Event, error) {
	var typ string
	var data []byte
	hasData := false
	for r.scan.Scan() {
		line := r.scan.Bytes()
		if r.first {
			line = bytes.TrimPrefix(line, []byte("\uFEFF"))
			r.first = false
		}
		if len(line) == 0 {
			if hasData {
				return Event{Type: cmp.Or(typ, "message"), Data: data}, nil
			}
			typ = ""
			continue
		}
		name, value, found := bytes.Cut(line, []byte(":"))
		if found && len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
		switch string(name) {
		case "": // a comment
		case "event":
			typ = string(value)
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			data = append(data, value...)
			hasData = true
		}
	}
	err := r.scan.Err()
	switch {
	case err == nil:
		return Event{}, io.EOF
	case errors.Is(err, bufio.ErrTooLong):
		return Event{}, ErrLineTooLong
	}
	return Event{}, err
}

// All iterates over the events until the end of the stream. A read
// failure ends it too, yielded last with an empty Event.
func (r *Reader) All() iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for {
			ev, err := r.Next()
			if err == io.EOF || !yield(ev, err) || err != nil {
				return
			}
		}
	}
}

// splitLine splits lines at LF, CRLF or a lone CR.
func splitLine(b []byte, atEOF bool) (advance int, line []byte, err error) {
	i := bytes.IndexAny(b, "\r\n")
	switch {
	case i < 0 && atEOF && len(b) > 0:
		return len(b), b, nil
	case i < 0:
		return 0, nil, nil
	case b[i] == '\n':
		return i + 1, b[:i], nil
	case i+1 < len(b) && b[i+1] == '\n':
		return i + 2, b[:i], nil
	case i+1 == len(b) && !atEOF: // a LF may follow in the next read
		return 0, nil, nil
	}
	return i + 1, b[:i], nil
}
