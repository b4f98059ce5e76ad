package documentos

import _ "embed"

// OpenAPI is this package's fragment of the service's API document.
//
//go:embed openapi.yaml
var OpenAPI []byte
