package xentree_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/xentreetest"
)

var ctx = context.Background()

func wantKind(t *testing.T, err error, want xentree.Kind) {
	t.Helper()
	if got := xentree.KindOf(err); err == nil || got != want {
		t.Fatalf("error = %v (kind %v), want kind %v", err, got, want)
	}
}

func login(t *testing.T, eng *xentree.Engine, user string) auth.TokenResponse {
	t.Helper()
	tok, err := eng.Login(ctx, auth.LoginRequest{Username: user, Password: xentreetest.Password})
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return tok
}

func TestRefreshRotates(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	_, tok := xentreetest.CreateUser(t, eng, "ada@example.com")

	next, err := eng.Refresh(ctx, auth.RefreshRequest{RefreshToken: tok.RefreshToken})
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if next.RefreshToken == tok.RefreshToken || next.AccessToken == tok.AccessToken {
		t.Fatal("refresh returned the same tokens")
	}
	if next.TokenType != "bearer" || next.ExpiresIn != 900 {
		t.Errorf("token_type, expires_in = %q, %d; want bearer, 900", next.TokenType, next.ExpiresIn)
	}
	if _, err := eng.Authenticate(ctx, next.AccessToken); err != nil {
		t.Errorf("new access token: %v", err)
	}
	// The rotated pair keeps working through further rotations.
	if _, err := eng.Refresh(ctx, auth.RefreshRequest{RefreshToken: next.RefreshToken}); err != nil {
		t.Errorf("second refresh: %v", err)
	}
}

func TestRefreshReuseRevokesSession(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	_, tok := xentreetest.CreateUser(t, eng, "ada@example.com")
	next, err := eng.Refresh(ctx, auth.RefreshRequest{RefreshToken: tok.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	// The old token again: theft. Refused, and the whole session ends.
	_, err = eng.Refresh(ctx, auth.RefreshRequest{RefreshToken: tok.RefreshToken})
	wantKind(t, err, xentree.KindUnauthenticated)
	_, err = eng.Refresh(ctx, auth.RefreshRequest{RefreshToken: next.RefreshToken})
	wantKind(t, err, xentree.KindUnauthenticated)
	_, err = eng.Authenticate(ctx, next.AccessToken)
	wantKind(t, err, xentree.KindUnauthenticated)
	_, err = eng.Authenticate(ctx, tok.AccessToken)
	wantKind(t, err, xentree.KindUnauthenticated)
	// Other sessions of the user are untouched.
	other := login(t, eng, "ada@example.com")
	if _, err := eng.Authenticate(ctx, other.AccessToken); err != nil {
		t.Errorf("a new login after theft detection: %v", err)
	}
}

func TestLogoutRevokesAtOnce(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	user, tok := xentreetest.CreateUser(t, eng, "ada@example.com")
	other := login(t, eng, "ada@example.com")
	third := login(t, eng, "ada@example.com")

	if err := eng.Logout(ctx, user, auth.LogoutRequest{RefreshToken: third.RefreshToken}); err != nil {
		t.Fatalf("logout: %v", err)
	}
	for name, tk := range map[string]auth.TokenResponse{"own": tok, "named by refresh_token": third} {
		_, err := eng.Authenticate(ctx, tk.AccessToken)
		wantKind(t, err, xentree.KindUnauthenticated)
		_, err = eng.Refresh(ctx, auth.RefreshRequest{RefreshToken: tk.RefreshToken})
		if xentree.KindOf(err) != xentree.KindUnauthenticated {
			t.Errorf("%s session: refresh after logout: %v", name, err)
		}
	}
	if _, err := eng.Authenticate(ctx, other.AccessToken); err != nil {
		t.Errorf("another session was ended by logout: %v", err)
	}
}

func TestLogoutIgnoresAnotherUsersRefreshToken(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ada, _ := xentreetest.CreateUser(t, eng, "ada@example.com")
	_, bob := xentreetest.CreateUser(t, eng, "bob@example.com")
	if err := eng.Logout(ctx, ada, auth.LogoutRequest{RefreshToken: bob.RefreshToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Authenticate(ctx, bob.AccessToken); err != nil {
		t.Errorf("ada's logout ended bob's session: %v", err)
	}
}

func TestPasswordChangeRevokesOtherSessions(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	user, tok := xentreetest.CreateUser(t, eng, "ada@example.com")
	other := login(t, eng, "ada@example.com")

	_, err := eng.UpdateMe(ctx, user, auth.UpdateMeRequest{CurrentPassword: "wrong password", NewPassword: "a new long password"})
	wantKind(t, err, xentree.KindInvalid)
	if _, err := eng.Authenticate(ctx, other.AccessToken); err != nil {
		t.Fatalf("failed password change ended a session: %v", err)
	}

	if _, err := eng.UpdateMe(ctx, user, auth.UpdateMeRequest{CurrentPassword: xentreetest.Password, NewPassword: "a new long password"}); err != nil {
		t.Fatalf("change password: %v", err)
	}
	if _, err := eng.Authenticate(ctx, tok.AccessToken); err != nil {
		t.Errorf("the session that changed the password was ended: %v", err)
	}
	_, err = eng.Authenticate(ctx, other.AccessToken)
	wantKind(t, err, xentree.KindUnauthenticated)
	_, err = eng.Refresh(ctx, auth.RefreshRequest{RefreshToken: other.RefreshToken})
	wantKind(t, err, xentree.KindUnauthenticated)

	_, err = eng.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: xentreetest.Password})
	wantKind(t, err, xentree.KindUnauthenticated)
	if _, err := eng.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: "a new long password"}); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
}

