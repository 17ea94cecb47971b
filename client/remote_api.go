package client

import (
	"context"
	"io"
	"strings"

	"github.com/xentree/xentree/adminstats"
	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/integration"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/list"
	"github.com/xentree/xentree/live"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xel"
)

// Each method calls the route (httpapi/routes_*.go) that serves the Engine
// method of its name; API documents them.

func (c *Remote) Me(ctx context.Context) (auth.Profile, error) {
	return do[auth.Profile](ctx, c, "GET", "/api/auth/me", nil, nil)
}
func (c *Remote) UpdateMe(ctx context.Context, req auth.UpdateMeRequest) (auth.Profile, error) {
	return do[auth.Profile](ctx, c, "PATCH", "/api/auth/me", nil, req)
}
func (c *Remote) Logout(ctx context.Context, req auth.LogoutRequest) error {
	err := exec(ctx, c, "POST", "/api/auth/logout", nil, req)
	if err == nil || xerr.Is(err, xerr.Unauthenticated) {
		c.setTokens("", "") // the server ends the caller's own session, whatever else it names; or it had ended
	}
	return err
}

func (c *Remote) ListProviders(ctx context.Context) (ai.ProvidersResponse, error) {
	return do[ai.ProvidersResponse](ctx, c, "GET", "/api/core/providers", nil, nil)
}
func (c *Remote) Chat(ctx context.Context, req conversation.ChatRequest) (conversation.ChatResponse, error) {
	req.Stream = false // the server would answer with events
	return do[conversation.ChatResponse](ctx, c, "POST", "/api/core/chat", nil, req)
}

// ChatStream is Engine.ChatStream over Server-Sent Events. Appending to a
// conversation, a stream always carries an idempotency key
// (the caller's, or one made here): when the stream breaks before its end
// (an Unavailable error), the error's Details["idempotency_key"] holds it,
// and a retry with it in req.IdempotencyKey gets the stored answer instead
// of appending the exchange a second time.
func (c *Remote) ChatStream(ctx context.Context, req conversation.ChatRequest, fn func(string) error) (conversation.ChatResponse, error) {
	req.Stream = true
	if req.ConversationID != "" && req.IdempotencyKey == "" {
		req.IdempotencyKey = ids.New()
	}
	withKey := func(err error) error {
		// Also when the answer's start never arrived (a connection lost,
		// a proxy's 502): the server may have stored the exchange.
		if xerr.Is(err, xerr.Unavailable) && req.ConversationID != "" {
			return xerr.WithDetail(err, "idempotency_key", req.IdempotencyKey)
		}
		return err
	}
	resp, err := c.send(ctx, request{method: "POST", path: "/api/core/chat", body: req, authed: true, stream: true})
	if err != nil {
		return conversation.ChatResponse{}, withKey(err)
	}
	// Closing the body also stops the server's answer when fn fails; a
	// cancelled ctx ends the read in progress.
	defer resp.Body.Close()
	out, err := readChat(ctx, resp.Body, fn)
	return out, withKey(err)
}
func (c *Remote) ListConversations(ctx context.Context, p list.Page) (list.List[conversation.Conversation], error) {
	return do[list.List[conversation.Conversation]](ctx, c, "GET", "/api/core/conversations", paged(p), nil)
}
func (c *Remote) CreateConversation(ctx context.Context, req conversation.CreateRequest) (conversation.Conversation, error) {
	return do[conversation.Conversation](ctx, c, "POST", "/api/core/conversations", nil, req)
}
func (c *Remote) GetConversation(ctx context.Context, id string) (conversation.Conversation, error) {
	return do[conversation.Conversation](ctx, c, "GET", "/api/core/conversations/"+esc(id), nil, nil)
}
func (c *Remote) DeleteConversation(ctx context.Context, id string) error {
	return exec(ctx, c, "DELETE", "/api/core/conversations/"+esc(id), nil, nil)
}
func (c *Remote) ListMessages(ctx context.Context, id string, p list.Page) (list.List[conversation.Message], error) {
	return do[list.List[conversation.Message]](ctx, c, "GET", "/api/core/conversations/"+esc(id)+"/messages", paged(p), nil)
}
func (c *Remote) Search(ctx context.Context, req conversation.SearchRequest) (conversation.SearchResponse, error) {
	q := query("q", req.Query, "types", strings.Join(req.Types, ","), "limit", num(req.Limit), "offset", num(req.Offset))
	return do[conversation.SearchResponse](ctx, c, "GET", "/api/core/search", q, nil)
}
func (c *Remote) SearchStatus(ctx context.Context) (conversation.SearchStatus, error) {
	return do[conversation.SearchStatus](ctx, c, "GET", "/api/core/search/status", nil, nil)
}
func (c *Remote) Reindex(ctx context.Context) error {
	return exec(ctx, c, "POST", "/api/core/search/reindex", nil, nil)
}
func (c *Remote) StartConversationSession(ctx context.Context, id string) (conversation.Session, error) {
	return c.session(ctx, "POST", id, "start")
}
func (c *Remote) RecordConversationActivity(ctx context.Context, id string) (conversation.Session, error) {
	return c.session(ctx, "POST", id, "activity")
}
func (c *Remote) EndConversationSession(ctx context.Context, id string) (conversation.Session, error) {
	return c.session(ctx, "POST", id, "end")
}
func (c *Remote) ConversationSessionStatus(ctx context.Context, id string) (conversation.Session, error) {
	return c.session(ctx, "GET", id, "status")
}
func (c *Remote) session(ctx context.Context, method, id, op string) (conversation.Session, error) {
	return do[conversation.Session](ctx, c, method, "/api/core/conversations/"+esc(id)+"/session/"+op, nil, nil)
}
func (c *Remote) ListNotes(ctx context.Context, conversationID string, p list.Page) (list.List[conversation.Note], error) {
	return do[list.List[conversation.Note]](ctx, c, "GET", "/api/core/notes", paged(p, "conversation_id", conversationID), nil)
}
func (c *Remote) CreateNote(ctx context.Context, req conversation.NoteCreateRequest) (conversation.Note, error) {
	return do[conversation.Note](ctx, c, "POST", "/api/core/notes", nil, req)
}
func (c *Remote) UpdateNote(ctx context.Context, id string, req conversation.NoteUpdateRequest) (conversation.Note, error) {
	return do[conversation.Note](ctx, c, "PUT", "/api/core/notes/"+esc(id), nil, req)
}
func (c *Remote) DeleteNote(ctx context.Context, id string) error {
	return exec(ctx, c, "DELETE", "/api/core/notes/"+esc(id), nil, nil)
}

