package authn

import (
	"errors"
	"net/http"
)

// Authenticator decides who sent a request.
//
// Authenticate is called once per request, concurrently from many
// goroutines, before authorization. It returns:
//   - (user, true, nil) when the request carries credentials this
//     authenticator accepts;
//   - (nil, false, nil) when it carries none this authenticator understands,
//     so another authenticator may decide;
//   - (nil, false, err) when it carries credentials of this authenticator's
//     kind that are invalid (bad signature, unknown token, expired).
//
// The returned User belongs to the caller and is a member of
// GroupAuthenticated.
type Authenticator interface {
	Authenticate(r *http.Request) (*User, bool, error)
}

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(r *http.Request) (*User, bool, error)

// Authenticate calls f(r).
func (f AuthenticatorFunc) Authenticate(r *http.Request) (*User, bool, error) { return f(r) }

// Union returns an Authenticator that asks each of a in order and returns
// the first success. If none succeeds and at least one returned an error,
// the errors are returned joined; otherwise it has no opinion.
func Union(a ...Authenticator) Authenticator {
	list := make([]Authenticator, 0, len(a))
	for _, x := range a {
		if x != nil {
			list = append(list, x)
		}
	}
	return union(list)
}

type union []Authenticator

func (u union) Authenticate(r *http.Request) (*User, bool, error) {
	var errs []error
	for _, a := range u {
		user, ok, err := a.Authenticate(r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok && user != nil {
			return authenticated(user), true, nil
		}
	}
	return nil, false, errors.Join(errs...)
}
