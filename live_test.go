package xentree_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/live"
	"github.com/xentree/xentree/xentreetest"
)

func liveEngine(t *testing.T, freeSeconds int64) (*xentree.Engine, *xentreetest.Clock, xentree.User) {
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock), xentreetest.WithConfig(func(c *xentree.Config) {
		c.Live.Plans = map[string]int64{"free": freeSeconds, "pro": 36000}
	}))
	u, _ := xentreetest.CreateUser(t, eng, "")
	return eng, clock, u
}

func used(t *testing.T, eng *xentree.Engine, u xentree.User) int64 {
	t.Helper()
	q, err := eng.LiveQuota(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	return q.UsedSeconds
}

// step is one action in a metering scenario: advance the clock, then act.
type step struct {
	advance  time.Duration
	action   string // heartbeat, end, reap, start
	wantCode string // error code expected, "" for success
}

func TestLiveMetering(t *testing.T) {
	cases := []struct {
		name        string
		free        int64
		steps       []step
		wantUsed    int64  // seconds used this month at the end
		wantCharged int64  // seconds charged to the first session
		wantStatus  string // of the first session
	}{
		{"normal end", 1800, []step{{30 * time.Second, "heartbeat", ""}, {30 * time.Second, "heartbeat", ""}, {20 * time.Second, "end", ""}},
			80, 80, "ended"},
		{"end twice changes nothing", 1800, []step{{10 * time.Second, "end", ""}, {time.Hour, "end", ""}},
			10, 10, "ended"},
		{"lapse and reaping", 1800, []step{{30 * time.Second, "heartbeat", ""}, {91 * time.Second, "reap", ""}},
			30, 30, "ended"},
		{"silent but not yet lapsed is not reaped", 1800, []step{{30 * time.Second, "heartbeat", ""}, {90 * time.Second, "reap", ""}, {0, "heartbeat", ""}},
			120, 120, "active"},
		{"heartbeat after lapse", 1800, []step{{30 * time.Second, "heartbeat", ""}, {2 * time.Minute, "heartbeat", "live_session_ended"}},
			30, 30, "ended"},
		{"end after lapse charges only to the last heartbeat", 1800, []step{{30 * time.Second, "heartbeat", ""}, {time.Hour, "end", ""}},
			30, 30, "ended"},
		{"quota crossing mid-session", 60, []step{{30 * time.Second, "heartbeat", ""}, {45 * time.Second, "heartbeat", "live_quota_exceeded"}, {0, "start", "live_quota_exceeded"}},
			60, 60, "ended"},
		{"end past the allowance ends at the limit, without error", 60, []step{{75 * time.Second, "end", ""}},
			60, 60, "ended"},
		{"starting a second session ends the first", 1800, []step{{10 * time.Second, "start", ""}, {5 * time.Second, "reap", ""}},
			10, 10, "ended"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eng, clock, u := liveEngine(t, tc.free)
			first, err := eng.StartLiveSession(ctx, u, live.StartRequest{SessionType: "voice"})
			if err != nil {
				t.Fatal(err)
			}
			if first.HeartbeatIntervalSeconds != 30 || first.RemainingSeconds != tc.free || first.Realtime != nil {
				t.Errorf("start = %+v", first)
			}
			last := first
			for i, st := range tc.steps {
				clock.Advance(st.advance)
				var err error
				switch st.action {
				case "heartbeat":
					last, err = eng.HeartbeatLiveSession(ctx, u, live.SessionRequest{SessionID: first.SessionID})
				case "end":
					last, err = eng.EndLiveSession(ctx, u, live.SessionRequest{SessionID: first.SessionID})
				case "start":
					_, err = eng.StartLiveSession(ctx, u, live.StartRequest{SessionType: "avatar"})
				case "reap":
					_, err = eng.ReapLiveSessions(ctx)
				}
				if got := xentree.ErrorCode(err); (err == nil) != (st.wantCode == "") || (err != nil && got != st.wantCode) {
					t.Fatalf("step %d %s: %v, want %q", i, st.action, err, st.wantCode)
				}
			}
			// The first session's final state, read through End (idempotent once ended).
			if tc.wantStatus == "ended" {
				last, err = eng.EndLiveSession(ctx, u, live.SessionRequest{SessionID: first.SessionID})
				if err != nil {
					t.Fatal(err)
				}
			}
			if last.Status != tc.wantStatus || last.UsedSeconds != tc.wantCharged {
				t.Errorf("session = %s charged %d s, want %s %d s", last.Status, last.UsedSeconds, tc.wantStatus, tc.wantCharged)
			}
			if got := used(t, eng, u); got != tc.wantUsed {
				t.Errorf("used this month = %d s, want %d", got, tc.wantUsed)
			}
		})
	}
}

