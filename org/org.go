// Package org holds the organization domain: organizations, their members
// and roles, teams, and API keys; the requests that change them; and the pure
// rules of who may do what. It does no I/O: the Engine (package xentree)
// loads the memberships involved inside one transaction and asks these rules.
//
// Roles rank owner > admin > manager > member. Members read; a manager also
// manages their own team; admins manage members and teams but never touch
// owners; owners also update and delete the organization and appoint owners.
// The last owner can neither leave nor be demoted.
package org

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xentree/xentree/internal/textrule"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/xtime"
)

// Roles within an organization.
const (
	RoleOwner   = "owner"
	RoleAdmin   = "admin"
	RoleManager = "manager"
	RoleMember  = "member"
)

// Field limits (ours).
const (
	MaxName        = 200
	MaxDescription = 2000
	MinSlug        = 3
	MaxSlug        = 63
)

// Rank orders roles: owner 4, admin 3, manager 2, member 1, anything else 0.
func Rank(role string) int {
	switch role {
	case RoleOwner:
		return 4
	case RoleAdmin:
		return 3
	case RoleManager:
		return 2
	case RoleMember:
		return 1
	}
	return 0
}

// Organization is an organization as one of its members sees it.
type Organization struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Slug        string     `json:"slug"`
	Description string     `json:"description"`
	Role        string     `json:"role"` // the caller's
	MemberCount int        `json:"member_count"`
	CreatedAt   xtime.Time `json:"created_at"`
	UpdatedAt   xtime.Time `json:"updated_at"`
}

// CreateRequest creates an organization; the slug is derived from the name
// when omitted.
type CreateRequest struct {
	Name        string `json:"name"`
	Slug        string `json:"slug,omitempty"`
	Description string `json:"description,omitempty"`
}

// Normalize trims the fields and lower-cases the slug.
func (r *CreateRequest) Normalize() {
	r.Name = strings.TrimSpace(r.Name)
	r.Slug = strings.ToLower(strings.TrimSpace(r.Slug))
	r.Description = strings.TrimSpace(r.Description)
}

// Validate checks a normalised request.
func (r CreateRequest) Validate() error {
	if err := validateName("name", r.Name); err != nil {
		return err
	}
	if r.Slug != "" {
		if err := ValidateSlug("slug", r.Slug); err != nil {
			return err
		}
	}
	return textrule.Body("description", r.Description, MaxDescription)
}

// UpdateRequest changes an organization; nil fields stay as they are.
type UpdateRequest struct {
	Name        *string `json:"name,omitempty"`
	Slug        *string `json:"slug,omitempty"`
	Description *string `json:"description,omitempty"`
}

// Apply normalises and validates the request and writes it onto o.
func (r UpdateRequest) Apply(o *Organization) error {
	if r.Name != nil {
		n := strings.TrimSpace(*r.Name)
		if err := validateName("name", n); err != nil {
			return err
		}
		o.Name = n
	}
	if r.Slug != nil {
		s := strings.ToLower(strings.TrimSpace(*r.Slug))
		if err := ValidateSlug("slug", s); err != nil {
			return err
		}
		o.Slug = s
	}
	if r.Description != nil {
		d := strings.TrimSpace(*r.Description)
		if err := textrule.Body("description", d, MaxDescription); err != nil {
			return err
		}
		o.Description = d
	}
	return nil
}

func validateName(field, name string) error {
	if name == "" {
		return xerr.InvalidField(field, "is required")
	}
	return textrule.Line(field, name, MaxName)
}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidateSlug checks a slug: lowercase letters, digits and single inner
// hyphens, 3 to 63 characters.
func ValidateSlug(field, s string) error {
	if len(s) < MinSlug || len(s) > MaxSlug || !slugRE.MatchString(s) {
		return xerr.InvalidField(field, "must be 3 to 63 lowercase letters, digits or inner hyphens")
	}
	return nil
}

// fold maps common accented Latin letters to ASCII, so "Café Zürich"
// becomes "cafe-zurich" rather than "caf-z-rich".
var fold = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'æ': "ae",
	'ç': "c", 'è': "e", 'é': "e", 'ê': "e", 'ë': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ñ': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'œ': "oe",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ý': "y", 'ÿ': "y", 'ß': "ss",
}

