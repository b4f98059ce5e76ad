-- +goose Up
-- Events are written here in the same transaction as the change and
-- published to RabbitMQ by the relay (DESIGN §8).
CREATE TABLE inventario.outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     uuid        NOT NULL UNIQUE,
    routing_key  text        NOT NULL,
    aggregate_id text        NOT NULL,
    payload      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    attempts     int         NOT NULL DEFAULT 0,
    last_error   text
);
CREATE INDEX outbox_unsent_idx ON inventario.outbox (id) WHERE published_at IS NULL;

-- Ids of events this service has handled: a redelivery is a no-op.
CREATE TABLE inventario.inbox (
    event_id   uuid PRIMARY KEY,
    event      text        NOT NULL,
    handled_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE inventario.inbox;
DROP TABLE inventario.outbox;
