"""What keeps other web pages and other machines from driving the app, as one ASGI layer in front of it.

- Host: only the names the server is reached by (loopback, or the bound address) pass, so a page whose
  domain was re-bound to 127.0.0.1 (DNS rebinding) is refused.
- Origin: a state-changing request (POST, ...) from a page of another origin is refused, and so is any
  request a browser marks `Sec-Fetch-Site: cross-site`; a plain multipart POST needs no preflight, so
  CORS alone would not stop it.
- Token: when the app has one (`serve` makes one per start), every request must carry it: the URL the user
  opens holds it as ?token=, which the page turns into a SameSite=Strict cookie for the requests it makes.
- Size: a request body is counted as it streams (chunked uploads have no Content-Length), and refused with
  413 once it passes its route's limit, before it is spooled to disk in full.
"""
from __future__ import annotations

import json
import re
import secrets
from http.cookies import SimpleCookie
from typing import Callable
from urllib.parse import parse_qs, urlsplit

COOKIE, HEADER = "styleforge_token", "x-styleforge-token"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_PATH = re.compile(r"(?<![\w.])(?:[A-Za-z]:)?(?:[/\\][^\s/\\'\",;:()]+)*[/\\]([^\s/\\'\",;:()]+)")


def without_paths(message: str) -> str:
    """A message with every absolute file path cut to its last part ('/srv/ws/models/x/config.json' ->
    'config.json'): errors shown to web clients do not reveal where the server keeps its files."""
    return _PATH.sub(lambda m: m.group(1), message)


def host_name(header: str) -> str:
    """'127.0.0.1:7860' -> '127.0.0.1', '[::1]:80' -> '::1', 'Example.COM' -> 'example.com'."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class Guard:
    """ASGI middleware: `allowed_hosts` None accepts any Host (a server bound beyond loopback, where the
    token does the work); `body_limit(path)` is the largest body in bytes a route accepts."""

    def __init__(self, app, token: str | None, allowed_hosts: set[str] | None, body_limit: Callable[[str], int]):
        self.app, self.token, self.allowed_hosts, self.body_limit = app, token, allowed_hosts, body_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query_token = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
        refusal = self._refusal(scope["method"], headers, query_token)
        if refusal:
            return await _respond(send, *refusal)
        set_cookie = self.token is not None and self._matches(query_token)  # the address `serve` printed
        limit, seen, too_large = self.body_limit(scope["path"]), 0, False
        too_large_message = f"request too large (limit {limit // 2**20} MB)"
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            return await _respond(send, 413, too_large_message)

        async def counted_receive():
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    too_large = True
                    return {"type": "http.disconnect"}  # the app stops reading; its answer is replaced below
            return message

        replaced = False

        async def guarded_send(message):
            nonlocal replaced
            if too_large:
                if not replaced and message["type"] == "http.response.start":
                    replaced = True
                    await _respond(send, 413, too_large_message)
                return
            if set_cookie and message["type"] == "http.response.start":
                cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                message = {**message, "headers": list(message.get("headers", [])) + [(b"set-cookie", cookie.encode())]}
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not too_large:
                raise
        if too_large and not replaced:
            await _respond(send, 413, too_large_message)

    def _refusal(self, method: str, headers: dict[str, str], query_token: str) -> tuple[int, str] | None:
        host = host_name(headers.get("host", ""))
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            return 403, "this server answers only requests addressed to " + ", ".join(sorted(self.allowed_hosts))
        origin = headers.get("origin")
        foreign = origin is not None and (origin == "null" or urlsplit(origin).netloc.lower() != headers.get(
            "host", "").lower())
        if headers.get("sec-fetch-site") == "cross-site" or (method not in _SAFE_METHODS and foreign):
            return 403, "requests from other web sites are refused"
        if self.token is not None and not self._has_token(headers, query_token):
            return 403, "open the address `styleforge serve` printed: it holds this server's access token"
        return None

    def _matches(self, offered: str) -> bool:
        return bool(offered) and secrets.compare_digest(offered.encode(), self.token.encode())

    def _has_token(self, headers: dict[str, str], query_token: str) -> bool:
        offered = [headers.get(HEADER, ""), query_token]
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is simply no token
            pass
        if COOKIE in cookie:
            offered.append(cookie[COOKIE].value)
        return any(self._matches(o) for o in offered)


async def _respond(send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
