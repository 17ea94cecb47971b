package integration

// JWK is one public key of a JWK Set (RFC 7517).
type JWK struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// JWKS is a JWK Set: a tenant's public keys for integration tokens, as
// GET /api/integration/jwks answers.
type JWKS struct {
	Keys []JWK `json:"keys"`
}
