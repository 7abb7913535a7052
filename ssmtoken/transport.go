package ssmtoken

import (
	"fmt"
	"io"
	"net/http"
)

// Transport returns a RoundTripper that sends each request through base
// (nil means http.DefaultTransport) with the Authorization header set from
// the token, "<token_type> <access_token>". On a 401 it drops the token it
// used, reads the parameter again and retries the request once, when its
// body can be replayed (no body, or GetBody set, as http.NewRequest does for
// in-memory bodies); the answer to the retry is returned as it is, a second
// 401 included. When that second read fails (the token expired, the
// parameter is gone), RoundTrip returns its error instead of the 401. A request whose body cannot be replayed gets its first 401
// back, and the next request reads the parameter again.
//
// The header is set on every request the client sends, redirects included:
// use it with a client that does not follow redirects to other hosts.
func (s *Source) Transport(base http.RoundTripper) http.RoundTripper {
	return &transport{src: s, base: base}
}

type transport struct {
	src  *Source
	base http.RoundTripper
}

// drainLimit is how much of a refused response's body is read so that its
// connection can be reused.
const drainLimit = 64 << 10

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	tok, err := t.src.TokenContext(ctx)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	first := req.Clone(ctx)
	tok.SetAuthHeader(first)
	resp, err := t.baseRT().RoundTrip(first)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	t.src.invalidate(tok)
	replayable := req.Body == nil || req.Body == http.NoBody
	if !replayable && req.GetBody == nil {
		return resp, nil
	}
	_, _ = io.CopyN(io.Discard, resp.Body, drainLimit)
	_ = resp.Body.Close()
	tok, err = t.src.TokenContext(ctx)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	retry := req.Clone(ctx)
	if !replayable {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("ssmtoken: replay the request body after a 401: %w", err)
		}
		retry.Body = body
	}
	tok.SetAuthHeader(retry)
	return t.baseRT().RoundTrip(retry)
}

func (t *transport) baseRT() http.RoundTripper {
	if t.base != nil {
		return t.base
	}
	return http.DefaultTransport
}

// closeBody closes a request's body that will not be sent, as a
// RoundTripper must.
func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
