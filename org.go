package xentree

import (
	"context"
	"fmt"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/cursor"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/store"
)

var (
	errOrgNotFound    = &xerr.Error{Kind: xerr.NotFound, Message: "organization not found"}
	errMemberNotFound = &xerr.Error{Kind: xerr.NotFound, Message: "member not found"}
	errTeamNotFound   = &xerr.Error{Kind: xerr.NotFound, Message: "team not found"}
	errUserNotFound   = &xerr.Error{Kind: xerr.NotFound, Code: "user_not_found", Message: "no account with this email or id"}
	errSlugTaken      = &xerr.Error{Kind: xerr.Conflict, Code: "slug_taken", Field: "slug", Message: "this slug is taken"}
	errTeamNameTaken  = &xerr.Error{Kind: xerr.Conflict, Code: "team_name_taken", Field: "name", Message: "this organization already has a team with this name"}
	errAlreadyMember  = &xerr.Error{Kind: xerr.Conflict, Code: "already_member", Message: "this user is already a member"}
	errKeyCreatesOrg  = &xerr.Error{Kind: xerr.Forbidden, Message: "an API key acts within its own organization and cannot create another"}
)

// membership returns user's membership of orgID. Not belonging, or calling
// with an API key of another organization, is NotFound: non-members must
// not learn that the organization exists.
func membership(ctx context.Context, tx *store.Tx, user User, orgID string) (org.Membership, error) {
	if user.OrgID != "" && user.OrgID != orgID || !ids.Valid(orgID) {
		return org.Membership{}, errOrgNotFound
	}
	m, err := tx.MembershipGet(ctx, orgID, user.ID)
	return m, notFoundAs(err, errOrgNotFound)
}

// CreateOrganization creates an organization with user as its owner. A slug
// derived from the name gets a numeric suffix when taken; a slug given
// explicitly that is taken is a Conflict.
func (e *Engine) CreateOrganization(ctx context.Context, user User, req org.CreateRequest) (org.Organization, error) {
	if err := user.Allow(auth.ScopeOrganizationsWrite); err != nil {
		return org.Organization{}, err
	}
	if user.APIKeyID != "" {
		return org.Organization{}, errKeyCreatesOrg
	}
	req.Normalize()
	if err := req.Validate(); err != nil {
		return org.Organization{}, err
	}
	o := org.Organization{ID: ids.New(), Name: req.Name, Slug: req.Slug, Description: req.Description,
		Role: org.RoleOwner, MemberCount: 1}
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		o.Slug = req.Slug // fn runs again when a PostgreSQL store retries it: an earlier run's free slug may be taken now
		if o.Slug == "" {
			slug, err := freeSlug(ctx, tx, org.Slugify(req.Name), o.ID)
			if err != nil {
				return err
			}
			o.Slug = slug
		}
		if err := e.roomForMembership(ctx, tx, user.ID, "you belong"); err != nil {
			return err
		}
		if err := tx.OrgInsert(ctx, &o); err != nil {
			return notConflictAs(err, errSlugTaken)
		}
		return tx.MembershipInsert(ctx, o.ID, org.Membership{UserID: user.ID, Role: org.RoleOwner})
	})
	return o, err
}

// freeSlug returns base, or base with the first free numeric suffix. A base
// too short to be a slug (a name without Latin letters) becomes "org-" and
// part of the id.
func freeSlug(ctx context.Context, tx *store.Tx, base, id string) (string, error) {
	if len(base) < org.MinSlug {
		base = "org-" + id[len(id)-12:]
	}
	slug := base
	for n := 2; ; n++ {
		taken, err := tx.SlugTaken(ctx, slug)
		if err != nil || !taken {
			return slug, err
		}
		if n > 1000 {
			return "", errSlugTaken
		}
		slug = org.WithSuffix(base, n)
	}
}

// notConflictAs turns a store Conflict into err.
func notConflictAs(err error, c *xerr.Error) error {
	if xerr.Is(err, xerr.Conflict) {
		return c
	}
	return err
}

// ListOrganizations returns the organizations user belongs to, with user's
// role in each, oldest first. An API key sees its own organization only.
func (e *Engine) ListOrganizations(ctx context.Context, user User, p Page) (List[org.Organization], error) {
	if err := user.Allow(auth.ScopeOrganizationsRead); err != nil {
		return List[org.Organization]{}, err
	}
	after, limit, err := e.page(p)
	if err != nil {
		return List[org.Organization]{}, err
	}
	var os []org.Organization
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		os, err = tx.OrgListForUser(ctx, user.ID, user.OrgID, after, limit+1)
		return err
	})
	return makeList(os, limit, func(o org.Organization) cursor.Position {
		return cursor.Position{Key: o.CreatedAt.Millis(), ID: o.ID}
	}), err
}

