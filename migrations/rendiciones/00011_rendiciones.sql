-- +goose Up
-- Expense reports (DESIGN §6): out-of-pocket expenses (gastos) or a card's
-- charges for a period (tarjeta), submitted by their owner and approved or
-- rejected by an aprobador.
CREATE TABLE rendiciones.rendiciones (
    id          uuid PRIMARY KEY,
    tenant_id   uuid        NOT NULL,
    usuario_id  uuid        NOT NULL, -- the owner: who created it
    titulo      text        NOT NULL CHECK (length(titulo) BETWEEN 1 AND 200),
    tipo        text        NOT NULL CHECK (tipo IN ('gastos', 'tarjeta')),
    tarjeta_id  uuid,
    periodo     text CHECK (periodo ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    estado      text        NOT NULL DEFAULT 'borrador'
                CHECK (estado IN ('borrador', 'enviada', 'aprobada', 'rechazada')),
    enviada_at  timestamptz,
    resuelta_at timestamptz, -- approved or rejected
    resuelta_por uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rendiciones_tenant_id_key UNIQUE (tenant_id, id),
    CONSTRAINT rendiciones_tarjeta_fkey FOREIGN KEY (tenant_id, tarjeta_id)
        REFERENCES rendiciones.tarjetas (tenant_id, id),
    CONSTRAINT rendiciones_tarjeta_periodo_check CHECK (
        (tipo = 'tarjeta' AND tarjeta_id IS NOT NULL AND periodo IS NOT NULL)
        OR (tipo = 'gastos' AND tarjeta_id IS NULL))
);
CREATE INDEX rendiciones_tenant_idx ON rendiciones.rendiciones (tenant_id, created_at DESC, id);
CREATE INDEX rendiciones_usuario_idx ON rendiciones.rendiciones (tenant_id, usuario_id, created_at DESC);

-- One expense line. Date, amount and currency are copied from the card item
-- or the document when one is given, so the report keeps what was submitted.
-- A document or card item belongs to at most one rendición (the unique keys).
CREATE TABLE rendiciones.rendicion_items (
    id              uuid PRIMARY KEY,
    tenant_id       uuid           NOT NULL,
    rendicion_id    uuid           NOT NULL,
    documento_id    uuid,
    tarjeta_item_id uuid,
    fecha           date           NOT NULL,
    descripcion     text           NOT NULL DEFAULT '',
    monto           numeric(18, 4) NOT NULL,
    moneda          text           NOT NULL CHECK (moneda IN ('CLP', 'USD')),
    categoria       text           NOT NULL, -- a categoria_gasto clave in core
    centro_costo    text,                    -- a centro_costo clave in core
    created_at      timestamptz    NOT NULL DEFAULT now(),
    updated_at      timestamptz    NOT NULL DEFAULT now(),
    CONSTRAINT rendicion_items_rendicion_fkey FOREIGN KEY (tenant_id, rendicion_id)
        REFERENCES rendiciones.rendiciones (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT rendicion_items_documento_fkey FOREIGN KEY (tenant_id, documento_id)
        REFERENCES rendiciones.documentos_procesados (tenant_id, id),
    CONSTRAINT rendicion_items_tarjeta_item_fkey FOREIGN KEY (tenant_id, tarjeta_item_id)
        REFERENCES rendiciones.rendicion_tarjeta_items (tenant_id, id),
    CONSTRAINT rendicion_items_documento_key UNIQUE (tenant_id, documento_id),
    CONSTRAINT rendicion_items_tarjeta_item_key UNIQUE (tenant_id, tarjeta_item_id)
);
CREATE INDEX rendicion_items_rendicion_idx ON rendiciones.rendicion_items (rendicion_id, fecha, id);

-- Audit trail: every state transition (historial) and every field changed
-- after submission with its old and new value (cambios). Rows are only ever
-- inserted; the trigger below refuses updates and deletes, and a rendición
-- with history cannot be deleted (the foreign keys have no cascade).
CREATE TABLE rendiciones.rendicion_historial (
    id           uuid PRIMARY KEY,
    tenant_id    uuid        NOT NULL,
    rendicion_id uuid        NOT NULL,
    usuario_id   uuid        NOT NULL,
    de           text        NOT NULL,
    a            text        NOT NULL,
    motivo       text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rendicion_historial_rendicion_fkey FOREIGN KEY (tenant_id, rendicion_id)
        REFERENCES rendiciones.rendiciones (tenant_id, id)
);
CREATE INDEX rendicion_historial_idx ON rendiciones.rendicion_historial (rendicion_id, created_at, id);

CREATE TABLE rendiciones.rendicion_cambios (
    id             uuid PRIMARY KEY,
    tenant_id      uuid        NOT NULL,
    rendicion_id   uuid        NOT NULL,
    item_id        uuid, -- null: a field of the rendición itself
    campo          text        NOT NULL,
    valor_anterior text,
    valor_nuevo    text,
    usuario_id     uuid        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rendicion_cambios_rendicion_fkey FOREIGN KEY (tenant_id, rendicion_id)
        REFERENCES rendiciones.rendiciones (tenant_id, id)
);
CREATE INDEX rendicion_cambios_idx ON rendiciones.rendicion_cambios (rendicion_id, created_at, id);

-- +goose StatementBegin
CREATE FUNCTION rendiciones.solo_agregar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% es de solo agregar', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER rendicion_historial_solo_agregar BEFORE UPDATE OR DELETE ON rendiciones.rendicion_historial
    FOR EACH ROW EXECUTE FUNCTION rendiciones.solo_agregar();
CREATE TRIGGER rendicion_cambios_solo_agregar BEFORE UPDATE OR DELETE ON rendiciones.rendicion_cambios
    FOR EACH ROW EXECUTE FUNCTION rendiciones.solo_agregar();

-- +goose Down
DROP TABLE rendiciones.rendicion_cambios;
DROP TABLE rendiciones.rendicion_historial;
DROP FUNCTION rendiciones.solo_agregar();
DROP TABLE rendiciones.rendicion_items;
DROP TABLE rendiciones.rendiciones;