func TestTokenExpiry(t *testing.T) {
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
	_, tok := xentreetest.CreateUser(t, eng, "ada@example.com")

	clock.Advance(15*time.Minute - time.Second)
	if _, err := eng.Authenticate(ctx, tok.AccessToken); err != nil {
		t.Fatalf("access token before expiry: %v", err)
	}
	clock.Advance(time.Second)
	_, err := eng.Authenticate(ctx, tok.AccessToken)
	wantKind(t, err, xentree.KindUnauthenticated)

	// The refresh token outlives it, then expires too.
	next, err := eng.Refresh(ctx, auth.RefreshRequest{RefreshToken: tok.RefreshToken})
	if err != nil {
		t.Fatalf("refresh after access expiry: %v", err)
	}
	clock.Advance(30 * 24 * time.Hour)
	_, err = eng.Refresh(ctx, auth.RefreshRequest{RefreshToken: next.RefreshToken})
	wantKind(t, err, xentree.KindUnauthenticated)
}

func TestLoginFailuresLookAlike(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	xentreetest.CreateUser(t, eng, "ada@example.com")
	embedded, err := eng.EnsureUser(ctx, "ext-1", "carol@example.com")
	if err != nil {
		t.Fatal(err)
	}
	_ = embedded
	cases := []struct{ name, user, pw string }{
		{"unknown email", "nobody@example.com", xentreetest.Password},
		{"unknown username", "nobody", xentreetest.Password},
		{"wrong password", "ada@example.com", "not the password"},
		{"account without password", "carol@example.com", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pw := tc.pw
			if pw == "" {
				pw = "anything at all"
			}
			_, err := eng.Login(ctx, auth.LoginRequest{Username: tc.user, Password: pw})
			wantKind(t, err, xentree.KindUnauthenticated)
			if got := xentree.ErrorCode(err); got != "invalid_credentials" {
				t.Errorf("code = %q, want invalid_credentials", got)
			}
			if err.Error() != "unauthenticated: incorrect email, username or password" {
				t.Errorf("message differs between failures: %q", err.Error())
			}
		})
	}
}

