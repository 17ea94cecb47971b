package xentree

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree/adminstats"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/password"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/store"
)

// statsBenchClock stands still, so "today" (and the default range) is the
// same for every call of a run.
type statsBenchClock struct{ t time.Time }

func (c statsBenchClock) Now() time.Time { return c.t }

// statsBenchMembers is the organization's size.
const statsBenchMembers = 10_000

// seedStatsOrg stores an organization of n members in 10 teams, each
// member with 60 days of activity before now: a conversation with two
// questions and two answers, three XEL submissions and a Live session. It
// writes rows directly, 2,000 to a transaction: seeding through the
// Engine would measure registration, not the statistics.
func seedStatsOrg(b *testing.B, e *Engine, owner User, n int, now time.Time) string {
	b.Helper()
	ctx := context.Background()
	o, err := e.CreateOrganization(ctx, owner, org.CreateRequest{Name: "Benchmark School"})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var teams []string
	for i := range 10 {
		t, err := e.CreateTeam(ctx, owner, o.ID, org.TeamRequest{Name: fmt.Sprintf("Team %d", i)})
		if err != nil {
			b.Fatal(err)
		}
		teams = append(teams, t.ID)
	}
	var tasks [][3]string // task, module, skill
	for _, m := range e.xel.Modules {
		for _, t := range m.Tasks {
			tasks = append(tasks, [3]string{t.ID, m.ID, m.Skill})
		}
	}
	first := []string{"Ada", "Alan", "Grace", "Linus", "Barbara", "Edsger", "Donald", "Frances", "Ken", "Margaret", "Émile", "Zoë"}
	last := []string{"Lovelace", "Turing", "Hopper", "Torvalds", "Liskov", "Dijkstra", "Knuth", "Allen", "Thompson", "Hamilton"}
	nowMS := now.UnixMilli()
	const day = int64(24 * time.Hour / time.Millisecond)
	type stmt struct {
		q    string
		args []any
	}
	var batch []stmt
	flush := func() {
		if err := e.db.Write(ctx, func(tx *store.Tx) error {
			for _, s := range batch {
				if err := tx.ExecRaw(ctx, s.q, s.args...); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	add := func(q string, args ...any) {
		batch = append(batch, stmt{q, args})
		if len(batch) >= 2000 {
			flush()
		}
	}
	at := func() int64 { return nowMS - rng.Int64N(60*day) } // some in the default 30 days, some before
	for i := range n {
		uid := ids.New()
		created := nowMS - 90*day
		add(`INSERT INTO users (id, email, full_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			uid, fmt.Sprintf("learner%05d@bench.example", i), first[rng.IntN(len(first))]+" "+last[rng.IntN(len(last))], created, created)
		add(`INSERT INTO memberships (org_id, user_id, role, team_id, joined_at) VALUES (?, ?, 'member', ?, ?)`,
			o.ID, uid, teams[i%len(teams)], nowMS-rng.Int64N(90*day))
		cid := ids.New()
		t0 := at()
		add(`INSERT INTO conversations (id, user_id, title, message_count, created_at, updated_at) VALUES (?, ?, 'Practice', 4, ?, ?)`,
			cid, uid, t0, t0)
		for m := range 4 {
			role := []string{"user", "assistant"}[m%2]
			add(`INSERT INTO messages (id, conversation_id, user_id, role, content, created_at) VALUES (?, ?, ?, ?, 'Hello there', ?)`,
				ids.New(), cid, uid, role, t0+int64(m)*1000)
		}
		for range 3 {
			t := tasks[rng.IntN(len(tasks))]
			ts := at()
			score := rng.IntN(101)
			add(`INSERT INTO xel_submissions (id, user_id, task_id, module_id, skill, score, passed, xp, answer, day, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?)`, ids.New(), uid, t[0], t[1], t[2], score, score >= 60, score/10,
				time.UnixMilli(ts).UTC().Format("2006-01-02"), ts)
		}
		ls := at()
		charged := rng.Int64N(600_000)
		add(`INSERT INTO live_sessions (id, user_id, session_type, started_at, last_heartbeat_at, ended_at, end_reason, charged_ms)
			VALUES (?, ?, 'voice', ?, ?, ?, 'ended', ?)`, ids.New(), uid, ls, ls+charged, ls+charged, charged)
	}
	add(`UPDATE organizations SET member_count = member_count + ? WHERE id = ?`, n, o.ID)
	flush()
	return o.ID
}

// BenchmarkAdminStats10k measures the admin statistics of a 10,000-member
// organization with 60 days of activity (~110k rows): a directory page
// sorted by an account field (only the page's figures are loaded) and by
// a figure (everyone's are), the engagement dashboard, one member's detail,
// and the CSV export of every member. Each reports p50 and p99 latency.
//
//	go test -run '^$' -bench AdminStats10k -benchtime 200x .
func BenchmarkAdminStats10k(b *testing.B) {
	now := time.Date(2026, time.April, 16, 10, 0, 0, 0, time.UTC)
	e, err := Open(context.Background(), Config{Dir: b.TempDir(), Password: password.Cheap, Clock: statsBenchClock{now},
		LoginRateLimit: RateLimit{Off: true}, DisableIndex: true})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	owner := benchUser(b, e, "owner@bench.example")
	start := time.Now()
	orgID := seedStatsOrg(b, e, owner, statsBenchMembers, now)
	b.Logf("seeded %d members in %v", statsBenchMembers, time.Since(start).Round(time.Millisecond))
	ctx := context.Background()
	pages := (statsBenchMembers + 1 + adminstats.DefaultLimit - 1) / adminstats.DefaultLimit
	rng := rand.New(rand.NewPCG(3, 4))

	timed := func(b *testing.B, call func(i int) error) {
		lat := make([]time.Duration, 0, b.N)
		i := 0
		for b.Loop() {
			t := time.Now()
			if err := call(i); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t))
			i++
		}
		statsPercentiles(b, lat)
	}
	directory := func(sort string, q string) func(b *testing.B) {
		return func(b *testing.B) {
			timed(b, func(int) error {
				p, err := e.MemberProgress(ctx, owner, adminstats.DirectoryRequest{OrgID: orgID, Sort: sort, Order: "desc",
					Page: 1 + rng.IntN(pages), Q: q})
				if err == nil && p.Total == 0 {
					err = fmt.Errorf("empty directory")
				}
				return err
			})
		}
	}
	b.Run("page/name", directory(adminstats.SortName, ""))
	b.Run("page/xp_earned", directory(adminstats.SortXPEarned, ""))
	b.Run("page/q", directory(adminstats.SortName, "lovelace"))
	b.Run("engagement", func(b *testing.B) {
		timed(b, func(int) error {
			_, err := e.EngagementStats(ctx, owner, adminstats.Request{OrganizationID: orgID})
			return err
		})
	})
	b.Run("member", func(b *testing.B) {
		p, err := e.MemberProgress(ctx, owner, adminstats.DirectoryRequest{OrgID: orgID, Limit: adminstats.MaxLimit})
		if err != nil {
			b.Fatal(err)
		}
		timed(b, func(i int) error {
			_, err := e.MemberEngagement(ctx, owner, p.Items[i%len(p.Items)].UserID, adminstats.Request{OrganizationID: orgID})
			return err
		})
	})
	b.Run("csv", func(b *testing.B) {
		var n countingWriter
		timed(b, func(int) error {
			return e.ExportMemberProgress(ctx, owner, adminstats.DirectoryRequest{OrgID: orgID}, &n)
		})
		b.ReportMetric(float64(n.lines)/float64(b.N), "lines/export")
	})
}

// countingWriter counts the lines written to it.
type countingWriter struct{ lines int }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.lines += strings.Count(string(p), "\n")
	return len(p), nil
}

// statsPercentiles reports the median and 99th percentile of lat in ms.
func statsPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.5), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}
