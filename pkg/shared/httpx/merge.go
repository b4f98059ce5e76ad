package httpx

import (
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// MergeOpenAPI joins a service's base document with fragments that domain
// packages keep next to their handlers (each with its own paths and
// components). A path or component defined twice is an error, so two
// packages cannot silently overwrite each other. The result is JSON.
func MergeOpenAPI(base []byte, fragments ...[]byte) ([]byte, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(base, &doc); err != nil {
		return nil, fmt.Errorf("openapi base: %w", err)
	}
	for i, f := range fragments {
		var frag map[string]any
		if err := yaml.Unmarshal(f, &frag); err != nil {
			return nil, fmt.Errorf("openapi fragment %d: %w", i, err)
		}
		if err := mergeSection(doc, frag, "paths", ""); err != nil {
			return nil, err
		}
		if comps, ok := frag["components"].(map[string]any); ok {
			dc, _ := doc["components"].(map[string]any)
			if dc == nil {
				dc = map[string]any{}
				doc["components"] = dc
			}
			for kind := range comps {
				if err := mergeSection(dc, comps, kind, "components."); err != nil {
					return nil, err
				}
			}
		}
		if tags, ok := frag["tags"].([]any); ok {
			dt, _ := doc["tags"].([]any)
			doc["tags"] = append(dt, tags...)
		}
	}
	return json.Marshal(doc)
}

func mergeSection(dst, src map[string]any, key, prefix string) error {
	s, ok := src[key].(map[string]any)
	if !ok {
		return nil
	}
	d, _ := dst[key].(map[string]any)
	if d == nil {
		d = map[string]any{}
		dst[key] = d
	}
	for k, v := range s {
		if _, dup := d[k]; dup {
			return fmt.Errorf("openapi: %s%s.%s defined twice", prefix, key, k)
		}
		d[k] = v
	}
	return nil
}
