// Package jobs is a durable job queue in Postgres (rendiciones.jobs): jobs
// are enqueued in the caller's transaction, claimed with FOR UPDATE SKIP
// LOCKED under a renewable lease, retried with exponential backoff, and
// completed in the handler's own transaction, so a job's effect commits once
// even when several instances share the database or one dies mid-job.
//
// Why not River: it would bring a second migration system beside goose, and
// its database/sql driver (what GORM gives us) runs poll-only anyway. What we
// need — transactional enqueue, leases, backoff, bounded concurrency, safe
// completion — is one table and a few statements a reader can check here.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Config tunes a Queue; zero values take the defaults.
type Config struct {
	// Lease is how long a claimed job stays reserved without a heartbeat.
	// A worker that dies loses its jobs to another worker after at most this.
	Lease time.Duration // default 1 min
	// Heartbeat renews the lease of running jobs; it must be well below Lease.
	Heartbeat time.Duration // default Lease/3
	// Poll is the wait between looks at an empty queue (Wake cuts it short).
	Poll time.Duration // default 1 s
	// RetryBase and RetryMax bound the exponential backoff between attempts:
	// RetryBase·2^(attempt-1), ±20 % jitter, at most RetryMax.
	RetryBase time.Duration // default 10 s
	RetryMax  time.Duration // default 30 min
	// MaxAttempts is the default for jobs enqueued without their own.
	MaxAttempts int // default 8
	// Grace is how long a running job may go on after Work's context ends
	// (shutdown) before its own context is cancelled and it is released.
	Grace time.Duration // default 10 s
	// Worker names this process in the jobs table (default host:pid:random).
	Worker string
}

func (c Config) withDefaults() Config {
	if c.Lease <= 0 {
		c.Lease = time.Minute
	}
	if c.Heartbeat <= 0 || c.Heartbeat >= c.Lease {
		c.Heartbeat = c.Lease / 3
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 10 * time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 30 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.Grace <= 0 {
		c.Grace = 10 * time.Second
	}
	if c.Worker == "" {
		host, _ := os.Hostname()
		c.Worker = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), uuid.NewString()[:8])
	}
	return c
}

// Queue enqueues and runs jobs of rendiciones.jobs.
type Queue struct {
	db   *gorm.DB
	cfg  Config
	log  *slog.Logger
	wake chan struct{}
}

// New returns a Queue over g.
func New(g *gorm.DB, cfg Config, log *slog.Logger) *Queue {
	return &Queue{db: g, cfg: cfg.withDefaults(), log: log, wake: make(chan struct{}, 1)}
}

// NewJob describes a job to enqueue.
type NewJob struct {
	Kind        string
	Key         string // at most one queued or running job per (Kind, Key)
	TenantID    string
	Payload     any
	MaxAttempts int // 0: the queue's default
}