func TestLoginByUsernameAndCase(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	if _, err := eng.Register(ctx, auth.RegisterRequest{Email: " Ada@Example.COM ", Password: xentreetest.Password, Username: "Ada_L"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ada@example.com", "ADA@example.com", "Ada_L", "ada_l"} {
		if _, err := eng.Login(ctx, auth.LoginRequest{Username: name, Password: xentreetest.Password}); err != nil {
			t.Errorf("login as %q: %v", name, err)
		}
	}
}

func TestLoginRateLimit(t *testing.T) {
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
	xentreetest.CreateUser(t, eng, "ada@example.com")
	bad := auth.LoginRequest{Username: "ada@example.com", Password: "wrong password", ClientIP: "192.0.2.1"}
	for i := 0; i < 10; i++ {
		_, err := eng.Login(ctx, bad)
		wantKind(t, err, xentree.KindUnauthenticated)
		clock.Advance(time.Second)
	}
	// The 11th attempt within the minute is refused, even with the right password.
	_, err := eng.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: xentreetest.Password, ClientIP: "192.0.2.9"})
	wantKind(t, err, xentree.KindRateLimited)
	var xe *xentree.Error
	if !errors.As(err, &xe) || xe.RetryAfter != 50*time.Second {
		t.Errorf("RetryAfter = %v, want 50s", xe.RetryAfter)
	}
	// Per client IP too: the same address trying another account is refused.
	xentreetest.CreateUser(t, eng, "bob@example.com")
	_, err = eng.Login(ctx, auth.LoginRequest{Username: "bob@example.com", Password: xentreetest.Password, ClientIP: "192.0.2.1"})
	wantKind(t, err, xentree.KindRateLimited)

	clock.Advance(time.Minute)
	if _, err := eng.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: xentreetest.Password, ClientIP: "192.0.2.1"}); err != nil {
		t.Errorf("login after the window: %v", err)
	}
}

// Concurrent guesses at one account count before their passwords are
// checked: of 40 at once, exactly the limit's 10 are checked, however they
// interleave; and successful logins from one address, at once or one
// after another, never count against it. (The real hash cost keeps the
// requests in flight together, as an attack's are: with failures counted
// only after the check, all 40 guesses were checked.)
func TestLoginRateLimitConcurrentGuesses(t *testing.T) {
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock), xentreetest.WithConfig(func(c *xentree.Config) { c.Password = xentree.PasswordParams{} }))
	xentreetest.CreateUser(t, eng, "ada@example.com")
	var wg sync.WaitGroup
	kinds := make([]xentree.Kind, 40)
	for i := range kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := eng.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: fmt.Sprint("guess ", i), ClientIP: fmt.Sprintf("192.0.2.%d", i)})
			kinds[i] = xentree.KindOf(err)
		}()
	}
	wg.Wait()
	checked := passwordsChecked(t, kinds)
	if checked != 10 {
		t.Errorf("%d of 40 concurrent guesses had their password checked, want 10", checked)
	}

	clock.Advance(time.Minute)
	errs := make([]error, 15)
	for i := range errs {
		xentreetest.CreateUser(t, eng, fmt.Sprintf("learner%d@example.com", i))
	}
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = eng.Login(ctx, auth.LoginRequest{Username: fmt.Sprintf("learner%d@example.com", i), Password: xentreetest.Password, ClientIP: "198.51.100.7"})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("successful login %d of 15 at once from one address: %v", i+1, err)
		}
	}
}

// A password spray: concurrent guesses from one address at many accounts
// (one each, so no account's own limit applies). They all passed the
// address's check before the first failed; now it is checked again when a
// guess's turn to hash comes, so at most MaxConcurrentHashes-1 run past it.
func TestLoginSprayFromOneAddress(t *testing.T) {
	eng := xentreetest.NewEngine(t, xentreetest.WithConfig(func(c *xentree.Config) {
		c.Password = xentree.PasswordParams{}
		c.MaxConcurrentHashes = 2
	}))
	var wg sync.WaitGroup
	kinds := make([]xentree.Kind, 40)
	for i := range kinds {
		xentreetest.CreateUser(t, eng, fmt.Sprintf("learner%d@example.com", i))
	}
	for i := range kinds {
		wg.Go(func() {
			_, err := eng.Login(ctx, auth.LoginRequest{Username: fmt.Sprintf("learner%d@example.com", i), Password: "Winter2026!", ClientIP: "198.51.100.7"})
			kinds[i] = xentree.KindOf(err)
		})
	}
	wg.Wait()
	checked := passwordsChecked(t, kinds)
	if checked < 10 || checked > 11 {
		t.Errorf("%d of 40 concurrent guesses from one address had their password checked, want 10 or 11", checked)
	}
}

