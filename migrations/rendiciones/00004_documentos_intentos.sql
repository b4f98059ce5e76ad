-- +goose Up
-- Extraction attempts of a document (retries with backoff show here while
-- it waits as 'pendiente'), and the list a usuario sees: their own uploads.
ALTER TABLE rendiciones.documentos_procesados
    ADD COLUMN intentos int NOT NULL DEFAULT 0;
CREATE INDEX documentos_tenant_subido_idx
    ON rendiciones.documentos_procesados (tenant_id, subido_por, created_at DESC, id);

-- +goose Down
DROP INDEX rendiciones.documentos_tenant_subido_idx;
ALTER TABLE rendiciones.documentos_procesados DROP COLUMN intentos;
