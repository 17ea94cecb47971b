// Package local is client.API in process: each method calls the
// *xentree.Engine method of the same name for the user it was given, with
// no HTTP and no serialization, and errors are the Engine's own. A program
// written against client.API switches between a server (client.New) and an
// engine of its own (local.New) by its constructor. It lives apart from
// package client so that a program that only talks REST does not link the
// engine.
package local

import (
	"context"
	"io"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/adminstats"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/client"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/integration"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/live"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xel"
)

// New returns the API of eng for user, in process: no serialization, and
// errors are the Engine's own.
func New(eng *xentree.Engine, user xentree.User) client.API { return local{eng, user} }

type local struct {
	e *xentree.Engine
	u xentree.User
}

var _ client.API = local{}

func (l local) Me(ctx context.Context) (auth.Profile, error) { return l.e.Me(ctx, l.u) }
func (l local) UpdateMe(ctx context.Context, req auth.UpdateMeRequest) (auth.Profile, error) {
	return l.e.UpdateMe(ctx, l.u, req)
}
func (l local) Logout(ctx context.Context, req auth.LogoutRequest) error {
	return l.e.Logout(ctx, l.u, req)
}

func (l local) ListProviders(ctx context.Context) (xentree.ProvidersResponse, error) {
	return l.e.ListProviders(ctx, l.u), nil
}
func (l local) Chat(ctx context.Context, req conversation.ChatRequest) (conversation.ChatResponse, error) {
	return l.e.Chat(ctx, l.u, req)
}
func (l local) ChatStream(ctx context.Context, req conversation.ChatRequest, fn func(string) error) (conversation.ChatResponse, error) {
	return l.e.ChatStream(ctx, l.u, req, fn)
}
func (l local) ListConversations(ctx context.Context, p xentree.Page) (xentree.List[conversation.Conversation], error) {
	return l.e.ListConversations(ctx, l.u, p)
}
func (l local) CreateConversation(ctx context.Context, req conversation.CreateRequest) (conversation.Conversation, error) {
	return l.e.CreateConversation(ctx, l.u, req)
}
func (l local) GetConversation(ctx context.Context, id string) (conversation.Conversation, error) {
	return l.e.GetConversation(ctx, l.u, id)
}
func (l local) DeleteConversation(ctx context.Context, id string) error {
	return l.e.DeleteConversation(ctx, l.u, id)
}
func (l local) ListMessages(ctx context.Context, id string, p xentree.Page) (xentree.List[conversation.Message], error) {
	return l.e.ListMessages(ctx, l.u, id, p)
}
func (l local) StartConversationSession(ctx context.Context, id string) (conversation.Session, error) {
	return l.e.StartConversationSession(ctx, l.u, id)
}
func (l local) RecordConversationActivity(ctx context.Context, id string) (conversation.Session, error) {
	return l.e.RecordConversationActivity(ctx, l.u, id)
}
func (l local) EndConversationSession(ctx context.Context, id string) (conversation.Session, error) {
	return l.e.EndConversationSession(ctx, l.u, id)
}
func (l local) ConversationSessionStatus(ctx context.Context, id string) (conversation.Session, error) {
	return l.e.ConversationSessionStatus(ctx, l.u, id)
}
func (l local) ListNotes(ctx context.Context, conversationID string, p xentree.Page) (xentree.List[conversation.Note], error) {
	return l.e.ListNotes(ctx, l.u, conversationID, p)
}
func (l local) CreateNote(ctx context.Context, req conversation.NoteCreateRequest) (conversation.Note, error) {
	return l.e.CreateNote(ctx, l.u, req)
}
func (l local) UpdateNote(ctx context.Context, id string, req conversation.NoteUpdateRequest) (conversation.Note, error) {
	return l.e.UpdateNote(ctx, l.u, id, req)
}
func (l local) DeleteNote(ctx context.Context, id string) error { return l.e.DeleteNote(ctx, l.u, id) }
func (l local) Search(ctx context.Context, req conversation.SearchRequest) (conversation.SearchResponse, error) {
	return l.e.Search(ctx, l.u, req)
}
func (l local) SearchStatus(ctx context.Context) (conversation.SearchStatus, error) {
	return l.e.SearchStatus(ctx, l.u)
}
func (l local) Reindex(ctx context.Context) error { return l.e.Reindex(ctx, l.u) }

func (l local) CreateDocument(ctx context.Context, req knowledge.CreateRequest) (knowledge.Document, error) {
	return l.e.CreateDocument(ctx, l.u, req)
}
func (l local) ListDocuments(ctx context.Context, orgID string, p xentree.Page) (xentree.List[knowledge.Document], error) {
	return l.e.ListDocuments(ctx, l.u, orgID, p)
}
func (l local) GetDocument(ctx context.Context, id string) (knowledge.Document, error) {
	return l.e.GetDocument(ctx, l.u, id)
}
func (l local) DeleteDocument(ctx context.Context, id string) error {
	return l.e.DeleteDocument(ctx, l.u, id)
}
func (l local) SearchKnowledge(ctx context.Context, req knowledge.SearchRequest) (knowledge.SearchResponse, error) {
	return l.e.SearchKnowledge(ctx, l.u, req)
}
func (l local) QueryKnowledge(ctx context.Context, req knowledge.RAGRequest) (knowledge.RAGResponse, error) {
	return l.e.QueryKnowledge(ctx, l.u, req)
}

