-- +goose Up
-- Corporate cards. Only the last 4 digits are ever stored (DESIGN §6): the
-- API refuses any body carrying a full card number before it gets here.
CREATE TABLE rendiciones.tarjetas (
    id         uuid PRIMARY KEY,
    tenant_id  uuid        NOT NULL,
    alias      text        NOT NULL CHECK (length(alias) BETWEEN 1 AND 100),
    banco      text        NOT NULL CHECK (length(banco) BETWEEN 1 AND 100),
    ultimos_4  text        NOT NULL CHECK (ultimos_4 ~ '^[0-9]{4}$'),
    -- core user who holds the card; null for a card nobody holds yet.
    titular_id uuid,
    moneda     text        NOT NULL DEFAULT 'CLP' CHECK (moneda IN ('CLP', 'USD')),
    -- DELETE deactivates: a card keeps its statement items and rendiciones.
    activa     boolean     NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tarjetas_tenant_id_key UNIQUE (tenant_id, id)
);
CREATE INDEX tarjetas_tenant_idx ON rendiciones.tarjetas (tenant_id, created_at, id);

-- Charges and credits of a card's statements (cartolas). huella is the
-- cartola fingerprint of the row: importing the same or an overlapping
-- statement again hits the unique key and creates nothing.
CREATE TABLE rendiciones.rendicion_tarjeta_items (
    id           uuid PRIMARY KEY,
    tenant_id    uuid          NOT NULL,
    tarjeta_id   uuid          NOT NULL,
    fecha        date          NOT NULL,
    descripcion  text          NOT NULL,
    -- positive: a charge; negative: a credit (payment, refund).
    monto        numeric(18, 4) NOT NULL,
    moneda       text          NOT NULL CHECK (moneda IN ('CLP', 'USD')),
    cuotas       text          NOT NULL DEFAULT '',
    referencia   text          NOT NULL DEFAULT '',
    estado       text          NOT NULL DEFAULT 'pendiente' CHECK (estado IN ('pendiente', 'rendido')),
    huella       text          NOT NULL,
    -- The document that backs the charge (conciliation or a person's choice).
    documento_id   uuid,
    -- How the document was linked: by the conciliation rule (which criteria
    -- held) or by a person.
    conciliacion_criterio text CHECK (conciliacion_criterio IN
        ('monto+nombre', 'monto+fecha', 'monto+nombre+fecha', 'manual')),
    conciliado_at  timestamptz,
    conciliado_por uuid,
    created_at   timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT tarjeta_items_tenant_id_key UNIQUE (tenant_id, id),
    CONSTRAINT tarjeta_items_huella_key UNIQUE (tarjeta_id, huella),
    -- One item per document (one document per item is the column itself).
    CONSTRAINT tarjeta_items_documento_key UNIQUE (tenant_id, documento_id),
    CONSTRAINT tarjeta_items_tarjeta_fkey FOREIGN KEY (tenant_id, tarjeta_id)
        REFERENCES rendiciones.tarjetas (tenant_id, id),
    CONSTRAINT tarjeta_items_documento_fkey FOREIGN KEY (tenant_id, documento_id)
        REFERENCES rendiciones.documentos_procesados (tenant_id, id),
    CONSTRAINT tarjeta_items_conciliacion_check CHECK ((documento_id IS NULL) = (conciliacion_criterio IS NULL))
);
CREATE INDEX tarjeta_items_tarjeta_idx ON rendiciones.rendicion_tarjeta_items (tarjeta_id, fecha, id);

-- +goose Down
DROP TABLE rendiciones.rendicion_tarjeta_items;
DROP TABLE rendiciones.tarjetas;