// GetOrganization returns an organization user belongs to.
func (e *Engine) GetOrganization(ctx context.Context, user User, orgID string) (org.Organization, error) {
	if err := user.Allow(auth.ScopeOrganizationsRead); err != nil {
		return org.Organization{}, err
	}
	var o org.Organization
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		if _, err := membership(ctx, tx, user, orgID); err != nil {
			return err
		}
		var err error
		o, err = tx.OrgForMember(ctx, orgID, user.ID)
		return notFoundAs(err, errOrgNotFound)
	})
	return o, err
}

// UpdateOrganization changes an organization's name, slug or description.
// Owners only.
func (e *Engine) UpdateOrganization(ctx context.Context, user User, orgID string, req org.UpdateRequest) (org.Organization, error) {
	if err := user.Allow(auth.ScopeOrganizationsWrite); err != nil {
		return org.Organization{}, err
	}
	var o org.Organization
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		actor, err := membership(ctx, tx, user, orgID)
		if err != nil {
			return err
		}
		if err := org.CheckOwner(actor); err != nil {
			return err
		}
		if o, err = tx.OrgForMember(ctx, orgID, user.ID); err != nil {
			return err
		}
		before := o
		if err := req.Apply(&o); err != nil || o == before {
			return err // nothing to change: updated_at stays
		}
		return notConflictAs(tx.OrgUpdate(ctx, &o), errSlugTaken)
	})
	return o, err
}

// DeleteOrganization deletes an organization with its memberships, teams,
// API keys and documents. Owners only.
func (e *Engine) DeleteOrganization(ctx context.Context, user User, orgID string) error {
	if err := user.Allow(auth.ScopeOrganizationsWrite); err != nil {
		return err
	}
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		actor, err := membership(ctx, tx, user, orgID)
		if err != nil {
			return err
		}
		if err := org.CheckOwner(actor); err != nil {
			return err
		}
		// The cascade removes the organization's documents and chunks; their
		// index entries go in the same transaction.
		chunkIDs, err := tx.OrgChunkIDs(ctx, orgID)
		if err != nil {
			return err
		}
		for _, id := range chunkIDs {
			if err := tx.OutboxDelete(ctx, id); err != nil {
				return err
			}
		}
		return tx.OrgDelete(ctx, orgID)
	})
	if err == nil {
		e.tell(ctx, noticeOrg, orgID)
	}
	return err
}

// ListMembers returns an organization's members in the order they joined.
func (e *Engine) ListMembers(ctx context.Context, user User, orgID string, p Page) (List[org.Member], error) {
	return orgList(ctx, e, user, orgID, p, func(tx *store.Tx, after *cursor.Position, n int) ([]org.Member, error) {
		return tx.MemberList(ctx, orgID, after, n)
	}, func(m org.Member) cursor.Position { return cursor.Position{Key: m.JoinedAt.Millis(), ID: m.UserID} })
}

// orgList pages through something every member of orgID may read.
func orgList[T any](ctx context.Context, e *Engine, user User, orgID string, p Page,
	load func(tx *store.Tx, after *cursor.Position, n int) ([]T, error), pos func(T) cursor.Position) (List[T], error) {
	if err := user.Allow(auth.ScopeOrganizationsRead); err != nil {
		return List[T]{}, err
	}
	after, limit, err := e.page(p)
	if err != nil {
		return List[T]{}, err
	}
	var items []T
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		if _, err := membership(ctx, tx, user, orgID); err != nil {
			return err
		}
		items, err = load(tx, after, limit+1)
		return err
	})
	return makeList(items, limit, pos), err
}

// AddMember adds an existing account to an organization by email or user
// id. Admins add anyone but owners, owners anyone, a manager plain members
// to their own team.
func (e *Engine) AddMember(ctx context.Context, user User, orgID string, req org.AddMemberRequest) (org.Member, error) {
	if err := user.Allow(auth.ScopeOrganizationsWrite); err != nil {
		return org.Member{}, err
	}
	req.Normalize()
	if err := req.Validate(); err != nil {
		return org.Member{}, err
	}
	var m org.Member
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		actor, err := membership(ctx, tx, user, orgID)
		if err != nil {
			return err
		}
		if err := org.CheckAdd(actor, req.Role, req.TeamID); err != nil {
			return err
		}
		if err := checkTeam(ctx, tx, orgID, req.TeamID); err != nil {
			return err
		}
		var target store.UserRow
		if req.Email != "" {
			target, err = tx.UserByEmail(ctx, req.Email)
		} else if ids.Valid(req.UserID) {
			target, err = tx.UserByID(ctx, req.UserID)
		} else {
			err = errUserNotFound
		}
		if err != nil {
			return notFoundAs(err, errUserNotFound)
		}
		if _, err := tx.MembershipGet(ctx, orgID, target.ID); err == nil {
			return errAlreadyMember
		} else if !xerr.Is(err, xerr.NotFound) {
			return err
		}
		if err := e.roomForMembership(ctx, tx, target.ID, "this user belongs"); err != nil {
			return err
		}
		err = tx.MembershipInsert(ctx, orgID, org.Membership{UserID: target.ID, Role: req.Role, TeamID: req.TeamID})
		if err != nil {
			return notConflictAs(err, errAlreadyMember)
		}
		m, err = tx.MemberGet(ctx, orgID, target.ID)
		return err
	})
	return m, err
}

