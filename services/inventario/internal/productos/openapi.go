package productos

import _ "embed"

// OpenAPI is this package's fragment of inventario's document.
//
//go:embed openapi.yaml
var OpenAPI []byte
