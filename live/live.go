// Package live is the Xentree Live domain: metered voice and avatar
// sessions against a monthly allowance, and the transcripts they leave. It
// holds the types and the pure metering rules (periods, charges, lapses);
// the Engine (package xentree) applies them inside one store transaction
// per call, which is what makes charging exact under concurrency.
package live

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xentree/xentree/internal/textrule"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/xtime"
)

// Session types.
const (
	TypeVoice  = "voice"
	TypeAvatar = "avatar"
)

// Session statuses.
const (
	StatusActive = "active"
	StatusEnded  = "ended"
)

// Rules are the metering parameters, from the Engine's Config.
type Rules struct {
	HeartbeatInterval time.Duration // what clients are told to use
	SilenceTimeout    time.Duration // a session silent this long has lapsed
}

// Period returns the calendar month (UTC) containing t: [start, end).
func Period(t time.Time) (start, end time.Time) {
	t = t.UTC()
	start = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	return start, start.AddDate(0, 1, 0)
}

// PeriodKey names the period containing t, e.g. "2026-04".
func PeriodKey(t time.Time) string { return t.UTC().Format("2006-01") }

// Split divides the interval [from, to) at month boundaries, so each part is
// charged to its own month. It returns the parts in order.
func Split(from, to time.Time) []Span {
	var out []Span
	for from.Before(to) {
		_, end := Period(from)
		part := to
		if end.Before(to) {
			part = end
		}
		out = append(out, Span{From: from, To: part})
		from = part
	}
	return out
}

// Span is a stretch of session time inside one month.
type Span struct{ From, To time.Time }

// Lapsed reports whether a session last heard from at lastHeartbeat has
// been silent too long at now.
func (r Rules) Lapsed(lastHeartbeat, now time.Time) bool {
	return now.Sub(lastHeartbeat) > r.SilenceTimeout
}

// UsedSeconds rounds a charge up to whole seconds: a second begun is a
// second used. It is the one rounding rule behind every figure the API
// reports, so a month's used_seconds + remaining_seconds is limit_seconds.
func UsedSeconds(ms int64) int64 { return (max(0, ms) + 999) / 1000 }

// Allowance returns a month's figures in whole seconds, from its allowance
// and what is left of it in milliseconds.
func Allowance(limitMS, leftMS int64) (limit, used, remaining int64) {
	limit = limitMS / 1000
	used = min(limit, UsedSeconds(limitMS-leftMS))
	return limit, used, limit - used
}

// QuotaResponse is LiveQuotaResponse: always UsedSeconds + RemainingSeconds
// == LimitSeconds.
type QuotaResponse struct {
	Plan             string     `json:"plan"`
	LimitSeconds     int64      `json:"limit_seconds"`
	UsedSeconds      int64      `json:"used_seconds"`
	RemainingSeconds int64      `json:"remaining_seconds"`
	PeriodStart      xtime.Time `json:"period_start"`
	ResetsAt         xtime.Time `json:"resets_at"`
}

// StartRequest is LiveStartSessionRequest.
type StartRequest struct {
	SessionType string `json:"session_type"`
}

// Validate checks the session type.
func (r *StartRequest) Validate() error {
	if r.SessionType != TypeVoice && r.SessionType != TypeAvatar {
		return xerr.InvalidField("session_type", "must be voice or avatar")
	}
	return nil
}

// SessionRequest names a session (heartbeat, end).
type SessionRequest struct {
	SessionID string `json:"session_id"`
}

// SessionResponse is LiveSessionResponse. UsedSeconds is what this session
// has been charged; RemainingSeconds is what is left of the month's allowance.
type SessionResponse struct {
	SessionID                string      `json:"session_id"`
	SessionType              string      `json:"session_type"`
	Status                   string      `json:"status"`
	StartedAt                xtime.Time  `json:"started_at"`
	LastHeartbeatAt          xtime.Time  `json:"last_heartbeat_at"`
	EndedAt                  *xtime.Time `json:"ended_at,omitempty"`
	UsedSeconds              int64       `json:"used_seconds"`
	RemainingSeconds         int64       `json:"remaining_seconds"`
	HeartbeatIntervalSeconds int64       `json:"heartbeat_interval_seconds"`
	Realtime                 *Realtime   `json:"realtime,omitempty"`
}

// Realtime is what a client needs to open the realtime connection itself,
// when the server is configured with a realtime provider.
type Realtime struct {
	Provider     string     `json:"provider"`
	Model        string     `json:"model"`
	URL          string     `json:"url"`
	ClientSecret string     `json:"client_secret"`
	ExpiresAt    xtime.Time `json:"expires_at"`
}

// NicknameRequest sets the nickname used in Live.
type NicknameRequest struct {
	Nickname string `json:"nickname"`
}

