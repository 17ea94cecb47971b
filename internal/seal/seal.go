// Package seal encrypts secrets at rest (third-party OAuth tokens, private
// signing keys) with AES-256-GCM. Each sealed value is bound to a context
// string (its row, its purpose) as additional data, so a ciphertext copied
// into another row does not open there.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
)

// KeySize is the key length: AES-256.
const KeySize = 32

// version prefixes every sealed value, so the format can change.
const version = 1

// ErrOpen covers every way a sealed value can fail to open: wrong key,
// wrong context, tampering, truncation. Callers learn no more.
var ErrOpen = errors.New("seal: cannot open")

// Sealer seals and opens values under one key. It is safe for concurrent use.
type Sealer struct{ aead cipher.AEAD }

// New returns a Sealer for a 32-byte key.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, errors.New("seal: the key must be 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext bound to context: version, random nonce, ciphertext.
func (s *Sealer) Seal(plaintext []byte, context string) []byte {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	out[0] = version
	_, _ = rand.Read(out[1:]) // never fails (crypto/rand)
	return s.aead.Seal(out, out[1:], plaintext, []byte(context))
}

// Open decrypts what Seal returned for the same context.
func (s *Sealer) Open(sealed []byte, context string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	pt, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(context))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}
