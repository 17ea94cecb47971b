package xentreetest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"testing"

	"github.com/xentree/xentree/xentreetest"
)

// The fake's embeddings answer in OpenAI's shape, in float or base64
// (little-endian float32) encoding, with unit-length vectors.
func TestFakeOpenAIEmbeddings(t *testing.T) {
	fake := xentreetest.NewFakeOpenAI(t)
	post := func(body string) map[string]any {
		t.Helper()
		resp, err := http.Post(fake.URL()+"/v1/embeddings", "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("status %d, %v", resp.StatusCode, err)
		}
		return out
	}
	f := post(`{"model":"text-embedding-3-small","input":"Glaciers carve valleys","dimensions":8}`)
	if f["object"] != "list" || f["model"] != "text-embedding-3-small" {
		t.Errorf("response = %v", f)
	}
	if u, _ := f["usage"].(map[string]any); u["prompt_tokens"] != float64(3) || u["total_tokens"] != float64(3) {
		t.Errorf("usage = %v", f["usage"])
	}
	data, _ := f["data"].([]any)
	if len(data) != 1 {
		t.Fatalf("data = %v", f["data"])
	}
	d0, _ := data[0].(map[string]any)
	floats, _ := d0["embedding"].([]any)
	if d0["object"] != "embedding" || d0["index"] != float64(0) || len(floats) != 8 {
		t.Fatalf("data[0] = %v", d0)
	}
	var norm float64
	for _, x := range floats {
		norm += x.(float64) * x.(float64)
	}
	if math.Abs(norm-1) > 1e-9 {
		t.Errorf("squared length = %v, want 1", norm)
	}

	b := post(`{"model":"m","input":["Glaciers carve valleys"],"dimensions":8,"encoding_format":"base64"}`)
	enc := b["data"].([]any)[0].(map[string]any)["embedding"].(string)
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(raw) != 32 {
		t.Fatalf("base64 embedding %q: %v", enc, err)
	}
	for i := range 8 {
		got := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		if want := float32(floats[i].(float64)); got != want {
			t.Errorf("base64 [%d] = %v, want %v", i, got, want)
		}
	}
	if n := len(fake.Requests()); n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
}
