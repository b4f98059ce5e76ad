-- +goose Up
CREATE TABLE core.tenants (
    id         uuid PRIMARY KEY,
    nombre     text        NOT NULL CHECK (length(nombre) BETWEEN 1 AND 200),
    rut        text        NOT NULL,
    activo     boolean     NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_rut_key UNIQUE (rut)
);

CREATE TABLE core.users (
    id            uuid PRIMARY KEY,
    tenant_id     uuid        NOT NULL REFERENCES core.tenants (id),
    email         text        NOT NULL,
    nombre        text        NOT NULL,
    password_hash text        NOT NULL,
    roles         text[]      NOT NULL DEFAULT '{usuario}',
    activo        boolean     NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- Login is by email alone, so emails are unique across tenants.
CREATE UNIQUE INDEX users_email_key ON core.users (lower(email));
CREATE INDEX users_tenant_idx ON core.users (tenant_id, created_at);

-- Refresh tokens are stored hashed; a family is one login's chain of rotations.
CREATE TABLE core.refresh_tokens (
    id         uuid PRIMARY KEY,
    family_id  uuid        NOT NULL,
    user_id    uuid        NOT NULL REFERENCES core.users (id),
    token_hash bytea       NOT NULL,
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT refresh_tokens_hash_key UNIQUE (token_hash)
);
CREATE INDEX refresh_tokens_family_idx ON core.refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON core.refresh_tokens (user_id);

-- Failed logins per email, counted over a sliding 15-minute window; shared
-- by every core instance.
CREATE TABLE core.login_failures (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text        NOT NULL,
    at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email_idx ON core.login_failures (email, at);

CREATE TABLE core.parametros_maestros (
    id            uuid PRIMARY KEY,
    tenant_id     uuid        NOT NULL REFERENCES core.tenants (id),
    categoria     text        NOT NULL,
    clave         text        NOT NULL,
    valor         jsonb,
    valor_cifrado bytea,
    descripcion   text        NOT NULL DEFAULT '',
    secreto       boolean     NOT NULL DEFAULT false,
    activo        boolean     NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT parametros_clave_key UNIQUE (tenant_id, categoria, clave),
    -- A secret value exists only encrypted; a plain one only in clear.
    CONSTRAINT parametros_valor_chk CHECK (
        (secreto AND valor IS NULL AND valor_cifrado IS NOT NULL) OR
        (NOT secreto AND valor IS NOT NULL AND valor_cifrado IS NULL))
);

-- tenant_id NULL is the global default a tenant's own prompt overrides.
CREATE TABLE core.ai_prompts (
    id         uuid PRIMARY KEY,
    tenant_id  uuid REFERENCES core.tenants (id),
    clave      text        NOT NULL,
    version    int         NOT NULL CHECK (version > 0),
    contenido  text        NOT NULL,
    modelo     text        NOT NULL DEFAULT '',
    activo     boolean     NOT NULL DEFAULT true,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ai_prompts_version_key
    ON core.ai_prompts (COALESCE(tenant_id, '00000000-0000-0000-0000-000000000000'), clave, version);
CREATE UNIQUE INDEX ai_prompts_activo_key
    ON core.ai_prompts (COALESCE(tenant_id, '00000000-0000-0000-0000-000000000000'), clave) WHERE activo;

CREATE TABLE core.outbox (
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
CREATE INDEX outbox_unsent_idx ON core.outbox (id) WHERE published_at IS NULL;

CREATE TABLE core.inbox (
    event_id   uuid PRIMARY KEY,
    event      text        NOT NULL,
    handled_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE core.inbox;
DROP TABLE core.outbox;
DROP TABLE core.ai_prompts;
DROP TABLE core.parametros_maestros;
DROP TABLE core.login_failures;
DROP TABLE core.refresh_tokens;
DROP TABLE core.users;
DROP TABLE core.tenants;
