// Package client is a typed Go client for Xentree, over REST or in process,
// behind one interface, API, so a program can switch between the two by
// changing a constructor:
//
//	api, err := client.New("http://127.0.0.1:8080",   // calls the REST API of httpapi
//		client.WithToken(accessToken))
//	api := local.New(eng, user)                       // package client/local: calls *xentree.Engine directly
//
// API's methods are the Engine's user-scoped methods without the user
// argument, with the same request and response types. local.New binds the
// user; a Remote sends an access token (WithToken, or the one Login stored) or an
// API key (WithAPIKey) and, when it holds a refresh token, refreshes it once
// and retries when the server answers 401. It never follows a redirect: a
// 3xx (from a proxy: the server sends none) is an Unavailable error naming
// where it pointed, since Go's client would turn a POST into a GET of
// another URL and send the API key along. ChatStream appending to a
// conversation always sends an idempotency key; a stream that breaks
// before its end returns it in the error's Details["idempotency_key"], for
// a retry that replays the stored answer instead of appending it again.
//
// Errors keep their meaning across the wire: a Remote turns the error
// envelope {"detail": {"error", "message", "field", ...}} back into a
// *Error (the type xentree.Error) whose Kind is derived from the status (a
// 429 is KindQuota for the *_quota_exceeded codes, KindRateLimited
// otherwise), whose Code, Message, Field and extra fields (Details) come
// from the body and whose RetryAfter comes from the Retry-After header. So
// KindOf(err) and ErrorCode(err), here or in package xentree, answer the
// same for both constructors. Internal errors carry only the server's
// generic message, as any REST client sees.
//
// A program that only talks REST links none of the engine: package client
// imports the domain packages for their types (auth, conversation, ...),
// list for pages and ai for the providers' description, never the root
// package, SQLite, Bleve or the AI SDKs; TestClientLinksNoEngine keeps it
// so. A REST-only program (examples/rest-client) built with -trimpath
// -ldflags="-s -w" is 7.0 MiB on linux/amd64 with go1.26, where a bare
// net/http program is 5.9 MiB and cmd/xentree 26 MiB.
package client

import (
	"context"
	"io"

	"github.com/xentree/xentree/adminstats"
	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/integration"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/list"
	"github.com/xentree/xentree/live"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xel"
)

