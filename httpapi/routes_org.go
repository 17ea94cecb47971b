package httpapi

import (
	"context"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/org"
)

func (a *api) orgRoutes() []route {
	const tag = "Organizations"
	const (
		read  = auth.ScopeOrganizationsRead
		write = auth.ScopeOrganizationsWrite
	)
	orgPath := []string{"org_id"}
	memberPath := []string{"org_id", "target_user_id"}
	teamPath := []string{"org_id", "team_id"}
	e := a.eng
	return []route{
		{Method: "GET", Path: "/api/organizations", Summary: "List my organizations with my role in each (an API key: its own)", Tag: tag,
			Auth: bearer, Scope: read, Status: 200, Response: listOf{org.Organization{}}, Query: pageParams,
			Handle: paged(noArg, func(ctx context.Context, u xentree.User, _ string, p xentree.Page) (xentree.List[org.Organization], error) {
				return e.ListOrganizations(ctx, u, p)
			})},
		{Method: "POST", Path: "/api/organizations", Summary: "Create an organization; the caller becomes its owner", Tag: tag,
			Auth: bearer, Scope: write, Status: 201, Request: org.CreateRequest{}, Response: org.Organization{},
			Handle: withBody(201, false, e.CreateOrganization)},
		{Method: "GET", Path: "/api/organizations/{org_id}", Summary: "Get an organization (members only)", Tag: tag,
			Auth: bearer, Scope: read, Status: 200, Response: org.Organization{},
			Handle: onPath(200, orgPath, func(ctx context.Context, u xentree.User, p []string, _ noBody) (org.Organization, error) {
				return e.GetOrganization(ctx, u, p[0])
			})},
		{Method: "PATCH", Path: "/api/organizations/{org_id}", Summary: "Update an organization (owners)", Tag: tag,
			Auth: bearer, Scope: write, Status: 200, Request: org.UpdateRequest{}, Response: org.Organization{},
			Handle: onPath(200, orgPath, func(ctx context.Context, u xentree.User, p []string, req org.UpdateRequest) (org.Organization, error) {
				return e.UpdateOrganization(ctx, u, p[0], req)
			})},
		{Method: "DELETE", Path: "/api/organizations/{org_id}", Summary: "Delete an organization with its members, teams and API keys (owners)", Tag: tag,
			Auth: bearer, Scope: write, Status: 204,
			Handle: onPath(204, orgPath, func(ctx context.Context, u xentree.User, p []string, _ noBody) (noBody, error) {
				return noBody{}, e.DeleteOrganization(ctx, u, p[0])
			})},
		{Method: "GET", Path: "/api/organizations/{org_id}/members", Summary: "List members in the order they joined", Tag: tag,
			Auth: bearer, Scope: read, Status: 200, Response: listOf{org.Member{}}, Query: pageParams,
			Handle: paged(pathValue("org_id"), e.ListMembers)},
		{Method: "POST", Path: "/api/organizations/{org_id}/members", Summary: "Add an account by email or user_id (admins; a manager: members of their team)", Tag: tag,
			Auth: bearer, Scope: write, Status: 201, Request: org.AddMemberRequest{}, Response: org.Member{},
			Handle: onPath(201, orgPath, func(ctx context.Context, u xentree.User, p []string, req org.AddMemberRequest) (org.Member, error) {
				return e.AddMember(ctx, u, p[0], req)
			})},
		{Method: "PATCH", Path: "/api/organizations/{org_id}/members/{target_user_id}", Summary: "Change a member's role (admins; owners for owners)", Tag: tag,
			Auth: bearer, Scope: write, Status: 200, Request: org.RoleRequest{}, Response: org.Member{},
			Handle: onPath(200, memberPath, func(ctx context.Context, u xentree.User, p []string, req org.RoleRequest) (org.Member, error) {
				return e.UpdateMemberRole(ctx, u, p[0], p[1], req)
			})},
		{Method: "PUT", Path: "/api/organizations/{org_id}/members/{target_user_id}", Summary: "Set a member's role and team, or move them to another organization you administer", Tag: tag,
			Auth: bearer, Scope: write, Status: 200, Request: org.UpdateMemberRequest{}, Response: org.Member{},
			Handle: onPath(200, memberPath, func(ctx context.Context, u xentree.User, p []string, req org.UpdateMemberRequest) (org.Member, error) {
				return e.UpdateMember(ctx, u, p[0], p[1], req)
			})},
		{Method: "DELETE", Path: "/api/organizations/{org_id}/members/{target_user_id}", Summary: "Remove a member, or leave (the last owner cannot)", Tag: tag,
			Auth: bearer, Scope: write, Status: 204,
			Handle: onPath(204, memberPath, func(ctx context.Context, u xentree.User, p []string, _ noBody) (noBody, error) {
				return noBody{}, e.RemoveMember(ctx, u, p[0], p[1])
			})},
		{Method: "GET", Path: "/api/organizations/{org_id}/teams", Summary: "List teams, oldest first", Tag: tag,
			Auth: bearer, Scope: read, Status: 200, Response: listOf{org.Team{}}, Query: pageParams,
			Handle: paged(pathValue("org_id"), e.ListTeams)},
		{Method: "POST", Path: "/api/organizations/{org_id}/teams", Summary: "Create a team (admins)", Tag: tag,
			Auth: bearer, Scope: write, Status: 201, Request: org.TeamRequest{}, Response: org.Team{},
			Handle: onPath(201, orgPath, func(ctx context.Context, u xentree.User, p []string, req org.TeamRequest) (org.Team, error) {
				return e.CreateTeam(ctx, u, p[0], req)
			})},
		{Method: "PATCH", Path: "/api/organizations/{org_id}/teams/{team_id}", Summary: "Update a team (admins, or the team's manager)", Tag: tag,
			Auth: bearer, Scope: write, Status: 200, Request: org.TeamUpdateRequest{}, Response: org.Team{},
			Handle: onPath(200, teamPath, func(ctx context.Context, u xentree.User, p []string, req org.TeamUpdateRequest) (org.Team, error) {
				return e.UpdateTeam(ctx, u, p[0], p[1], req)
			})},
		{Method: "DELETE", Path: "/api/organizations/{org_id}/teams/{team_id}", Summary: "Delete a team; its members stay in the organization (admins)", Tag: tag,
			Auth: bearer, Scope: write, Status: 204,
			Handle: onPath(204, teamPath, func(ctx context.Context, u xentree.User, p []string, _ noBody) (noBody, error) {
				return noBody{}, e.DeleteTeam(ctx, u, p[0], p[1])
			})},
	}
}

func (a *api) apiKeyRoutes() []route {
	const tag = "API keys"
	e := a.eng
	return []route{
		{Method: "GET", Path: "/api/api-keys", Summary: "List API keys: all of the organizations I administer, and my own elsewhere", Tag: tag,
			Auth: bearerOnly, Status: 200, Response: listOf{org.APIKey{}}, Query: []string{"organization_id", "limit", "cursor"},
			Handle: paged(queryValue("organization_id"), e.ListAPIKeys)},
		{Method: "POST", Path: "/api/api-keys", Summary: "Create an API key; the key is in this answer only", Tag: tag,
			Auth: bearerOnly, Status: 201, Request: org.CreateKeyRequest{}, Response: org.APIKey{},
			Handle: withBody(201, false, e.CreateAPIKey)},
		{Method: "DELETE", Path: "/api/api-keys/{key_id}", Summary: "Delete an API key; it stops working at once", Tag: tag,
			Auth: bearerOnly, Status: 204,
			Handle: onPath(204, []string{"key_id"}, func(ctx context.Context, u xentree.User, p []string, _ noBody) (noBody, error) {
				return noBody{}, e.DeleteAPIKey(ctx, u, p[0])
			})},
	}
}
