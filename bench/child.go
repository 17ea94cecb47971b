package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
)

// childCmd is the hidden subcommand that turns this binary into one of the
// two servers. The rest of the child's settings travel in the environment,
// because PocketBase parses the process's flags itself (--dir, --dev, ...).
const childCmd = "__bench-server"

const (
	kindXentree = "xentree"
	kindPeer    = "pocketbase"

	envDir      = "BENCH_DIR"
	envDatabase = "BENCH_DATABASE" // Xentree on PostgreSQL: its schema's URL
	envRows     = "BENCH_ROWS"
	envIDs      = "BENCH_IDS"
	envPeerLogs = "BENCH_PEER_LOGS"

	// The bench user, the same on both servers.
	benchEmail    = "bench@example.com"
	benchUsername = "bench"
	benchPassword = "correct horse battery staple"

	// adminEmail is Xentree's admin, whose token reads the index status.
	adminEmail = "bench-admin@example.com"
)

// childMain seeds Xentree's data folder and exits, or seeds and runs the
// peer until SIGTERM, printing its URL as the first line of stdout once
// seeding is done and the port is bound.
func childMain(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "bench child: want one argument, the server kind")
		return 2
	}
	rows, _ := strconv.Atoi(os.Getenv(envRows))
	c := childConfig{dir: os.Getenv(envDir), database: os.Getenv(envDatabase), rows: rows,
		idsPath: os.Getenv(envIDs), peerLogs: os.Getenv(envPeerLogs) == "1"}
	var err error
	switch args[0] {
	case kindXentree:
		err = seedXentreeDir(ctx, c)
	case kindPeer:
		err = servePeer(ctx, c)
	default:
		err = fmt.Errorf("unknown server kind %q", args[0])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench %s server: %v\n", args[0], err)
		return 1
	}
	return 0
}

type childConfig struct {
	dir      string
	database string // Xentree's PostgreSQL URL; "" for SQLite in dir
	rows     int
	idsPath  string
	peerLogs bool
}

// ready hands the seeded ids to the parent, returns the seeding garbage to
// the OS so that the RSS measured under load is the server's own, and
// announces the URL.
func (c childConfig) ready(ln net.Listener, ids []string) error {
	if err := writeIDs(c.idsPath, ids); err != nil {
		return err
	}
	debug.FreeOSMemory()
	_, err := fmt.Printf("http://%s\n", ln.Addr())
	return err
}

// seedXentreeDir prepares Xentree's data folder (or, with c.database, the
// PostgreSQL schema it names) and returns: the bench user with its
// conversations, and an admin whose token lets the parent read the index
// status. Production password parameters (the zero value takes OWASP's
// minimum), as `xentree serve` then uses.
func seedXentreeDir(ctx context.Context, c childConfig) error {
	eng, err := xentree.Open(ctx, xentree.Config{
		Dir:      c.dir,
		Database: c.database,
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}
	ids, err := seedXentree(ctx, eng, c.rows)
	if err == nil {
		err = addAdmin(ctx, eng)
	}
	if err == nil {
		err = eng.WaitIndexed(ctx)
	}
	if err == nil {
		err = writeIDs(c.idsPath, ids)
	}
	return errors.Join(err, eng.Close())
}

func addAdmin(ctx context.Context, eng *xentree.Engine) error {
	p, err := eng.Register(ctx, auth.RegisterRequest{Email: adminEmail, Username: "benchadmin", Password: benchPassword})
	if err != nil {
		return err
	}
	return eng.SetUserRole(ctx, p.ID, "admin")
}

// seedXentree creates the bench user and its conversations through the
// Engine, as the API would, from several goroutines so that the store's
// group commit batches them.
func seedXentree(ctx context.Context, eng *xentree.Engine, rows int) ([]string, error) {
	if _, err := eng.Register(ctx, auth.RegisterRequest{Email: benchEmail, Username: benchUsername, Password: benchPassword}); err != nil {
		return nil, err
	}
	tok, err := eng.Login(ctx, auth.LoginRequest{Username: benchEmail, Password: benchPassword})
	if err != nil {
		return nil, err
	}
	user, err := eng.Authenticate(ctx, tok.AccessToken)
	if err != nil {
		return nil, err
	}
	const workers = 8
	ids := make([]string, rows)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < rows && ctx.Err() == nil; i += workers {
				c, err := eng.CreateConversation(ctx, user, conversation.CreateRequest{Title: seedTitle(i), Source: "bench"})
				if err != nil {
					errs[w] = err
					return
				}
				ids[i] = c.ID
			}
		})
	}
	wg.Wait()
	return ids, errors.Join(append(errs, ctx.Err())...)
}