func (l local) LiveQuota(ctx context.Context) (live.QuotaResponse, error) {
	return l.e.LiveQuota(ctx, l.u)
}
func (l local) StartLiveSession(ctx context.Context, req live.StartRequest) (live.SessionResponse, error) {
	return l.e.StartLiveSession(ctx, l.u, req)
}
func (l local) HeartbeatLiveSession(ctx context.Context, req live.SessionRequest) (live.SessionResponse, error) {
	return l.e.HeartbeatLiveSession(ctx, l.u, req)
}
func (l local) EndLiveSession(ctx context.Context, req live.SessionRequest) (live.SessionResponse, error) {
	return l.e.EndLiveSession(ctx, l.u, req)
}
func (l local) SetLiveNickname(ctx context.Context, req live.NicknameRequest) (live.NicknameRequest, error) {
	return l.e.SetLiveNickname(ctx, l.u, req)
}
func (l local) SaveLiveTranscript(ctx context.Context, req live.SaveTranscriptRequest) (live.Transcript, error) {
	return l.e.SaveLiveTranscript(ctx, l.u, req)
}
func (l local) ListLiveTranscripts(ctx context.Context, p xentree.Page) (xentree.List[live.Transcript], error) {
	return l.e.ListLiveTranscripts(ctx, l.u, p)
}
func (l local) GetLiveTranscript(ctx context.Context, id string) (live.Transcript, error) {
	return l.e.GetLiveTranscript(ctx, l.u, id)
}

func (l local) ListOrganizations(ctx context.Context, p xentree.Page) (xentree.List[org.Organization], error) {
	return l.e.ListOrganizations(ctx, l.u, p)
}
func (l local) CreateOrganization(ctx context.Context, req org.CreateRequest) (org.Organization, error) {
	return l.e.CreateOrganization(ctx, l.u, req)
}
func (l local) GetOrganization(ctx context.Context, orgID string) (org.Organization, error) {
	return l.e.GetOrganization(ctx, l.u, orgID)
}
func (l local) UpdateOrganization(ctx context.Context, orgID string, req org.UpdateRequest) (org.Organization, error) {
	return l.e.UpdateOrganization(ctx, l.u, orgID, req)
}
func (l local) DeleteOrganization(ctx context.Context, orgID string) error {
	return l.e.DeleteOrganization(ctx, l.u, orgID)
}
func (l local) ListMembers(ctx context.Context, orgID string, p xentree.Page) (xentree.List[org.Member], error) {
	return l.e.ListMembers(ctx, l.u, orgID, p)
}
func (l local) AddMember(ctx context.Context, orgID string, req org.AddMemberRequest) (org.Member, error) {
	return l.e.AddMember(ctx, l.u, orgID, req)
}
func (l local) UpdateMemberRole(ctx context.Context, orgID, userID string, req org.RoleRequest) (org.Member, error) {
	return l.e.UpdateMemberRole(ctx, l.u, orgID, userID, req)
}
func (l local) UpdateMember(ctx context.Context, orgID, userID string, req org.UpdateMemberRequest) (org.Member, error) {
	return l.e.UpdateMember(ctx, l.u, orgID, userID, req)
}
func (l local) RemoveMember(ctx context.Context, orgID, userID string) error {
	return l.e.RemoveMember(ctx, l.u, orgID, userID)
}
func (l local) ListTeams(ctx context.Context, orgID string, p xentree.Page) (xentree.List[org.Team], error) {
	return l.e.ListTeams(ctx, l.u, orgID, p)
}
func (l local) CreateTeam(ctx context.Context, orgID string, req org.TeamRequest) (org.Team, error) {
	return l.e.CreateTeam(ctx, l.u, orgID, req)
}
func (l local) UpdateTeam(ctx context.Context, orgID, teamID string, req org.TeamUpdateRequest) (org.Team, error) {
	return l.e.UpdateTeam(ctx, l.u, orgID, teamID, req)
}
func (l local) DeleteTeam(ctx context.Context, orgID, teamID string) error {
	return l.e.DeleteTeam(ctx, l.u, orgID, teamID)
}
func (l local) ListAPIKeys(ctx context.Context, orgID string, p xentree.Page) (xentree.List[org.APIKey], error) {
	return l.e.ListAPIKeys(ctx, l.u, orgID, p)
}
func (l local) CreateAPIKey(ctx context.Context, req org.CreateKeyRequest) (org.APIKey, error) {
	return l.e.CreateAPIKey(ctx, l.u, req)
}
func (l local) DeleteAPIKey(ctx context.Context, keyID string) error {
	return l.e.DeleteAPIKey(ctx, l.u, keyID)
}

