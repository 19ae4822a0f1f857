package authn

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
)

// ErrInvalidToken is returned for a bearer token no authenticator knows.
var ErrInvalidToken = errors.New("invalid bearer token")

// NewTokenFile returns an Authenticator for static bearer tokens sent as
// "Authorization: Bearer <token>". tokens maps each token to its user; the
// map is copied, so later changes to it are not seen. Lookup takes the same
// time whichever token, if any, matches. Requests without a bearer token get
// no opinion; an unknown token is ErrInvalidToken.
func NewTokenFile(tokens map[string]*User) Authenticator {
	a := &tokenAuthenticator{entries: make([]tokenEntry, 0, len(tokens))}
	for t, u := range tokens {
		if t == "" || u == nil {
			continue
		}
		a.entries = append(a.entries, tokenEntry{hash: sha256.Sum256([]byte(t)), user: u.clone()})
	}
	return a
}

type tokenEntry struct {
	hash [sha256.Size]byte
	user *User
}

type tokenAuthenticator struct {
	entries []tokenEntry
}

func (a *tokenAuthenticator) Authenticate(r *http.Request) (*User, bool, error) {
	token, ok := bearerToken(r)
	if !ok {
		return nil, false, nil
	}
	// Hashing gives equal-length inputs, and every entry is compared, so
	// timing reveals neither which token matched nor how much of it.
	h := sha256.Sum256([]byte(token))
	var found *User
	for i := range a.entries {
		if subtle.ConstantTimeCompare(h[:], a.entries[i].hash[:]) == 1 {
			found = a.entries[i].user
		}
	}
	if found == nil {
		return nil, false, ErrInvalidToken
	}
	return authenticated(found), true, nil
}

// bearerToken extracts the token from an "Authorization: Bearer" header.
// The scheme is matched case-insensitively.
func bearerToken(r *http.Request) (string, bool) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
