package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/xerr"
)

// maxEventBytes bounds one line of the stream. The done event carries the
// whole answer on one line, so this is far above any answer's size.
const maxEventBytes = 16 << 20

// readChat reads the chat stream: delta events for fn, then done with the
// ChatResponse, or error with the envelope of a failure after the start.
func readChat(ctx context.Context, body io.Reader, fn func(string) error) (conversation.ChatResponse, error) {
	var resp conversation.ChatResponse
	events := newSSEReader(body)
	for {
		event, data, err := events.next()
		if ctx.Err() != nil { // the read failed because ctx ended: say so plainly
			return resp, ctx.Err()
		}
		if errors.Is(err, io.EOF) {
			return resp, xerr.New(xerr.Unavailable, "chat stream ended before its answer was complete")
		}
		if err != nil {
			return resp, unreachable(err)
		}
		switch event {
		case "delta":
			var d struct {
				Content string `json:"content"`
			}
			if err := json.Unmarshal(data, &d); err != nil {
				return resp, xerr.Internalf(err, "client: decode a chat delta")
			}
			if err := fn(d.Content); err != nil {
				return resp, err
			}
		case "done":
			if err := json.Unmarshal(data, &resp); err != nil {
				return resp, xerr.Internalf(err, "client: decode the chat answer")
			}
			return resp, nil
		case "error":
			e := envelopeError(data)
			e.Kind = kindByCode[e.Code] // no status: the stream had begun with 200
			return resp, e
		}
		// Other events are for newer clients.
	}
}

// sseReader reads Server-Sent Events as the HTML standard parses them:
// lines end in LF, CRLF or CR; a blank line ends an event; "event" names
// it, "data" lines are joined with LF; comments, id and retry are ignored.
type sseReader struct {
	lines *bufio.Scanner
	first bool
}

func newSSEReader(r io.Reader) *sseReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxEventBytes)
	sc.Split(scanSSELine)
	return &sseReader{lines: sc, first: true}
}

// next returns the next event: its name ("message" if unnamed) and data.
// At the end it returns io.EOF, dropping an event without its blank line,
// which the standard treats as incomplete.
func (r *sseReader) next() (event string, data []byte, err error) {
	hasData := false
	for r.lines.Scan() {
		line := r.lines.Bytes()
		if r.first {
			line, r.first = bytes.TrimPrefix(line, []byte("\ufeff")), false
		}
		if len(line) == 0 {
			if !hasData { // an event without data is not dispatched
				event = ""
				continue
			}
			if event == "" {
				event = "message"
			}
			return event, data, nil
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(name) {
		case "event":
			event = string(value)
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			data, hasData = append(data, value...), true
		}
	}
	if err := r.lines.Err(); err != nil {
		return "", nil, err
	}
	return "", nil, io.EOF
}

// scanSSELine splits lines at LF, CRLF or a lone CR.
func scanSSELine(b []byte, atEOF bool) (advance int, line []byte, err error) {
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
