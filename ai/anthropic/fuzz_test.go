package anthropic

import (
	"bytes"
	"testing"

	"github.com/xentree/xentree/internal/streamtest"
)

// FuzzReadStream feeds any bytes to the event reader as a streamed
// message: it must not panic, the pieces relayed must be the content kept,
// a failure must have its kind, and a stream it accepts must have stopped,
// with usage.
func FuzzReadStream(f *testing.F) {
	f.Add([]byte(`event: message_start
data: {"type":"message_start","message":{"model":"claude-x","usage":{"input_tokens":5,"output_tokens":1}}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}

event: message_stop
data: {"type":"message_stop"}

`))
	f.Add([]byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"))
	f.Add([]byte("event: message_delta\r\ndata: {\"type\":\"message_delta\",\"usage\":{\"input_tokens\":\"x\"}}\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		resp, err := streamtest.Read(t, in, readStream)
		if err == nil && (!bytes.Contains(in, []byte("message_stop")) || resp.Usage == nil) {
			t.Fatalf("stream accepted without message_stop or usage: %q", in)
		}
	})
}