func (c *Remote) LiveQuota(ctx context.Context) (live.QuotaResponse, error) {
	return do[live.QuotaResponse](ctx, c, "GET", "/api/live/quota", nil, nil)
}
func (c *Remote) StartLiveSession(ctx context.Context, req live.StartRequest) (live.SessionResponse, error) {
	return do[live.SessionResponse](ctx, c, "POST", "/api/live/session/start", nil, req)
}
func (c *Remote) HeartbeatLiveSession(ctx context.Context, req live.SessionRequest) (live.SessionResponse, error) {
	return do[live.SessionResponse](ctx, c, "POST", "/api/live/session/heartbeat", nil, req)
}
func (c *Remote) EndLiveSession(ctx context.Context, req live.SessionRequest) (live.SessionResponse, error) {
	return do[live.SessionResponse](ctx, c, "POST", "/api/live/session/end", nil, req)
}
func (c *Remote) SetLiveNickname(ctx context.Context, req live.NicknameRequest) (live.NicknameRequest, error) {
	return do[live.NicknameRequest](ctx, c, "PUT", "/api/live/nickname", nil, req)
}
func (c *Remote) ListLiveTranscripts(ctx context.Context, p list.Page) (list.List[live.Transcript], error) {
	return do[list.List[live.Transcript]](ctx, c, "GET", "/api/live/transcripts", paged(p), nil)
}
func (c *Remote) SaveLiveTranscript(ctx context.Context, req live.SaveTranscriptRequest) (live.Transcript, error) {
	return do[live.Transcript](ctx, c, "POST", "/api/live/transcripts", nil, req)
}
func (c *Remote) GetLiveTranscript(ctx context.Context, id string) (live.Transcript, error) {
	return do[live.Transcript](ctx, c, "GET", "/api/live/transcripts/"+esc(id), nil, nil)
}

