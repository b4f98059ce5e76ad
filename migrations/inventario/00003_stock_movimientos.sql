-- +goose Up
-- Balances: one row per (tenant, product, bodega), created by the first
-- movement that touches it. Every movement locks the rows it changes
-- (SELECT … FOR UPDATE, in bodega_id order) and updates them in the same
-- transaction as its ledger row; the CHECK is the last line of defence
-- against a negative balance. fillfactor leaves room on each page so the
-- frequent updates stay HOT (no index touched: none of the updated columns is
-- indexed).
CREATE TABLE inventario.stock (
    tenant_id      uuid          NOT NULL,
    producto_id    uuid          NOT NULL,
    bodega_id      uuid          NOT NULL,
    cantidad       numeric(18,4) NOT NULL CONSTRAINT stock_cantidad_no_negativa CHECK (cantidad >= 0),
    costo_promedio numeric(20,6) NOT NULL CHECK (costo_promedio >= 0),
    updated_at     timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT stock_pkey PRIMARY KEY (tenant_id, producto_id, bodega_id),
    CONSTRAINT stock_producto_fkey FOREIGN KEY (tenant_id, producto_id) REFERENCES inventario.productos (tenant_id, id),
    CONSTRAINT stock_bodega_fkey FOREIGN KEY (tenant_id, bodega_id) REFERENCES inventario.bodegas (tenant_id, id)
) WITH (fillfactor = 70);
CREATE INDEX stock_bodega_idx ON inventario.stock (tenant_id, bodega_id);

-- The ledger. One row per movement; a transferencia is one row that carries
-- both of its entries: −cantidad at bodega_id and +cantidad at
-- bodega_destino_id, each with the balance it left (saldo_* / destino_saldo_*).
-- Keeping the resulting balance on the row makes the kardex one ordered
-- SELECT and lets anyone re-check it from the ledger alone.
--   cantidad   what the client asked for: the quantity moved, or for an ajuste
--              the counted quantity (= saldo_cantidad)
--   variacion  the signed change of bodega_id's balance
--   valor      variacion × costo_unitario, rounded to cents (signed)
-- seq orders the rows: it is drawn while the balance rows are locked, so for
-- any one balance it is the order in which the movements were applied.
CREATE TABLE inventario.movimientos (
    id                           uuid PRIMARY KEY,
    seq                          bigint        GENERATED ALWAYS AS IDENTITY,
    tenant_id                    uuid          NOT NULL,
    tipo                         text          NOT NULL CHECK (tipo IN ('entrada', 'salida', 'ajuste', 'transferencia')),
    producto_id                  uuid          NOT NULL,
    bodega_id                    uuid          NOT NULL,
    bodega_destino_id            uuid,
    cantidad                     numeric(18,4) NOT NULL CHECK (cantidad >= 0),
    variacion                    numeric(18,4) NOT NULL,
    costo_unitario               numeric(20,6) NOT NULL CHECK (costo_unitario >= 0),
    valor                        numeric       NOT NULL,
    saldo_cantidad               numeric(18,4) NOT NULL CHECK (saldo_cantidad >= 0),
    saldo_costo_promedio         numeric(20,6) NOT NULL,
    destino_saldo_cantidad       numeric(18,4) CHECK (destino_saldo_cantidad >= 0),
    destino_saldo_costo_promedio numeric(20,6),
    motivo                       text          NOT NULL DEFAULT '',
    referencia                   text          NOT NULL DEFAULT '',
    reverso_de                   uuid          REFERENCES inventario.movimientos (id),
    usuario_id                   text,
    created_at                   timestamptz   NOT NULL,
    CONSTRAINT movimientos_destino_check CHECK (
        (tipo = 'transferencia') = (bodega_destino_id IS NOT NULL)
        AND (bodega_destino_id IS NULL OR (bodega_destino_id <> bodega_id
             AND destino_saldo_cantidad IS NOT NULL AND destino_saldo_costo_promedio IS NOT NULL))),
    CONSTRAINT movimientos_variacion_check CHECK (CASE tipo
        WHEN 'ajuste' THEN true
        WHEN 'entrada' THEN variacion > 0
        ELSE variacion < 0 END),
    CONSTRAINT movimientos_origen_fkey FOREIGN KEY (tenant_id, producto_id, bodega_id)
        REFERENCES inventario.stock (tenant_id, producto_id, bodega_id),
    CONSTRAINT movimientos_destino_fkey FOREIGN KEY (tenant_id, producto_id, bodega_destino_id)
        REFERENCES inventario.stock (tenant_id, producto_id, bodega_id)
);
-- A movement is reversed at most once.
CREATE UNIQUE INDEX movimientos_reverso_de_key ON inventario.movimientos (reverso_de) WHERE reverso_de IS NOT NULL;
CREATE INDEX movimientos_kardex_idx ON inventario.movimientos (tenant_id, producto_id, bodega_id, seq);
CREATE INDEX movimientos_destino_idx ON inventario.movimientos (tenant_id, producto_id, bodega_destino_id, seq)
    WHERE bodega_destino_id IS NOT NULL;
