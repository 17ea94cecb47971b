package xentree

import (
	"context"
	"crypto/rand"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	_ "time/tzdata" // time zones work on machines without a zoneinfo database

	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/internal/dirlock"
	"github.com/xentree/xentree/internal/indexer"
	"github.com/xentree/xentree/internal/password"
	"github.com/xentree/xentree/internal/seal"
	"github.com/xentree/xentree/internal/token"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/store/index"
	"github.com/xentree/xentree/store/postgres"
	"github.com/xentree/xentree/store/sqlite"
	"github.com/xentree/xentree/xel"
)

// Engine is a running Xentree: the store, the search index and every domain
// operation. It is safe for concurrent use. Open one per data folder.
type Engine struct {
	cfg     Config
	log     *slog.Logger
	db      *store.DB
	ix      searchIndex      // nil with Config.DisableIndex
	indexer *indexer.Indexer // nil with Config.DisableIndex
	signer  *token.Signer
	sealer  *seal.Sealer
	xel     *xel.Curriculum
	tenants tenantKeyCache
	// cacheTTL bounds how long the session, API key and tenant key caches
	// trust what they read (Config.SessionCacheTTL); listening is whether
	// this node hears other nodes' cache notices (caches.go).
	cacheTTL  time.Duration
	listening atomic.Bool
	pstats    providerStats
	hashSem   chan struct{}
	dummy     string // a hash to verify against when the account does not exist

	ai        *ai.Router
	embedder  ai.Embedder      // nil unless Config.AI.Embeddings sets a model
	vectors   *indexer.Vectors // chunk vectors; nil without an embedder or an index
	searchSem chan struct{}
	// extractSem bounds concurrent document text extraction.
	extractSem chan struct{}
	reindex    reindexState

	loginByAccount limiter
	loginByIP      limiter
	registerByIP   limiter
	refreshByIP    limiter
	chatByUser     limiter
	sessions       sessionCache
	keys           keyCache

	stop      chan struct{}
	stopCtx   context.Context // ended with stop, for background jobs
	endJobs   context.CancelFunc
	bg        sync.WaitGroup
	dirLock   *dirlock.Lock // the data folder's shared lock; nil on PostgreSQL
	closeOnce sync.Once
	closeErr  error
}

// vectorRetry is how long the vectors goroutine waits after a failed
// embeddings call before it tries again.
const vectorRetry = 30 * time.Second

// File names inside Config.Dir.
const (
	dbFile         = "xentree.db"
	indexDir       = "index.bleve"
	signingKeyFile = "signing.key"
	// encryptionKeyFile seals secrets at rest; losing it makes stored OAuth
	// grants and integration signing keys unreadable (users reconnect).
	encryptionKeyFile = "encryption.key"
)

// Open opens (creating if needed) the data folder and returns a ready Engine:
// migrations applied, changes left unindexed by a crash applied to the
// search index, background work started. A new index beside existing data
// (deleted, or after a restore) or one built by an older version is rebuilt
// in the background, and searches answer from the partial or old one until
// it is done (AwaitReindex, WaitIndexed). Close it when done.
//
// With the SQLite store, the Engine holds a shared lock on Dir until Close
// (internal/dirlock): other processes may use the folder beside it (a
// backup, an export), but a restore or migrate-store is refused while it
// is open, and Open is refused while one of those runs.
func Open(ctx context.Context, cfg Config) (*Engine, error) { return open(ctx, cfg, nil) }

