// Package streamtest runs the stream readers of the remote AI providers
// (ai/openai, ai/anthropic) over bytes, for their fuzz tests.
package streamtest

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/internal/xerr"
)

// Read relays in, as the body of a streamed answer, through read the way
// ai.StreamUpstream does, and returns what it returns. It fails t when the
// pieces the callback got are not the content returned, or when a failure
// is not classified (an xerr kind other than Internal).
func Read(t *testing.T, in []byte, read func(io.Reader, *ai.Relay, *ai.Response) error) (ai.Response, error) {
	t.Helper()
	var pieces []string
	resp, err := ai.StreamUpstream(context.Background(), time.Minute, func(d ai.Delta) error {
		pieces = append(pieces, d.Content)
		return nil
	}, ai.Upstream{Provider: "fuzz"}, ai.Response{}, func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(in)), nil
	}, read)
	if got := strings.Join(pieces, ""); got != resp.Content {
		t.Fatalf("pieces %q, content %q", got, resp.Content)
	}
	if err != nil && xerr.KindOf(err) == xerr.Internal {
		t.Fatalf("failure not classified: %v", err)
	}
	return resp, err
}