CREATE INDEX movimientos_seq_idx ON inventario.movimientos (tenant_id, seq);

-- The ledger is append-only: corrections are reversals. The application never
-- updates or deletes a movement; this trigger makes sure nobody else does.
-- +goose StatementBegin
CREATE FUNCTION inventario.movimientos_inmutables() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'inventario.movimientos es inmutable: % rechazado (corrija con un reverso)', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER movimientos_inmutables BEFORE UPDATE OR DELETE ON inventario.movimientos
    FOR EACH ROW EXECUTE FUNCTION inventario.movimientos_inmutables();
CREATE TRIGGER movimientos_sin_truncate BEFORE TRUNCATE ON inventario.movimientos
    FOR EACH STATEMENT EXECUTE FUNCTION inventario.movimientos_inmutables();

-- The kardex: one line per (movement, bodega) it touched. A transferencia
-- gives two lines, −cantidad at the origin and +cantidad at the destination.
CREATE VIEW inventario.kardex AS
SELECT m.tenant_id, m.seq, 0 AS lado, m.id AS movimiento_id, m.tipo, m.producto_id,
       m.bodega_id, m.variacion, m.costo_unitario, m.valor,
       m.saldo_cantidad, m.saldo_costo_promedio, m.motivo, m.referencia, m.reverso_de, m.created_at
  FROM inventario.movimientos m
UNION ALL
SELECT m.tenant_id, m.seq, 1, m.id, m.tipo, m.producto_id,
       m.bodega_destino_id, -m.variacion, m.costo_unitario, -m.valor,
       m.destino_saldo_cantidad, m.destino_saldo_costo_promedio, m.motivo, m.referencia, m.reverso_de, m.created_at
  FROM inventario.movimientos m
 WHERE m.bodega_destino_id IS NOT NULL;

-- Idempotency-Key records (Stripe semantics, per tenant). The row, with the
-- response, is inserted by the same transaction that books the movement. A
-- concurrent request with the same key blocks on the primary key until the
-- first commits, then fails on it, rolls back everything it did and replays
-- the stored response: the movement is applied once. Rows older than 24 h are
-- pruned by a background worker.
CREATE TABLE inventario.idempotency_keys (
    tenant_id    uuid        NOT NULL,
    key          text        NOT NULL,
    request_hash bytea       NOT NULL,
    status       smallint    NOT NULL,
    response     bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON inventario.idempotency_keys (created_at);

-- +goose Down
DROP TABLE inventario.idempotency_keys;
DROP VIEW inventario.kardex;
DROP TABLE inventario.movimientos;
DROP FUNCTION inventario.movimientos_inmutables();
DROP TABLE inventario.stock;
