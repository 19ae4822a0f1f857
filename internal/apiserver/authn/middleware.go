package authn

import (
	"net/http"
)

// Middleware authenticates each request with a before calling next with the
// User in the request context (see UserFrom). The Authorization header is
// removed once it has been used, so handlers and proxies behind it never
// see the credential. When a does not accept the request — no opinion or an
// error — unauthorized writes the response instead; nil means a plain 401.
func Middleware(a Authenticator, next http.Handler, unauthorized func(w http.ResponseWriter, r *http.Request)) http.Handler {
	if unauthorized == nil {
		unauthorized = func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok, err := a.Authenticate(r)
		if err != nil || !ok || u == nil {
			unauthorized(w, r)
			return
		}
		r.Header.Del("Authorization")
		next.ServeHTTP(w, r.WithContext(WithUser(r.Context(), authenticated(u))))
	})
}
