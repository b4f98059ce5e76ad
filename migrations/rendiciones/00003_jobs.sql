-- +goose Up
-- Durable background jobs (document extraction). A job is inserted in the
-- same transaction as the row it works on, so it exists iff that row
-- commits. Workers claim one with FOR UPDATE SKIP LOCKED and hold a lease
-- (lease_until, renewed by a heartbeat): a job whose worker died is claimed
-- again once its lease expires. lease_token changes on every claim, so only
-- the current holder can complete it and a job's effect commits once.
CREATE TABLE rendiciones.jobs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text        NOT NULL,
    -- At most one queued or running job per (kind, key): the documento id.
    key          text        NOT NULL,
    tenant_id    uuid,
    payload      jsonb       NOT NULL DEFAULT '{}',
    state        text        NOT NULL DEFAULT 'available'
                 CHECK (state IN ('available', 'running', 'completed', 'failed')),
    attempts     int         NOT NULL DEFAULT 0,
    max_attempts int         NOT NULL CHECK (max_attempts > 0),
    run_at       timestamptz NOT NULL DEFAULT now(),
    lease_token  uuid,
    lease_until  timestamptz,
    worker       text,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE UNIQUE INDEX jobs_active_key ON rendiciones.jobs (kind, key) WHERE state IN ('available', 'running');
CREATE INDEX jobs_available_idx ON rendiciones.jobs (kind, run_at, id) WHERE state = 'available';
CREATE INDEX jobs_running_idx ON rendiciones.jobs (kind, lease_until) WHERE state = 'running';
CREATE INDEX jobs_finished_idx ON rendiciones.jobs (finished_at) WHERE state IN ('completed', 'failed');

-- +goose Down
DROP TABLE rendiciones.jobs;
