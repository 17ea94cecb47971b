package openai

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/xentree/xentree/internal/streamtest"
)

// FuzzReadStream feeds any bytes to the chunk reader as a streamed answer:
// it must not panic, the pieces relayed must be the content kept, a
// failure must have its kind, and a stream it accepts must have finished.
func FuzzReadStream(f *testing.F) {
	f.Add([]byte(`data: {"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}

data: {"choices":[{"index":0,"delta":{"content":"Hello "}}]}

data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}

data: [DONE]

`))
	f.Add([]byte("data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n"))
	f.Add([]byte("data: {\"choices\":[{\"delta\":{\"content\":7}}]}\r\n\r\ndata: [DONE]\r\n\r\n"))
	f.Add([]byte("data: not json\n\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		if _, err := streamtest.Read(t, in, readStream); err == nil && !bytes.Contains(in, []byte("finish_reason")) {
			t.Fatalf("stream without a finish_reason accepted: %q", in)
		}
	})
}

// FuzzEmbeddings feeds any bytes to the embeddings answer checks: an
// accepted answer has one vector per text, all of one non-zero length.
func FuzzEmbeddings(f *testing.F) {
	f.Add([]byte(`{"object":"list","data":[{"object":"embedding","index":1,"embedding":[0.5,0.5]},{"index":0,"embedding":[1,0]}]}`), 2, 0)
	f.Add([]byte(`{"data":[{"index":0,"embedding":[1,0,0]}]}`), 1, 2)
	f.Add([]byte(`{"data":[{"index":-1,"embedding":"AAAA"}]}`), 1, 0)
	f.Add([]byte(`{"data":[]}`), 0, 0)
	f.Fuzz(func(t *testing.T, body []byte, n, dims int) {
		if n < 0 || n > 64 || dims < 0 {
			return
		}
		var res embeddingsResponse
		if json.Unmarshal(body, &res) != nil {
			return
		}
		e := &Embedder{dims: dims}
		out, err := e.vectors(res, n)
		if err != nil {
			return
		}
		if len(out) != n {
			t.Fatalf("%d vectors for %d texts", len(out), n)
		}
		for _, v := range out {
			if len(v) == 0 || len(v) != len(out[0]) || (dims > 0 && len(v) != dims) {
				t.Fatalf("vector lengths %d and %d, dims %d", len(v), len(out[0]), dims)
			}
		}
	})
}
