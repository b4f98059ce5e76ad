// Package testkit holds HTTP helpers the services' tests share: a JSON client
// that asserts statuses and decodes the error envelope.
package testkit

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// Client calls one base URL with an optional bearer token.
type Client struct {
	T       testing.TB
	BaseURL string
	Token   string
	Header  http.Header
	HTTP    *http.Client
}

// Response is a finished call.
type Response struct {
	Status int
	Body   []byte
	Header http.Header
	t      testing.TB
}

// As returns a copy of the client using token.
func (c *Client) As(token string) *Client {
	cc := *c
	cc.Token = token
	return &cc
}

// Do sends a request; body may be nil, a string (sent raw), []byte or any
// value (sent as JSON).
func (c *Client) Do(method, path string, body any) *Response {
	c.T.Helper()
	var r io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	case Multipart:
		r, ct = b.Body, b.ContentType
	default:
		js, err := json.Marshal(b)
		if err != nil {
			c.T.Fatal(err)
		}
		r = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, c.BaseURL+path, r)
	if err != nil {
		c.T.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", ct)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		c.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return &Response{Status: resp.StatusCode, Body: data, Header: resp.Header, t: c.T}
}

// Get, Post, Patch and Delete are Do shorthands.
func (c *Client) Get(path string) *Response            { c.T.Helper(); return c.Do("GET", path, nil) }
func (c *Client) Post(path string, body any) *Response { c.T.Helper(); return c.Do("POST", path, body) }
func (c *Client) Patch(path string, body any) *Response {
	c.T.Helper()
	return c.Do("PATCH", path, body)
}
func (c *Client) Delete(path string) *Response { c.T.Helper(); return c.Do("DELETE", path, nil) }

// Want fails the test unless the status is one of want; it returns r.
func (r *Response) Want(want int) *Response {
	r.t.Helper()
	if r.Status != want {
		r.t.Fatalf("status %d, want %d; body: %s", r.Status, want, truncate(r.Body))
	}
	return r
}

// JSON decodes the body into v.
func (r *Response) JSON(v any) *Response {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("decode %s: %v", truncate(r.Body), err)
	}
	return r
}

// Map decodes the body as an object.
func (r *Response) Map() map[string]any {
	r.t.Helper()
	m := map[string]any{}
	r.JSON(&m)
	return m
}

// ErrorBody is the error envelope.
type ErrorBody struct {
	Error     string         `json:"error"`
	Code      string         `json:"code"`
	Details   map[string]any `json:"details"`
	RequestID string         `json:"request_id"`
}

// Err checks status and code (code "" skips it) and returns the envelope.
func (r *Response) Err(status int, code string) ErrorBody {
	r.t.Helper()
	r.Want(status)
	var e ErrorBody
	r.JSON(&e)
	if code != "" && e.Code != code {
		r.t.Fatalf("error code %q, want %q; body: %s", e.Code, code, truncate(r.Body))
	}
	if e.Error == "" || e.RequestID == "" {
		r.t.Fatalf("error envelope incomplete: %s", truncate(r.Body))
	}
	return e
}

// Field checks the envelope names field in details.
func (r *Response) Field(status int, field string) ErrorBody {
	r.t.Helper()
	e := r.Err(status, "")
	if _, ok := e.Details[field]; !ok {
		r.t.Fatalf("details do not name %q: %s", field, truncate(r.Body))
	}
	return e
}

// Multipart is a ready multipart body.
type Multipart struct {
	Body        io.Reader
	ContentType string
}

// File builds a multipart body with one file field.
func File(field, name string, data []byte) Multipart {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile(field, name)
	_, _ = fw.Write(data)
	_ = w.Close()
	return Multipart{Body: &buf, ContentType: w.FormDataContentType()}
}

func truncate(b []byte) string {
	if len(b) > 800 {
		return string(b[:800]) + "…"
	}
	return string(b)
}
