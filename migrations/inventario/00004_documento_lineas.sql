-- +goose Up
-- Lines of processed purchase invoices (documento.procesado events from
-- rendiciones) and what became of each: booked as an entrada, or pending
-- because no product has its code as SKU. The primary key is the guard that
-- books a document's line once, also when the document is reprocessed and a
-- new event arrives long after the Idempotency-Keys expired.
CREATE TABLE inventario.documento_lineas (
    tenant_id       uuid          NOT NULL,
    documento_id    uuid          NOT NULL,
    linea           int           NOT NULL CHECK (linea > 0),
    event_id        uuid          NOT NULL,
    estado          text          NOT NULL CHECK (estado IN ('ingresada', 'pendiente')),
    motivo          text          NOT NULL DEFAULT '',
    codigo          text          NOT NULL DEFAULT '',
    descripcion     text          NOT NULL DEFAULT '',
    cantidad        numeric(18, 4),
    precio_unitario numeric(20, 6),
    tipo_documento  text          NOT NULL DEFAULT '',
    folio           text          NOT NULL DEFAULT '',
    rut_emisor      text          NOT NULL DEFAULT '',
    movimiento_id   uuid,
    created_at      timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, documento_id, linea)
);
CREATE INDEX documento_lineas_pendientes_idx ON inventario.documento_lineas (tenant_id, created_at DESC) WHERE estado = 'pendiente';

-- +goose Down
DROP TABLE inventario.documento_lineas;