// open is Open; held, if not nil, is the folder's lock its caller holds
// already (Restore's exclusive one), which the Engine then neither takes
// nor releases.
func open(ctx context.Context, cfg Config, held *dirlock.Lock) (_ *Engine, err error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, xerr.Internalf(err, "xentree: create data folder")
	}
	var lock *dirlock.Lock
	if cfg.Database == "" && held == nil {
		if lock, err = sharedLock(cfg.Dir); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				lock.Release()
			}
		}()
	}
	curriculum, err := cfg.XEL.curriculum()
	if err != nil {
		return nil, err
	}
	now := cfg.Clock.Now
	db, pg, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	key, sealKey, err := instanceKeys(ctx, cfg, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	sealer, err := seal.New(sealKey[:seal.KeySize])
	if err != nil {
		db.Close()
		return nil, xerr.Wrap(xerr.Invalid, err, "xentree: Config.EncryptionKey")
	}
	e := &Engine{
		cfg:     cfg,
		log:     cfg.Logger,
		db:      db,
		signer:  token.NewSigner(key, now),
		sealer:  sealer,
		xel:     curriculum,
		hashSem: make(chan struct{}, cfg.MaxConcurrentHashes),
		dummy:   password.Hash("xentree-dummy-password", cfg.Password),
		stop:    make(chan struct{}),
		dirLock: lock,
	}
	e.stopCtx, e.endJobs = context.WithCancel(context.Background())
	e.cacheTTL = cfg.SessionCacheTTL
	e.sessions.init(e.cacheTTL)
	e.keys.init(e.cacheTTL)
	e.searchSem = make(chan struct{}, cfg.AI.MaxConcurrentSearches)
	e.extractSem = make(chan struct{}, cfg.Knowledge.MaxConcurrentExtractions)
	if e.ai, err = newRouter(cfg.AI); err != nil {
		db.Close()
		return nil, err
	}
	e.cfg.AI.Default = e.ai.Default() // Config() reports what "auto" resolved to
	if e.embedder, err = newEmbedder(cfg.AI); err != nil {
		db.Close()
		return nil, err
	}
	e.loginByAccount = newLimiter(db, cfg.LoginRateLimit, "login-account", now, e.log)
	e.loginByIP = newLimiter(db, cfg.LoginRateLimit, "login-ip", now, e.log)
	e.registerByIP = newLimiter(db, cfg.RegisterRateLimit, "register-ip", now, e.log)
	e.refreshByIP = newLimiter(db, cfg.RefreshRateLimit, "refresh-ip", now, e.log)
	e.chatByUser = newLimiter(db, cfg.ChatRateLimit, "chat-user", now, e.log)
	if !cfg.DisableIndex {
		if e.ix, err = openIndex(ctx, cfg, pg); err != nil {
			db.Close()
			return nil, err
		}
		e.indexer = indexer.New(db, e.ix, e.log, now, cfg.IndexPollInterval, cfg.IndexBatchDelay)
		if e.embedder != nil {
			e.vectors = indexer.NewVectors(db, e.embedder, e.log, vectorRetry)
			e.indexer.OnIndexed(func(typ string, ids []string) {
				if typ == knowledge.TypeChunk {
					e.vectors.Queue(ids)
				}
			})
		}
		// A crash may have left committed changes unindexed: apply them first.
		if err := e.indexer.Drain(ctx); err != nil {
			e.ix.Close()
			db.Close()
			return nil, err
		}
		lost := false
		if e.ix.Created() {
			if lost, err = db.HasSearchable(ctx); err != nil {
				e.ix.Close()
				db.Close()
				return nil, err
			}
		}
		// Started last: a failed Open leaves no goroutine behind.
		db.SetOutboxHook(e.indexer.Notify)
		e.indexer.Start()
		if e.vectors != nil {
			e.vectors.Start()
		}
		if e.ix.Stale() || lost {
			// New (beside data that may exist), or built by an older
			// version with another mapping: it keeps answering while a
			// fresh one is built from SQLite.
			e.log.Info("search index new or built with an older mapping: rebuilding it from the database; searches answer from what is built until it is done")
			if err := e.startReindex(); err != nil {
				e.log.Error("start reindex", "err", err)
			}
		}
	}
	if db.Postgres() {
		// Both goroutines start here, so the engine's are all running when
		// Open returns (goleak-based tests snapshot them then).
		lctx, cancel := context.WithCancel(context.Background())
		e.bg.Add(2)
		go func() {
			defer e.bg.Done()
			<-e.stop
			cancel()
		}()
		go e.listenForNotices(lctx)
	}
	e.bg.Add(2)
	// Expired login sessions go hourly; silent Live sessions end a few
	// times per silence timeout.
	go e.every(time.Hour, "purge expired rows", e.PurgeExpired)
	go e.every(max(cfg.Live.SilenceTimeout/3, time.Second), "end silent live sessions", func(ctx context.Context) error {
		_, err := e.ReapLiveSessions(ctx)
		return err
	})
	return e, nil
}

// sharedLock takes dir's lock beside other users of the folder; a restore or
// migrate-store holding it alone is Unavailable.
func sharedLock(dir string) (*dirlock.Lock, error) {
	lock, err := dirlock.Shared(dir)
	if errors.Is(err, dirlock.ErrBusy) {
		return nil, xerr.Newf(xerr.Unavailable, "the data folder %s is being restored or copied by another xentree command", dir)
	}
	return lock, err
}

// openStore opens the SQLite file in Dir, or the PostgreSQL database that
// Config.Database names.
func openStore(ctx context.Context, cfg Config) (*store.DB, *postgres.Driver, error) {
	if cfg.Database == "" {
		db, err := sqlite.Open(ctx, filepath.Join(cfg.Dir, dbFile), sqlite.Options{Now: cfg.Clock.Now})
		return db, nil, err
	}
	d, err := postgres.Open(ctx, cfg.Database, postgres.Options{Now: cfg.Clock.Now})
	if err != nil {
		return nil, nil, err
	}
	return store.OpenDriver(d, store.Options{Now: cfg.Clock.Now}), d, nil
}

// searchIndex is the search index: Bleve in Dir beside a SQLite store, the
// search table of a PostgreSQL store (docs/scaling.md).
type searchIndex interface {
	indexer.Index
	Search(ctx context.Context, o index.SearchOptions) (index.Result, error)
	Count(ctx context.Context) (uint64, error)
	Created() bool
	Stale() bool
	Close() error
}

