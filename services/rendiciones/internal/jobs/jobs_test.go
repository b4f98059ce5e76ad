package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"ecosystem/migrations"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/db/testdb"
)

var (
	testURL string
	testDB  *gorm.DB
)

func TestMain(m *testing.M) {
	url, drop, err := testdb.CreateDatabase("jobs", testdb.Schema{Name: "rendiciones", FS: migrations.Rendiciones})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testURL = url
	testDB, err = db.Open(url, 20, slog.New(slog.DiscardHandler))
	if err != nil {
		drop()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	db.Close(testDB)
	drop()
	os.Exit(code)
}

var kinds atomic.Int64

// newKind gives each test its own job kind, so tests share the database
// without seeing each other's jobs.
func newKind() string { return fmt.Sprintf("test_%d", kinds.Add(1)) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func fast(c Config) Config {
	if c.Lease == 0 {
		c.Lease = 2 * time.Second
	}
	if c.Poll == 0 {
		c.Poll = 20 * time.Millisecond
	}
	if c.RetryBase == 0 {
		c.RetryBase = 20 * time.Millisecond
	}
	return c
}

func enqueue(t *testing.T, q *Queue, kind, key string) {
	t.Helper()
	if _, err := q.Enqueue(context.Background(), testDB, NewJob{Kind: kind, Key: key, Payload: map[string]string{"k": key}}); err != nil {
		t.Fatal(err)
	}
}

type jobState struct {
	State     string
	Attempts  int
	LastError *string
}

func state(t *testing.T, kind, key string) jobState {
	t.Helper()
	var s jobState
	if err := testDB.Raw(`SELECT state, attempts, last_error FROM rendiciones.jobs WHERE kind = ? AND key = ? ORDER BY id DESC LIMIT 1`, kind, key).Scan(&s).Error; err != nil {
		t.Fatal(err)
	}
	return s
}

func eventually(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// work runs q.Work in the background and returns a stop function that
// cancels it and waits for it to return.
func work(t *testing.T, q *Queue, kind string, n int, h Handler) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = q.Work(ctx, kind, n, h); close(done) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Error("Work did not return")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func TestEnqueueFollowsTheTransaction(t *testing.T) {
	q := New(testDB, fast(Config{}), quiet)
	kind := newKind()
	ctx := context.Background()
	errRollback := errors.New("rollback")
	err := testDB.Transaction(func(tx *gorm.DB) error {
		if _, err := q.Enqueue(ctx, tx, NewJob{Kind: kind, Key: "a"}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	var n int64
	testDB.Raw(`SELECT count(*) FROM rendiciones.jobs WHERE kind = ?`, kind).Scan(&n)
	if n != 0 {
		t.Fatalf("a rolled-back enqueue left %d jobs", n)
	}
	if ok, err := q.Enqueue(ctx, testDB, NewJob{Kind: kind, Key: "a"}); err != nil || !ok {
		t.Fatalf("enqueue: %v %v", ok, err)
	}
	if ok, err := q.Enqueue(ctx, testDB, NewJob{Kind: kind, Key: "a"}); err != nil || ok {
		t.Fatalf("a second active job for the same key: %v %v", ok, err)
	}
}

func TestRetriesWithBackoffThenCompletes(t *testing.T) {
	q := New(testDB, fast(Config{RetryBase: 50 * time.Millisecond}), quiet)
	kind := newKind()
	enqueue(t, q, kind, "x")
	var mu sync.Mutex
	var runs []time.Time
	work(t, q, kind, 1, func(ctx context.Context, j *Job) error {
		mu.Lock()
		runs = append(runs, time.Now())
		mu.Unlock()
		if j.Attempt < 3 {
			return fmt.Errorf("fallo %d", j.Attempt)
		}
		return nil
	})
	eventually(t, 10*time.Second, "completion", func() bool { return state(t, kind, "x").State == "completed" })
	s := state(t, kind, "x")
	if s.Attempts != 3 || s.LastError != nil {
		t.Fatalf("state %+v", s)
	}
	mu.Lock()
	defer mu.Unlock()
	// Backoff 50 ms then 100 ms (±20 %).
	if g1, g2 := runs[1].Sub(runs[0]), runs[2].Sub(runs[1]); g1 < 40*time.Millisecond || g2 < 80*time.Millisecond {
		t.Fatalf("retries too soon: %v %v", g1, g2)
	}
}

func TestFailsAfterTheLastAttempt(t *testing.T) {
	q := New(testDB, fast(Config{MaxAttempts: 2}), quiet)
	kind := newKind()
	enqueue(t, q, kind, "x")
	var calls atomic.Int64
	work(t, q, kind, 1, func(ctx context.Context, j *Job) error {
		calls.Add(1)
		return errors.New("siempre falla")
	})
	eventually(t, 10*time.Second, "failure", func() bool { return state(t, kind, "x").State == "failed" })
	if s := state(t, kind, "x"); s.Attempts != 2 || s.LastError == nil || *s.LastError != "siempre falla" || calls.Load() != 2 {
		t.Fatalf("state %+v, calls %d", s, calls.Load())
	}
}

func TestPanicIsAFailedAttempt(t *testing.T) {
	q := New(testDB, fast(Config{}), quiet)
	kind := newKind()
	enqueue(t, q, kind, "x")
	work(t, q, kind, 1, func(ctx context.Context, j *Job) error {
		if j.Attempt == 1 {
			panic("boom")
		}
		return nil
	})
	eventually(t, 10*time.Second, "completion", func() bool { return state(t, kind, "x").State == "completed" })
}

// A worker that dies while holding a job (no heartbeat, no settle) loses it
// when the lease expires; another worker runs it, and the dead one's late
// completion is refused, so the effect happens once.
func TestExpiredLeaseIsClaimedAgainAndFinishesOnce(t *testing.T) {
	kind := newKind()
	dead := New(testDB, fast(Config{Lease: time.Second, Worker: "dead"}), quiet)
	enqueue(t, dead, kind, "x")
	j, err := dead.claim(context.Background(), kind)
	if err != nil || j == nil {
		t.Fatalf("claim: %v %v", j, err)
	}
	// The dead worker never heartbeats. A live one takes over after the lease.
	live := New(testDB, fast(Config{Lease: time.Second, Worker: "live"}), quiet)
	var effects atomic.Int64
	var attempts atomic.Int64
	work(t, live, kind, 2, func(ctx context.Context, lj *Job) error {
		attempts.Store(int64(lj.Attempt))
		return testDB.Transaction(func(tx *gorm.DB) error {
			effects.Add(1)
			return lj.Complete(ctx, tx)
		})
	})
	eventually(t, 10*time.Second, "takeover", func() bool { return state(t, kind, "x").State == "completed" })
	if attempts.Load() != 2 {
		t.Fatalf("the takeover is attempt %d, want 2", attempts.Load())
	}
	// The dead worker wakes up and tries to record its own result.
	err = testDB.Transaction(func(tx *gorm.DB) error { return j.Complete(context.Background(), tx) })
	if !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("late completion: %v", err)
	}
	if err := j.Heartbeat(context.Background()); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("late heartbeat: %v", err)
	}
	if effects.Load() != 1 {
		t.Fatalf("effects %d", effects.Load())
	}
}

// The heartbeat keeps a long job's lease: nobody else takes it even though
// it runs for several lease periods.
func TestHeartbeatKeepsALongJob(t *testing.T) {
	kind := newKind()
	cfg := fast(Config{Lease: time.Second})
	a, b := New(testDB, cfg, quiet), New(testDB, cfg, quiet)
	enqueue(t, a, kind, "x")
	var runs atomic.Int64
	h := func(ctx context.Context, j *Job) error {
		runs.Add(1)
		select {
		case <-time.After(3 * time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
		return nil
	}
	work(t, a, kind, 1, h)
	work(t, b, kind, 1, h)
	eventually(t, 10*time.Second, "completion", func() bool { return state(t, kind, "x").State == "completed" })
	if runs.Load() != 1 {
		t.Fatalf("ran %d times", runs.Load())
	}
}

// Two instances on one database, each with several workers, run every job
// exactly once.
func TestTwoInstancesNeverRunAJobTwice(t *testing.T) {
	kind := newKind()
	// A second connection pool stands for the second instance.
	other, err := db.Open(testURL, 10, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(other) })
	a := New(testDB, fast(Config{Worker: "a"}), quiet)
	b := New(other, fast(Config{Worker: "b"}), quiet)
	const n = 200
	for i := range n {
		enqueue(t, a, kind, fmt.Sprint(i))
	}
	var mu sync.Mutex
	seen := map[string]int{}
	h := func(ctx context.Context, j *Job) error {
		mu.Lock()
		seen[j.Key]++
		mu.Unlock()
		time.Sleep(time.Millisecond)
		return nil
	}
	work(t, a, kind, 4, h)
	work(t, b, kind, 4, h)
	eventually(t, 30*time.Second, "all jobs", func() bool {
		var done int64
		testDB.Raw(`SELECT count(*) FROM rendiciones.jobs WHERE kind = ? AND state = 'completed'`, kind).Scan(&done)
		return done == n
	})
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != n {
		t.Fatalf("ran %d distinct jobs, want %d", len(seen), n)
	}
	for k, c := range seen {
		if c != 1 {
			t.Fatalf("job %s ran %d times", k, c)
		}
	}
}

// At shutdown a running job gets Grace to finish.
func TestShutdownLetsTheRunningJobFinish(t *testing.T) {
	kind := newKind()
	q := New(testDB, fast(Config{Grace: 5 * time.Second}), quiet)
	enqueue(t, q, kind, "x")
	started := make(chan struct{})
	stop := work(t, q, kind, 1, func(ctx context.Context, j *Job) error {
		close(started)
		time.Sleep(300 * time.Millisecond)
		return ctx.Err()
	})
	<-started
	stop()
	if s := state(t, kind, "x"); s.State != "completed" {
		t.Fatalf("state %+v", s)
	}
}

// A job still running when Grace ends is cancelled and released, without
// spending an attempt, so another instance picks it up at once.
func TestShutdownReleasesAJobThatDoesNotFinish(t *testing.T) {
	kind := newKind()
	q := New(testDB, fast(Config{Grace: 100 * time.Millisecond}), quiet)
	enqueue(t, q, kind, "x")
	started := make(chan struct{})
	stop := work(t, q, kind, 1, func(ctx context.Context, j *Job) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	<-started
	begin := time.Now()
	stop()
	if d := time.Since(begin); d > 5*time.Second {
		t.Fatalf("shutdown took %v", d)
	}
	if s := state(t, kind, "x"); s.State != "available" || s.Attempts != 0 {
		t.Fatalf("state %+v", s)
	}
	q2 := New(testDB, fast(Config{}), quiet)
	work(t, q2, kind, 1, func(ctx context.Context, j *Job) error { return nil })
	eventually(t, 10*time.Second, "completion", func() bool { return state(t, kind, "x").State == "completed" })
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	q := New(testDB, Config{RetryBase: time.Second, RetryMax: 10 * time.Second}, quiet)
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 9: 10 * time.Second} {
		got := q.Backoff(attempt)
		if got < want*8/10 || got > want*12/10 {
			t.Errorf("Backoff(%d) = %v, want %v ±20%%", attempt, got, want)
		}
	}
}
