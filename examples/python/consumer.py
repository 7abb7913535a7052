"""An example Lambda (Python, boto3) that calls an API with the token the
tokenrelay refresher keeps in SSM (README: "Reading a token from another
Lambda"), with the same cache rule as the Go package ssmtoken:

- the parameter is read with decryption, in either stored format: the JSON
  document with expires_at, or the raw access token, whose expiry is its JWT
  exp claim when it has one;
- the token is kept until its expiry minus MARGIN (60 s); a token read with
  less than MARGIN left (the refresher is late) is kept LATE_RECHECK (10 s),
  never past its expiry; a token of unknown expiry (raw, no JWT exp) is kept
  RAW_TTL (300 s);
- a token whose expiry has passed raises TokenExpired: it would only earn 401s;
- on a 401 the token is dropped, the parameter read again once and the request
  retried once; a second 401 is the caller's;
- errors name the parameter, never the token.

TOKEN_PARAMETER names the parameter and API_URL the endpoint called. boto3
takes its endpoint and region from the standard settings (AWS_ENDPOINT_URL,
AWS_DEFAULT_REGION, which Lambda sets).
"""

import base64
import json
import os
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

import boto3

MARGIN = 60.0
RAW_TTL = 300.0
LATE_RECHECK = 10.0


class TokenExpired(Exception):
    """The stored token's expiry has passed: is the refresher running?"""


class Token:
    """A stored token; its repr never shows the access token."""

    def __init__(self, access_token, token_type, expires_at):
        self.access_token = access_token
        self.token_type = token_type or "Bearer"
        self.expires_at = expires_at  # Unix seconds, or None when unknown

    def __repr__(self):
        return f"Token(token_type={self.token_type!r}, expires_at={self.expires_at!r}, access_token=[redacted])"

    def header(self):
        kind = {"bearer": "Bearer", "mac": "MAC", "basic": "Basic"}.get(self.token_type.lower(), self.token_type)
        return f"{kind} {self.access_token}"


def jwt_expiry(token):
    """The exp claim of a JWT, unverified (the API verifies it), or None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = parts[1] + "=" * (-len(parts[1]) % 4)
        exp = json.loads(base64.urlsafe_b64decode(payload)).get("exp")
    except (ValueError, AttributeError):
        return None
    return float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) and exp > 0 else None


def decode(value):
    """Reads either stored format; errors never include the value."""
    value = value.strip()
    if not value:
        raise ValueError("the stored value is empty")
    if value.startswith("{"):
        try:
            doc = json.loads(value)
        except ValueError:
            raise ValueError("the stored value is a malformed JSON token document") from None
        if not isinstance(doc, dict) or not doc.get("access_token"):
            raise ValueError("the stored JSON value has no access_token")
        expires_at = None
        if doc.get("expires_at"):
            try:
                expires_at = datetime.fromisoformat(doc["expires_at"].replace("Z", "+00:00")).timestamp()
            except (ValueError, AttributeError):
                raise ValueError("the stored JSON value has a malformed expires_at") from None
        return Token(doc["access_token"], doc.get("token_type"), expires_at)
    return Token(value, "Bearer", jwt_expiry(value))


class TokenSource:
    """The token held in one SSM parameter. Build it once per cold start;
    callers share one read (the lock is held while reading)."""

    def __init__(self, name, ssm=None, margin=MARGIN, raw_ttl=RAW_TTL, clock=time.time):
        self.name = name
        self._ssm = ssm or boto3.client("ssm")
        self._margin, self._raw_ttl, self._clock = margin, raw_ttl, clock
        self._lock = threading.Lock()
        self._token, self._until = None, 0.0

    def token(self):
        with self._lock:
            if self._token is not None and self._clock() < self._until:
                return self._token
            self._token, self._until = self._read()
            return self._token

    def invalidate(self, token):
        """Drops token after a 401 refused it, unless a newer one was read."""
        with self._lock:
            if self._token is token:
                self._token, self._until = None, 0.0

    def _read(self):
        try:
            out = self._ssm.get_parameter(Name=self.name, WithDecryption=True)
        except self._ssm.exceptions.ParameterNotFound:
            raise LookupError(f"parameter {self.name} does not exist (has the refresher written it?)") from None
        try:
            tok = decode(out["Parameter"]["Value"])
        except ValueError as e:
            raise ValueError(f"parameter {self.name}: {e}") from None
        now = self._clock()
        if tok.expires_at is None:
            return tok, now + self._raw_ttl
        if now >= tok.expires_at:
            when = datetime.fromtimestamp(tok.expires_at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            raise TokenExpired(f"parameter {self.name} holds a token that expired at {when} (is the refresher running?)")
        until = tok.expires_at - self._margin
        if until < now:
            until = min(now + LATE_RECHECK, tok.expires_at)
        return tok, until


def call(source, url, data=None, timeout=30):
    """Sends the request with the token; on a 401 re-reads it once and
    retries once. Returns (status, body bytes)."""
    tok = source.token()
    status, body = _send(url, tok, data, timeout)
    if status != 401:
        return status, body
    source.invalidate(tok)
    return _send(url, source.token(), data, timeout)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Follows no redirect: urllib would send the token to another host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _send(url, tok, data, timeout):
    req = urllib.request.Request(url, data=data, headers={"Authorization": tok.header()})
    try:
        with _opener.open(req, timeout=timeout) as resp:
            return resp.status, resp.read(1 << 20)
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.read(1 << 20)


_source = None


def lambda_handler(event, context):
    global _source
    if _source is None:  # once per cold start: warm invocations reuse the token
        _source = TokenSource(os.environ["TOKEN_PARAMETER"])
    status, body = call(_source, os.environ["API_URL"])
    print(json.dumps({"message": "api called", "url": os.environ["API_URL"], "status": status}))
    if status // 100 != 2:
        raise RuntimeError(f"GET {os.environ['API_URL']}: HTTP {status}")
    return {"status": status, "body": json.loads(body)}