// passwordsChecked counts the wrong guesses whose password was checked
// (refused as wrong, not as too many), failing on any other outcome.
func passwordsChecked(t *testing.T, kinds []xentree.Kind) int {
	t.Helper()
	checked := 0
	for _, k := range kinds {
		switch k {
		case xentree.KindUnauthenticated:
			checked++
		case xentree.KindRateLimited:
		default:
			t.Fatalf("a guess: %v", k)
		}
	}
	return checked
}

func TestLoginRateLimitOff(t *testing.T) {
	eng := xentreetest.NewEngine(t, xentreetest.WithConfig(func(c *xentree.Config) { c.LoginRateLimit.Off = true }))
	xentreetest.CreateUser(t, eng, "ada@example.com")
	for i := 0; i < 30; i++ {
		_, err := eng.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: "wrong password"})
		wantKind(t, err, xentree.KindUnauthenticated)
	}
}

func TestRegisterConflicts(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	if _, err := eng.Register(ctx, auth.RegisterRequest{Email: "ada@example.com", Password: xentreetest.Password, Username: "ada"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		req  auth.RegisterRequest
		code string
	}{
		{"same email other case", auth.RegisterRequest{Email: "ADA@example.com", Password: xentreetest.Password}, "email_taken"},
		{"same username other case", auth.RegisterRequest{Email: "ada2@example.com", Password: xentreetest.Password, Username: "ADA"}, "username_taken"},
	} {
		_, err := eng.Register(ctx, tc.req)
		if xentree.KindOf(err) != xentree.KindConflict || xentree.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want conflict %s", tc.name, err, tc.code)
		}
	}
}

func TestUpdateMe(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	user, _ := xentreetest.CreateUser(t, eng, "ada@example.com")
	xentreetest.CreateUser(t, eng, "bob@example.com")
	s := func(v string) *string { return &v }
	p, err := eng.UpdateMe(ctx, user, auth.UpdateMeRequest{FullName: s(" Ada Lovelace "), Username: s("ada"), Timezone: s("Europe/London"), PreferredLanguage: s("pt-BR")})
	if err != nil {
		t.Fatal(err)
	}
	if p.FullName != "Ada Lovelace" || p.Username != "ada" || p.Timezone != "Europe/London" || p.PreferredLanguage != "pt-BR" {
		t.Errorf("profile = %+v", p)
	}
	for _, tc := range []struct {
		name  string
		req   auth.UpdateMeRequest
		field string
	}{
		{"bad timezone", auth.UpdateMeRequest{Timezone: s("Mars/Olympus")}, "timezone"},
		{"local timezone", auth.UpdateMeRequest{Timezone: s("Local")}, "timezone"},
		{"bad language", auth.UpdateMeRequest{PreferredLanguage: s("english!")}, "preferred_language"},
		{"short username", auth.UpdateMeRequest{Username: s("ab")}, "username"},
		{"long name", auth.UpdateMeRequest{FullName: s(string(make([]byte, 201)))}, "full_name"},
		{"new password alone", auth.UpdateMeRequest{NewPassword: "long enough pw"}, "current_password"},
		{"short new password", auth.UpdateMeRequest{CurrentPassword: xentreetest.Password, NewPassword: "short"}, "new_password"},
	} {
		_, err := eng.UpdateMe(ctx, user, tc.req)
		var xe *xentree.Error
		if !errors.As(err, &xe) || xe.Kind != xentree.KindInvalid || xe.Field != tc.field {
			t.Errorf("%s: %v, want invalid %s", tc.name, err, tc.field)
		}
	}
	bob, _ := xentreetest.CreateUser(t, eng, "")
	_, err = eng.UpdateMe(ctx, bob, auth.UpdateMeRequest{Username: s("ADA")})
	wantKind(t, err, xentree.KindConflict)
}

