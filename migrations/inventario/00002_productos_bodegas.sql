-- +goose Up
-- Products and warehouses (DESIGN §7). Every row belongs to a tenant; the
-- UNIQUE (tenant_id, id) pairs let stock rows reference them with composite
-- foreign keys, so a balance can never join a product of another tenant.
CREATE TABLE inventario.productos (
    id           uuid PRIMARY KEY,
    tenant_id    uuid          NOT NULL,
    sku          text          NOT NULL CHECK (sku <> ''),
    nombre       text          NOT NULL CHECK (nombre <> ''),
    descripcion  text          NOT NULL DEFAULT '',
    unidad       text          NOT NULL DEFAULT 'UN',
    categoria    text          NOT NULL DEFAULT '',
    precio_venta numeric(20,2) NOT NULL DEFAULT 0 CHECK (precio_venta >= 0),
    stock_minimo numeric(18,4) NOT NULL DEFAULT 0 CHECK (stock_minimo >= 0),
    activo       boolean       NOT NULL DEFAULT true,
    created_at   timestamptz   NOT NULL DEFAULT now(),
    updated_at   timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT productos_tenant_id_key UNIQUE (tenant_id, id)
);
-- SKUs are unique per tenant regardless of case ("abc-1" = "ABC-1").
CREATE UNIQUE INDEX productos_sku_key ON inventario.productos (tenant_id, lower(sku));

CREATE TABLE inventario.bodegas (
    id         uuid PRIMARY KEY,
    tenant_id  uuid        NOT NULL,
    codigo     text        NOT NULL CHECK (codigo <> ''),
    nombre     text        NOT NULL CHECK (nombre <> ''),
    activa     boolean     NOT NULL DEFAULT true,
    -- The PRINCIPAL bodega every tenant gets on first use; at most one per
    -- tenant, which is what makes its creation race-free (INSERT … ON CONFLICT).
    principal  boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bodegas_tenant_id_key UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX bodegas_codigo_key ON inventario.bodegas (tenant_id, upper(codigo));
CREATE UNIQUE INDEX bodegas_principal_key ON inventario.bodegas (tenant_id) WHERE principal;

-- +goose Down
DROP TABLE inventario.bodegas;
DROP TABLE inventario.productos;
