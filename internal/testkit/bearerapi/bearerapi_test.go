package bearerapi_test

import (
	"net/http"
	"testing"

	"github.com/tokenrelay/tokenrelay/internal/testkit/bearerapi"
)

func TestRotate(t *testing.T) {
	a := bearerapi.Start(t, "one")
	get := func(tok string) int {
		req, _ := http.NewRequest(http.MethodGet, a.URL(), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get("one"); got != http.StatusOK {
		t.Errorf("got %d for the accepted token; want 200", got)
	}
	a.Rotate("two")
	if got := get("one"); got != http.StatusUnauthorized {
		t.Errorf("got %d for the rotated-out token; want 401", got)
	}
	if auths, _ := a.Seen(); len(auths) != 2 || auths[1] != "Bearer one" {
		t.Errorf("got Seen %q; want both requests", auths)
	}
}
