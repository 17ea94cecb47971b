// Package auth holds the account domain: profiles, the requests that create
// and change them, token responses, and the pure rules that validate and
// normalise them. It does no I/O; the Engine (package xentree) applies it.
package auth

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xentree/xentree/internal/textrule"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/xtime"
)

// Roles of an account. Organization roles are separate (package org).
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// Field limits, from the REST contract.
const (
	MaxEmail      = 254
	MinPassword   = 8
	MaxPassword   = 128
	MinUsername   = 3
	MaxUsername   = 32
	MaxFullName   = 200
	MaxTimezone   = 64
	MaxExternalID = 200
)

// Profile is a user's account as its owner sees it (UserProfile in the spec).
type Profile struct {
	ID                string     `json:"id"`
	Email             string     `json:"email"`
	Username          string     `json:"username"`
	FullName          string     `json:"full_name"`
	Timezone          string     `json:"timezone"`
	PreferredLanguage string     `json:"preferred_language"`
	LiveNickname      string     `json:"live_nickname"`
	Role              string     `json:"role"`
	Plan              string     `json:"plan"`
	CreatedAt         xtime.Time `json:"created_at"`
	UpdatedAt         xtime.Time `json:"updated_at"`
}

// RegisterRequest creates an account. ClientIP, when known, is throttled.
type RegisterRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Username string `json:"username,omitempty"`
	FullName string `json:"full_name,omitempty"`
	ClientIP string `json:"-"`
}

// LoginRequest exchanges credentials for tokens. Username is an email or a
// username. ClientIP, when known, is throttled alongside the account.
type LoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	ClientIP string `json:"-"`
}

// RefreshRequest rotates a refresh token. ClientIP, when known, is throttled.
type RefreshRequest struct {
	RefreshToken string `json:"refresh_token"`
	ClientIP     string `json:"-"`
}

// LogoutRequest optionally names the refresh token whose session to end, for
// clients that hold only that.
type LogoutRequest struct {
	RefreshToken string `json:"refresh_token,omitempty"`
}

// TokenResponse is what login and refresh return.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
}

// UpdateMeRequest changes the caller's profile; nil fields stay as they are.
// A password change needs CurrentPassword and NewPassword together and
// revokes every other session of the user.
type UpdateMeRequest struct {
	FullName          *string `json:"full_name,omitempty"`
	Username          *string `json:"username,omitempty"`
	Timezone          *string `json:"timezone,omitempty"`
	PreferredLanguage *string `json:"preferred_language,omitempty"`
	CurrentPassword   string  `json:"current_password,omitempty"`
	NewPassword       string  `json:"new_password,omitempty"`
}

var (
	usernameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)
)

// NormalizeEmail trims and lower-cases an email, the stored form.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateEmail checks an already normalised email.
func ValidateEmail(field, email string) error {
	switch {
	case email == "":
		return xerr.InvalidField(field, "is required")
	case len(email) > MaxEmail:
		return tooLong(field, MaxEmail)
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") {
		return xerr.InvalidField(field, "is not a valid email address")
	}
	return nil
}

// ValidatePassword checks length (in characters) and encoding.
func ValidatePassword(field, pw string) error {
	if !utf8.ValidString(pw) {
		return xerr.InvalidField(field, "must be valid UTF-8")
	}
	n := utf8.RuneCountInString(pw)
	if n < MinPassword {
		return xerr.InvalidField(field, "must be at least "+strconv.Itoa(MinPassword)+" characters")
	}
	if n > MaxPassword {
		return tooLong(field, MaxPassword)
	}
	return nil
}

// ValidateUsername checks a username; "" means none.
func ValidateUsername(field, u string) error {
	if u == "" {
		return nil
	}
	if len(u) > MaxUsername {
		return tooLong(field, MaxUsername)
	}
	if len(u) < MinUsername || !usernameRE.MatchString(u) {
		return xerr.InvalidField(field, "must be 3 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	return nil
}

// ValidateTimezone checks an IANA time zone name.
func ValidateTimezone(field, tz string) error {
	if tz == "" || len(tz) > MaxTimezone {
		return xerr.InvalidField(field, "must be an IANA time zone such as Europe/Berlin")
	}
	if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
		return xerr.InvalidField(field, "must be an IANA time zone such as Europe/Berlin")
	}
	return nil
}

// Normalize trims and lower-cases what is stored normalised.
func (r *RegisterRequest) Normalize() {
	r.Email = NormalizeEmail(r.Email)
	r.Username = strings.TrimSpace(r.Username)
	r.FullName = strings.TrimSpace(r.FullName)
}

// Validate checks a normalised RegisterRequest.
func (r *RegisterRequest) Validate() error {
	if err := ValidateEmail("email", r.Email); err != nil {
		return err
	}
	if err := ValidatePassword("password", r.Password); err != nil {
		return err
	}
	if err := ValidateUsername("username", r.Username); err != nil {
		return err
	}
	return textrule.Line("full_name", r.FullName, MaxFullName)
}

// Validate checks a LoginRequest's shape; whether it matches is the Engine's job.
func (r *LoginRequest) Validate() error {
	if strings.TrimSpace(r.Username) == "" {
		return xerr.InvalidField("username", "is required")
	}
	if len(r.Username) > MaxEmail {
		return tooLong("username", MaxEmail)
	}
	// It is looked up, trimmed, in the database, which (PostgreSQL)
	// refuses a NUL or invalid UTF-8 in text: that is the client's 400,
	// not a 500.
	if err := textrule.Line("username", strings.TrimSpace(r.Username), MaxEmail); err != nil {
		return err
	}
	if r.Password == "" {
		return xerr.InvalidField("password", "is required")
	}
	if len(r.Password) > 4*MaxPassword {
		return tooLong("password", MaxPassword)
	}
	return nil
}

// Normalize trims what is stored trimmed.
func (r *UpdateMeRequest) Normalize() {
	for _, p := range []*string{r.FullName, r.Username, r.Timezone, r.PreferredLanguage} {
		if p != nil {
			*p = strings.TrimSpace(*p)
		}
	}
}

// Validate checks a normalised UpdateMeRequest.
func (r *UpdateMeRequest) Validate() error {
	if r.FullName != nil {
		if err := textrule.Line("full_name", *r.FullName, MaxFullName); err != nil {
			return err
		}
	}
	if r.Username != nil {
		if err := ValidateUsername("username", *r.Username); err != nil {
			return err
		}
	}
	if r.Timezone != nil {
		if err := ValidateTimezone("timezone", *r.Timezone); err != nil {
			return err
		}
	}
	if r.PreferredLanguage != nil {
		if err := textrule.Language("preferred_language", *r.PreferredLanguage); err != nil {
			return err
		}
	}
	switch {
	case r.NewPassword != "" && r.CurrentPassword == "":
		return xerr.InvalidField("current_password", "is required to change the password")
	case r.NewPassword == "" && r.CurrentPassword != "":
		return xerr.InvalidField("new_password", "is required with current_password")
	case r.NewPassword != "":
		return ValidatePassword("new_password", r.NewPassword)
	}
	return nil
}

func tooLong(field string, max int) error {
	return &xerr.Error{Kind: xerr.Invalid, Field: field, Message: "must be at most " + strconv.Itoa(max) + " characters"}
}
