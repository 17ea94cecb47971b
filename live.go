package xentree

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/cursor"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/live"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/xtime"
)

// errLiveQuota is the documented body, reproduced exactly.
func errLiveQuota() error {
	return &xerr.Error{Kind: xerr.Quota, Code: "live_quota_exceeded", Message: "Monthly Live session quota exceeded"}
}

var (
	errLiveSessionNotFound = &xerr.Error{Kind: xerr.NotFound, Message: "live session not found"}
	errTranscriptNotFound  = &xerr.Error{Kind: xerr.NotFound, Message: "transcript not found"}
)

func errLiveEnded() error {
	return &xerr.Error{Kind: xerr.Invalid, Code: "live_session_ended", Field: "session_id", Message: "this live session has ended; start a new one"}
}

func (e *Engine) liveRules() live.Rules {
	return live.Rules{HeartbeatInterval: e.cfg.Live.HeartbeatInterval, SilenceTimeout: e.cfg.Live.SilenceTimeout}
}

// planLimitMS is the monthly allowance of plan, falling back to "free".
func (e *Engine) planLimitMS(plan string) int64 {
	secs, ok := e.cfg.Live.Plans[plan]
	if !ok {
		secs = e.cfg.Live.Plans["free"]
	}
	return secs * 1000
}

// meter is one transaction's view of a user's allowance.
type meter struct {
	tx      *store.Tx
	userID  string
	limitMS int64
}

func (e *Engine) meterFor(ctx context.Context, tx *store.Tx, userID string) (meter, string, error) {
	u, err := tx.UserByID(ctx, userID)
	if err != nil {
		return meter{}, "", err
	}
	return meter{tx: tx, userID: userID, limitMS: e.planLimitMS(u.Plan)}, u.Plan, nil
}

func (m meter) remaining(ctx context.Context, at time.Time) (int64, error) {
	used, err := m.tx.LiveUsage(ctx, m.userID, live.PeriodKey(at))
	return max(0, m.limitMS-used), err
}

// charge bills s from its last heartbeat up to until, month by month, and
// stops at the allowance: it reports whether the allowance ran out.
func (m meter) charge(ctx context.Context, s *store.LiveSessionRow, until time.Time) (exhausted bool, err error) {
	from := time.UnixMilli(s.LastHeartbeatAt).UTC()
	for _, span := range live.Split(from, until) {
		left, err := m.remaining(ctx, span.From)
		if err != nil {
			return false, err
		}
		d := span.To.Sub(span.From).Milliseconds()
		// A month's allowance used up exactly at its end is not the
		// session's end: the next month starts from zero.
		if _, monthEnd := live.Period(span.From); d > left || (d == left && span.To.Before(monthEnd)) {
			d, exhausted = left, true
		}
		if d > 0 {
			if err := m.tx.LiveUsageAdd(ctx, m.userID, live.PeriodKey(span.From), d); err != nil {
				return false, err
			}
		}
		s.ChargedMS += d
		s.LastHeartbeatAt = span.From.UnixMilli() + d
		if exhausted {
			return true, nil
		}
	}
	return false, nil
}

// settle brings an active session up to now: a lapsed session ends at its
// last heartbeat; otherwise it is charged to now and, if end is set or the
// allowance runs out, ended there. It reports why it ended ("" if it did not).
func (e *Engine) settle(ctx context.Context, m meter, s *store.LiveSessionRow, now time.Time, end bool) (string, error) {
	reason := ""
	switch {
	case e.liveRules().Lapsed(time.UnixMilli(s.LastHeartbeatAt), now):
		reason = "lapsed"
	default:
		exhausted, err := m.charge(ctx, s, now)
		if err != nil {
			return "", err
		}
		if exhausted {
			reason = "quota"
		} else if end {
			reason = "ended"
		}
	}
	if reason != "" {
		s.EndedAt, s.EndReason = s.LastHeartbeatAt, reason
	}
	return reason, m.tx.LiveSessionUpdate(ctx, *s)
}

// LiveQuota reports user's allowance for the current month.
func (e *Engine) LiveQuota(ctx context.Context, user User) (live.QuotaResponse, error) {
	if err := user.Allow(auth.ScopeLiveRead); err != nil {
		return live.QuotaResponse{}, err
	}
	return e.liveQuota(ctx, user)
}

