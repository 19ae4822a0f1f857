// Package serviceaccount makes sure every active namespace has the
// "default" ServiceAccount, as upstream's serviceaccounts-controller does:
// it creates it when a namespace appears and again when it is deleted.
// Terminating namespaces are left alone. Tokens are not minted here.
package serviceaccount
