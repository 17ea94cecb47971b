package client

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree/httpapi"
	"github.com/xentree/xentree/internal/xerr"
)

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

// A stream that ends with an error event keeps the error's kind (a reused
// idempotency key is a conflict, as in process), and a nil fn is allowed.
func TestReadChatErrorEventAndNilFn(t *testing.T) {
	stream := "event: delta\ndata: {\"content\":\"Hel\"}\n\n" +
		"event: error\ndata: {\"detail\":{\"error\":\"idempotency_key_reused\",\"message\":\"used for another message\",\"field\":\"idempotency_key\"}}\n\n"
	_, err := readChat(context.Background(), strings.NewReader(stream), nil)
	if xerr.KindOf(err) != xerr.Conflict {
		t.Errorf("error event idempotency_key_reused: %v (kind %v), want a conflict", err, xerr.KindOf(err))
	}
}