// liveQuota is LiveQuota without its scope: starting a session (live:write)
// reads the quota too.
func (e *Engine) liveQuota(ctx context.Context, user User) (live.QuotaResponse, error) {
	var q live.QuotaResponse
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		m, plan, err := e.meterFor(ctx, tx, user.ID)
		if err != nil {
			return err
		}
		left, err := m.remaining(ctx, tx.Now)
		if err != nil {
			return err
		}
		start, end := live.Period(tx.Now)
		q = live.QuotaResponse{Plan: plan, PeriodStart: xtime.Of(start), ResetsAt: xtime.Of(end)}
		q.LimitSeconds, q.UsedSeconds, q.RemainingSeconds = live.Allowance(m.limitMS, left)
		return nil
	})
	return q, err
}

// StartLiveSession starts a session for user, ending any active one first
// (one active session per user). With nothing left of the month's allowance
// it fails with code live_quota_exceeded.
func (e *Engine) StartLiveSession(ctx context.Context, user User, req live.StartRequest) (live.SessionResponse, error) {
	if err := user.Allow(auth.ScopeLiveWrite); err != nil {
		return live.SessionResponse{}, err
	}
	if err := req.Validate(); err != nil {
		return live.SessionResponse{}, err
	}
	// Cheap refusal before any network call for the realtime secret.
	if q, err := e.liveQuota(ctx, user); err != nil {
		return live.SessionResponse{}, err
	} else if q.RemainingSeconds <= 0 {
		if err := e.endActiveLive(ctx, user); err != nil {
			return live.SessionResponse{}, err
		}
		return live.SessionResponse{}, errLiveQuota()
	}
	var rt *live.Realtime
	if e.cfg.Live.Realtime.APIKey != "" {
		var err error
		if rt, err = e.mintRealtime(ctx); err != nil {
			return live.SessionResponse{}, err
		}
	}
	var out live.SessionResponse
	var quota bool
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		quota = false // fn runs again when a PostgreSQL store retries it
		m, _, err := e.meterFor(ctx, tx, user.ID)
		if err != nil {
			return err
		}
		if prev, err := tx.LiveSessionActive(ctx, user.ID); err == nil {
			if _, err := e.settle(ctx, m, &prev, tx.Now, true); err != nil {
				return err
			}
		} else if !xerr.Is(err, xerr.NotFound) {
			return err
		}
		left, err := m.remaining(ctx, tx.Now)
		if err != nil {
			return err
		}
		if left < 1000 { // less than the second the allowance is counted in
			quota = true // commit the ended previous session, then refuse
			return nil
		}
		s := store.LiveSessionRow{ID: ids.New(), UserID: user.ID, SessionType: req.SessionType, StartedAt: tx.NowMillis(), LastHeartbeatAt: tx.NowMillis()}
		if err := tx.LiveSessionInsert(ctx, s); err != nil {
			return err
		}
		out = e.liveView(s, m.limitMS, left)
		return nil
	})
	if err != nil {
		return live.SessionResponse{}, err
	}
	if quota {
		return live.SessionResponse{}, errLiveQuota()
	}
	out.Realtime = rt
	return out, nil
}

func (e *Engine) endActiveLive(ctx context.Context, user User) error {
	return e.db.Write(ctx, func(tx *store.Tx) error {
		prev, err := tx.LiveSessionActive(ctx, user.ID)
		if xerr.Is(err, xerr.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		m, _, err := e.meterFor(ctx, tx, user.ID)
		if err != nil {
			return err
		}
		_, err = e.settle(ctx, m, &prev, tx.Now, true)
		return err
	})
}

// HeartbeatLiveSession charges the time since the last heartbeat. A session
// silent longer than the timeout has already lapsed (code
// live_session_ended); one whose allowance runs out ends at that instant
// (code live_quota_exceeded).
func (e *Engine) HeartbeatLiveSession(ctx context.Context, user User, req live.SessionRequest) (live.SessionResponse, error) {
	if err := user.Allow(auth.ScopeLiveWrite); err != nil {
		return live.SessionResponse{}, err
	}
	return e.liveOp(ctx, user, req, false)
}

// EndLiveSession ends a session, charging up to now (or to its last
// heartbeat if it had lapsed). Ending an ended session returns it unchanged.
func (e *Engine) EndLiveSession(ctx context.Context, user User, req live.SessionRequest) (live.SessionResponse, error) {
	if err := user.Allow(auth.ScopeLiveWrite); err != nil {
		return live.SessionResponse{}, err
	}
	return e.liveOp(ctx, user, req, true)
}

func (e *Engine) liveOp(ctx context.Context, user User, req live.SessionRequest, end bool) (live.SessionResponse, error) {
	if !ids.Valid(req.SessionID) {
		if req.SessionID == "" {
			return live.SessionResponse{}, xerr.InvalidField("session_id", "is required")
		}
		return live.SessionResponse{}, errLiveSessionNotFound
	}
	var out live.SessionResponse
	var fail error
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		fail = nil // fn runs again when a PostgreSQL store retries it
		s, err := tx.LiveSessionGet(ctx, user.ID, req.SessionID)
		if err != nil {
			return notFoundAs(err, errLiveSessionNotFound)
		}
		m, _, err := e.meterFor(ctx, tx, user.ID)
		if err != nil {
			return err
		}
		if s.EndedAt == 0 {
			reason, err := e.settle(ctx, m, &s, tx.Now, end)
			if err != nil {
				return err
			}
			switch {
			case reason == "quota" && !end:
				fail = errLiveQuota()
			case reason == "lapsed" && !end:
				fail = errLiveEnded()
			}
		} else if !end {
			fail = errLiveEnded()
		}
		left, err := m.remaining(ctx, tx.Now)
		out = e.liveView(s, m.limitMS, left)
		return err
	})
	if err != nil {
		return live.SessionResponse{}, err
	}
	if fail != nil {
		// The session's end is committed; the caller learns why.
		return out, fail
	}
	return out, nil
}