// Enqueue inserts a job in tx, so it exists only if tx commits. It returns
// false without error when a job with the same kind and key is already
// queued or running (that one will do the work).
func (q *Queue) Enqueue(ctx context.Context, tx *gorm.DB, j NewJob) (bool, error) {
	payload, err := json.Marshal(j.Payload)
	if err != nil {
		return false, fmt.Errorf("jobs: payload: %w", err)
	}
	maxAttempts := j.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = q.cfg.MaxAttempts
	}
	var tenant *string
	if j.TenantID != "" {
		tenant = &j.TenantID
	}
	res := tx.WithContext(ctx).Exec(`INSERT INTO rendiciones.jobs (kind, key, tenant_id, payload, max_attempts)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (kind, key) WHERE state IN ('available', 'running') DO NOTHING`,
		j.Kind, j.Key, tenant, payload, maxAttempts)
	if res.Error != nil {
		return false, fmt.Errorf("jobs: enqueue %s: %w", j.Kind, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Wake tells this process's idle workers to look for work now; call it after
// the transaction that enqueued a job commits. Other instances find the job
// at their next poll.
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Job is a claimed job. Its handler settles it with Complete, Fail, Retry or
// Release inside the transaction that records the outcome; every one of
// them succeeds only while this claim still holds the lease.
type Job struct {
	ID          int64
	Kind        string
	Key         string
	TenantID    string
	Payload     json.RawMessage
	Attempt     int // 1 for the first run
	MaxAttempts int

	token uuid.UUID
	q     *Queue
	mu    sync.Mutex
	// settled is set when a settle statement ran; the handler's transaction
	// may still roll back, so Work only trusts it when the handler returns nil.
	settled bool
}

// ErrLeaseLost means the job's lease expired and another worker claimed it:
// the caller must roll back, the other worker will do the job.
var ErrLeaseLost = errors.New("jobs: lease lost")

// LastAttempt reports whether a retryable failure now should be final.
func (j *Job) LastAttempt() bool { return j.Attempt >= j.MaxAttempts }

// Complete marks the job done in tx.
func (j *Job) Complete(ctx context.Context, tx *gorm.DB) error {
	return j.settle(ctx, tx, `state = 'completed', finished_at = now(), last_error = NULL`)
}

// Fail marks the job failed for good in tx (a permanent error, or the last
// attempt).
func (j *Job) Fail(ctx context.Context, tx *gorm.DB, reason string) error {
	return j.settle(ctx, tx, `state = 'failed', finished_at = now(), last_error = ?`, truncate(reason))
}

// Retry schedules another attempt after wait (Backoff when wait ≤ 0).
func (j *Job) Retry(ctx context.Context, tx *gorm.DB, wait time.Duration, reason string) error {
	if wait <= 0 {
		wait = j.q.Backoff(j.Attempt)
	}
	return j.settle(ctx, tx, `state = 'available', run_at = now() + make_interval(secs => ?), last_error = ?`,
		wait.Seconds(), truncate(reason))
}

// Release gives the job back without counting this attempt (shutdown).
func (j *Job) Release(ctx context.Context, tx *gorm.DB) error {
	return j.settle(ctx, tx, `state = 'available', run_at = now(), attempts = GREATEST(attempts - 1, 0)`)
}

// Heartbeat renews the lease now; the queue does it on its own while the
// handler runs.
func (j *Job) Heartbeat(ctx context.Context) error {
	res := j.q.db.WithContext(ctx).Exec(`UPDATE rendiciones.jobs
		SET lease_until = now() + make_interval(secs => ?), updated_at = now()
		WHERE id = ? AND lease_token = ? AND state = 'running'`, j.q.cfg.Lease.Seconds(), j.ID, j.token)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrLeaseLost
	}
	return nil
}

func (j *Job) settle(ctx context.Context, tx *gorm.DB, set string, args ...any) error {
	args = append(args, j.ID, j.token)
	res := tx.WithContext(ctx).Exec(`UPDATE rendiciones.jobs SET `+set+`,
		lease_token = NULL, lease_until = NULL, updated_at = now()
		WHERE id = ? AND lease_token = ? AND state = 'running'`, args...)
	if res.Error != nil {
		return fmt.Errorf("jobs: settle %d: %w", j.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrLeaseLost
	}
	j.mu.Lock()
	j.settled = true
	j.mu.Unlock()
	return nil
}

func (j *Job) isSettled() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.settled
}

// Backoff is the wait before attempt+1: RetryBase·2^(attempt-1) with ±20 %
// jitter (so a burst of failures does not retry in lockstep), capped.
func (q *Queue) Backoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := q.cfg.RetryBase
	for i := 1; i < attempt && d < q.cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, q.cfg.RetryMax)
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

func truncate(s string) string {
	if len(s) > 2000 {
		return s[:2000]
	}
	return s
}

type jobRow struct {
	ID          int64
	Kind        string
	Key         string
	TenantID    *string
	Payload     []byte
	Attempts    int
	MaxAttempts int
}

// claim takes the oldest runnable job of kind: an available one whose time
// has come, or a running one whose lease expired (its worker died). SKIP
// LOCKED lets concurrent claimers pass over rows another one is taking.
func (q *Queue) claim(ctx context.Context, kind string) (*Job, error) {
	token := uuid.New()
	var rows []jobRow
	err := q.db.WithContext(ctx).Raw(`WITH next AS (
			SELECT id FROM rendiciones.jobs
			WHERE kind = ?
			  AND ((state = 'available' AND run_at <= now()) OR (state = 'running' AND lease_until < now()))
			ORDER BY run_at, id
			LIMIT 1
			FOR UPDATE SKIP LOCKED)
		UPDATE rendiciones.jobs j
		SET state = 'running', attempts = j.attempts + 1, lease_token = ?, worker = ?,
		    lease_until = now() + make_interval(secs => ?), updated_at = now()
		FROM next WHERE j.id = next.id
		RETURNING j.id, j.kind, j.key, j.tenant_id, j.payload, j.attempts, j.max_attempts`,
		kind, token, q.cfg.Worker, q.cfg.Lease.Seconds()).Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	r := rows[0]
	j := &Job{ID: r.ID, Kind: r.Kind, Key: r.Key, Payload: r.Payload, Attempt: r.Attempts, MaxAttempts: r.MaxAttempts, token: token, q: q}
	if r.TenantID != nil {
		j.TenantID = *r.TenantID
	}
	return j, nil
}