// roomForMembership refuses a membership that would take userID past
// Limits.MaxMemberships; who names the account in the message.
func (e *Engine) roomForMembership(ctx context.Context, tx *store.Tx, userID, who string) error {
	n, err := tx.MembershipCount(ctx, userID)
	if err != nil || n < e.cfg.Limits.MaxMemberships {
		return err
	}
	return &xerr.Error{Kind: xerr.Conflict, Code: "membership_limit",
		Message: fmt.Sprintf("%s to %d organizations, the most an account may: leave one first", who, e.cfg.Limits.MaxMemberships)}
}

// checkTeam checks that teamID ("" for none) is a team of orgID.
func checkTeam(ctx context.Context, tx *store.Tx, orgID, teamID string) error {
	if teamID == "" {
		return nil
	}
	if !ids.Valid(teamID) {
		return xerr.InvalidField("team_id", "is not a team of this organization")
	}
	_, err := tx.TeamGet(ctx, orgID, teamID)
	if xerr.Is(err, xerr.NotFound) {
		return xerr.InvalidField("team_id", "is not a team of this organization")
	}
	return err
}

// memberPair loads what a member change is judged on: the caller's
// membership, the target's, and the number of owners.
func memberPair(ctx context.Context, tx *store.Tx, user User, orgID, userID string) (actor, cur org.Membership, owners int, err error) {
	if actor, err = membership(ctx, tx, user, orgID); err != nil {
		return
	}
	if cur, err = target(ctx, tx, orgID, userID); err != nil {
		return
	}
	owners, err = tx.OwnerCount(ctx, orgID)
	return
}

// target returns the membership of the member a route names.
func target(ctx context.Context, tx *store.Tx, orgID, userID string) (org.Membership, error) {
	if !ids.Valid(userID) {
		return org.Membership{}, errMemberNotFound
	}
	m, err := tx.MembershipGet(ctx, orgID, userID)
	return m, notFoundAs(err, errMemberNotFound)
}

// UpdateMemberRole changes a member's role. The last owner cannot be demoted.
func (e *Engine) UpdateMemberRole(ctx context.Context, user User, orgID, userID string, req org.RoleRequest) (org.Member, error) {
	return e.updateMember(ctx, user, orgID, userID, org.UpdateMemberRequest{Role: req.Role}, true)
}

// UpdateMember is the comprehensive member update: role, team, and
// optionally a move to another organization that the caller also
// administers. Moving a member ends their membership (and their API keys)
// in the first organization.
func (e *Engine) UpdateMember(ctx context.Context, user User, orgID, userID string, req org.UpdateMemberRequest) (org.Member, error) {
	return e.updateMember(ctx, user, orgID, userID, req, false)
}

// updateMember applies req; keepTeam leaves the member's team as it is.
func (e *Engine) updateMember(ctx context.Context, user User, orgID, userID string, req org.UpdateMemberRequest, keepTeam bool) (org.Member, error) {
	if err := user.Allow(auth.ScopeOrganizationsWrite); err != nil {
		return org.Member{}, err
	}
	if err := org.ValidateRole("role", req.Role); err != nil {
		return org.Member{}, err
	}
	var m org.Member
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		actor, cur, owners, err := memberPair(ctx, tx, user, orgID, userID)
		if err != nil {
			return err
		}
		moved := false
		next := org.Membership{UserID: userID, Role: req.Role, TeamID: req.TeamID}
		if keepTeam {
			next.TeamID = cur.TeamID
		}
		dest := orgID
		if req.OrganizationID != "" && req.OrganizationID != orgID {
			dest, moved = req.OrganizationID, true
		}
		if !moved {
			if err := org.CheckChange(actor, cur, req.Role, owners); err != nil {
				return err
			}
			if err := checkTeam(ctx, tx, orgID, next.TeamID); err != nil {
				return err
			}
			if err := tx.MembershipUpdate(ctx, orgID, next); err != nil {
				return err
			}
			m, err = tx.MemberGet(ctx, orgID, userID)
			return err
		}
		// A move: leaving the source is a removal, joining the destination an add.
		if err := org.CheckRemove(actor, cur, owners); err != nil {
			return err
		}
		if err := org.CheckAdmin(actor); err != nil {
			return err
		}
		there, err := membership(ctx, tx, user, dest)
		if xerr.Is(err, xerr.NotFound) {
			return xerr.InvalidField("organization_id", "is not an organization you administer")
		}
		if err != nil {
			return err
		}
		if err := org.CheckAdmin(there); err != nil {
			return err
		}
		if err := org.CheckAdd(there, req.Role, next.TeamID); err != nil {
			return err
		}
		if err := checkTeam(ctx, tx, dest, next.TeamID); err != nil {
			return err
		}
		if err := tx.MembershipDelete(ctx, orgID, userID); err != nil {
			return err
		}
		if err := tx.MembershipInsert(ctx, dest, next); err != nil {
			return notConflictAs(err, errAlreadyMember)
		}
		m, err = tx.MemberGet(ctx, dest, userID)
		return err
	})
	if err == nil {
		e.tell(ctx, noticeKeysOfUser, userID) // a role or membership the cached keys relied on changed
	}
	return m, err
}

