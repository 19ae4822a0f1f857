package authn

import (
	"context"
	"maps"
	"slices"
)

// Well-known user and group names.
const (
	// GroupAuthenticated is added to every authenticated user.
	GroupAuthenticated = "system:authenticated"
	// GroupMasters is the group RBAC lets do anything.
	GroupMasters = "system:masters"
)

// User is the identity of an authenticated request, with the same fields as
// Kubernetes' user info: the name, a unique ID when the source has one, the
// groups, and free-form extra attributes.
type User struct {
	Name   string
	UID    string
	Groups []string
	Extra  map[string][]string
}

// clone returns a deep copy of u, so callers may change the result without
// touching shared definitions such as a token table.
func (u *User) clone() *User {
	c := &User{Name: u.Name, UID: u.UID, Groups: slices.Clone(u.Groups)}
	if u.Extra != nil {
		c.Extra = make(map[string][]string, len(u.Extra))
		for k, v := range maps.All(u.Extra) {
			c.Extra[k] = slices.Clone(v)
		}
	}
	return c
}

// authenticated returns a copy of u that is a member of GroupAuthenticated.
func authenticated(u *User) *User {
	c := u.clone()
	if !slices.Contains(c.Groups, GroupAuthenticated) {
		c.Groups = append(c.Groups, GroupAuthenticated)
	}
	return c
}

type userKey struct{}

// WithUser returns a copy of ctx carrying u.
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the User stored in ctx by WithUser, if any.
func UserFrom(ctx context.Context) (*User, bool) {
	u, ok := ctx.Value(userKey{}).(*User)
	return u, ok && u != nil
}