func (c *Remote) ListOrganizations(ctx context.Context, p list.Page) (list.List[org.Organization], error) {
	return do[list.List[org.Organization]](ctx, c, "GET", "/api/organizations", paged(p), nil)
}
func (c *Remote) CreateOrganization(ctx context.Context, req org.CreateRequest) (org.Organization, error) {
	return do[org.Organization](ctx, c, "POST", "/api/organizations", nil, req)
}
func (c *Remote) GetOrganization(ctx context.Context, orgID string) (org.Organization, error) {
	return do[org.Organization](ctx, c, "GET", "/api/organizations/"+esc(orgID), nil, nil)
}
func (c *Remote) UpdateOrganization(ctx context.Context, orgID string, req org.UpdateRequest) (org.Organization, error) {
	return do[org.Organization](ctx, c, "PATCH", "/api/organizations/"+esc(orgID), nil, req)
}
func (c *Remote) DeleteOrganization(ctx context.Context, orgID string) error {
	return exec(ctx, c, "DELETE", "/api/organizations/"+esc(orgID), nil, nil)
}
func (c *Remote) ListMembers(ctx context.Context, orgID string, p list.Page) (list.List[org.Member], error) {
	return do[list.List[org.Member]](ctx, c, "GET", "/api/organizations/"+esc(orgID)+"/members", paged(p), nil)
}
func (c *Remote) AddMember(ctx context.Context, orgID string, req org.AddMemberRequest) (org.Member, error) {
	return do[org.Member](ctx, c, "POST", "/api/organizations/"+esc(orgID)+"/members", nil, req)
}
func (c *Remote) UpdateMemberRole(ctx context.Context, orgID, userID string, req org.RoleRequest) (org.Member, error) {
	return do[org.Member](ctx, c, "PATCH", memberPath(orgID, userID), nil, req)
}
func (c *Remote) UpdateMember(ctx context.Context, orgID, userID string, req org.UpdateMemberRequest) (org.Member, error) {
	return do[org.Member](ctx, c, "PUT", memberPath(orgID, userID), nil, req)
}
func (c *Remote) RemoveMember(ctx context.Context, orgID, userID string) error {
	return exec(ctx, c, "DELETE", memberPath(orgID, userID), nil, nil)
}
func memberPath(orgID, userID string) string {
	return "/api/organizations/" + esc(orgID) + "/members/" + esc(userID)
}
func (c *Remote) ListTeams(ctx context.Context, orgID string, p list.Page) (list.List[org.Team], error) {
	return do[list.List[org.Team]](ctx, c, "GET", "/api/organizations/"+esc(orgID)+"/teams", paged(p), nil)
}
func (c *Remote) CreateTeam(ctx context.Context, orgID string, req org.TeamRequest) (org.Team, error) {
	return do[org.Team](ctx, c, "POST", "/api/organizations/"+esc(orgID)+"/teams", nil, req)
}
func (c *Remote) UpdateTeam(ctx context.Context, orgID, teamID string, req org.TeamUpdateRequest) (org.Team, error) {
	return do[org.Team](ctx, c, "PATCH", "/api/organizations/"+esc(orgID)+"/teams/"+esc(teamID), nil, req)
}
func (c *Remote) DeleteTeam(ctx context.Context, orgID, teamID string) error {
	return exec(ctx, c, "DELETE", "/api/organizations/"+esc(orgID)+"/teams/"+esc(teamID), nil, nil)
}
func (c *Remote) ListAPIKeys(ctx context.Context, orgID string, p list.Page) (list.List[org.APIKey], error) {
	return do[list.List[org.APIKey]](ctx, c, "GET", "/api/api-keys", paged(p, "organization_id", orgID), nil)
}
func (c *Remote) CreateAPIKey(ctx context.Context, req org.CreateKeyRequest) (org.APIKey, error) {
	return do[org.APIKey](ctx, c, "POST", "/api/api-keys", nil, req)
}
func (c *Remote) DeleteAPIKey(ctx context.Context, keyID string) error {
	return exec(ctx, c, "DELETE", "/api/api-keys/"+esc(keyID), nil, nil)
}

