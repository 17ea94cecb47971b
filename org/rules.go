package org

import "github.com/xentree/xentree/internal/xerr"

// Membership is what the rules need to know about one member.
type Membership struct {
	UserID string
	Role   string
	TeamID string // "" when in no team
}

// ErrLastOwner refuses to leave an organization without an owner.
var ErrLastOwner = &xerr.Error{Kind: xerr.Conflict, Code: "last_owner",
	Message: "an organization needs an owner: appoint another owner first"}

func forbidden(msg string) error { return &xerr.Error{Kind: xerr.Forbidden, Message: msg} }

// CheckOwner allows owners only: updating or deleting the organization.
func CheckOwner(actor Membership) error {
	if actor.Role != RoleOwner {
		return forbidden("only owners may do this")
	}
	return nil
}

// CheckAdmin allows admins and owners: creating and deleting teams.
func CheckAdmin(actor Membership) error {
	if Rank(actor.Role) < Rank(RoleAdmin) {
		return forbidden("only admins and owners may do this")
	}
	return nil
}

// CheckAdd decides whether actor may add someone with role into teamID.
// Admins add anyone but owners; owners add anyone; a manager adds plain
// members to their own team.
func CheckAdd(actor Membership, role, teamID string) error {
	switch {
	case actor.Role == RoleOwner:
		return nil
	case actor.Role == RoleAdmin:
		if role == RoleOwner {
			return forbidden("only owners appoint owners")
		}
		return nil
	case actor.Role == RoleManager && actor.TeamID != "":
		if role != RoleMember || teamID != actor.TeamID {
			return forbidden("a manager adds members with the member role to their own team only")
		}
		return nil
	}
	return forbidden("only admins and owners manage members")
}

// CheckChange decides whether actor may give target newRole, where owners
// is the organization's current number of owners.
func CheckChange(actor, target Membership, newRole string, owners int) error {
	if Rank(actor.Role) < Rank(RoleAdmin) {
		return forbidden("only admins and owners manage members")
	}
	if actor.Role != RoleOwner && (target.Role == RoleOwner || newRole == RoleOwner) {
		return forbidden("only owners appoint or change owners")
	}
	if target.Role == RoleOwner && newRole != RoleOwner && owners <= 1 {
		return ErrLastOwner
	}
	return nil
}

// CheckRemove decides whether actor may remove target. Anyone may leave;
// admins remove everyone but owners; owners remove anyone; the last owner
// stays.
func CheckRemove(actor, target Membership, owners int) error {
	if actor.UserID != target.UserID {
		if Rank(actor.Role) < Rank(RoleAdmin) {
			return forbidden("only admins and owners remove members")
		}
		if target.Role == RoleOwner && actor.Role != RoleOwner {
			return forbidden("only owners remove owners")
		}
	}
	if target.Role == RoleOwner && owners <= 1 {
		return ErrLastOwner
	}
	return nil
}

// CheckTeamUpdate allows admins, owners and the team's own manager.
func CheckTeamUpdate(actor Membership, teamID string) error {
	if Rank(actor.Role) >= Rank(RoleAdmin) || actor.Role == RoleManager && actor.TeamID == teamID {
		return nil
	}
	return forbidden("only admins, owners and the team's manager may change a team")
}