// ReapLiveSessions ends every session silent for longer than the timeout,
// at its last heartbeat (already charged). The engine runs it periodically;
// tests call it after moving the fake clock.
func (e *Engine) ReapLiveSessions(ctx context.Context) (int, error) {
	n := 0
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		n = 0 // fn runs again when a PostgreSQL store retries it
		// One node at a time ends silent sessions; whichever takes the
		// lock at a tick does, so a node that dies is taken over at once.
		if ok, err := tx.TryLock(ctx, "live-reaper"); err != nil || !ok {
			return err
		}
		cutoff := tx.Now.Add(-e.cfg.Live.SilenceTimeout).UnixMilli()
		silent, err := tx.LiveSessionsSilent(ctx, cutoff, 1000)
		if err != nil {
			return err
		}
		for _, s := range silent {
			s.EndedAt, s.EndReason = s.LastHeartbeatAt, "lapsed"
			if err := tx.LiveSessionUpdate(ctx, s); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func (e *Engine) liveView(s store.LiveSessionRow, limitMS, leftMS int64) live.SessionResponse {
	_, _, remaining := live.Allowance(limitMS, leftMS)
	return live.SessionResponse{
		SessionID: s.ID, SessionType: s.SessionType, Status: map[bool]string{true: live.StatusEnded, false: live.StatusActive}[s.EndedAt != 0],
		StartedAt: xtime.FromMillis(s.StartedAt), LastHeartbeatAt: xtime.FromMillis(s.LastHeartbeatAt), EndedAt: xtime.PtrFromMillis(s.EndedAt),
		UsedSeconds: live.UsedSeconds(s.ChargedMS), RemainingSeconds: remaining,
		HeartbeatIntervalSeconds: int64(e.cfg.Live.HeartbeatInterval / time.Second),
	}
}

// SetLiveNickname sets the name Live uses for user.
func (e *Engine) SetLiveNickname(ctx context.Context, user User, req live.NicknameRequest) (live.NicknameRequest, error) {
	if err := user.Allow(auth.ScopeLiveWrite); err != nil {
		return live.NicknameRequest{}, err
	}
	if err := req.Validate(); err != nil {
		return req, err
	}
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, user.ID)
		if err != nil {
			return err
		}
		u.LiveNickname = req.Nickname
		return tx.UserUpdate(ctx, &u)
	})
	return req, err
}

// SetUserPlan changes an account's plan (operator method, for the CLI).
func (e *Engine) SetUserPlan(ctx context.Context, userID, plan string) error {
	if _, ok := e.cfg.Live.Plans[plan]; !ok {
		return xerr.InvalidField("plan", "is not a configured plan")
	}
	return e.db.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		u.Plan = plan
		return tx.UserUpdate(ctx, &u)
	})
}

