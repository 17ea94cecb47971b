package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/sse"
	"github.com/xentree/xentree/internal/xerr"
)

// maxEventBytes bounds one line of the stream. The done event carries the
// whole answer on one line, so this is far above any answer's size.
const maxEventBytes = 16 << 20

// readChat reads the chat stream: delta events for fn, then done with the
// ChatResponse, or error with the envelope of a failure after the start.
func readChat(ctx context.Context, body io.Reader, fn func(string) error) (conversation.ChatResponse, error) {
	if fn == nil { // as Engine.ChatStream (and client/local) allow
		fn = func(string) error { return nil }
	}
	var resp conversation.ChatResponse
	events := sse.NewReader(body, maxEventBytes)
	for {
		ev, err := events.Next()
		if ctx.Err() != nil && (err != nil || ev.Type != "done") { // ctx ended: say so plainly, as the Engine does, unless the answer is in
			return resp, xerr.Wrap(xerr.Unavailable, ctx.Err(), "the chat was stopped by its caller")
		}
		if errors.Is(err, io.EOF) {
			return resp, xerr.New(xerr.Unavailable, "chat stream ended before its answer was complete")
		}
		if err != nil {
			return resp, unreachable(err)
		}
		data := ev.Data
		switch ev.Type {
		case "delta":
			var d struct {
				Content string `json:"content"`
			}
			if err := json.Unmarshal(data, &d); err != nil {
				return resp, xerr.Internalf(err, "client: decode a chat delta")
			}
			if err := fn(d.Content); err != nil {
				return resp, xerr.Wrap(xerr.Unavailable, err, "the chat was stopped by its caller") // as the Engine says
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
