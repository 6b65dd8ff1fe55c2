// Package password hashes and checks account passwords with Argon2id
// (golang.org/x/crypto/argon2), the memory-hard hash RFC 9106 recommends, in the PHC
// string format ($argon2id$v=19$m=…,t=…,p=…$salt$hash) so parameters can be raised later
// without breaking stored hashes.
//
// Parameters: 64 MiB of memory, 3 passes, 2 lanes, a 16-byte random salt, a 32-byte key
// (RFC 9106's second recommended option, with the lanes this project's 2-core machines
// have). One check takes about 0.1 s and 64 MiB, so the server runs at most two at once.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// The Argon2id parameters of new hashes.
const (
	Memory  = 64 * 1024 // KiB
	Time    = 3
	Threads = 2
	saltLen = 16
	keyLen  = 32
	// MinLength and MaxLength bound a password, in characters (MaxLength bounds the
	// work an attacker can ask for, not the hash's).
	MinLength = 10
	MaxLength = 256
)

// Check refuses a password that is too short, too long or not valid UTF-8.
func Check(pw string) error {
	if !utf8.ValidString(pw) {
		return errors.New("the password is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(pw); n < MinLength || n > MaxLength {
		return fmt.Errorf("a password is %d to %d characters long", MinLength, MaxLength)
	}
	return nil
}

// Hash returns the encoded Argon2id hash of pw with a fresh salt.
func Hash(pw string) (string, error) {
	if err := Check(pw); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, Time, Memory, Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, Memory, Time, Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether pw matches the encoded hash, in constant time. A hash whose
// parameters are out of bounds (a corrupted or hostile state file) is an error, so it
// cannot make one check take gigabytes.
func Verify(pw, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errors.New("unsupported argon2 version")
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errors.New("malformed argon2 parameters")
	}
	if m < 8*1024 || m > 1024*1024 || t < 1 || t > 10 || p < 1 || p > 16 {
		return false, errors.New("argon2 parameters out of bounds")
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return false, errors.New("malformed salt")
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false, errors.New("malformed key")
	}
	if len(pw) > MaxLength*4 {
		return false, nil
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
