package xentree_test

import (
	"context"
	"sync"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/pgtest"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xel"
	"github.com/xentree/xentree/xentreetest"
)

// TestConcurrentWritesRetrySafely drives writes that conflict on one user,
// conversation or organization at once. PostgreSQL aborts all but one of
// each conflicting set with a serialization failure and the store runs the
// losers' transactions again: every count must come out exact, as if each
// operation had run once, alone.
func TestConcurrentWritesRetrySafely(t *testing.T) {
	pgtest.Require(t)
	const n = 8
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	ada, _ := xentreetest.CreateUser(t, eng, "")
	users := make([]xentree.User, n)
	for i := range users {
		users[i], _ = xentreetest.CreateUser(t, eng, "")
	}
	run := func(t *testing.T, f func(i int) error) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = f(i)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
		}
	}

	t.Run("chat", func(t *testing.T) {
		c, err := eng.CreateConversation(ctx, ada, conversation.CreateRequest{Title: "Retries"})
		if err != nil {
			t.Fatal(err)
		}
		run(t, func(int) error {
			_, err := eng.Chat(ctx, ada, conversation.ChatRequest{Message: "hello", ConversationID: c.ID})
			return err
		})
		if c, err = eng.GetConversation(ctx, ada, c.ID); err != nil || c.MessageCount != 2*n {
			t.Fatalf("message_count %d, want %d (%v)", c.MessageCount, 2*n, err)
		}
		ms, err := eng.ListMessages(ctx, ada, c.ID, xentree.Page{Limit: 100})
		if err != nil || len(ms.Items) != 2*n {
			t.Fatalf("%d messages, want %d (%v)", len(ms.Items), 2*n, err)
		}
	})

	t.Run("xel", func(t *testing.T) {
		gap := firstTask(t, eng, xel.TypeGapFill)
		var mu sync.Mutex
		awarded := 0
		run(t, func(int) error {
			r, err := eng.SubmitTask(ctx, ada, gap.ID, xel.SubmitRequest{Answer: gap.Accepted[0]})
			mu.Lock()
			awarded += r.XPAwarded
			mu.Unlock()
			return err
		})
		want := xel.TaskXP(gap.Difficulty, 100)
		d, err := eng.XELDashboard(ctx, ada)
		if err != nil || d.XPTotal != want || awarded != want {
			t.Fatalf("xp total %d, awarded %d, want %d (%v)", d.XPTotal, awarded, want, err)
		}
		m, err := eng.GetModule(ctx, ada, gap.ModuleID)
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range m.Tasks {
			if task.ID == gap.ID && (task.Progress == nil || task.Progress.Attempts != n || task.Progress.XP != want) {
				t.Fatalf("progress %+v, want %d attempts and %d XP", task.Progress, n, want)
			}
		}
	})

	t.Run("organizations", func(t *testing.T) {
		// The same name at once: each retry must look for a free slug again.
		slugs := make([]string, n)
		run(t, func(i int) error {
			o, err := eng.CreateOrganization(ctx, users[i], org.CreateRequest{Name: "Retry Academy"})
			slugs[i] = o.Slug
			return err
		})
		seen := map[string]bool{}
		for _, s := range slugs {
			if seen[s] {
				t.Fatalf("slug %q given twice: %v", s, slugs)
			}
			seen[s] = true
		}

		o, err := eng.CreateOrganization(ctx, ada, org.CreateRequest{Name: "Members"})
		if err != nil {
			t.Fatal(err)
		}
		run(t, func(i int) error {
			_, err := eng.AddMember(ctx, ada, o.ID, org.AddMemberRequest{UserID: users[i].ID, Role: org.RoleMember})
			return err
		})
		if o, err = eng.GetOrganization(ctx, ada, o.ID); err != nil || o.MemberCount != n+1 {
			t.Fatalf("member_count %d, want %d (%v)", o.MemberCount, n+1, err)
		}
		ms, err := eng.ListMembers(ctx, ada, o.ID, xentree.Page{Limit: 100})
		if err != nil || len(ms.Items) != n+1 {
			t.Fatalf("%d members, want %d (%v)", len(ms.Items), n+1, err)
		}
	})
}
