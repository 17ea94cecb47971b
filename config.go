package xentree

import (
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"golang.org/x/oauth2/google"

	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/internal/password"
	"github.com/xentree/xentree/internal/ratelimit"
	"github.com/xentree/xentree/internal/xerr"
)

// Clock tells the time. Tests inject a fake (xentreetest.Clock) so that
// expiry, rate limits and metering are checked without sleeping.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// PasswordParams are argon2id's cost parameters.
type PasswordParams = password.Params

// Config configures an Engine. Only Dir is required; every other field has a
// safe default, named at the end of its comment.
type Config struct {
	// Dir is the data folder (SQLite file, search index, generated keys).
	// It is created with mode 0700 if missing. Required.
	Dir string

	// Database is a PostgreSQL URL (postgres://user:password@host:5432/db):
	// the store runs there instead of the SQLite file in Dir. Empty keeps
	// SQLite, the embedded default. See docs/scaling.md.
	Database string

	// Clock supplies the time. Defaults to the system clock.
	Clock Clock

	// Logger receives operational logs; secrets are never logged.
	// Defaults to a logger that discards everything.
	Logger *slog.Logger

	// AccessTokenTTL is the lifetime of an access JWT. Defaults to 15 minutes.
	AccessTokenTTL time.Duration

	// RefreshTokenTTL is the lifetime of a refresh token; each refresh issues
	// a new one with a fresh lifetime. Defaults to 30 days.
	RefreshTokenTTL time.Duration

	// SigningKey signs access tokens (HS256); at least 32 bytes. Defaults to
	// a random key generated once into Dir/signing.key with mode 0600.
	SigningKey []byte

	// EncryptionKey seals secrets at rest (Google tokens, integration-token
	// signing keys) with AES-256-GCM; at least 32 bytes, of which the first
	// 32 are used (a shorter one is Invalid). Defaults to a random key
	// generated once into Dir/encryption.key with mode 0600.
	EncryptionKey []byte

	// Google configures the Google Calendar integration. Without a client
	// id, secret and redirect URL its routes answer integration_not_configured.
	Google GoogleConfig

	// Password sets argon2id's cost. Defaults to one of OWASP's equivalent
	// minimums (7 MiB, 5 iterations, 1 lane); tests use cheaper ones. Set,
	// it is taken whole: Iterations, Parallelism and MemoryKiB (at least 8
	// per lane) must all be given (SaltLen and KeyLen default to 16 and 32).
	Password PasswordParams

	// MaxConcurrentHashes bounds simultaneous password hashes, so a login
	// burst cannot exhaust memory or starve other requests. Defaults to GOMAXPROCS.
	MaxConcurrentHashes int

	// LoginRateLimit throttles failed logins per account and per client IP.
	// Defaults to 10 failures a minute, then 429 with Retry-After.
	LoginRateLimit RateLimit

	// RegisterRateLimit throttles registrations per client IP, counting every
	// attempt: each costs a password hash, and a flood of accounts is cheap
	// to send. A request without a ClientIP (Go callers) is not limited.
	// Defaults to 20 an hour, then 429 with Retry-After.
	RegisterRateLimit RateLimit

	// RefreshRateLimit throttles token refreshes per client IP, counting
	// every attempt, so refresh tokens cannot be tried at speed. A request
	// without a ClientIP is not limited. Defaults to 60 a minute, then 429
	// with Retry-After.
	RefreshRateLimit RateLimit

	// ChatRateLimit throttles Chat and ChatStream per user (an API key counts
	// as its user), counting every call: each may be a paid provider call.
	// Defaults to 60 a minute, then 429 with Retry-After.
	ChatRateLimit RateLimit

	// Limits are the size limits of the REST contract. Defaults to the
	// contract's values (see Limits).
	Limits Limits

	// SessionCacheTTL is how long Authenticate trusts a cached session state.
	// Revocations made through this Engine take effect at once regardless;
	// this bounds only changes made by another process on the same data
	// folder (a CLI command beside the server). Defaults to 5 seconds. On
	// PostgreSQL the nodes tell each other of every revocation (LISTEN and
	// NOTIFY), so one made on any node takes effect on all at once; a node
	// that is not listening trusts no cache.
	SessionCacheTTL time.Duration

	// IndexPollInterval is how often the indexer looks for changes queued by
	// another process; this Engine's own writes wake it at once.
	// Defaults to 2 seconds.
	IndexPollInterval time.Duration

	// AI configures the language-model providers.
	AI AIConfig

	// Live configures Xentree Live metering and transcripts.
	Live LiveConfig

	// XEL configures Xentree English: the curriculum served.
	XEL XELConfig

	// Knowledge configures how documents are cut into chunks.
	Knowledge KnowledgeConfig

	// IndexBatchDelay is how long the indexer lets changes accumulate after
	// a commit before applying them as one batch, while commits keep coming
	// (the previous batch ended less than this long ago): larger batches
	// cost Bleve far less per document. After a quiet spell a change is
	// applied at once. So under a burst of writes new content is searchable
	// after about this long (WaitIndexed does not wait for it). Defaults to
	// 50 milliseconds.
	IndexBatchDelay time.Duration

	// DisableIndex opens the Engine without the search index, for maintenance
	// commands that run beside a live server (which holds the index lock).
	// Changes still queue in the outbox and the server applies them.
	// Defaults to false.
	DisableIndex bool
}

