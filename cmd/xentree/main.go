// Command xentree self-hosts the Xentree engine behind its REST API and runs
// operations on a data folder.
//
//	xentree serve [--addr 127.0.0.1:8080] [--data ./xentree-data] [--rate-limit on|off] [--trust-proxy on|off] [--cors-origins ORIGIN,...] [--access-log on|off] [--metrics on|off] [--pprof-addr 127.0.0.1:6060]
//	xentree user create --email E --password P [--admin] [--data DIR]
//	xentree user set-plan --email E --plan PLAN [--data DIR]
//	xentree user set-role --email E --role user|admin [--data DIR]
//	xentree user disable|enable --email E [--data DIR]
//	xentree backup --out FILE [--data DIR]
//	xentree restore FILE [--data DIR]
//	xentree reindex [--data DIR]
//	xentree migrate status|up [--data DIR]
//	xentree migrate-store --from DIR --to postgres://user:password@host:5432/db
//	xentree export --user EMAIL|ID --out FILE|- [--data DIR]
//	xentree delete --user EMAIL|ID --yes [--data DIR]
//	xentree openapi [--metrics on|off]
//	xentree version
//
// Flags fall back to the environment: XENTREE_ADDR, XENTREE_DATA,
// XENTREE_DATABASE_URL (--database-url, on every command that opens a store:
// PostgreSQL instead of the SQLite file), XENTREE_RATE_LIMIT, XENTREE_TRUST_PROXY, XENTREE_CORS_ORIGINS, XENTREE_ACCESS_LOG,
// XENTREE_METRICS, XENTREE_PPROF_ADDR, XENTREE_LOG_LEVEL (debug, info, warn,
// error). --rate-limit
// switches every rate limit together (login, register, refresh, chat);
// --trust-proxy takes the client address from the last X-Forwarded-For entry,
// for a server behind a reverse proxy, so per-IP limits see clients rather
// than the proxy; --cors-origins lists the browser origins allowed to call
// the API (exact, comma-separated, or "*"), none by default; --pprof-addr
// serves Go's runtime profiles (/debug/pprof/) on a second listener of its
// own, off by default, so they are never reachable through the API's port;
// without it the server does not sample allocations for a heap profile.
// AI providers: XENTREE_OPENAI_API_KEY, XENTREE_OPENAI_BASE_URL, XENTREE_OPENAI_MODEL,
// XENTREE_ANTHROPIC_API_KEY, XENTREE_ANTHROPIC_BASE_URL, XENTREE_ANTHROPIC_MODEL,
// XENTREE_DEFAULT_PROVIDER (local, openai or anthropic); with none set, the
// offline provider answers. Hybrid knowledge search (off by default):
// XENTREE_EMBEDDINGS_MODEL turns it on, with XENTREE_EMBEDDINGS_URL (an
// OpenAI-compatible API root, OpenAI's by default), XENTREE_EMBEDDINGS_API_KEY
// and XENTREE_EMBEDDINGS_DIMENSIONS. Google Calendar: XENTREE_GOOGLE_CLIENT_ID,
// XENTREE_GOOGLE_CLIENT_SECRET, XENTREE_GOOGLE_REDIRECT_URL; without them its
// routes answer 503 integration_not_configured.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/httpapi"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "xentree:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  xentree serve [--addr 127.0.0.1:8080] [--data ./xentree-data] [--rate-limit on|off] [--trust-proxy on|off] [--cors-origins ORIGIN,...] [--access-log on|off] [--metrics on|off]
  xentree user create --email EMAIL --password PASSWORD [--admin] [--data DIR]
  xentree user set-plan --email EMAIL --plan PLAN [--data DIR]
  xentree user set-role --email EMAIL --role user|admin [--data DIR]
  xentree user disable|enable --email EMAIL [--data DIR]
  xentree backup --out FILE [--data DIR]
  xentree restore FILE [--data DIR]
  xentree reindex [--data DIR]
  xentree migrate status|up [--data DIR]
  xentree migrate-store --from DIR --to postgres://user:password@host:5432/db
  xentree export --user EMAIL|ID --out FILE|- [--data DIR]
  xentree delete --user EMAIL|ID --yes [--data DIR]
  xentree openapi [--metrics on|off]
  xentree version`

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "user":
		return userCmd(ctx, args[1:], stdout, stderr)
	case "backup", "restore", "reindex", "migrate", "export", "delete":
		return opsCmd(ctx, args[0], args[1:], stdout, stderr)
	case "migrate-store":
		return migrateStoreCmd(ctx, args[1:], stdout, stderr)
	case "openapi":
		return openapiCmd(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "xentree", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" {
		return "(devel)"
	}
	return bi.Main.Version
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// checkLogLevel refuses an XENTREE_LOG_LEVEL slog does not know, which
// newLogger would quietly read as info.
func checkLogLevel() error {
	var l slog.Level
	if v := os.Getenv("XENTREE_LOG_LEVEL"); v != "" && l.UnmarshalText([]byte(v)) != nil {
		return fmt.Errorf("XENTREE_LOG_LEVEL=%q: want debug, info, warn or error", v)
	}
	return nil
}

func newLogger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(env("XENTREE_LOG_LEVEL", "info")))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

func parseOnOff(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("--%s must be on or off, not %q", name, v)
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", env("XENTREE_ADDR", "127.0.0.1:8080"), "listen address (XENTREE_ADDR)")
	data := fs.String("data", env("XENTREE_DATA", "./xentree-data"), "data folder (XENTREE_DATA)")
	database := databaseFlag(fs)
	rateLimit := fs.String("rate-limit", env("XENTREE_RATE_LIMIT", "on"), "rate limits on login, register, refresh and chat: on or off (XENTREE_RATE_LIMIT)")
	trustProxyFlag := fs.String("trust-proxy", env("XENTREE_TRUST_PROXY", "off"), "client address from the last X-Forwarded-For entry, behind a reverse proxy that appends one: on or off (XENTREE_TRUST_PROXY)")
	corsOrigins := fs.String("cors-origins", env("XENTREE_CORS_ORIGINS", ""), "browser origins allowed to call the API, comma-separated (https://app.example.com), or *; none by default (XENTREE_CORS_ORIGINS)")
	accessLogFlag := fs.String("access-log", env("XENTREE_ACCESS_LOG", "off"), "log every request: on or off (XENTREE_ACCESS_LOG)")
	metricsFlag := fs.String("metrics", env("XENTREE_METRICS", "off"), "serve Prometheus metrics at /metrics: on or off (XENTREE_METRICS)")
	pprofAddr := fs.String("pprof-addr", env("XENTREE_PPROF_ADDR", ""), "serve Go's profiles at /debug/pprof/ on this separate address, e.g. 127.0.0.1:6060; off when empty (XENTREE_PPROF_ADDR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, only flags: %q", fs.Args())
	}
	if *addr == "" {
		return errors.New("--addr must not be empty (the default is 127.0.0.1:8080)")
	}
	if err := checkLogLevel(); err != nil {
		return err
	}
	limits, err := parseOnOff("rate-limit", *rateLimit)
	if err != nil {
		return err
	}
	accessLog, err := parseOnOff("access-log", *accessLogFlag)
	if err != nil {
		return err
	}
	metricsOn, err := parseOnOff("metrics", *metricsFlag)
	if err != nil {
		return err
	}
	trustProxy, err := parseOnOff("trust-proxy", *trustProxyFlag)
	if err != nil {
		return err
	}
	cors := httpapi.CORSConfig{AllowedOrigins: splitList(*corsOrigins)}
	if err := cors.Validate(); err != nil {
		return fmt.Errorf("--cors-origins: %w", err)
	}
	if *pprofAddr == "" {
		// Nobody can read a heap profile, so stop sampling allocations for
		// it. Each sample keeps a record of its stack and size for the life
		// of the process; in a server that runs for weeks those records
		// were a slow, steady growth of memory (docs/reliability.md).
		runtime.MemProfileRate = 0
	}
	log := newLogger(stderr)
	off := xentree.RateLimit{Off: !limits}
	aiCfg, err := aiFromEnv()
	if err != nil {
		return err
	}
	liveCfg, err := liveFromEnv()
	if err != nil {
		return err
	}
	// Both addresses are taken before the data folder is touched: a busy
	// or mistyped one fails at once, before a database is created or
	// migrated, and before "listening" is printed.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close() // Serve closes it too; a second Close is harmless
	var psrv *http.Server
	var pln net.Listener
	if *pprofAddr != "" {
		if psrv, pln, err = listenPprof(*pprofAddr); err != nil {
			return fmt.Errorf("--pprof-addr: %w", err)
		}
		defer psrv.Close()
		defer pln.Close()
	}
	eng, err := xentree.Open(ctx, xentree.Config{Dir: *data, Database: *database, Logger: log, AI: aiCfg, Google: googleFromEnv(), Live: liveCfg,
		LoginRateLimit: off, RegisterRateLimit: off, RefreshRateLimit: off, ChatRateLimit: off})
	if err != nil {
		return err
	}
	// Requests get a context the stop can end (a streaming chat then
	// stores what it has), and are counted, so the engine closes only
	// after the last one returned.
	reqCtx, endRequests := context.WithCancel(context.Background())
	defer endRequests()
	var inflight requests
	api := httpapi.New(eng, httpapi.Config{Logger: log, AccessLog: accessLog, Metrics: metricsOn, CORS: cors, TrustProxyHeaders: trustProxy})
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inflight.start()
			defer inflight.done()
			api.ServeHTTP(w, r)
		}),
		BaseContext:       func(net.Listener) context.Context { return reqCtx },
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "xentree listening on http://%s (data %s)\n", ln.Addr(), *data)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if psrv != nil {
		fmt.Fprintf(stdout, "pprof on http://%s/debug/pprof/\n", pln.Addr())
		go func() { errc <- psrv.Serve(pln) }()
	}
	select {
	case err := <-errc:
		_ = srv.Close()
		eng.Close()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	if err := stopServing(srv, endRequests, &inflight, shutdownGrace, shutdownCutoff); err != nil {
		log.Warn("shutdown", "err", err)
	}
	if cerr := eng.Close(); cerr != nil {
		return cerr
	}
	fmt.Fprintln(stdout, "xentree stopped")
	return nil
}

// A stop lets in-flight requests finish for shutdownGrace, then ends the
// contexts of those still running (streams: a chat stores its partial
// answer, marked incomplete) and waits up to shutdownCutoff for them to
// return. 30 s in all: a supervisor's usual patience before SIGKILL.
const (
	shutdownGrace  = 25 * time.Second
	shutdownCutoff = 5 * time.Second
)

// stopServing stops srv: no new connections, in-flight requests finish
// within grace; then endRequests cancels the rest, and stopServing waits
// at most cutoff for their handlers (inflight) to return. An error says
// what had to be cut short.
func stopServing(srv *http.Server, endRequests context.CancelFunc, inflight *requests, grace, cutoff time.Duration) error {
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err == nil {
		return nil
	}
	endRequests()
	_ = srv.Close()
	t := time.NewTimer(cutoff)
	defer t.Stop()
	select {
	case <-inflight.idle():
		return fmt.Errorf("requests still running after %s were cancelled: %w", grace, err)
	case <-t.C:
		return fmt.Errorf("requests still running %s after being cancelled; closing the store under them", cutoff)
	}
}

// listenPprof binds the profiling listener. It is a server apart from the
// API's so that profiles, which reveal the program's internals and cost CPU
// to take, are reachable only where an operator chose to expose them.
func listenPprof(addr string) (*http.Server, net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// No write timeout: a CPU profile or trace streams for as long as asked.
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, ln, nil
}

// databaseFlag adds --database-url to a command that opens the store.
func databaseFlag(fs *flag.FlagSet) *string {
	return fs.String("database-url", env("XENTREE_DATABASE_URL", ""),
		"PostgreSQL URL, postgres://user:password@host:5432/db: the store runs there instead of in --data's SQLite file (XENTREE_DATABASE_URL)")
}

// splitList splits a comma-separated flag value, dropping blanks, so that
// "a, b," means a and b.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// googleFromEnv reads the Google Calendar OAuth client. The secret is passed
// on, never logged.
func googleFromEnv() xentree.GoogleConfig {
	return xentree.GoogleConfig{
		ClientID:     os.Getenv("XENTREE_GOOGLE_CLIENT_ID"),
		ClientSecret: os.Getenv("XENTREE_GOOGLE_CLIENT_SECRET"),
		RedirectURL:  os.Getenv("XENTREE_GOOGLE_REDIRECT_URL"),
	}
}

// aiFromEnv reads the AI provider and embeddings settings. Keys are passed
// on, never logged.
func aiFromEnv() (xentree.AIConfig, error) {
	emb := xentree.EmbeddingsConfig{Model: os.Getenv("XENTREE_EMBEDDINGS_MODEL"),
		BaseURL: os.Getenv("XENTREE_EMBEDDINGS_URL"), APIKey: os.Getenv("XENTREE_EMBEDDINGS_API_KEY")}
	if v := os.Getenv("XENTREE_EMBEDDINGS_DIMENSIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return xentree.AIConfig{}, fmt.Errorf("XENTREE_EMBEDDINGS_DIMENSIONS=%q: want a whole number, 0 for the model's own", v)
		}
		emb.Dimensions = n
	}
	return xentree.AIConfig{
		Embeddings: emb,
		Default:    os.Getenv("XENTREE_DEFAULT_PROVIDER"),
		OpenAI: xentree.OpenAIConfig{
			APIKey:  os.Getenv("XENTREE_OPENAI_API_KEY"),
			BaseURL: os.Getenv("XENTREE_OPENAI_BASE_URL"),
			Model:   os.Getenv("XENTREE_OPENAI_MODEL"),
		},
		Anthropic: xentree.AnthropicConfig{
			APIKey:  os.Getenv("XENTREE_ANTHROPIC_API_KEY"),
			BaseURL: os.Getenv("XENTREE_ANTHROPIC_BASE_URL"),
			Model:   os.Getenv("XENTREE_ANTHROPIC_MODEL"),
		},
	}, nil
}

func userCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "usage: xentree user create --email EMAIL --password PASSWORD [--admin] [--data DIR]\n" +
		"       xentree user set-plan --email EMAIL --plan PLAN [--data DIR]\n" +
		"       xentree user set-role --email EMAIL --role user|admin [--data DIR]\n" +
		"       xentree user disable|enable --email EMAIL [--data DIR]"
	if len(args) > 0 && slices.Contains([]string{"-h", "-help", "--help", "help"}, args[0]) {
		fmt.Fprintln(stdout, usage)
		return nil
	}
	if len(args) == 0 || !slices.Contains([]string{"create", "set-plan", "set-role", "disable", "enable"}, args[0]) {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", env("XENTREE_DATA", "./xentree-data"), "data folder (XENTREE_DATA)")
	email := fs.String("email", "", "email of the account")
	pw := fs.String("password", "", "password of the new account (create)")
	admin := fs.Bool("admin", false, "make the account an instance administrator (create)")
	plan := fs.String("plan", "", "the plan to put the account on (set-plan)")
	role := fs.String("role", "", "user or admin (set-role)")
	database := databaseFlag(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	takes := map[string][]string{"create": {"email", "password", "admin"}, "set-plan": {"email", "plan"},
		"set-role": {"email", "role"}, "disable": {"email"}, "enable": {"email"}}
	if err := onlyFlags(fs, "user "+args[0], takes[args[0]]...); err != nil {
		return err
	}
	if args[0] != "create" { // create may be the first use of a new folder
		if err := haveDatabase(*data, *database); err != nil {
			return err
		}
	}
	// Without the index: a running server holds it, and accounts are not indexed.
	cfg, err := operatorConfig(*data, *database, stderr, false)
	if err != nil {
		return err
	}
	eng, err := xentree.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer eng.Close()
	if args[0] != "create" {
		p, err := eng.FindUserByEmail(ctx, *email)
		if err != nil {
			return noAccount(err, *email)
		}
		var done string
		switch args[0] {
		case "set-plan":
			err, done = eng.SetUserPlan(ctx, p.ID, *plan), "is now on plan "+*plan
		case "set-role":
			err, done = eng.SetUserRole(ctx, p.ID, *role), "now has the role "+*role
		default:
			err, done = eng.SetUserDisabled(ctx, p.ID, args[0] == "disable"), "is now "+args[0]+"d"
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s (%s) %s\n", p.ID, p.Email, done)
		return nil
	}
	p, err := eng.Register(ctx, auth.RegisterRequest{Email: *email, Password: *pw})
	if err != nil {
		return err
	}
	r := auth.RoleUser
	if *admin {
		r = auth.RoleAdmin
		if err := eng.SetUserRole(ctx, p.ID, r); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "created user %s (%s, role %s)\n", p.ID, p.Email, r)
	return nil
}

// requests counts the handlers running. (A WaitGroup would do, but for
// its rule against an Add concurrent with Wait: a connection accepted just
// before the stop may start its handler while the stop waits.)
type requests struct {
	mu   sync.Mutex
	n    int
	zero chan struct{} // closed when n reaches 0, if someone waits
}

func (r *requests) start() {
	r.mu.Lock()
	r.n++
	r.mu.Unlock()
}

func (r *requests) done() {
	r.mu.Lock()
	if r.n--; r.n == 0 && r.zero != nil {
		close(r.zero)
		r.zero = nil
	}
	r.mu.Unlock()
}

// idle is closed once no handler runs.
func (r *requests) idle() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	if r.zero == nil {
		r.zero = make(chan struct{})
	}
	return r.zero
}

// liveFromEnv is the Live configuration the environment sets: the silence
// timeout. Every command reads it, not serve alone: an engine that any
// command opens runs the Live reaper, which must end sessions by the same
// rule as the server beside it.
func liveFromEnv() (xentree.LiveConfig, error) {
	var c xentree.LiveConfig
	if v := os.Getenv("XENTREE_LIVE_SILENCE_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return c, fmt.Errorf("XENTREE_LIVE_SILENCE_TIMEOUT=%q: want a duration of at least 1s, e.g. 90s", v)
		}
		c.SilenceTimeout = d
	}
	return c, nil
}

// onlyFlags refuses flags set on the command line that cmd does not use
// (the commands share flag sets): "backup --user x" or "user set-plan
// --admin" did nothing and said so nowhere. data and database-url are
// every command's; extra args must not follow the flags either.
func onlyFlags(fs *flag.FlagSet, cmd string, takes ...string) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if err == nil && f.Name != "data" && f.Name != "database-url" && !slices.Contains(takes, f.Name) {
			err = fmt.Errorf("%s does not take --%s", cmd, f.Name)
		}
	})
	return err
}

// haveDatabase refuses a SQLite data folder that holds no database, so a
// mistyped --data is said to be one instead of becoming a new, empty
// deployment with keys of its own.
func haveDatabase(data, database string) error {
	if database != "" {
		return nil
	}
	if _, err := os.Stat(filepath.Join(data, "xentree.db")); err != nil {
		return fmt.Errorf("no Xentree database in %s (is --data right?)", data)
	}
	return nil
}

// noAccount names the account a lookup did not find.
func noAccount(err error, who string) error {
	if err != nil && xentree.KindOf(err) == xentree.KindNotFound {
		return &xentree.Error{Kind: xentree.KindNotFound, Message: fmt.Sprintf("no account with email or id %q", who)}
	}
	return err
}

// operatorConfig is the engine configuration of a command beside (or
// instead of) a server: its store, and the environment's Live rule.
func operatorConfig(data, database string, stderr io.Writer, index bool) (xentree.Config, error) {
	live, err := liveFromEnv()
	return xentree.Config{Dir: data, Database: database, Logger: newLogger(stderr), DisableIndex: !index, Live: live}, err
}
