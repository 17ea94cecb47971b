package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/xentreetest"
)

// TestMain lets a test start this very binary as `xentree ...`: the child
// runs the command named in XENTREE_CMD_ARGS instead of the tests.
func TestMain(m *testing.M) {
	if args := os.Getenv("XENTREE_CMD_ARGS"); args != "" {
		if lim := os.Getenv("XENTREE_TEST_FSIZE"); lim != "" {
			limitFileSize(lim)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, strings.Split(args, "\x1f"), os.Stdout, os.Stderr)
		stop()
		if err != nil {
			os.Stderr.WriteString("xentree: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childEnv is extra environment for the next startServer (TestDiskFull).
var childEnv []string

// limitFileSize makes the child's file writes fail past n bytes, as on a
// full disk, until SIGUSR1 lifts the limit. Go ignores SIGXFSZ, so an
// oversized write returns EFBIG instead of killing the process.
func limitFileSize(n string) {
	cur, err := strconv.ParseUint(n, 10, 64)
	if err != nil {
		panic(err)
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &rl); err != nil {
		panic(err)
	}
	max := rl.Max
	rl.Cur = cur
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &rl); err != nil {
		panic(err)
	}
	lift := make(chan os.Signal, 1)
	signal.Notify(lift, syscall.SIGUSR1)
	go func() {
		<-lift
		_ = syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: max, Max: max})
	}()
}

type server struct {
	cmd    *exec.Cmd
	url    string
	stdout *bufio.Scanner
	stderr *bytes.Buffer
}

// startServer runs `xentree serve` on a free loopback port in a child
// process, with extra flags after --data.
func startServer(t *testing.T, dir string, extra ...string) *server {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, extra...)
	cmd.Env = append(append(os.Environ(), childEnv...), "XENTREE_CMD_ARGS="+strings.Join(args, "\x1f"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stderr: &bytes.Buffer{}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	s.stdout = bufio.NewScanner(out)
	if !s.stdout.Scan() {
		t.Fatalf("server printed nothing; stderr: %s", s.stderr)
	}
	line := s.stdout.Text()
	_, rest, ok := strings.Cut(line, "listening on ")
	if !ok {
		t.Fatalf("unexpected first line %q", line)
	}
	s.url, _, _ = strings.Cut(rest, " ")
	return s
}

func post(t *testing.T, url, ctype, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, ctype, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A user acknowledged with 201 survives SIGKILL right after the response.
func TestSIGKILLAfterRegister(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	if code, body := post(t, s.url+"/api/auth/register", "application/json", `{"email":"ada@example.com","password":"correct horse battery"}`); code != 201 {
		t.Fatalf("register: %d %s", code, body)
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()

	s = startServer(t, dir)
	code, body := post(t, s.url+"/api/auth/login", "application/x-www-form-urlencoded", "username=ada%40example.com&password=correct+horse+battery")
	if code != 200 || !strings.Contains(body, `"access_token"`) {
		t.Fatalf("login after SIGKILL and restart: %d %s", code, body)
	}
}

// SIGTERM finishes in-flight work, closes the store and exits 0.
func TestGracefulShutdown(t *testing.T) {
	s := startServer(t, t.TempDir())
	resp, err := http.Get(s.url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// A bound on a hang, not a timing assertion.
	hang := time.AfterFunc(time.Minute, func() { _ = s.cmd.Process.Kill() })
	defer hang.Stop()
	var rest []string
	for s.stdout.Scan() { // until the child closes stdout by exiting
		rest = append(rest, s.stdout.Text())
	}
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("exit: %v; stderr: %s", err, s.stderr)
	}
	if len(rest) == 0 || rest[len(rest)-1] != "xentree stopped" {
		t.Errorf("last output %q, want \"xentree stopped\"", rest)
	}
}

func TestUserCreateAndVersion(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	ctx := context.Background()
	if err := run(ctx, []string{"user", "create", "--data", dir, "--email", "root@example.com", "--password", "correct horse battery", "--admin"}, &out, &errb); err != nil {
		t.Fatalf("user create: %v %s", err, errb.String())
	}
	if !strings.Contains(out.String(), "role admin") {
		t.Errorf("output %q", out.String())
	}
	if err := run(ctx, []string{"user", "create", "--data", dir, "--email", "root@example.com", "--password", "correct horse battery"}, &out, &errb); xentree.KindOf(err) != xentree.KindConflict {
		t.Errorf("duplicate user create: %v", err)
	}
	eng, err := xentree.Open(ctx, xentree.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := eng.Login(ctx, auth.LoginRequest{Username: "root@example.com", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := eng.Authenticate(ctx, tok.AccessToken)
	if err != nil || !u.IsAdmin() {
		t.Errorf("created admin: %+v %v", u, err)
	}
	eng.Close() // the CLI opens the same folder next
	out.Reset()
	if err := run(ctx, []string{"user", "set-plan", "--data", dir, "--email", "root@example.com", "--plan", "pro"}, &out, &errb); err != nil || !strings.Contains(out.String(), "plan pro") {
		t.Errorf("set-plan: %v %q", err, out.String())
	}
	if err := run(ctx, []string{"user", "set-plan", "--data", dir, "--email", "root@example.com", "--plan", "gold"}, &out, &errb); xentree.KindOf(err) != xentree.KindInvalid {
		t.Errorf("set-plan to an unknown plan: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"version"}, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "xentree ") {
		t.Errorf("version: %q %v", out.String(), err)
	}
	if err := run(ctx, []string{"bogus"}, &out, &errb); err == nil {
		t.Error("unknown command accepted")
	}
	if err := run(ctx, []string{"serve", "--rate-limit", "maybe", "--data", dir}, &out, &errb); err == nil {
		t.Error("--rate-limit maybe accepted")
	}
}

// The provider settings come from the environment, and the key never
// reaches the log.
func TestServeWithOpenAIFromEnv(t *testing.T) {
	fake := xentreetest.NewFakeOpenAI(t)
	fake.SetReply("Lima.")
	t.Setenv("XENTREE_OPENAI_API_KEY", "sk-env-secret-key")
	t.Setenv("XENTREE_OPENAI_BASE_URL", fake.URL()+"/v1")
	s := startServer(t, t.TempDir())
	code, body := post(t, s.url+"/api/auth/register", "application/json", `{"email":"ada@example.com","password":"correct horse battery"}`)
	if code != 201 {
		t.Fatal(code, body)
	}
	_, body = post(t, s.url+"/api/auth/login", "application/x-www-form-urlencoded", "username=ada%40example.com&password=correct+horse+battery")
	tok := strings.Split(strings.Split(body, `"access_token":"`)[1], `"`)[0]
	req, _ := http.NewRequest("POST", s.url+"/api/core/chat", strings.NewReader(`{"message":"Capital of Peru?"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"provider":"openai"`) || !strings.Contains(string(b), "Lima.") {
		t.Fatalf("chat: %d %s", resp.StatusCode, b)
	}
	if got := fake.Requests()[0].Header.Get("Authorization"); got != "Bearer sk-env-secret-key" {
		t.Errorf("key sent as %q", got)
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	for s.stdout.Scan() {
	}
	_ = s.cmd.Wait()
	if strings.Contains(s.stderr.String(), "sk-env-secret-key") {
		t.Errorf("the API key is in the log:\n%s", s.stderr)
	}
}

// --pprof-addr serves profiles on a listener of its own; the API's port
// never does.
func TestServePprofOnItsOwnListener(t *testing.T) {
	s := startServerEnv(t, t.TempDir(), "XENTREE_PPROF_ADDR=127.0.0.1:0")
	if !s.stdout.Scan() {
		t.Fatalf("no second line; stderr: %s", s.stderr)
	}
	line := s.stdout.Text()
	pprofURL, ok := strings.CutPrefix(line, "pprof on ")
	if !ok {
		t.Fatalf("second line %q, want \"pprof on URL\"", line)
	}
	for _, tc := range []struct {
		url  string
		want int
	}{
		{pprofURL + "cmdline", http.StatusOK},
		{pprofURL + "goroutine?debug=1", http.StatusOK},
		{s.url + "/debug/pprof/cmdline", http.StatusNotFound},
	} {
		resp, err := http.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s: %d, want %d", tc.url, resp.StatusCode, tc.want)
		}
	}
}

// Without --pprof-addr the server samples no allocations for a heap
// profile. Each sample's record (a stack and a size) lives as long as the
// process, so serving requests of ever new sizes grew go_memstats_buck_hash_sys_bytes
// for good; now it stays at what package initialization left.
func TestServeWithoutPprofRecordsNoAllocations(t *testing.T) {
	s := startServerEnv(t, t.TempDir(), "XENTREE_METRICS=on")
	before := metric(t, s.url, "go_memstats_buck_hash_sys_bytes")
	if code, body := post(t, s.url+"/api/auth/register", "application/json", `{"email":"ada@example.com","password":"correct horse battery staple"}`); code != 201 {
		t.Fatalf("register: %d %s", code, body)
	}
	token := loginHTTP(t, s.url, "ada@example.com")
	for i := 1; i <= 60; i++ {
		note := map[string]string{"title": "sizes", "content": strings.Repeat("moraine ", i*100)}
		if _, err := call(http.DefaultClient, "POST", s.url+"/api/core/notes", token, note, nil); err != nil {
			t.Fatal(err)
		}
	}
	if after := metric(t, s.url, "go_memstats_buck_hash_sys_bytes"); after != before {
		t.Errorf("profiling records grew from %v to %v bytes", before, after)
	}
}

// metric reads one unlabelled series from the server's /metrics.
func metric(t *testing.T, url, name string) float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no %s in /metrics", name)
	return 0
}

// Hybrid search is configured from the environment, off without a model.
func TestEmbeddingsFromEnv(t *testing.T) {
	for _, name := range []string{"XENTREE_EMBEDDINGS_MODEL", "XENTREE_EMBEDDINGS_URL", "XENTREE_EMBEDDINGS_API_KEY", "XENTREE_EMBEDDINGS_DIMENSIONS"} {
		t.Setenv(name, "")
	}
	if c, err := aiFromEnv(); err != nil || c.Embeddings != (xentree.EmbeddingsConfig{}) {
		t.Errorf("without the variables: %+v %v, want embeddings off", c.Embeddings, err)
	}
	t.Setenv("XENTREE_EMBEDDINGS_MODEL", "nomic-embed-text")
	t.Setenv("XENTREE_EMBEDDINGS_URL", "http://localhost:11434/v1")
	t.Setenv("XENTREE_EMBEDDINGS_API_KEY", "sk-emb")
	t.Setenv("XENTREE_EMBEDDINGS_DIMENSIONS", "256")
	c, err := aiFromEnv()
	want := xentree.EmbeddingsConfig{Model: "nomic-embed-text", BaseURL: "http://localhost:11434/v1", APIKey: "sk-emb", Dimensions: 256}
	if err != nil || c.Embeddings != want {
		t.Errorf("embeddings = %+v %v, want %+v", c.Embeddings, err, want)
	}
	t.Setenv("XENTREE_EMBEDDINGS_DIMENSIONS", "many")
	if _, err := aiFromEnv(); err == nil {
		t.Error("XENTREE_EMBEDDINGS_DIMENSIONS=many accepted")
	}
}