func TestEnsureUser(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	a, err := eng.EnsureUser(ctx, "ext-42", "Ada@Example.com")
	if err != nil {
		t.Fatal(err)
	}
	b, err := eng.EnsureUser(ctx, "ext-42", "ada@example.com")
	if err != nil || b.ID != a.ID {
		t.Fatalf("second EnsureUser = %v, %v; want the same user %s", b.ID, err, a.ID)
	}
	p, err := eng.Me(ctx, a)
	if err != nil || p.Email != "ada@example.com" {
		t.Errorf("Me = %+v, %v", p, err)
	}
	_, err = eng.EnsureUser(ctx, "ext-43", "ada@example.com")
	wantKind(t, err, xentree.KindConflict)
	_, err = eng.EnsureUser(ctx, "", "x@example.com")
	wantKind(t, err, xentree.KindInvalid)
	// No password: it cannot be changed either.
	_, err = eng.UpdateMe(ctx, a, auth.UpdateMeRequest{CurrentPassword: "whatever1", NewPassword: "whatever2"})
	wantKind(t, err, xentree.KindForbidden)
}

func TestAuthenticateRejects(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	other := xentreetest.NewEngine(t) // another signing key
	_, tok := xentreetest.CreateUser(t, other, "ada@example.com")
	for name, raw := range map[string]string{
		"empty":             "",
		"garbage":           "not.a.jwt",
		"foreign key":       tok.AccessToken,
		"alg none":          "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4Iiwic2lkIjoieSIsImV4cCI6OTk5OTk5OTk5OX0.",
		"refresh as bearer": tok.RefreshToken,
	} {
		_, err := eng.Authenticate(ctx, raw)
		if xentree.KindOf(err) != xentree.KindUnauthenticated {
			t.Errorf("%s: %v, want unauthenticated", name, err)
		}
	}
}

func TestRoleChangeReachesAuthenticate(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	user, tok := xentreetest.CreateUser(t, eng, "ada@example.com")
	if user.IsAdmin() {
		t.Fatal("new user is admin")
	}
	if err := eng.SetUserRole(ctx, user.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	u, err := eng.Authenticate(ctx, tok.AccessToken)
	if err != nil || !u.IsAdmin() {
		t.Errorf("after SetUserRole admin: %+v, %v", u, err)
	}
	wantKind(t, eng.SetUserRole(ctx, user.ID, "root"), xentree.KindInvalid)
}

func TestSigningKeyPersists(t *testing.T) {
	dir := t.TempDir()
	var tok auth.TokenResponse
	func() {
		eng := xentreetest.NewEngine(t, xentreetest.WithDir(dir))
		_, tok = xentreetest.CreateUser(t, eng, "ada@example.com")
		if err := eng.Close(); err != nil {
			t.Fatal(err)
		}
	}()
	eng, err := xentree.Open(ctx, xentreetest.Config(t, xentreetest.WithDir(dir)))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if _, err := eng.Authenticate(ctx, tok.AccessToken); err != nil {
		t.Errorf("token from before the restart: %v", err)
	}
}

func TestLoginRateLimitCountsEmailAndUsernameTogether(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	if _, err := eng.Register(ctx, auth.RegisterRequest{Email: "ada@example.com", Password: xentreetest.Password, Username: "ada"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		name := []string{"ada", "ada@example.com"}[i%2]
		_, err := eng.Login(ctx, auth.LoginRequest{Username: name, Password: "wrong password", ClientIP: "192.0.2." + string(rune('0'+i))})
		wantKind(t, err, xentree.KindUnauthenticated)
	}
	_, err := eng.Login(ctx, auth.LoginRequest{Username: "ada", Password: xentreetest.Password, ClientIP: "198.51.100.1"})
	wantKind(t, err, xentree.KindRateLimited)
}

func TestWrongCurrentPasswordIsThrottled(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	user, _ := xentreetest.CreateUser(t, eng, "ada@example.com")
	for i := 0; i < 10; i++ {
		_, err := eng.UpdateMe(ctx, user, auth.UpdateMeRequest{CurrentPassword: "guess number " + string(rune('a'+i)), NewPassword: "a new long password"})
		wantKind(t, err, xentree.KindInvalid)
	}
	_, err := eng.UpdateMe(ctx, user, auth.UpdateMeRequest{CurrentPassword: xentreetest.Password, NewPassword: "a new long password"})
	wantKind(t, err, xentree.KindRateLimited)
}