// RemoveMember removes a member, or lets the caller leave. The keys the
// member created for the organization are deleted with the membership.
func (e *Engine) RemoveMember(ctx context.Context, user User, orgID, userID string) error {
	if err := user.Allow(auth.ScopeOrganizationsWrite); err != nil {
		return err
	}
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		actor, cur, owners, err := memberPair(ctx, tx, user, orgID, userID)
		if err != nil {
			return err
		}
		if err := org.CheckRemove(actor, cur, owners); err != nil {
			return err
		}
		return tx.MembershipDelete(ctx, orgID, userID)
	})
	if err == nil {
		e.tell(ctx, noticeKeysOfUser, userID)
	}
	return err
}

// ListTeams returns an organization's teams, oldest first.
func (e *Engine) ListTeams(ctx context.Context, user User, orgID string, p Page) (List[org.Team], error) {
	return orgList(ctx, e, user, orgID, p, func(tx *store.Tx, after *cursor.Position, n int) ([]org.Team, error) {
		return tx.TeamList(ctx, orgID, after, n)
	}, func(t org.Team) cursor.Position { return cursor.Position{Key: t.CreatedAt.Millis(), ID: t.ID} })
}

// CreateTeam creates a team. Admins and owners only.
func (e *Engine) CreateTeam(ctx context.Context, user User, orgID string, req org.TeamRequest) (org.Team, error) {
	if err := user.Allow(auth.ScopeOrganizationsWrite); err != nil {
		return org.Team{}, err
	}
	t := org.Team{ID: ids.New(), OrganizationID: orgID}
	if err := req.Apply(&t); err != nil {
		return org.Team{}, err
	}
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		actor, err := membership(ctx, tx, user, orgID)
		if err != nil {
			return err
		}
		if err := org.CheckAdmin(actor); err != nil {
			return err
		}
		return notConflictAs(tx.TeamInsert(ctx, &t), errTeamNameTaken)
	})
	return t, err
}

// UpdateTeam changes a team. Admins, owners and the team's manager.
func (e *Engine) UpdateTeam(ctx context.Context, user User, orgID, teamID string, req org.TeamUpdateRequest) (org.Team, error) {
	if err := user.Allow(auth.ScopeOrganizationsWrite); err != nil {
		return org.Team{}, err
	}
	var t org.Team
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		actor, err := membership(ctx, tx, user, orgID)
		if err != nil {
			return err
		}
		if t, err = e.team(ctx, tx, orgID, teamID); err != nil {
			return err
		}
		if err := org.CheckTeamUpdate(actor, teamID); err != nil {
			return err
		}
		before := t
		if err := req.Apply(&t); err != nil || t == before {
			return err // nothing to change: updated_at stays
		}
		return notConflictAs(tx.TeamUpdate(ctx, &t), errTeamNameTaken)
	})
	return t, err
}

func (e *Engine) team(ctx context.Context, tx *store.Tx, orgID, teamID string) (org.Team, error) {
	if !ids.Valid(teamID) {
		return org.Team{}, errTeamNotFound
	}
	t, err := tx.TeamGet(ctx, orgID, teamID)
	return t, notFoundAs(err, errTeamNotFound)
}

// DeleteTeam deletes a team; its members stay in the organization. Admins
// and owners only.
func (e *Engine) DeleteTeam(ctx context.Context, user User, orgID, teamID string) error {
	if err := user.Allow(auth.ScopeOrganizationsWrite); err != nil {
		return err
	}
	return e.db.Write(ctx, func(tx *store.Tx) error {
		actor, err := membership(ctx, tx, user, orgID)
		if err != nil {
			return err
		}
		if _, err := e.team(ctx, tx, orgID, teamID); err != nil {
			return err
		}
		if err := org.CheckAdmin(actor); err != nil {
			return err
		}
		return tx.TeamDelete(ctx, orgID, teamID)
	})
}