func TestLiveMonthRollover(t *testing.T) {
	eng, clock, u := liveEngine(t, 1800)
	clock.Set(time.Date(2026, 4, 30, 23, 59, 30, 0, time.UTC))
	s, err := eng.StartLiveSession(ctx, u, live.StartRequest{SessionType: "voice"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute) // 2026-05-01 00:00:30
	hb, err := eng.HeartbeatLiveSession(ctx, u, live.SessionRequest{SessionID: s.SessionID})
	if err != nil {
		t.Fatal(err)
	}
	if hb.UsedSeconds != 60 {
		t.Errorf("session charged %d s, want 60", hb.UsedSeconds)
	}
	q, _ := eng.LiveQuota(ctx, u)
	if q.UsedSeconds != 30 || q.RemainingSeconds != 1770 || q.PeriodStart.String() != "2026-05-01T00:00:00.000Z" || q.ResetsAt.String() != "2026-06-01T00:00:00.000Z" {
		t.Errorf("May quota = %+v, want 30 s used (the April half went to April)", q)
	}
	// A fresh month starts from zero even when the last one was used up.
	eng2, clock2, u2 := liveEngine(t, 60)
	clock2.Set(time.Date(2026, 4, 30, 12, 0, 0, 0, time.UTC))
	s2, _ := eng2.StartLiveSession(ctx, u2, live.StartRequest{SessionType: "voice"})
	clock2.Advance(time.Minute)
	if _, err := eng2.HeartbeatLiveSession(ctx, u2, live.SessionRequest{SessionID: s2.SessionID}); xentree.ErrorCode(err) != "live_quota_exceeded" {
		t.Fatalf("April used up: %v", err)
	}
	clock2.Set(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	if _, err := eng2.StartLiveSession(ctx, u2, live.StartRequest{SessionType: "voice"}); err != nil {
		t.Errorf("start in May: %v", err)
	}
	// April's allowance running out exactly at midnight does not end a
	// session that goes on into May.
	eng3, clock3, u3 := liveEngine(t, 60)
	clock3.Set(time.Date(2026, 4, 30, 23, 59, 0, 0, time.UTC))
	s3, _ := eng3.StartLiveSession(ctx, u3, live.StartRequest{SessionType: "voice"})
	clock3.Advance(80 * time.Second) // 2026-05-01 00:00:20: April's 60 s exactly, then 20 s of May
	hb3, err := eng3.HeartbeatLiveSession(ctx, u3, live.SessionRequest{SessionID: s3.SessionID})
	if err != nil || hb3.UsedSeconds != 80 {
		t.Fatalf("across a month's end used up exactly: %+v %v", hb3, err)
	}
	if q, _ := eng3.LiveQuota(ctx, u3); q.UsedSeconds != 20 {
		t.Errorf("May used %d s, want 20", q.UsedSeconds)
	}
	// Nor does a heartbeat at midnight exactly, when April's last second was its last.
	eng4, clock4, u4 := liveEngine(t, 60)
	clock4.Set(time.Date(2026, 4, 30, 23, 59, 0, 0, time.UTC))
	s4, _ := eng4.StartLiveSession(ctx, u4, live.StartRequest{SessionType: "voice"})
	clock4.Advance(time.Minute)
	if hb4, err := eng4.HeartbeatLiveSession(ctx, u4, live.SessionRequest{SessionID: s4.SessionID}); err != nil || hb4.Status != "active" {
		t.Fatalf("heartbeat at midnight after April's allowance: %+v %v", hb4, err)
	}
}

// Charges of part of a second read the same everywhere: the month's used
// and remaining seconds add up to its limit after every heartbeat.
func TestLiveQuotaAddsUp(t *testing.T) {
	eng, clock, u := liveEngine(t, 60)
	s, err := eng.StartLiveSession(ctx, u, live.StartRequest{SessionType: "voice"})
	if err != nil {
		t.Fatal(err)
	}
	for i, step := range []time.Duration{1500 * time.Millisecond, 700 * time.Millisecond, 250 * time.Millisecond, 10 * time.Second} {
		clock.Advance(step)
		hb, err := eng.HeartbeatLiveSession(ctx, u, live.SessionRequest{SessionID: s.SessionID})
		if err != nil {
			t.Fatal(err)
		}
		q, err := eng.LiveQuota(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if q.UsedSeconds+q.RemainingSeconds != q.LimitSeconds || hb.RemainingSeconds != q.RemainingSeconds || hb.UsedSeconds != q.UsedSeconds {
			t.Errorf("heartbeat %d: quota %+v, session used %d remaining %d", i, q, hb.UsedSeconds, hb.RemainingSeconds)
		}
	}
}

// Many heartbeats at the same instant charge the interval exactly once.
func TestLiveConcurrentHeartbeatsChargeOnce(t *testing.T) {
	eng, clock, u := liveEngine(t, 1800)
	s, err := eng.StartLiveSession(ctx, u, live.StartRequest{SessionType: "voice"})
	if err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 3; round++ {
		clock.Advance(30 * time.Second)
		var wg sync.WaitGroup
		for i := 0; i < 32; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := eng.HeartbeatLiveSession(ctx, u, live.SessionRequest{SessionID: s.SessionID}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if got := used(t, eng, u); got != int64(30*round) {
			t.Fatalf("round %d: used %d s, want %d", round, got, 30*round)
		}
	}
}

func TestLiveBadInputAndIsolation(t *testing.T) {
	eng, clock, ada := liveEngine(t, 1800)
	bob, _ := xentreetest.CreateUser(t, eng, "")
	s, _ := eng.StartLiveSession(ctx, ada, live.StartRequest{SessionType: "voice"})
	_, err := eng.StartLiveSession(ctx, ada, live.StartRequest{SessionType: "hologram"})
	wantKind(t, err, xentree.KindInvalid)
	for _, id := range []string{s.SessionID, "00000000-0000-7000-8000-000000000000", "garbage"} {
		_, err := eng.HeartbeatLiveSession(ctx, bob, live.SessionRequest{SessionID: id})
		wantKind(t, err, xentree.KindNotFound)
		_, err = eng.EndLiveSession(ctx, bob, live.SessionRequest{SessionID: id})
		wantKind(t, err, xentree.KindNotFound)
	}
	_, err = eng.HeartbeatLiveSession(ctx, ada, live.SessionRequest{})
	wantKind(t, err, xentree.KindInvalid)
	clock.Advance(10 * time.Second)
	eng.EndLiveSession(ctx, ada, live.SessionRequest{SessionID: s.SessionID})
	_, err = eng.HeartbeatLiveSession(ctx, ada, live.SessionRequest{SessionID: s.SessionID})
	if xentree.KindOf(err) != xentree.KindInvalid || xentree.ErrorCode(err) != "live_session_ended" {
		t.Errorf("heartbeat on an ended session: %v", err)
	}

	t0 := xentreetest.Start
	turn := func(role, text string, at time.Duration) live.Turn {
		return live.Turn{Role: role, Text: text, Timestamp: xentree.Time{Time: t0.Add(at)}}
	}
	good := live.SaveTranscriptRequest{SessionID: s.SessionID, SessionStartedAt: xentree.Time{Time: t0}, SessionEndedAt: xentree.Time{Time: t0.Add(time.Minute)},
		Transcripts: []live.Turn{turn("user", "How do I order a coffee in English?", time.Second), turn("ai", "You can say: a flat white, please.", 5*time.Second)}}
	tr, err := eng.SaveLiveTranscript(ctx, ada, good)
	if err != nil {
		t.Fatal(err)
	}
	if tr.TurnCount != 2 || tr.SessionID == nil || !strings.HasPrefix(tr.Preview, "How do I order a coffee") {
		t.Errorf("saved = %+v", tr)
	}
	bad := func(f func(r *live.SaveTranscriptRequest)) live.SaveTranscriptRequest {
		r := good
		r.Transcripts = append([]live.Turn(nil), good.Transcripts...)
		f(&r)
		return r
	}
	many := make([]live.Turn, 10000)
	for i := range many {
		many[i] = turn("user", "hi", time.Second)
	}
	for _, tc := range []struct {
		name string
		req  live.SaveTranscriptRequest
		kind xentree.Kind
	}{
		{"end before start", bad(func(r *live.SaveTranscriptRequest) { r.SessionEndedAt = xentree.Time{Time: t0.Add(-time.Second)} }), xentree.KindInvalid},
		{"unknown role", bad(func(r *live.SaveTranscriptRequest) { r.Transcripts[0].Role = "system" }), xentree.KindInvalid},
		{"out of order", bad(func(r *live.SaveTranscriptRequest) {
			r.Transcripts[0].Timestamp = xentree.Time{Time: t0.Add(10 * time.Second)}
		}), xentree.KindInvalid},
		{"outside the session", bad(func(r *live.SaveTranscriptRequest) {
			r.Transcripts[1].Timestamp = xentree.Time{Time: t0.Add(time.Hour)}
		}), xentree.KindInvalid},
		{"no turns", bad(func(r *live.SaveTranscriptRequest) { r.Transcripts = nil }), xentree.KindInvalid},
		{"10,000 turns", bad(func(r *live.SaveTranscriptRequest) { r.Transcripts = many }), xentree.KindTooLarge},
		{"too much text", bad(func(r *live.SaveTranscriptRequest) { r.Transcripts[0].Text = strings.Repeat("x", 600<<10) }), xentree.KindTooLarge},
	} {
		_, err := eng.SaveLiveTranscript(ctx, ada, tc.req)
		if xentree.KindOf(err) != tc.kind {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.kind)
		}
	}
	// Bob can neither read ada's transcript nor attach one to her session.
	_, err = eng.GetLiveTranscript(ctx, bob, tr.ID)
	wantKind(t, err, xentree.KindNotFound)
	_, err = eng.SaveLiveTranscript(ctx, bob, good)
	wantKind(t, err, xentree.KindNotFound)
	if l, _ := eng.ListLiveTranscripts(ctx, bob, xentree.Page{}); len(l.Items) != 0 {
		t.Errorf("bob lists %+v", l.Items)
	}
	got, err := eng.GetLiveTranscript(ctx, ada, tr.ID)
	if err != nil || len(got.Transcripts) != 2 || got.Transcripts[1].Role != "ai" {
		t.Errorf("get = %+v %v", got, err)
	}
	if l, _ := eng.ListLiveTranscripts(ctx, ada, xentree.Page{}); len(l.Items) != 1 || l.Items[0].Transcripts != nil {
		t.Errorf("list = %+v", l.Items)
	}
	// Transcripts are searchable, as type transcript, by their owner only.
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	if res := search(t, eng, ada, "coffee", "transcript"); res.Total != 1 || res.Hits[0].ID != tr.ID || res.Hits[0].Type != "transcript" {
		t.Errorf("ada's transcript search = %+v", res)
	}
	if res := search(t, eng, bob, "coffee"); res.Total != 0 {
		t.Errorf("bob finds ada's transcript: %+v", res)
	}
	// Nickname and plan.
	if _, err := eng.SetLiveNickname(ctx, ada, live.NicknameRequest{Nickname: strings.Repeat("n", 41)}); xentree.KindOf(err) != xentree.KindInvalid {
		t.Errorf("long nickname: %v", err)
	}
	if n, err := eng.SetLiveNickname(ctx, ada, live.NicknameRequest{Nickname: " Ada "}); err != nil || n.Nickname != "Ada" {
		t.Errorf("nickname = %+v %v", n, err)
	}
	if p, _ := eng.Me(ctx, ada); p.LiveNickname != "Ada" {
		t.Errorf("profile nickname = %q", p.LiveNickname)
	}
	wantKind(t, eng.SetUserPlan(ctx, ada.ID, "platinum"), xentree.KindInvalid)
	if err := eng.SetUserPlan(ctx, ada.ID, "pro"); err != nil {
		t.Fatal(err)
	}
	if q, _ := eng.LiveQuota(ctx, ada); q.Plan != "pro" || q.LimitSeconds != 36000 {
		t.Errorf("pro quota = %+v", q)
	}
}

// With a realtime provider configured, start mints a short-lived client
// secret server-side (here against a fake of OpenAI's endpoint).
func TestLiveRealtimeMinting(t *testing.T) {
	var got struct {
		auth string
		body map[string]any
	}
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/v1/realtime/client_secrets" {
			http.NotFound(w, r)
			return
		}
		got.auth = r.Header.Get("Authorization")
		json.NewDecoder(r.Body).Decode(&got.body)
		if strings.Contains(got.auth, "broken") {
			http.Error(w, `{"error":{"message":"Incorrect API key provided: sk-broken"}}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"value":"ek_test_123","expires_at":1776333660,"session":{"type":"realtime","model":"gpt-realtime"}}`))
	}))
	defer fake.Close()
	for _, tc := range []struct{ key, wantCode string }{{"sk-server-secret", ""}, {"sk-broken", "realtime_unavailable"}} {
		eng := xentreetest.NewEngine(t, xentreetest.WithConfig(func(c *xentree.Config) {
			c.Live.Realtime = xentree.RealtimeConfig{APIKey: tc.key, BaseURL: fake.URL + "/v1"}
		}))
		u, _ := xentreetest.CreateUser(t, eng, "")
		s, err := eng.StartLiveSession(ctx, u, live.StartRequest{SessionType: "voice"})
		if tc.wantCode != "" {
			if xentree.ErrorCode(err) != tc.wantCode || strings.Contains(err.Error(), tc.key) {
				t.Errorf("broken key: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		rt := s.Realtime
		if rt == nil || rt.ClientSecret != "ek_test_123" || rt.Model != "gpt-realtime" || !strings.HasPrefix(rt.URL, "ws://") || rt.ExpiresAt.Unix() != 1776333660 {
			t.Errorf("realtime = %+v", rt)
		}
		if got.auth != "Bearer sk-server-secret" || got.body["session"].(map[string]any)["model"] != "gpt-realtime" {
			t.Errorf("minting request: %q %v", got.auth, got.body)
		}
	}
}

// An API key with live:write alone (the start route's scope) starts and
// heartbeats a session: reading the quota on the way is not the caller's
// live:read.
func TestLiveWriteOnlyKey(t *testing.T) {
	eng, clock, ada := liveEngine(t, 1800)
	o := newOrg(t, eng, ada, "Studio")
	ku := keyUser(t, eng, ada, o.ID, auth.ScopeLiveWrite)
	s, err := eng.StartLiveSession(ctx, ku, live.StartRequest{SessionType: "voice"})
	if err != nil {
		t.Fatalf("start with live:write: %v", err)
	}
	clock.Advance(10 * time.Second)
	if _, err := eng.HeartbeatLiveSession(ctx, ku, live.SessionRequest{SessionID: s.SessionID}); err != nil {
		t.Errorf("heartbeat with live:write: %v", err)
	}
	_, err = eng.LiveQuota(ctx, ku)
	wantErr(t, "quota without live:read", err, xerr.Forbidden, auth.CodeInsufficientScope)
}
