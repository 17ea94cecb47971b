package xentree

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/password"
	"github.com/xentree/xentree/live"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/store/index"
)

func benchOpen(b *testing.B, dir string) *Engine {
	b.Helper()
	e, err := Open(context.Background(), Config{Dir: dir, Password: password.Cheap, LoginRateLimit: RateLimit{Off: true}, ChatRateLimit: RateLimit{Off: true}, DisableIndex: os.Getenv("XB_NOINDEX") != ""})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

func benchUser(b testing.TB, e *Engine, email string) User {
	b.Helper()
	ctx := context.Background()
	if _, err := e.Register(ctx, auth.RegisterRequest{Email: email, Password: "correct horse battery"}); err != nil {
		b.Fatal(err)
	}
	tok, err := e.Login(ctx, auth.LoginRequest{Username: email, Password: "correct horse battery"})
	if err != nil {
		b.Fatal(err)
	}
	u, err := e.Authenticate(ctx, tok.AccessToken)
	if err != nil {
		b.Fatal(err)
	}
	return u
}

// BenchmarkCreateConversation reports the Engine's create rate next to the
// raw single-row insert rate measured in the same run (ratio = engine/raw).
// The two alternate in blocks, so a noisy neighbour on a shared machine
// slows both sides of the ratio instead of only one.
func BenchmarkCreateConversation(b *testing.B) {
	e := benchOpen(b, b.TempDir())
	defer e.Close()
	ctx := context.Background()
	u := benchUser(b, e, "ada@example.com")
	raw := newRawInserter(b, e.db)
	const block = 250
	var created int
	var createTime, rawTime time.Duration
	start := time.Now()
	for b.Loop() {
		if _, err := e.CreateConversation(ctx, u, conversation.CreateRequest{Title: "Benchmark conversation", Source: "bench"}); err != nil {
			b.Fatal(err)
		}
		if created++; created%block == 0 {
			createTime += time.Since(start)
			b.StopTimer()
			rawTime += raw.run(block)
			b.StartTimer()
			start = time.Now()
		}
	}
	createTime += time.Since(start)
	if created < block {
		rawTime += raw.run(block)
	}
	rate := float64(created) / createTime.Seconds()
	rawRate := float64(raw.n) / rawTime.Seconds()
	b.ReportMetric(rate, "creates/s")
	b.ReportMetric(rawRate, "raw-inserts/s")
	b.ReportMetric(rate/rawRate, "ratio")
}

// BenchmarkCreateConversationParallel is the same under concurrent callers
// (GOMAXPROCS×8 goroutines, as a server sees them), where grouped commits
// share one COMMIT; the raw rate is single-row autocommits on the same
// writer, which concurrency cannot speed up.
func BenchmarkCreateConversationParallel(b *testing.B) {
	e := benchOpen(b, b.TempDir())
	defer e.Close()
	ctx := context.Background()
	u := benchUser(b, e, "ada@example.com")
	raw := rawInsertRate(b, e.db)
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.CreateConversation(ctx, u, conversation.CreateRequest{Title: "Benchmark conversation", Source: "bench"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	rate := float64(b.N) / time.Since(start).Seconds()
	b.ReportMetric(rate, "creates/s")
	b.ReportMetric(raw, "raw-inserts/s")
	b.ReportMetric(rate/raw, "ratio")
}

// rawInserter runs single-row INSERT commits on the store's writer: the
// cheapest durable write the store can do, which the create rate is held to.
type rawInserter struct {
	b  *testing.B
	db *store.DB
	n  int
}

func newRawInserter(b *testing.B, db *store.DB) *rawInserter {
	ctx := context.Background()
	if err := db.Write(ctx, func(tx *store.Tx) error {
		return tx.ExecRaw(ctx, `CREATE TABLE IF NOT EXISTS bench_raw (id TEXT PRIMARY KEY, v TEXT)`)
	}); err != nil {
		b.Fatal(err)
	}
	return &rawInserter{b: b, db: db}
}

// run inserts n rows and returns the time they took.
func (r *rawInserter) run(n int) time.Duration {
	ctx := context.Background()
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := r.db.ExecRaw(ctx, `INSERT INTO bench_raw (id, v) VALUES (?, ?)`, ids.New(), "value"); err != nil {
			r.b.Fatal(err)
		}
	}
	r.n += n
	return time.Since(start)
}

// rawInsertRate measures 3000 raw inserts.
func rawInsertRate(b *testing.B, db *store.DB) float64 {
	const n = 3000
	return n / newRawInserter(b, db).run(n).Seconds()
}

func BenchmarkChatLocal(b *testing.B) {
	e := benchOpen(b, b.TempDir())
	defer e.Close()
	ctx := context.Background()
	u := benchUser(b, e, "ada@example.com")
	c, _ := e.CreateConversation(ctx, u, conversation.CreateRequest{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Chat(ctx, u, conversation.ChatRequest{Message: "How do glaciers carve valleys over time?", ConversationID: c.ID}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListMessagesPage(b *testing.B) {
	e := benchOpen(b, b.TempDir())
	defer e.Close()
	ctx := context.Background()
	u := benchUser(b, e, "ada@example.com")
	c, _ := e.CreateConversation(ctx, u, conversation.CreateRequest{})
	for i := 0; i < 200; i++ {
		if _, err := e.Chat(ctx, u, conversation.ChatRequest{Message: "message " + strconv.Itoa(i), ConversationID: c.ID}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l, err := e.ListMessages(ctx, u, c.ID, Page{Limit: 50})
			if err != nil || len(l.Items) != 50 {
				b.Fatal(err)
			}
		}
	})
}

var benchWords = []string{"glacier", "valley", "photosynthesis", "chlorophyll", "volcano", "magma", "river", "delta",
	"grammar", "tense", "vocabulary", "algebra", "equation", "history", "empire", "revolution", "energy", "atom",
	"molecule", "cell", "protein", "enzyme", "climate", "ocean", "current", "planet", "orbit", "gravity", "poem", "novel"}

// searchCorpus builds (once per size and run, in a temp dir, never
// committed) a store and index with n messages spread over 1,000 users, and
// returns an engine on it and one user who owns n/1000 of them.
var corpusCache sync.Map // size -> *corpus

type corpus struct {
	e   *Engine
	u   User
	dir string
}

// TestMain removes the corpora the benchmarks built: they serve the whole
// run, so no single benchmark can remove its own (a 1M corpus is 1.5 GB).
func TestMain(m *testing.M) {
	code := m.Run()
	corpusCache.Range(func(_, v any) bool {
		c := v.(*corpus)
		c.e.Close()
		os.RemoveAll(c.dir)
		return true
	})
	os.Exit(code)
}

func searchCorpus(b *testing.B, n int) (*Engine, User) {
	if v, ok := corpusCache.Load(n); ok {
		c := v.(*corpus)
		return c.e, c.u
	}
	dir, err := os.MkdirTemp("", "xentree-bench-corpus")
	if err != nil {
		b.Fatal(err)
	}
	e := benchOpen(b, filepath.Join(dir, "data"))
	ctx := context.Background()
	users := make([]User, 1000)
	for i := range users {
		users[i] = User{ID: ids.New()}
		id := users[i].ID
		err := e.db.Write(ctx, func(tx *store.Tx) error {
			return tx.UserInsert(ctx, &store.UserRow{Profile: auth.Profile{ID: id, Email: fmt.Sprintf("u%d@example.com", i), Role: "user", Plan: "free", Timezone: "UTC", PreferredLanguage: "en"}})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const batch = 5000
	t0 := time.Now()
	for done := 0; done < n; done += batch {
		var ops []index.Op
		err := e.db.Write(ctx, func(tx *store.Tx) error {
			for i := 0; i < batch && done+i < n; i++ {
				u := users[(done+i)%len(users)]
				cid := ids.New()
				c := conversation.Conversation{ID: cid, Title: "t"}
				if err := tx.ConversationInsert(ctx, u.ID, &c); err != nil {
					return err
				}
				text := ""
				for w := 0; w < 12; w++ {
					text += benchWords[rng.IntN(len(benchWords))] + " "
				}
				m := conversation.Message{ID: ids.New(), ConversationID: cid, Role: "user", Content: text}
				if err := tx.MessageInsert(ctx, u.ID, &m, nil); err != nil {
					return err
				}
				ops = append(ops, index.Op{Doc: &index.Doc{ID: m.ID, Type: "message", OwnerID: u.ID, ParentID: cid, Body: text, CreatedAt: tx.Now}})
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := e.ix.Apply(context.Background(), ops); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("corpus of %d messages built in %v", n, time.Since(t0).Round(time.Second))
	corpusCache.Store(n, &corpus{e: e, u: users[0], dir: dir})
	return e, users[0]
}

// BenchmarkSearch measures a user-scoped search with highlighting, the way
// GET /api/core/search runs it (including the SQLite check of each hit), at
// 100k messages, or 1M with XENTREE_BENCH_1M=1 (the corpus takes minutes).
func BenchmarkSearch(b *testing.B) {
	sizes := []int{100_000}
	if os.Getenv("XENTREE_BENCH_1M") != "" {
		sizes = append(sizes, 1_000_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("messages=%d", n), func(b *testing.B) {
			e, u := searchCorpus(b, n)
			ctx := context.Background()
			var lat []time.Duration
			i := 0
			for b.Loop() {
				q := benchWords[i%len(benchWords)] + " " + benchWords[(i*7+3)%len(benchWords)]
				i++
				t := time.Now()
				res, err := e.Search(ctx, u, conversation.SearchRequest{Query: q, Limit: 10})
				lat = append(lat, time.Since(t))
				if err != nil || len(res.Hits) == 0 {
					b.Fatalf("%q: %v %v", q, res.Total, err)
				}
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// BenchmarkIndexLag writes 1,000 messages a second for 5 s (b.N rounds) and
// reports the worst lag between a commit and its being searchable.
func BenchmarkIndexLag(b *testing.B) {
	e := benchOpen(b, b.TempDir())
	defer e.Close()
	ctx := context.Background()
	u := benchUser(b, e, "ada@example.com")
	c, _ := e.CreateConversation(ctx, u, conversation.CreateRequest{})
	var worst time.Duration
	for b.Loop() {
		// 10 messages every 10 ms: 1,000 a second.
		tick := time.NewTicker(10 * time.Millisecond)
		start := time.Now()
		written := 0
		for time.Since(start) < 5*time.Second {
			<-tick.C
			for i := 0; i < 10; i++ {
				m := conversation.Message{ID: ids.New(), ConversationID: c.ID, Role: "user", Content: "lag probe " + strconv.Itoa(written)}
				err := e.db.Write(ctx, func(tx *store.Tx) error {
					if err := tx.MessageInsert(ctx, u.ID, &m, nil); err != nil {
						return err
					}
					return tx.OutboxIndex(ctx, conversation.TypeMessage, m.ID)
				})
				if err != nil {
					b.Fatal(err)
				}
				written++
			}
			// The oldest change not yet searchable tells the current lag.
			_, oldest, _ := e.db.OutboxStats(ctx)
			if oldest != 0 {
				worst = max(worst, time.Since(time.UnixMilli(oldest)))
			}
		}
		tick.Stop()
		b.ReportMetric(float64(written)/time.Since(start).Seconds(), "writes/s")
	}
	b.ReportMetric(float64(worst.Milliseconds()), "worst-lag-ms")
}

// BenchmarkLiveHeartbeat measures the hottest write path: many users each
// heartbeating their own session, in parallel.
func BenchmarkLiveHeartbeat(b *testing.B) {
	e := benchOpen(b, b.TempDir())
	defer e.Close()
	ctx := context.Background()
	const users = 64
	sessions := make([]struct {
		u  User
		id string
	}, users)
	for i := range sessions {
		u := benchUser(b, e, fmt.Sprintf("live%d@example.com", i))
		if err := e.SetUserPlan(ctx, u.ID, "pro"); err != nil {
			b.Fatal(err)
		}
		s, err := e.StartLiveSession(ctx, u, live.StartRequest{SessionType: "voice"})
		if err != nil {
			b.Fatal(err)
		}
		sessions[i].u, sessions[i].id = u, s.SessionID
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s := sessions[next.Add(1)%users]
			if _, err := e.HeartbeatLiveSession(ctx, s.u, live.SessionRequest{SessionID: s.id}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