func openIndex(ctx context.Context, cfg Config, pg *postgres.Driver) (searchIndex, error) {
	if pg != nil {
		return pg.Index(ctx, cfg.Clock.Now)
	}
	return index.Open(filepath.Join(cfg.Dir, indexDir), 5*time.Second)
}

// Close stops background work, applies pending index changes (waiting at
// most 30 s; a timeout is its error) and closes the store and index. A
// background reindex is cancelled, not finished: the next Open starts it
// again. Close does not wait for method calls in flight: stop the callers
// first (http.Server.Shutdown, say). The Engine must not be used
// afterwards; closing twice is harmless and returns the first error.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() { e.closeErr = e.close() })
	return e.closeErr
}

func (e *Engine) close() error {
	close(e.stop)
	e.endJobs()
	e.bg.Wait()
	var errs []error
	if e.vectors != nil {
		e.vectors.Stop() // what it had not embedded, the next Open's full pass does
	}
	if e.indexer != nil {
		e.indexer.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		errs = append(errs, e.indexer.Drain(ctx))
		cancel()
		errs = append(errs, e.ix.Close())
	}
	errs = append(errs, e.db.Close())
	errs = append(errs, e.dirLock.Release()) // after the store: nothing of it is open
	return errors.Join(errs...)
}

// Config returns the effective configuration, defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

// WaitIndexed returns once every change committed before the call is
// searchable, and any running reindex has finished. With embeddings
// configured it also computes the vectors still missing, and returns the
// provider's error if that fails. Tests call it instead of sleeping.
func (e *Engine) WaitIndexed(ctx context.Context) error {
	if e.indexer == nil {
		return nil
	}
	if err := e.reindex.wait(ctx); err != nil {
		return err
	}
	if err := e.indexer.Drain(ctx); err != nil {
		return err
	}
	if e.vectors != nil {
		return e.vectors.Fill(ctx)
	}
	return nil
}

// Health returns nil when the store and the index answer. A PostgreSQL
// server gets a few seconds; one that does not answer is Unavailable with
// the code database_unavailable.
func (e *Engine) Health(ctx context.Context) error {
	if err := e.checkStore(ctx); err != nil {
		return err
	}
	// On PostgreSQL the index is a table of the database just checked
	// (and counting it would cost a scan per probe).
	if e.ix != nil && !e.db.Postgres() {
		if _, err := e.ix.Count(ctx); err != nil {
			return xerr.Wrap(xerr.Unavailable, err, "search index unavailable")
		}
	}
	return nil
}

// every runs job each interval until the engine closes; a failure is
// logged and retried at the next tick.
func (e *Engine) every(interval time.Duration, name string, job func(context.Context) error) {
	defer e.bg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
			// Close stops a running job instead of waiting up to its minute.
			ctx, cancel := context.WithTimeout(e.stopCtx, time.Minute)
			if err := job(ctx); err != nil && e.stopCtx.Err() == nil {
				e.log.Error(name+" failed", "err", err)
			}
			cancel()
		}
	}
}

// loadOrCreateKey reads a 32-byte key, creating it with mode 0600 if absent.
// O_EXCL makes two processes starting at once agree on one key.
// instanceKeys returns the signing and encryption keys: the Config's, or
// else generated once and kept in Dir (SQLite) or in the database, where
// every node of a PostgreSQL deployment finds the same.
func instanceKeys(ctx context.Context, cfg Config, db *store.DB) (signing, encryption []byte, err error) {
	get := func(given []byte, name, file string) ([]byte, error) {
		switch {
		case given != nil:
			return given, nil
		case db.Postgres():
			return db.InstanceKey(ctx, name, func() ([]byte, error) {
				key := make([]byte, 32)
				_, err := rand.Read(key)
				return key, err
			})
		default:
			return loadOrCreateKey(filepath.Join(cfg.Dir, file))
		}
	}
	if signing, err = get(cfg.SigningKey, "signing", signingKeyFile); err != nil {
		return nil, nil, err
	}
	encryption, err = get(cfg.EncryptionKey, "encryption", encryptionKeyFile)
	return signing, encryption, err
}

func loadOrCreateKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) < 32 {
			return nil, xerr.Newf(xerr.Invalid, "xentree: %s is shorter than 32 bytes", path)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, xerr.Internalf(err, "xentree: read key")
	}
	key = make([]byte, 32)
	_, _ = rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadOrCreateKey(path)
	}
	if err != nil {
		return nil, xerr.Internalf(err, "xentree: create key")
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, xerr.Internalf(err, "xentree: write key")
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, xerr.Internalf(err, "xentree: sync key")
	}
	if err := f.Close(); err != nil {
		return nil, xerr.Internalf(err, "xentree: close key")
	}
	return key, nil
}