func (l local) ListIntegrations(ctx context.Context) (xentree.List[integration.Integration], error) {
	return l.e.ListIntegrations(ctx, l.u)
}
func (l local) AuthorizeGoogleCalendar(ctx context.Context, req integration.AuthorizeRequest) (integration.AuthorizeResponse, error) {
	return l.e.AuthorizeGoogleCalendar(ctx, l.u, req)
}
func (l local) GoogleCalendarCallback(ctx context.Context, req integration.CallbackRequest) (integration.Integration, error) {
	return l.e.GoogleCalendarCallback(ctx, l.u, req)
}
func (l local) DisconnectGoogleCalendar(ctx context.Context) error {
	return l.e.DisconnectGoogleCalendar(ctx, l.u)
}
func (l local) ListCalendarEvents(ctx context.Context, from, to string) (integration.EventsResponse, error) {
	return l.e.ListCalendarEvents(ctx, l.u, from, to)
}
func (l local) CreateCalendarEvent(ctx context.Context, req integration.CreateEventRequest) (integration.Event, error) {
	return l.e.CreateCalendarEvent(ctx, l.u, req)
}
func (l local) GrantIntegrationToken(ctx context.Context, req integration.GrantRequest) (integration.GrantResponse, error) {
	return l.e.GrantIntegrationToken(ctx, l.u, req)
}
func (l local) ListIntegrationTokenRevocations(ctx context.Context, tenantID string, p xentree.Page) (xentree.List[integration.Revocation], error) {
	return l.e.ListIntegrationTokenRevocations(ctx, l.u, tenantID, p)
}
func (l local) VerifyIntegrationToken(ctx context.Context, req integration.VerifyRequest) (integration.VerifyResponse, error) {
	return l.e.VerifyIntegrationToken(ctx, l.u, req)
}
func (l local) RevokeIntegrationToken(ctx context.Context, req integration.RevokeRequest) (integration.RevokeResponse, error) {
	return l.e.RevokeIntegrationToken(ctx, l.u, req)
}
func (l local) RotateIntegrationToken(ctx context.Context, req integration.RotateRequest) (integration.GrantResponse, error) {
	return l.e.RotateIntegrationToken(ctx, l.u, req)
}
func (l local) RotateIntegrationKey(ctx context.Context, req integration.KeyRotateRequest) (integration.KeyRotateResponse, error) {
	return l.e.RotateIntegrationKey(ctx, l.u, req)
}
func (l local) IntegrationJWKS(ctx context.Context, tenantID string) (xentree.JWKS, error) {
	return l.e.IntegrationJWKS(ctx, tenantID)
}
func (l local) IntegrationFingerprint(ctx context.Context, tenantID string) (integration.FingerprintResponse, error) {
	return l.e.IntegrationFingerprint(ctx, tenantID)
}

func (l local) ListModules(ctx context.Context, level, skill string, p xentree.Page) (xentree.List[xel.ModuleSummary], error) {
	return l.e.ListModules(ctx, l.u, level, skill, p)
}
func (l local) GetModule(ctx context.Context, id string) (xel.ModuleDetail, error) {
	return l.e.GetModule(ctx, l.u, id)
}
func (l local) SubmitTask(ctx context.Context, taskID string, req xel.SubmitRequest) (xel.TaskResult, error) {
	return l.e.SubmitTask(ctx, l.u, taskID, req)
}
func (l local) Evaluate(ctx context.Context, req xel.EvaluateRequest) (xel.Evaluation, error) {
	return l.e.Evaluate(ctx, l.u, req)
}
func (l local) XELDashboard(ctx context.Context) (xel.Dashboard, error) {
	return l.e.XELDashboard(ctx, l.u)
}
func (l local) XPStreakStatus(ctx context.Context) (xel.StreakStatus, error) {
	return l.e.XPStreakStatus(ctx, l.u)
}
func (l local) XPWeeklyActivity(ctx context.Context) (xel.WeeklyActivity, error) {
	return l.e.XPWeeklyActivity(ctx, l.u)
}
func (l local) XPLearningPulse(ctx context.Context) (xel.LearningPulse, error) {
	return l.e.XPLearningPulse(ctx, l.u)
}
func (l local) XPPublicProfile(ctx context.Context, username string) (xel.PublicProfile, error) {
	return l.e.XPPublicProfile(ctx, username)
}

func (l local) EngagementStats(ctx context.Context, req adminstats.Request) (adminstats.EngagementStats, error) {
	return l.e.EngagementStats(ctx, l.u, req)
}
func (l local) MemberEngagement(ctx context.Context, userID string, req adminstats.Request) (adminstats.MemberEngagement, error) {
	return l.e.MemberEngagement(ctx, l.u, userID, req)
}
func (l local) MemberProgress(ctx context.Context, req adminstats.DirectoryRequest) (adminstats.MemberProgressPage, error) {
	return l.e.MemberProgress(ctx, l.u, req)
}
func (l local) ExportMemberProgress(ctx context.Context, req adminstats.DirectoryRequest, w io.Writer) error {
	return l.e.ExportMemberProgress(ctx, l.u, req, w)
}