// Slugify derives a slug from a name. It may return "" or something shorter
// than MinSlug (a name in a script without Latin letters); the caller then
// makes one up.
func Slugify(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		var s string
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			s = string(r)
		case fold[r] != "":
			s = fold[r]
		default:
			hyphen = b.Len() > 0
			continue
		}
		if hyphen {
			b.WriteByte('-')
			hyphen = false
		}
		b.WriteString(s)
	}
	out := b.String()
	for len(out) > MaxSlug {
		// Cut at the last hyphen that fits, so words are not split.
		if i := strings.LastIndexByte(out[:MaxSlug], '-'); i >= MinSlug {
			out = out[:i]
		} else {
			out = strings.TrimRight(out[:MaxSlug], "-")
		}
	}
	return out
}

// WithSuffix returns slug with "-n" appended, shortened so the result stays
// within MaxSlug; used when a derived slug is taken.
func WithSuffix(slug string, n int) string {
	suffix := "-" + strconv.Itoa(n)
	if len(slug)+len(suffix) > MaxSlug {
		slug = strings.TrimRight(slug[:MaxSlug-len(suffix)], "-")
	}
	return slug + suffix
}

// Member is a member of an organization (MemberResponse in the spec).
type Member struct {
	UserID   string     `json:"user_id"`
	Email    string     `json:"email"`
	Username string     `json:"username"`
	FullName string     `json:"full_name"`
	Role     string     `json:"role"`
	TeamID   string     `json:"team_id,omitempty"`
	TeamName string     `json:"team_name,omitempty"`
	JoinedAt xtime.Time `json:"joined_at"`
}

// AddMemberRequest adds an existing account, named by email or user id
// (exactly one), with a role and optionally into a team.
type AddMemberRequest struct {
	Email  string `json:"email,omitempty"`
	UserID string `json:"user_id,omitempty"`
	Role   string `json:"role"`
	TeamID string `json:"team_id,omitempty"`
}

// Normalize trims the fields and lower-cases the email.
func (r *AddMemberRequest) Normalize() {
	r.Email = strings.ToLower(strings.TrimSpace(r.Email))
	r.UserID = strings.TrimSpace(r.UserID)
	r.Role = strings.TrimSpace(r.Role)
	r.TeamID = strings.TrimSpace(r.TeamID)
}

// Validate checks a normalised request.
func (r AddMemberRequest) Validate() error {
	switch {
	case r.Email == "" && r.UserID == "":
		return xerr.InvalidField("email", "email or user_id is required")
	case r.Email != "" && r.UserID != "":
		return xerr.InvalidField("user_id", "give email or user_id, not both")
	case len(r.Email) > 254 || !utf8.ValidString(r.Email):
		return xerr.InvalidField("email", "is not a valid email address")
	}
	return ValidateRole("role", r.Role)
}

// RoleRequest changes a member's role (PATCH).
type RoleRequest struct {
	Role string `json:"role"`
}

// UpdateMemberRequest is the comprehensive member update (PUT): the role,
// the organization (to move the member to another organization the caller
// also administers; empty keeps it) and the team (empty for none).
type UpdateMemberRequest struct {
	Role           string `json:"role"`
	OrganizationID string `json:"organization_id,omitempty"`
	TeamID         string `json:"team_id,omitempty"`
}

// ValidateRole checks that role is one of the four roles.
func ValidateRole(field, role string) error {
	if role == "" {
		return xerr.InvalidField(field, "is required")
	}
	if Rank(role) == 0 {
		return xerr.InvalidField(field, "must be owner, admin, manager or member")
	}
	return nil
}

// Team is a group of members within an organization.
type Team struct {
	ID             string     `json:"id"`
	OrganizationID string     `json:"organization_id"`
	Name           string     `json:"name"`
	Description    string     `json:"description"`
	MemberCount    int        `json:"member_count"`
	CreatedAt      xtime.Time `json:"created_at"`
	UpdatedAt      xtime.Time `json:"updated_at"`
}

// TeamRequest creates a team.
type TeamRequest struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Apply validates the request and writes it onto t.
func (r TeamRequest) Apply(t *Team) error {
	return TeamUpdateRequest{Name: &r.Name, Description: &r.Description}.Apply(t)
}

// TeamUpdateRequest changes a team; nil fields stay as they are.
type TeamUpdateRequest struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

// Apply validates the request and writes it onto t.
func (r TeamUpdateRequest) Apply(t *Team) error {
	if r.Name != nil {
		n := strings.TrimSpace(*r.Name)
		if err := validateName("name", n); err != nil {
			return err
		}
		t.Name = n
	}
	if r.Description != nil {
		d := strings.TrimSpace(*r.Description)
		if err := textrule.Body("description", d, MaxDescription); err != nil {
			return err
		}
		t.Description = d
	}
	return nil
}
