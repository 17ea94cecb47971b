package live

import (
	"encoding/json"
	"testing"
	"time"
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
// and an accepted transcript keeps the rules (order, bounds, roles).
func FuzzSaveTranscript(f *testing.F) {
	f.Add([]byte(`{"session_started_at":"2026-04-16T10:00:00Z","session_ended_at":"2026-04-16T10:01:00Z","transcripts":[{"role":"user","text":"hi","timestamp":"2026-04-16T10:00:01Z"}]}`))
	f.Add([]byte(`{"session_started_at":"2026-04-16T10:00:00Z","session_ended_at":"2026-04-16T09:00:00Z","transcripts":[]}`))
	f.Add([]byte(`{"transcripts":[{"role":"ai","text":"\u0000","timestamp":"x"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r SaveTranscriptRequest
		if json.Unmarshal(b, &r) != nil {
			return
		}
		if err := r.Validate(TranscriptLimits{MaxTurns: 50, MaxBytes: 4096}); err != nil {
			return
		}
		prev := r.SessionStartedAt.Time
		for _, turn := range r.Transcripts {
			if turn.Timestamp.Before(prev) || turn.Timestamp.After(r.SessionEndedAt.Time) || (turn.Role != RoleUser && turn.Role != RoleAI) {
				t.Fatalf("accepted %s", b)
			}
			prev = turn.Timestamp.Time
		}
		_ = Preview(r.Transcripts)
	})
}
