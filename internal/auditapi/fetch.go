package auditapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/tokenrelay/tokenrelay/internal/httpclient"
	"github.com/tokenrelay/tokenrelay/internal/redact"
	"github.com/tokenrelay/tokenrelay/internal/retry"
)

// session is the state of one query: the current token and whether the
// one re-read a 401 allows has been used.
type session struct {
	token  string
	reread bool
}

// fetched is one page as fetched: its body and Content-Type.
type fetched struct {
	body        []byte
	contentType string
}

// page fetches one page, retrying transient failures. (A body that is not a
// page is not retried: the same request would get the same answer.)
func (c *Client) page(ctx context.Context, u *url.URL, st *session) (fetched, error) {
	var f fetched
	err := c.Retry.Do(ctx, func(ctx context.Context) error {
		body, contentType, err := c.get(ctx, u, st)
		f = fetched{body: body, contentType: contentType}
		return err
	})
	return f, err
}

// parseError says which response err, an error of parse, is about; nil
// stays nil.
func parseError(u *url.URL, contentType string, err error) error {
	if err == nil {
		return nil
	}
	if contentType == "" {
		contentType = "none"
	}
	return fmt.Errorf("GET %s (Content-Type %s): %w", redact.URL(u.String()), clip(contentType, 64), err)
}

// get sends one request, and again with a re-read token after a first 401.
func (c *Client) get(ctx context.Context, u *url.URL, st *session) (body []byte, contentType string, err error) {
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, "", fmt.Errorf("GET %s: %w", redact.URL(u.String()), err)
		}
		req.Header.Set("Authorization", "Bearer "+st.token)
		req.Header.Set("Accept", "application/json")
		resp, err := c.HTTP.Do(req)
		if err != nil {
			return nil, "", c.networkError(ctx, u, err, st.token)
		}
		if resp.StatusCode == http.StatusOK {
			body, err := httpclient.ReadBody(resp.Body, c.maxPageBytes())
			resp.Body.Close()
			switch {
			case errors.Is(err, httpclient.ErrTooLarge):
				return nil, "", fmt.Errorf("GET %s: %w", redact.URL(u.String()), err)
			case err != nil:
				return nil, "", retry.Temporary(fmt.Errorf("GET %s: %w", redact.URL(u.String()), redact.Error(err, st.token)), 0)
			}
			return body, resp.Header.Get("Content-Type"), nil
		}
		errBody, _ := httpclient.ReadBody(resp.Body, maxErrorBody)
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		serr := newStatusError(resp.StatusCode, redact.URL(u.String()), resp.Header.Get("Retry-After"), errBody, st.token, c.now())
		if resp.StatusCode != http.StatusUnauthorized {
			return nil, "", serr
		}
		if st.reread {
			return nil, "", &UnauthorizedError{Status: serr}
		}
		st.reread = true
		token, err := c.Tokens.Token(ctx, st.token)
		if err != nil {
			return nil, "", fmt.Errorf("re-reading the token after HTTP 401: %w", err)
		}
		if token == "" {
			return nil, "", errors.New("re-reading the token after HTTP 401: empty")
		}
		st.token = token
	}
}

// networkError makes a transport failure retryable, unless the context is
// done, without the request's query string.
func (c *Client) networkError(ctx context.Context, u *url.URL, err error, token string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	err = fmt.Errorf("GET %s: %w", redact.URL(u.String()), redact.Error(err, token))
	if ctx.Err() != nil {
		return err
	}
	return retry.Temporary(err, 0)
}

func (c *Client) maxPageBytes() int64 {
	if c.MaxPageBytes > 0 {
		return c.MaxPageBytes
	}
	return DefaultMaxPageBytes
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