func (c *Remote) SearchKnowledge(ctx context.Context, req knowledge.SearchRequest) (knowledge.SearchResponse, error) {
	return do[knowledge.SearchResponse](ctx, c, "POST", "/api/knowledge/search", nil, req)
}
func (c *Remote) QueryKnowledge(ctx context.Context, req knowledge.RAGRequest) (knowledge.RAGResponse, error) {
	return do[knowledge.RAGResponse](ctx, c, "POST", "/api/rag/query", nil, req)
}
func (c *Remote) ListDocuments(ctx context.Context, orgID string, p list.Page) (list.List[knowledge.Document], error) {
	return do[list.List[knowledge.Document]](ctx, c, "GET", "/api/knowledge/documents", paged(p, "organization_id", orgID), nil)
}

// CreateDocument sends JSON, or, when req.File is set, a multipart upload.
func (c *Remote) CreateDocument(ctx context.Context, req knowledge.CreateRequest) (knowledge.Document, error) {
	return do[knowledge.Document](ctx, c, "POST", "/api/knowledge/documents", nil, documentBody(req))
}
func (c *Remote) GetDocument(ctx context.Context, id string) (knowledge.Document, error) {
	return do[knowledge.Document](ctx, c, "GET", "/api/knowledge/documents/"+esc(id), nil, nil)
}
func (c *Remote) DeleteDocument(ctx context.Context, id string) error {
	return exec(ctx, c, "DELETE", "/api/knowledge/documents/"+esc(id), nil, nil)
}

func (c *Remote) ListIntegrations(ctx context.Context) (list.List[integration.Integration], error) {
	return do[list.List[integration.Integration]](ctx, c, "GET", "/api/integrations", nil, nil)
}
func (c *Remote) AuthorizeGoogleCalendar(ctx context.Context, req integration.AuthorizeRequest) (integration.AuthorizeResponse, error) {
	return do[integration.AuthorizeResponse](ctx, c, "POST", "/api/integrations/google-calendar/authorize", nil, req)
}
func (c *Remote) GoogleCalendarCallback(ctx context.Context, req integration.CallbackRequest) (integration.Integration, error) {
	q := query("code", req.Code, "state", req.State, "error", req.Error)
	return do[integration.Integration](ctx, c, "GET", "/api/integrations/google-calendar/callback", q, nil)
}
func (c *Remote) DisconnectGoogleCalendar(ctx context.Context) error {
	return exec(ctx, c, "DELETE", "/api/integrations/google-calendar", nil, nil)
}
func (c *Remote) ListCalendarEvents(ctx context.Context, from, to string) (integration.EventsResponse, error) {
	return do[integration.EventsResponse](ctx, c, "GET", "/api/integrations/google-calendar/events", query("from", from, "to", to), nil)
}
func (c *Remote) CreateCalendarEvent(ctx context.Context, req integration.CreateEventRequest) (integration.Event, error) {
	return do[integration.Event](ctx, c, "POST", "/api/integrations/google-calendar/events", nil, req)
}
func (c *Remote) GrantIntegrationToken(ctx context.Context, req integration.GrantRequest) (integration.GrantResponse, error) {
	return do[integration.GrantResponse](ctx, c, "POST", "/api/integration/grant", nil, req)
}
func (c *Remote) VerifyIntegrationToken(ctx context.Context, req integration.VerifyRequest) (integration.VerifyResponse, error) {
	return do[integration.VerifyResponse](ctx, c, "POST", "/api/integration/verify", nil, req)
}
func (c *Remote) RevokeIntegrationToken(ctx context.Context, req integration.RevokeRequest) (integration.RevokeResponse, error) {
	return do[integration.RevokeResponse](ctx, c, "POST", "/api/integration/revoke", nil, req)
}
func (c *Remote) RotateIntegrationToken(ctx context.Context, req integration.RotateRequest) (integration.GrantResponse, error) {
	return do[integration.GrantResponse](ctx, c, "POST", "/api/integration/rotate", nil, req)
}
func (c *Remote) RotateIntegrationKey(ctx context.Context, req integration.KeyRotateRequest) (integration.KeyRotateResponse, error) {
	return do[integration.KeyRotateResponse](ctx, c, "POST", "/api/integration/keys/rotate", nil, req)
}
func (c *Remote) ListIntegrationTokenRevocations(ctx context.Context, tenantID string, p list.Page) (list.List[integration.Revocation], error) {
	return do[list.List[integration.Revocation]](ctx, c, "GET", "/api/admin/integration-token-revocations", paged(p, "tenantId", tenantID), nil)
}
func (c *Remote) IntegrationJWKS(ctx context.Context, tenantID string) (integration.JWKS, error) {
	return do[integration.JWKS](ctx, c, "GET", "/api/integration/jwks", query("tenantId", tenantID), nil)
}
func (c *Remote) IntegrationFingerprint(ctx context.Context, tenantID string) (integration.FingerprintResponse, error) {
	return do[integration.FingerprintResponse](ctx, c, "GET", "/api/integration/fingerprint", query("tenantId", tenantID), nil)
}