// SaveLiveTranscript stores a session's transcript and makes it searchable
// (type "transcript"). A session_id must name one of user's sessions.
func (e *Engine) SaveLiveTranscript(ctx context.Context, user User, req live.SaveTranscriptRequest) (live.Transcript, error) {
	if err := user.Allow(auth.ScopeLiveWrite); err != nil {
		return live.Transcript{}, err
	}
	if err := req.Validate(live.TranscriptLimits{MaxTurns: e.cfg.Live.MaxTranscriptTurns, MaxBytes: e.cfg.Live.MaxTranscriptBytes}); err != nil {
		return live.Transcript{}, err
	}
	t := live.Transcript{ID: ids.New(), SessionStartedAt: req.SessionStartedAt, SessionEndedAt: req.SessionEndedAt,
		TurnCount: len(req.Transcripts), Preview: live.Preview(req.Transcripts)}
	if req.SessionID != "" {
		if !ids.Valid(req.SessionID) {
			return t, errLiveSessionNotFound
		}
		t.SessionID = &req.SessionID
	}
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		if t.SessionID != nil {
			if _, err := tx.LiveSessionGet(ctx, user.ID, *t.SessionID); err != nil {
				return notFoundAs(err, errLiveSessionNotFound)
			}
		}
		if err := tx.TranscriptInsert(ctx, user.ID, &t, req.Transcripts); err != nil {
			return err
		}
		return tx.OutboxIndex(ctx, conversation.TypeTranscript, t.ID)
	})
	return t, err
}

// ListLiveTranscripts returns user's transcripts, newest first, without turns.
func (e *Engine) ListLiveTranscripts(ctx context.Context, user User, p Page) (List[live.Transcript], error) {
	if err := user.Allow(auth.ScopeLiveRead); err != nil {
		return List[live.Transcript]{}, err
	}
	after, limit, err := e.page(p)
	if err != nil {
		return List[live.Transcript]{}, err
	}
	var ts []live.Transcript
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		ts, err = tx.TranscriptList(ctx, user.ID, after, limit+1)
		return err
	})
	return makeList(ts, limit, func(t live.Transcript) cursor.Position {
		return cursor.Position{Key: t.CreatedAt.Millis(), ID: t.ID}
	}), err
}

// GetLiveTranscript returns one of user's transcripts with its turns.
func (e *Engine) GetLiveTranscript(ctx context.Context, user User, id string) (live.Transcript, error) {
	if err := user.Allow(auth.ScopeLiveRead); err != nil {
		return live.Transcript{}, err
	}
	if !ids.Valid(id) {
		return live.Transcript{}, errTranscriptNotFound
	}
	var t live.Transcript
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		t, err = tx.TranscriptGet(ctx, user.ID, id)
		return err
	})
	return t, notFoundAs(err, errTranscriptNotFound)
}

// mintRealtime asks OpenAI for a short-lived client secret, so the client
// connects to the realtime API directly without ever seeing the server's key.
func (e *Engine) mintRealtime(ctx context.Context) (*live.Realtime, error) {
	c := e.cfg.Live.Realtime
	body, _ := json.Marshal(map[string]any{"session": map[string]any{
		"type": "realtime", "model": c.Model, "audio": map[string]any{"output": map[string]any{"voice": c.Voice}},
	}})
	base := strings.TrimRight(c.BaseURL, "/")
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/realtime/client_secrets", bytes.NewReader(body))
	if err != nil {
		return nil, xerr.Internalf(err, "realtime request")
	}
	req.Header.Set("Authorization", "Bearer "+c.APIKey)
	req.Header.Set("Content-Type", "application/json")
	unavailable := &xerr.Error{Kind: xerr.Unavailable, Code: "realtime_unavailable", Message: "the realtime provider could not start a session"}
	resp, err := c.HTTPClient.Do(req)
	if err != nil {
		unavailable.Err = scrub(err, c.APIKey)
		return nil, unavailable
	}
	defer resp.Body.Close()
	var out struct {
		Value     string `json:"value"`
		ExpiresAt int64  `json:"expires_at"`
	}
	// A secret without an expiry would be handed out as valid forever.
	if resp.StatusCode != http.StatusOK {
		unavailable.Err = xerr.Newf(xerr.Unavailable, "realtime client_secrets: status %d", resp.StatusCode)
		return nil, unavailable
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil || out.Value == "" || out.ExpiresAt <= 0 {
		unavailable.Err = xerr.Newf(xerr.Unavailable, "realtime client_secrets: malformed answer")
		return nil, unavailable
	}
	ws := strings.Replace(strings.Replace(base, "https://", "wss://", 1), "http://", "ws://", 1)
	return &live.Realtime{Provider: "openai", Model: c.Model, URL: ws + "/realtime?model=" + url.QueryEscape(c.Model),
		ClientSecret: out.Value, ExpiresAt: xtime.Of(time.Unix(out.ExpiresAt, 0))}, nil
}

// scrub removes a secret from an error's text before it can be logged.
func scrub(err error, secret string) error {
	if secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return xerr.Newf(xerr.Unavailable, "%s", strings.ReplaceAll(err.Error(), secret, "[redacted]"))
}