// Handler runs one job. It should settle the job in the transaction that
// records its outcome; returning nil without settling completes it, and
// returning an error without settling retries it with backoff (or fails it
// after the last attempt, or releases it when the queue is shutting down).
type Handler func(ctx context.Context, j *Job) error

// Work runs jobs of kind with at most concurrency at a time until ctx ends.
// Then it takes no new job and gives running ones Grace to finish before
// cancelling them; a cancelled job is released for another worker.
func (q *Queue) Work(ctx context.Context, kind string, concurrency int, h Handler) error {
	if concurrency < 1 {
		<-ctx.Done()
		return nil
	}
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() { q.loop(ctx, kind, h) })
	}
	wg.Go(func() { q.prune(ctx) })
	wg.Wait()
	return nil
}

func (q *Queue) loop(ctx context.Context, kind string, h Handler) {
	for ctx.Err() == nil {
		j, err := q.claim(ctx, kind)
		if err != nil && ctx.Err() == nil {
			q.log.Warn("jobs: claim failed", "kind", kind, "error", err.Error())
		}
		if j != nil {
			q.run(ctx, j, h)
			continue
		}
		// Jittered polling keeps several instances from querying in step.
		t := time.NewTimer(time.Duration(float64(q.cfg.Poll) * (0.75 + 0.5*rand.Float64())))
		select {
		case <-ctx.Done():
		case <-q.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// run executes one job with its lease kept alive, then applies the default
// outcome when the handler did not settle it.
func (q *Queue) run(ctx context.Context, j *Job, h Handler) {
	// The job's context outlives ctx by Grace, so a shutdown lets it finish.
	jctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancel(nil)
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Go(func() {
		select {
		case <-stop:
			return
		case <-ctx.Done():
		}
		t := time.NewTimer(q.cfg.Grace)
		defer t.Stop()
		select {
		case <-stop:
		case <-t.C:
			cancel(errShutdown)
		}
	})
	bg.Go(func() {
		t := time.NewTicker(q.cfg.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				hctx, hcancel := context.WithTimeout(jctx, q.cfg.Lease/2)
				err := j.Heartbeat(hctx)
				hcancel()
				if errors.Is(err, ErrLeaseLost) {
					q.log.Warn("jobs: lease lost, abandoning job", "job_id", j.ID, "kind", j.Kind)
					cancel(ErrLeaseLost)
					return
				}
			}
		}
	})

	err := q.call(jctx, j, h)
	close(stop)
	bg.Wait()

	if j.isSettled() && err == nil {
		return
	}
	if errors.Is(err, ErrLeaseLost) || errors.Is(context.Cause(jctx), ErrLeaseLost) {
		return
	}
	// Settle with a fresh context: the job's own may be cancelled by now.
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	var serr error
	switch {
	case err == nil:
		serr = j.Complete(sctx, q.db)
	case ctx.Err() != nil && jctx.Err() != nil:
		serr = j.Release(sctx, q.db)
		q.log.Info("jobs: released at shutdown", "job_id", j.ID, "kind", j.Kind)
	case j.LastAttempt():
		serr = j.Fail(sctx, q.db, err.Error())
		q.log.Error("jobs: failed after last attempt", "job_id", j.ID, "kind", j.Kind, "attempt", j.Attempt, "error", err.Error())
	default:
		serr = j.Retry(sctx, q.db, 0, err.Error())
		q.log.Warn("jobs: attempt failed, will retry", "job_id", j.ID, "kind", j.Kind, "attempt", j.Attempt, "error", err.Error())
	}
	if serr != nil && !errors.Is(serr, ErrLeaseLost) {
		// The lease will expire and another claim will retry the job.
		q.log.Error("jobs: could not settle job", "job_id", j.ID, "error", serr.Error())
	}
}

var errShutdown = errors.New("jobs: shutting down")

// call runs the handler, turning a panic into an error so one bad job
// cannot take the worker down.
func (q *Queue) call(ctx context.Context, j *Job, h Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("jobs: panic: %v", p)
		}
	}()
	return h(ctx, j)
}

// prune deletes finished jobs a week after they finished, once an hour.
func (q *Queue) prune(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			err := q.db.WithContext(ctx).Exec(`DELETE FROM rendiciones.jobs
				WHERE state IN ('completed', 'failed') AND finished_at < now() - interval '7 days'`).Error
			if err != nil && ctx.Err() == nil {
				q.log.Warn("jobs: prune failed", "error", err.Error())
			}
		}
	}
}