func (c *Remote) EngagementStats(ctx context.Context, req adminstats.Request) (adminstats.EngagementStats, error) {
	return do[adminstats.EngagementStats](ctx, c, "GET", "/api/v1/admin/stats/engagement", req.Query(), nil)
}
func (c *Remote) MemberEngagement(ctx context.Context, userID string, req adminstats.Request) (adminstats.MemberEngagement, error) {
	return do[adminstats.MemberEngagement](ctx, c, "GET", "/api/v1/admin/stats/users/"+esc(userID), req.Query(), nil)
}
func (c *Remote) MemberProgress(ctx context.Context, req adminstats.DirectoryRequest) (adminstats.MemberProgressPage, error) {
	return do[adminstats.MemberProgressPage](ctx, c, "GET", "/api/v1/admin/stats/progress/members", req.Query(), nil)
}
func (c *Remote) ExportMemberProgress(ctx context.Context, req adminstats.DirectoryRequest, w io.Writer) error {
	q := req.Query()
	q.Set("format", "csv")
	resp, err := c.send(ctx, request{method: "GET", path: "/api/v1/admin/stats/progress/members", query: q, authed: true})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return xerr.Wrap(xerr.Unavailable, err, "client: the CSV export broke off")
	}
	return nil
}
func (c *Remote) ListModules(ctx context.Context, level, skill string, p list.Page) (list.List[xel.ModuleSummary], error) {
	return do[list.List[xel.ModuleSummary]](ctx, c, "GET", "/api/xel/modules", paged(p, "level", level, "skill", skill), nil)
}
func (c *Remote) GetModule(ctx context.Context, id string) (xel.ModuleDetail, error) {
	return do[xel.ModuleDetail](ctx, c, "GET", "/api/xel/modules/"+esc(id), nil, nil)
}
func (c *Remote) SubmitTask(ctx context.Context, taskID string, req xel.SubmitRequest) (xel.TaskResult, error) {
	return do[xel.TaskResult](ctx, c, "POST", "/api/xel/tasks/"+esc(taskID)+"/submit", nil, req)
}
func (c *Remote) Evaluate(ctx context.Context, req xel.EvaluateRequest) (xel.Evaluation, error) {
	return do[xel.Evaluation](ctx, c, "POST", "/api/xel/evaluate", nil, req)
}
func (c *Remote) XELDashboard(ctx context.Context) (xel.Dashboard, error) {
	return do[xel.Dashboard](ctx, c, "GET", "/api/xel/dashboard", nil, nil)
}
func (c *Remote) XPStreakStatus(ctx context.Context) (xel.StreakStatus, error) {
	return do[xel.StreakStatus](ctx, c, "GET", "/api/xp/streak-status", nil, nil)
}
func (c *Remote) XPWeeklyActivity(ctx context.Context) (xel.WeeklyActivity, error) {
	return do[xel.WeeklyActivity](ctx, c, "GET", "/api/xp/weekly-activity", nil, nil)
}
func (c *Remote) XPLearningPulse(ctx context.Context) (xel.LearningPulse, error) {
	return do[xel.LearningPulse](ctx, c, "GET", "/api/xp/learning-pulse", nil, nil)
}
func (c *Remote) XPPublicProfile(ctx context.Context, username string) (xel.PublicProfile, error) {
	return do[xel.PublicProfile](ctx, c, "GET", "/api/xp/public-profile/"+esc(username), nil, nil)
}
