-- +goose Up
-- Uploaded expense documents and what extraction found in them. The file
-- itself lives in storage (STORAGE_DIR) under storage_key.
CREATE TABLE rendiciones.documentos_procesados (
    id             uuid PRIMARY KEY,
    tenant_id      uuid        NOT NULL,
    subido_por     uuid        NOT NULL,
    nombre_archivo text        NOT NULL,
    tipo_mime      text        NOT NULL CHECK (tipo_mime IN ('application/pdf', 'image/jpeg', 'image/png')),
    tamano         bigint      NOT NULL CHECK (tamano > 0),
    sha256         text        NOT NULL,
    storage_key    text        NOT NULL,
    estado         text        NOT NULL DEFAULT 'pendiente'
                   CHECK (estado IN ('pendiente', 'procesando', 'procesado', 'error', 'revisado')),
    motor          text CHECK (motor IN ('gemini', 'local')),
    -- The current extraction (a person's correction when estado = revisado)
    -- and the engine's own output, kept when a person corrects it.
    extraccion          jsonb,
    extraccion_original jsonb,
    error_codigo   text,
    error_mensaje  text,
    -- Denormalized from the extraction for duplicate checks and conciliation.
    tipo_documento      text,
    rut_emisor          text,
    razon_social_emisor text,
    folio               text,
    fecha_emision       date,
    moneda              text,
    monto_total         numeric(18, 4),
    -- Gemini token usage of the last extraction.
    tokens_prompt    int,
    tokens_respuesta int,
    tokens_total     int,
    -- Duplicate detection beyond the file hash: same issuer + type + folio
    -- (duplicado_tipo 'folio') or same issuer, amount and date ('monto_fecha',
    -- a warning). A person may overrule it; that is recorded.
    duplicado_de        uuid REFERENCES rendiciones.documentos_procesados (id),
    duplicado_tipo      text CHECK (duplicado_tipo IN ('folio', 'monto_fecha')),
    no_duplicado        boolean NOT NULL DEFAULT false,
    no_duplicado_por    uuid,
    no_duplicado_at     timestamptz,
    no_duplicado_motivo text,
    revisado_por   uuid,
    revisado_at    timestamptz,
    procesado_at   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT documentos_sha256_key UNIQUE (tenant_id, sha256),
    CONSTRAINT documentos_tenant_id_key UNIQUE (tenant_id, id)
);
CREATE INDEX documentos_tenant_created_idx ON rendiciones.documentos_procesados (tenant_id, created_at DESC, id);
CREATE INDEX documentos_tenant_estado_idx ON rendiciones.documentos_procesados (tenant_id, estado);
CREATE INDEX documentos_folio_idx ON rendiciones.documentos_procesados (tenant_id, rut_emisor, tipo_documento, folio);
CREATE INDEX documentos_monto_idx ON rendiciones.documentos_procesados (tenant_id, monto_total, fecha_emision);

-- +goose Down
DROP TABLE rendiciones.documentos_procesados;
