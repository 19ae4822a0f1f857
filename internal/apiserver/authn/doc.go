// Package authn is the API server's authentication seam: it turns an HTTP
// request into a User, or decides that it carries no acceptable credentials.
//
// Authenticators are small and composable. NewX509 accepts client
// certificates signed by a trusted CA, NewTokenFile accepts static bearer
// tokens, and Union tries several in order. Middleware runs an Authenticator
// in front of a handler and stores the User in the request context, where
// authorization and admission find it with UserFrom.
package authn