// AIConfig configures AI providers. With nothing set, the offline provider
// (ai/local) answers every request: deterministic, no network.
type AIConfig struct {
	// Default is the provider "auto" resolves to: "local", "openai",
	// "anthropic", or the ID of one of Providers. Defaults to the OpenAI
	// provider's ID (OpenAI.ID, "openai" unless set) when OpenAI is
	// configured, else "anthropic" when Anthropic is, else "local";
	// Engine.Config reports the one resolved.
	Default string
	// OpenAI is used when its APIKey or BaseURL is set (a local
	// OpenAI-compatible server such as Ollama needs no key).
	OpenAI OpenAIConfig
	// Anthropic is used when its APIKey is set.
	Anthropic AnthropicConfig
	// Providers adds the embedder's own providers.
	Providers []ai.Provider
	// ContextTokens bounds the conversation history sent with a chat
	// request, oldest turns dropped first. Defaults to 4000.
	ContextTokens int
	// MaxHistory bounds the stored turns read as context, and the items a
	// client may send as conversation_history. Defaults to 50.
	MaxHistory int
	// MaxConcurrentSearches bounds simultaneous searches so they cannot
	// starve writes. Defaults to 2×GOMAXPROCS.
	MaxConcurrentSearches int
	// Embeddings, when its Model is set, makes knowledge search hybrid:
	// the indexer embeds every chunk through this OpenAI-compatible
	// embeddings API (POST /embeddings) and stores the vectors, and
	// SearchKnowledge, QueryKnowledge and chat grounding fuse the BM25
	// ranking with the chunks nearest to the query's embedding (reciprocal
	// rank fusion). Each query then costs one embeddings call. Off by
	// default; see docs/api.md for the cost.
	Embeddings EmbeddingsConfig
}

// LiveConfig configures Xentree Live.
type LiveConfig struct {
	// Plans maps a plan name to its monthly allowance in seconds. A user
	// whose plan is not listed gets the "free" allowance, so a map given
	// must have a positive "free" entry (Open is Invalid otherwise).
	// Defaults to {"free": 1800, "pro": 36000}.
	Plans map[string]int64
	// HeartbeatInterval is what clients are told to use. Defaults to 30 s.
	HeartbeatInterval time.Duration
	// SilenceTimeout ends a session not heard from for this long, charged
	// up to its last heartbeat. Defaults to 90 s.
	SilenceTimeout time.Duration
	// MaxTranscriptTurns bounds a saved transcript. Defaults to 5,000.
	MaxTranscriptTurns int
	// MaxTranscriptBytes bounds a transcript's total text. Defaults to 512 KiB.
	MaxTranscriptBytes int
	// Realtime, when its APIKey is set, makes StartLiveSession mint a
	// short-lived client secret for OpenAI Realtime.
	Realtime RealtimeConfig
}

// RealtimeConfig names the realtime provider a client connects to directly.
type RealtimeConfig struct {
	// APIKey is the server's OpenAI key; clients only ever get a short-lived secret.
	APIKey string
	// BaseURL defaults to https://api.openai.com/v1.
	BaseURL string
	// Model defaults to "gpt-realtime".
	Model string
	// Voice defaults to "alloy".
	Voice string
	// HTTPClient defaults to a client with a 15 s timeout.
	HTTPClient *http.Client
}

// RateLimit is a sliding-window limit per key: after Max counted events
// within Window, the key is refused until the oldest leaves the window. The
// Config field holding it says what counts and gives the defaults; a zero
// Max or Window takes that field's default.
type RateLimit struct {
	// Max counted events per Window.
	Max int
	// Window is the sliding window's length.
	Window time.Duration
	// Off switches the limit off, for trusted deployments and load tests.
	// Defaults to false.
	Off bool
}

