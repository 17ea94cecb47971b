package live

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xentree/xentree/internal/xerr"
)

func TestSplitAtMonthBoundaries(t *testing.T) {
	from := time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC)
	to := time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)
	parts := Split(from, to)
	if len(parts) != 3 || PeriodKey(parts[0].From) != "2026-01" || PeriodKey(parts[1].From) != "2026-02" || PeriodKey(parts[2].From) != "2026-03" {
		t.Fatalf("parts = %+v", parts)
	}
	var total time.Duration
	for _, p := range parts {
		total += p.To.Sub(p.From)
	}
	if total != to.Sub(from) {
		t.Errorf("parts cover %v, want %v", total, to.Sub(from))
	}
	if len(Split(to, from)) != 0 {
		t.Error("an empty interval has parts")
	}
}

// FuzzSaveTranscript: no request body makes decoding plus validation panic,
// a refusal is a 400 or 413 naming the field, and an accepted transcript
// keeps the rules (order, bounds, roles, clean text within the limits).
func FuzzSaveTranscript(f *testing.F) {
	f.Add([]byte(`{"session_started_at":"2026-04-16T10:00:00Z","session_ended_at":"2026-04-16T10:01:00Z","transcripts":[{"role":"user","text":"hi","timestamp":"2026-04-16T10:00:01Z"}]}`))
	f.Add([]byte(`{"session_started_at":"2026-04-16T10:00:00Z","session_ended_at":"2026-04-16T09:00:00Z","transcripts":[]}`))
	f.Add([]byte(`{"transcripts":[{"role":"ai","text":"\u0000","timestamp":"x"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r SaveTranscriptRequest
		if json.Unmarshal(b, &r) != nil {
			return
		}
		limits := TranscriptLimits{MaxTurns: 50, MaxBytes: 4096}
		if err := r.Validate(limits); err != nil {
			if e := xerr.As(err); e == nil || (e.Kind != xerr.Invalid && e.Kind != xerr.TooLarge) || e.Field == "" {
				t.Fatalf("refused %s with %#v, want a 400 or 413 naming the field", b, err)
			}
			return
		}
		prev, total := r.SessionStartedAt.Time, 0
		for _, turn := range r.Transcripts {
			if turn.Timestamp.Before(prev) || turn.Timestamp.After(r.SessionEndedAt.Time) || (turn.Role != RoleUser && turn.Role != RoleAI) {
				t.Fatalf("accepted %s", b)
			}
			if !utf8.ValidString(turn.Text) || strings.IndexByte(turn.Text, 0) >= 0 {
				t.Fatalf("accepted the text %q", turn.Text)
			}
			prev, total = turn.Timestamp.Time, total+len(turn.Text)
		}
		if len(r.Transcripts) > limits.MaxTurns || total > limits.MaxBytes {
			t.Fatalf("accepted %d turns, %d bytes", len(r.Transcripts), total)
		}
		if p := Preview(r.Transcripts); !utf8.ValidString(p) || utf8.RuneCountInString(p) > PreviewChars {
			t.Fatalf("preview %q", p)
		}
	})
}

func TestAllowanceAddsUp(t *testing.T) {
	for _, limitS := range []int64{0, 1, 60, 1800} {
		for _, usedMS := range []int64{0, 1, 499, 500, 999, 1000, 1001, 1500, 59_999, 60_000, 1_799_001, 1_800_000, 2_000_000} {
			limitMS := limitS * 1000
			left := max(0, limitMS-usedMS)
			limit, used, remaining := Allowance(limitMS, left)
			if limit != limitS || used+remaining != limit || used < 0 || remaining < 0 {
				t.Errorf("Allowance(%d, %d) = %d, %d, %d: does not add up to the limit", limitMS, left, limit, used, remaining)
			}
			if usedMS > 0 && usedMS < limitMS && used != (usedMS+999)/1000 {
				t.Errorf("%d ms used reads as %d s: a second begun is a second used", usedMS, used)
			}
		}
	}
}