// API is what a signed-in user may do. Each method is the *xentree.Engine
// method of the same name for the bound user; see it for the rules.
type API interface {
	// Account.
	Me(ctx context.Context) (auth.Profile, error)
	UpdateMe(ctx context.Context, req auth.UpdateMeRequest) (auth.Profile, error)
	// Logout ends the session; a Remote also forgets its tokens.
	Logout(ctx context.Context, req auth.LogoutRequest) error

	// Conversations, chat and search.
	ListProviders(ctx context.Context) (ai.ProvidersResponse, error)
	Chat(ctx context.Context, req conversation.ChatRequest) (conversation.ChatResponse, error)
	// ChatStream calls fn with each piece of the answer as it arrives and
	// returns the whole answer; an error from fn stops the stream.
	ChatStream(ctx context.Context, req conversation.ChatRequest, fn func(delta string) error) (conversation.ChatResponse, error)
	ListConversations(ctx context.Context, p list.Page) (list.List[conversation.Conversation], error)
	CreateConversation(ctx context.Context, req conversation.CreateRequest) (conversation.Conversation, error)
	GetConversation(ctx context.Context, id string) (conversation.Conversation, error)
	DeleteConversation(ctx context.Context, id string) error
	ListMessages(ctx context.Context, conversationID string, p list.Page) (list.List[conversation.Message], error)
	StartConversationSession(ctx context.Context, conversationID string) (conversation.Session, error)
	RecordConversationActivity(ctx context.Context, conversationID string) (conversation.Session, error)
	EndConversationSession(ctx context.Context, conversationID string) (conversation.Session, error)
	ConversationSessionStatus(ctx context.Context, conversationID string) (conversation.Session, error)
	ListNotes(ctx context.Context, conversationID string, p list.Page) (list.List[conversation.Note], error)
	CreateNote(ctx context.Context, req conversation.NoteCreateRequest) (conversation.Note, error)
	UpdateNote(ctx context.Context, id string, req conversation.NoteUpdateRequest) (conversation.Note, error)
	DeleteNote(ctx context.Context, id string) error
	Search(ctx context.Context, req conversation.SearchRequest) (conversation.SearchResponse, error)
	SearchStatus(ctx context.Context) (conversation.SearchStatus, error) // admins
	Reindex(ctx context.Context) error                                   // admins

	// Knowledge base.
	CreateDocument(ctx context.Context, req knowledge.CreateRequest) (knowledge.Document, error)
	ListDocuments(ctx context.Context, orgID string, p list.Page) (list.List[knowledge.Document], error)
	GetDocument(ctx context.Context, id string) (knowledge.Document, error)
	DeleteDocument(ctx context.Context, id string) error
	SearchKnowledge(ctx context.Context, req knowledge.SearchRequest) (knowledge.SearchResponse, error)
	QueryKnowledge(ctx context.Context, req knowledge.RAGRequest) (knowledge.RAGResponse, error)

	// Xentree Live.
	LiveQuota(ctx context.Context) (live.QuotaResponse, error)
	StartLiveSession(ctx context.Context, req live.StartRequest) (live.SessionResponse, error)
	HeartbeatLiveSession(ctx context.Context, req live.SessionRequest) (live.SessionResponse, error)
	EndLiveSession(ctx context.Context, req live.SessionRequest) (live.SessionResponse, error)
	SetLiveNickname(ctx context.Context, req live.NicknameRequest) (live.NicknameRequest, error)
	SaveLiveTranscript(ctx context.Context, req live.SaveTranscriptRequest) (live.Transcript, error)
	ListLiveTranscripts(ctx context.Context, p list.Page) (list.List[live.Transcript], error)
	GetLiveTranscript(ctx context.Context, id string) (live.Transcript, error)

	// Organizations, members, teams and API keys.
	ListOrganizations(ctx context.Context, p list.Page) (list.List[org.Organization], error)
	CreateOrganization(ctx context.Context, req org.CreateRequest) (org.Organization, error)
	GetOrganization(ctx context.Context, orgID string) (org.Organization, error)
	UpdateOrganization(ctx context.Context, orgID string, req org.UpdateRequest) (org.Organization, error)
	DeleteOrganization(ctx context.Context, orgID string) error
	ListMembers(ctx context.Context, orgID string, p list.Page) (list.List[org.Member], error)
	AddMember(ctx context.Context, orgID string, req org.AddMemberRequest) (org.Member, error)
	UpdateMemberRole(ctx context.Context, orgID, userID string, req org.RoleRequest) (org.Member, error)
	UpdateMember(ctx context.Context, orgID, userID string, req org.UpdateMemberRequest) (org.Member, error)
	RemoveMember(ctx context.Context, orgID, userID string) error
	ListTeams(ctx context.Context, orgID string, p list.Page) (list.List[org.Team], error)
	CreateTeam(ctx context.Context, orgID string, req org.TeamRequest) (org.Team, error)
	UpdateTeam(ctx context.Context, orgID, teamID string, req org.TeamUpdateRequest) (org.Team, error)
	DeleteTeam(ctx context.Context, orgID, teamID string) error
	ListAPIKeys(ctx context.Context, orgID string, p list.Page) (list.List[org.APIKey], error)
	CreateAPIKey(ctx context.Context, req org.CreateKeyRequest) (org.APIKey, error)
	DeleteAPIKey(ctx context.Context, keyID string) error

	// Integrations: Google Calendar and integration tokens.
	ListIntegrations(ctx context.Context) (list.List[integration.Integration], error)
	AuthorizeGoogleCalendar(ctx context.Context, req integration.AuthorizeRequest) (integration.AuthorizeResponse, error)
	GoogleCalendarCallback(ctx context.Context, req integration.CallbackRequest) (integration.Integration, error)
	DisconnectGoogleCalendar(ctx context.Context) error
	ListCalendarEvents(ctx context.Context, from, to string) (integration.EventsResponse, error)
	CreateCalendarEvent(ctx context.Context, req integration.CreateEventRequest) (integration.Event, error)
	GrantIntegrationToken(ctx context.Context, req integration.GrantRequest) (integration.GrantResponse, error)
	VerifyIntegrationToken(ctx context.Context, req integration.VerifyRequest) (integration.VerifyResponse, error)
	RevokeIntegrationToken(ctx context.Context, req integration.RevokeRequest) (integration.RevokeResponse, error)
	RotateIntegrationToken(ctx context.Context, req integration.RotateRequest) (integration.GrantResponse, error)
	RotateIntegrationKey(ctx context.Context, req integration.KeyRotateRequest) (integration.KeyRotateResponse, error)
	ListIntegrationTokenRevocations(ctx context.Context, tenantID string, p list.Page) (list.List[integration.Revocation], error)
	// IntegrationJWKS and IntegrationFingerprint are public: no user needed.
	IntegrationJWKS(ctx context.Context, tenantID string) (integration.JWKS, error)
	IntegrationFingerprint(ctx context.Context, tenantID string) (integration.FingerprintResponse, error)

	// Admin stats and the member directory (owners, admins, a team's manager).
	EngagementStats(ctx context.Context, req adminstats.Request) (adminstats.EngagementStats, error)
	MemberEngagement(ctx context.Context, userID string, req adminstats.Request) (adminstats.MemberEngagement, error)
	MemberProgress(ctx context.Context, req adminstats.DirectoryRequest) (adminstats.MemberProgressPage, error)
	// ExportMemberProgress writes the whole filtered directory to w as CSV.
	ExportMemberProgress(ctx context.Context, req adminstats.DirectoryRequest, w io.Writer) error

	// Xentree English.
	ListModules(ctx context.Context, level, skill string, p list.Page) (list.List[xel.ModuleSummary], error)
	GetModule(ctx context.Context, id string) (xel.ModuleDetail, error)
	SubmitTask(ctx context.Context, taskID string, req xel.SubmitRequest) (xel.TaskResult, error)
	Evaluate(ctx context.Context, req xel.EvaluateRequest) (xel.Evaluation, error)
	XELDashboard(ctx context.Context) (xel.Dashboard, error)
	XPStreakStatus(ctx context.Context) (xel.StreakStatus, error)
	XPWeeklyActivity(ctx context.Context) (xel.WeeklyActivity, error)
	XPLearningPulse(ctx context.Context) (xel.LearningPulse, error)
	XPPublicProfile(ctx context.Context, username string) (xel.PublicProfile, error) // public
}
