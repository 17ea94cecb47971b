package httpapi

import (
	"context"
	"net/http"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/live"
)

func (a *api) liveRoutes() []route {
	const tag = "Xentree Live"
	return []route{
		{Method: "GET", Path: "/api/live/quota", Summary: "Get remaining Xentree Live quota", Tag: tag,
			Auth: bearer, Scope: "live:read", Status: 200, Response: live.QuotaResponse{}, Handle: a.liveQuota},
		{Method: "POST", Path: "/api/live/session/start", Summary: "Start a live session (ends any active one); 429 live_quota_exceeded", Tag: tag,
			Auth: bearer, Scope: "live:write", Status: 201, Request: live.StartRequest{}, Response: live.SessionResponse{}, Handle: withBody(201, false, a.eng.StartLiveSession)},
		{Method: "POST", Path: "/api/live/session/heartbeat", Summary: "Update an active live session heartbeat; 429 live_quota_exceeded ends it", Tag: tag,
			Auth: bearer, Scope: "live:write", Status: 200, Request: live.SessionRequest{}, Response: live.SessionResponse{},
			Handle: withBody(200, false, a.eng.HeartbeatLiveSession)},
		{Method: "POST", Path: "/api/live/session/end", Summary: "End a live session", Tag: tag,
			Auth: bearer, Scope: "live:write", Status: 200, Request: live.SessionRequest{}, Response: live.SessionResponse{},
			Handle: withBody(200, false, a.eng.EndLiveSession)},
		{Method: "PUT", Path: "/api/live/nickname", Summary: "Update the user nickname used in Xentree Live", Tag: tag,
			Auth: bearer, Scope: "live:write", Status: 200, Request: live.NicknameRequest{}, Response: live.NicknameRequest{}, Handle: withBody(200, false, a.eng.SetLiveNickname)},
		{Method: "GET", Path: "/api/live/transcripts", Summary: "List live transcripts for the current user, newest first", Tag: tag,
			Auth: bearer, Scope: "live:read", Status: 200, Response: listOf{live.Transcript{}}, Query: pageParams, Handle: paged(noArg, func(ctx context.Context, u xentree.User, _ string, p xentree.Page) (xentree.List[live.Transcript], error) {
				return a.eng.ListLiveTranscripts(ctx, u, p)
			})},
		{Method: "POST", Path: "/api/live/transcripts", Summary: "Save live session transcripts", Tag: tag,
			Auth: bearer, Scope: "live:write", Status: 201, Request: live.SaveTranscriptRequest{}, Response: live.Transcript{}, Handle: withBody(201, false, a.eng.SaveLiveTranscript)},
		{Method: "GET", Path: "/api/live/transcripts/{transcript_id}", Summary: "Get a single live transcript", Tag: tag,
			Auth: bearer, Scope: "live:read", Status: 200, Response: live.Transcript{}, Handle: a.getTranscript},
	}
}

func (a *api) liveQuota(w http.ResponseWriter, r *http.Request, u xentree.User) error {
	q, err := a.eng.LiveQuota(r.Context(), u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, q)
	return nil
}

func (a *api) getTranscript(w http.ResponseWriter, r *http.Request, u xentree.User) error {
	t, err := a.eng.GetLiveTranscript(r.Context(), u, r.PathValue("transcript_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}