func seedTitle(i int) string { return "Seeded conversation " + strconv.Itoa(i) }

func servePeer(ctx context.Context, c childConfig) error {
	// DefaultDev false explicitly: pocketbase.New turns dev mode (every SQL
	// statement logged) on under `go run`.
	app := pocketbase.NewWithConfig(pocketbase.Config{DefaultDataDir: c.dir, DefaultDev: false, HideStartBanner: true})
	if err := app.Bootstrap(); err != nil {
		return err
	}
	// apis.Serve migrates too, but the users collection must exist to seed.
	if err := app.RunAllMigrations(); err != nil {
		return err
	}
	if !c.peerLogs {
		// Xentree's access log is off; MaxDays 0 is PocketBase's documented
		// way to turn its request log off, its fastest mode.
		app.Settings().Logs.MaxDays = 0
		if err := app.Save(app.Settings()); err != nil {
			return err
		}
	}
	userID, err := setupPeer(app)
	if err != nil {
		return err
	}
	ids, err := seedPeer(app, userID, c.rows)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var readyErr error
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		e.Listener = ln
		e.InstallerFunc = nil // no superuser setup page: the bench needs no admin UI
		if readyErr = c.ready(ln, ids); readyErr != nil {
			return readyErr
		}
		return e.Next()
	})
	go func() {
		<-ctx.Done()
		_ = app.OnTerminate().Trigger(&core.TerminateEvent{App: app}, func(e *core.TerminateEvent) error {
			return e.App.ResetBootstrapState()
		})
	}()
	err = apis.Serve(app, apis.ServeConfig{HttpAddr: ln.Addr().String(), ShowStartBanner: false})
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// setupPeer creates the conversations collection and the bench user, and
// returns the user's id.
func setupPeer(app core.App) (string, error) {
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return "", err
	}
	u := core.NewRecord(users)
	u.SetEmail(benchEmail)
	u.SetPassword(benchPassword)
	u.SetVerified(true)
	if err := app.Save(u); err != nil {
		return "", fmt.Errorf("bench user: %w", err)
	}
	own := "user = @request.auth.id"
	col := core.NewBaseCollection("conversations")
	col.ListRule = types.Pointer(own)
	col.ViewRule = types.Pointer(own)
	col.CreateRule = types.Pointer(`@request.auth.id != "" && @request.body.user = @request.auth.id`)
	col.UpdateRule = types.Pointer(own + ` && (@request.body.user:isset = false || @request.body.user = @request.auth.id)`)
	col.DeleteRule = types.Pointer(own)
	col.Fields.Add(
		&core.TextField{Name: "title"},
		&core.TextField{Name: "source"},
		&core.RelationField{Name: "user", CollectionId: users.Id, Required: true, MaxSelect: 1, CascadeDelete: true},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	// The list filters by user and sorts by created: one index serves both.
	col.AddIndex("idx_conversations_user_created", false, "`user`, `created`", "")
	if err := app.Save(col); err != nil {
		return "", fmt.Errorf("conversations collection: %w", err)
	}
	return u.Id, nil
}

// seedPeer inserts the rows with raw SQL in one transaction. app.Save per
// record would validate, run hooks and commit each row on its own, which
// takes minutes for 100k rows; the resulting rows are the same.
func seedPeer(app core.App, userID string, rows int) ([]string, error) {
	ids := make([]string, rows)
	base := time.Now().Add(-time.Duration(rows) * time.Millisecond).UTC()
	err := app.RunInTransaction(func(tx core.App) error {
		q := tx.DB().NewQuery("INSERT INTO {{conversations}} ([[id]], [[title]], [[source]], [[user]], [[created]], [[updated]]) " +
			"VALUES ({:id}, {:title}, {:source}, {:user}, {:created}, {:updated})").Prepare()
		defer q.Close()
		for i := range rows {
			ids[i] = core.GenerateDefaultRandomId()
			at := base.Add(time.Duration(i) * time.Millisecond).Format(types.DefaultDateLayout)
			_, err := q.Bind(dbx.Params{"id": ids[i], "title": seedTitle(i), "source": "bench", "user": userID, "created": at, "updated": at}).Execute()
			if err != nil {
				return err
			}
		}
		return nil
	})
	return ids, err
}

// maxIDs bounds the ids handed to the parent: the view scenario picks among
// them at random, and 10k spread over the table is as good as all of them.
const maxIDs = 10000

func writeIDs(path string, ids []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	step := max(1, len(ids)/maxIDs)
	for i := 0; i < len(ids); i += step {
		fmt.Fprintln(w, ids[i])
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