// Limits are request and content size limits.
type Limits struct {
	// MaxBodyBytes bounds a JSON request body. Defaults to 1 MiB.
	MaxBodyBytes int64
	// MaxUploadBytes bounds a document upload. Defaults to 20 MiB.
	MaxUploadBytes int64
	// MaxMessageBytes bounds a chat message. Defaults to 32 KiB.
	MaxMessageBytes int
	// MaxTitleChars bounds titles. Defaults to 200.
	MaxTitleChars int
	// MaxNoteBytes bounds a note's content. Defaults to 64 KiB.
	MaxNoteBytes int
	// DefaultPageSize is a list's page size when the client names none. Defaults to 50.
	DefaultPageSize int
	// MaxPageSize caps a list's page size. Defaults to 200; it must not be
	// under DefaultPageSize (set both to go under 50).
	MaxPageSize int
	// MaxMemberships is how many organizations one account may belong to.
	// Every knowledge search looks in each of them, so its cost grows with
	// their number (a 1,000-character query: 1 ms alone, about 40 ms in 100
	// organizations, 270 ms in 1,000). Defaults to 100.
	MaxMemberships int
}

// withDefaults fills zero fields (River's order: defaults, then validate).
func (c Config) withDefaults() Config {
	if c.Clock == nil {
		c.Clock = systemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.AccessTokenTTL <= 0 {
		c.AccessTokenTTL = 15 * time.Minute
	}
	if c.RefreshTokenTTL <= 0 {
		c.RefreshTokenTTL = 30 * 24 * time.Hour
	}
	if c.Password == (PasswordParams{}) {
		c.Password = password.Default
	}
	if c.Password.SaltLen == 0 {
		c.Password.SaltLen = 16
	}
	if c.Password.KeyLen == 0 {
		c.Password.KeyLen = 32
	}
	if c.MaxConcurrentHashes <= 0 {
		c.MaxConcurrentHashes = runtime.GOMAXPROCS(0)
	}
	c.LoginRateLimit.setDefault(10, time.Minute)
	c.RegisterRateLimit.setDefault(20, time.Hour)
	c.RefreshRateLimit.setDefault(60, time.Minute)
	c.ChatRateLimit.setDefault(60, time.Minute)
	l := &c.Limits
	setDefault64(&l.MaxBodyBytes, 1<<20)
	setDefault64(&l.MaxUploadBytes, 20<<20)
	setDefault(&l.MaxMessageBytes, 32<<10)
	setDefault(&l.MaxTitleChars, 200)
	setDefault(&l.MaxNoteBytes, 64<<10)
	setDefault(&l.DefaultPageSize, 50)
	setDefault(&l.MaxPageSize, 200)
	setDefault(&l.MaxMemberships, 100)
	if c.SessionCacheTTL <= 0 {
		c.SessionCacheTTL = 5 * time.Second
	}
	setDefault(&c.AI.ContextTokens, 4000)
	setDefault(&c.AI.MaxHistory, 50)
	setDefault(&c.AI.MaxConcurrentSearches, 2*runtime.GOMAXPROCS(0))
	if c.Live.Plans == nil {
		c.Live.Plans = map[string]int64{"free": 1800, "pro": 36000}
	}
	if c.Live.HeartbeatInterval <= 0 {
		c.Live.HeartbeatInterval = 30 * time.Second
	}
	if c.Live.SilenceTimeout <= 0 {
		c.Live.SilenceTimeout = 90 * time.Second
	}
	g := &c.Google
	if g.AuthURL == "" {
		g.AuthURL = google.Endpoint.AuthURL
	}
	if g.TokenURL == "" {
		g.TokenURL = google.Endpoint.TokenURL
	}
	if g.RevokeURL == "" {
		g.RevokeURL = "https://oauth2.googleapis.com/revoke"
	}
	if g.CalendarURL == "" {
		g.CalendarURL = "https://www.googleapis.com/calendar/v3"
	}
	if g.HTTPClient == nil {
		g.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	setDefault(&c.Knowledge.ChunkSize, 1200)
	if c.Knowledge.MinSimilarity == 0 {
		c.Knowledge.MinSimilarity = 0.25
	}
	if c.Knowledge.MaxConcurrentExtractions <= 0 {
		c.Knowledge.MaxConcurrentExtractions = runtime.GOMAXPROCS(0)
	}
	if c.Knowledge.ChunkOverlap == 0 {
		c.Knowledge.ChunkOverlap = c.Knowledge.ChunkSize / 6
	}
	setDefault(&c.Live.MaxTranscriptTurns, 5000)
	setDefault(&c.Live.MaxTranscriptBytes, 512<<10)
	rt := &c.Live.Realtime
	if rt.BaseURL == "" {
		rt.BaseURL = "https://api.openai.com/v1"
	}
	if rt.Model == "" {
		rt.Model = "gpt-realtime"
	}
	if rt.Voice == "" {
		rt.Voice = "alloy"
	}
	if rt.HTTPClient == nil {
		rt.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if c.IndexBatchDelay <= 0 {
		c.IndexBatchDelay = 50 * time.Millisecond
	}
	if c.IndexPollInterval <= 0 {
		c.IndexPollInterval = 2 * time.Second
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.Dir == "":
		return xerr.New(xerr.Invalid, "xentree: Config.Dir is required")
	case c.SigningKey != nil && len(c.SigningKey) < 32:
		return xerr.New(xerr.Invalid, "xentree: Config.SigningKey must be at least 32 bytes")
	case c.EncryptionKey != nil && len(c.EncryptionKey) < 32: // Open took its first 32 bytes, and panicked on fewer
		return xerr.New(xerr.Invalid, "xentree: Config.EncryptionKey must be at least 32 bytes")
	case c.Password.Iterations == 0 || c.Password.Parallelism == 0 || c.Password.MemoryKiB < 8*uint32(c.Password.Parallelism):
		return xerr.New(xerr.Invalid, "xentree: Config.Password has invalid argon2id parameters")
	case c.Live.Plans["free"] <= 0:
		return xerr.New(xerr.Invalid, `xentree: Config.Live.Plans needs a "free" plan with a positive allowance (users without a known plan get it)`)
	case c.Limits.DefaultPageSize > c.Limits.MaxPageSize:
		return xerr.New(xerr.Invalid, "xentree: Limits.DefaultPageSize exceeds MaxPageSize")
	}
	return nil
}

func setDefault(p *int, v int) {
	if *p <= 0 {
		*p = v
	}
}

func (r *RateLimit) setDefault(max int, window time.Duration) {
	setDefault(&r.Max, max)
	if r.Window <= 0 {
		r.Window = window
	}
}

// limiter returns nil for a limit that is off: a nil Limiter allows everything.
func (r RateLimit) limiter(now func() time.Time) *ratelimit.Limiter {
	if r.Off {
		return nil
	}
	return ratelimit.New(r.Max, r.Window, now)
}

func setDefault64(p *int64, v int64) {
	if *p <= 0 {
		*p = v
	}
}

// KnowledgeConfig configures the knowledge base.
type KnowledgeConfig struct {
	// ChunkSize is a chunk's target maximum, in characters. Smaller chunks
	// cite more precisely; larger ones give a provider more context per
	// passage. Defaults to 1200.
	ChunkSize int
	// ChunkOverlap is how many characters of whole sentences a chunk repeats
	// from the previous one in the same section, so a fact on a boundary is
	// whole somewhere. Defaults to ChunkSize/6; negative means none.
	ChunkOverlap int
	// MinSimilarity is, in hybrid search (AIConfig.Embeddings), the least
	// cosine similarity between the query's and a chunk's vectors for the
	// chunk to be found through its vector; without it every question
	// would find its nearest chunks, however unrelated. What counts as
	// close depends on the model: raise it for models whose unrelated
	// texts score high. Defaults to 0.25; negative means none.
	MinSimilarity float64
	// MaxConcurrentExtractions bounds the uploads whose text is extracted
	// at once (a 20 MiB PDF can take seconds of a core), so a burst of
	// uploads cannot starve every other request; the rest wait their turn.
	// Defaults to GOMAXPROCS.
	MaxConcurrentExtractions int
}

// GoogleConfig configures the Google Calendar integration (OAuth 2 with
// PKCE, per user). Every URL can be changed so tests use a local fake.
type GoogleConfig struct {
	ClientID     string
	ClientSecret string
	// RedirectURL is the OAuth redirect URI registered with Google: the
	// client page that receives code and state and passes them to the
	// callback route.
	RedirectURL string
	// RedirectURLs are further registered redirect URIs a client may ask for.
	RedirectURLs []string
	// Defaults: Google's endpoints (golang.org/x/oauth2/google).
	AuthURL     string
	TokenURL    string
	RevokeURL   string // defaults to https://oauth2.googleapis.com/revoke
	CalendarURL string // the Calendar API base; defaults to https://www.googleapis.com/calendar/v3
	// HTTPClient calls Google. Defaults to a client with a 15 s timeout.
	HTTPClient *http.Client
}

// Configured reports whether the integration can run.
func (g GoogleConfig) Configured() bool {
	return g.ClientID != "" && g.ClientSecret != "" && g.RedirectURL != ""
}
