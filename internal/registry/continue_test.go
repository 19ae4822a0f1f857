package registry

import (
	"strings"
	"testing"
)

func TestContinueTokenRoundTrip(t *testing.T) {
	prefix := "/registry/pods/"
	tok := encodeContinue(42, prefix+"default/web-1\x00", prefix)
	rev, key, err := decodeContinue(tok, prefix)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if rev != 42 || key != prefix+"default/web-1\x00" {
		t.Fatalf("got (%d, %q), want (42, %q)", rev, key, prefix+"default/web-1\x00")
	}
}

// FuzzContinueToken: decoding never panics and never yields a key outside
// the resource's prefix.
func FuzzContinueToken(f *testing.F) {
	prefix := "/registry/pods/"
	f.Add(encodeContinue(7, prefix+"a/b", prefix))
	f.Add("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiIuLi8uLi9zZWNyZXRzIn0")
	f.Add("!!!")
	f.Fuzz(func(t *testing.T, token string) {
		rev, key, err := decodeContinue(token, prefix)
		if err != nil {
			return
		}
		if rev <= 0 || !strings.HasPrefix(key, prefix) || strings.Contains(key, "..") {
			t.Fatalf("accepted token %q → (%d, %q)", token, rev, key)
		}
	})
}
