package pages

import (
	"bytes"
	"context"
	"encoding/json"
)

// RenderContractDocument renders a contract's frozen terms (the JSON of
// store.ContractTerms) as its HTML document with ContractDocument. It is the
// store's Options.RenderContract in production and in every test, so the
// tests sign the same document as production.
func RenderContractDocument(ctx context.Context, termsJSON []byte) (string, error) {
	var d ContractDoc
	if err := json.Unmarshal(termsJSON, &d); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := ContractDocument(d).Render(ctx, &buf); err != nil {
		return "", err
	}
	return buf.String(), nil
}