// MaxNickname is the nickname's length limit in characters.
const MaxNickname = 40

// Validate trims and checks the nickname.
func (r *NicknameRequest) Validate() error {
	r.Nickname = strings.TrimSpace(r.Nickname)
	if r.Nickname == "" {
		return xerr.InvalidField("nickname", "is required")
	}
	return textrule.Line("nickname", r.Nickname, MaxNickname)
}

// Turn roles.
const (
	RoleUser = "user"
	RoleAI   = "ai"
)

// Turn is TranscriptTurn.
type Turn struct {
	Role      string     `json:"role"`
	Text      string     `json:"text"`
	Timestamp xtime.Time `json:"timestamp"`
}

// SaveTranscriptRequest is SaveLiveTranscriptsRequest.
type SaveTranscriptRequest struct {
	SessionID        string     `json:"session_id,omitempty"`
	SessionStartedAt xtime.Time `json:"session_started_at"`
	SessionEndedAt   xtime.Time `json:"session_ended_at"`
	Transcripts      []Turn     `json:"transcripts"`
}

// TranscriptLimits bound a saved transcript.
type TranscriptLimits struct {
	MaxTurns int
	MaxBytes int // total text
}

// Validate checks a transcript: known roles, times in order and inside the
// session, sizes within limits (413 when over).
func (r *SaveTranscriptRequest) Validate(l TranscriptLimits) error {
	if r.SessionStartedAt.IsZero() {
		return xerr.InvalidField("session_started_at", "is required")
	}
	if r.SessionEndedAt.IsZero() {
		return xerr.InvalidField("session_ended_at", "is required")
	}
	if r.SessionEndedAt.Before(r.SessionStartedAt.Time) {
		return xerr.InvalidField("session_ended_at", "must not be before session_started_at")
	}
	if len(r.Transcripts) == 0 {
		return xerr.InvalidField("transcripts", "must have at least one turn")
	}
	if len(r.Transcripts) > l.MaxTurns {
		return &xerr.Error{Kind: xerr.TooLarge, Field: "transcripts", Message: "must have at most " + itoa(l.MaxTurns) + " turns"}
	}
	total := 0
	var prev time.Time
	for i, t := range r.Transcripts {
		field := "transcripts[" + itoa(i) + "]"
		if t.Role != RoleUser && t.Role != RoleAI {
			return xerr.InvalidField(field+".role", "must be user or ai")
		}
		if strings.TrimSpace(t.Text) == "" {
			return xerr.InvalidField(field+".text", "is required")
		}
		// The total is bounded below; each turn only needs to be clean text.
		if err := textrule.Body(field+".text", t.Text, l.MaxBytes); err != nil {
			return err
		}
		total += len(t.Text)
		if total > l.MaxBytes {
			return &xerr.Error{Kind: xerr.TooLarge, Field: "transcripts", Message: "text must total at most " + itoa(l.MaxBytes) + " bytes"}
		}
		if t.Timestamp.IsZero() {
			return xerr.InvalidField(field+".timestamp", "is required")
		}
		if t.Timestamp.Before(r.SessionStartedAt.Time) || t.Timestamp.After(r.SessionEndedAt.Time) {
			return xerr.InvalidField(field+".timestamp", "must be within the session")
		}
		if t.Timestamp.Before(prev) {
			return xerr.InvalidField(field+".timestamp", "turns must be in time order")
		}
		prev = t.Timestamp.Time
	}
	return nil
}

// Transcript is LiveTranscript; Transcripts is set only when one is fetched.
type Transcript struct {
	ID               string     `json:"id"`
	SessionID        *string    `json:"session_id"`
	SessionStartedAt xtime.Time `json:"session_started_at"`
	SessionEndedAt   xtime.Time `json:"session_ended_at"`
	TurnCount        int        `json:"turn_count"`
	Preview          string     `json:"preview"`
	CreatedAt        xtime.Time `json:"created_at"`
	Transcripts      []Turn     `json:"transcripts,omitempty"`
}

// PreviewChars is the length of a transcript's preview.
const PreviewChars = 160

// Preview is the start of the first turns' text, cut at a rune boundary.
func Preview(turns []Turn) string {
	var b strings.Builder
	for _, t := range turns {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.TrimSpace(t.Text))
		if utf8.RuneCountInString(b.String()) >= PreviewChars {
			break
		}
	}
	s := b.String()
	if utf8.RuneCountInString(s) > PreviewChars {
		s = string([]rune(s)[:PreviewChars-1]) + "…"
	}
	return s
}

// Text joins the turns for the search index.
func Text(turns []Turn) string {
	var b strings.Builder
	for _, t := range turns {
		b.WriteString(t.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }
