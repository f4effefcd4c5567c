"""A test LTI 1.3 platform (an LMS stand-in) on 127.0.0.1, built on PyJWT + cryptography and http.server.

It has its own RSA key and JWKS, answers OIDC login initiation with a signed ``id_token`` (form post, as an LMS
does), issues OAuth2 access tokens for a signed client assertion checked against the tool's public key, and serves
AGS line items and scores and NRPS memberships, recording everything it receives. Failures can be switched on:
an HTTP status or a delay for score posts (``fail_scores``), a refused token (``refuse_tokens``).
Used by tests/test_lms_*.py (no hub) and by the hub's LTI tests.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
TA_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
AGS_SCOPES = ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
              "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
              "https://purl.imsglobal.org/spec/lti-ags/scope/score"]


@dataclass
class LmsUser:
    """A person in the platform's course: ``sub`` is their stable LTI id, ``roles`` LIS role URIs."""

    sub: str
    given_name: str
    family_name: str
    email: str
    roles: list[str]

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


def learner(sub: str, given: str, family: str) -> LmsUser:
    return LmsUser(sub, given, family, f"{given.lower()}@uni.example", [ROLE + "Learner"])


def instructor(sub: str, given: str, family: str) -> LmsUser:
    return LmsUser(sub, given, family, f"{given.lower()}@uni.example", [ROLE + "Instructor"])


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Platform:
    """The platform's state. ``start()`` serves it; ``url`` is its base URL (issuer)."""

    client_id: str = "helpcourse-tool"
    deployment_id: str = "deployment-1"
    context_id: str = "course-4711"
    users: dict[str, LmsUser] = field(default_factory=dict)
    tool_jwks: dict | None = None
    key: rsa.RSAPrivateKey = field(default_factory=_new_key)
    kid: str = field(default_factory=lambda: secrets.token_hex(4))
    line_items: dict[str, dict] = field(default_factory=dict)
    scores: dict[str, list[dict]] = field(default_factory=dict)
    token_requests: list[dict] = field(default_factory=list)
    fail_scores: dict = field(default_factory=dict)  # {"status": 500} or {"delay": 3.0}; "users": [..] to limit
    refuse_tokens: bool = False
    requests_seen: list[str] = field(default_factory=list)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    # --- serving -------------------------------------------------------------------------------------------------
    def start(self) -> Platform:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                platform._dispatch(self, "GET")

            def do_POST(self):
                platform._dispatch(self, "POST")

            def do_PUT(self):
                platform._dispatch(self, "PUT")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def lineitems_url(self) -> str:
        return f"{self.url}/api/{self.context_id}/lineitems"

    @property
    def memberships_url(self) -> str:
        return f"{self.url}/api/{self.context_id}/memberships"

    def settings_env(self, key_path: str) -> dict[str, str]:
        """The tool's ``HELPCOURSE_LTI_*`` variables for this platform."""
        return {"HELPCOURSE_LTI_ISSUER": self.url, "HELPCOURSE_LTI_CLIENT_ID": self.client_id,
                "HELPCOURSE_LTI_DEPLOYMENT_IDS": self.deployment_id, "HELPCOURSE_LTI_AUTH_URL": f"{self.url}/auth",
                "HELPCOURSE_LTI_JWKS_URL": f"{self.url}/jwks", "HELPCOURSE_LTI_TOKEN_URL": f"{self.url}/token",
                "HELPCOURSE_LTI_KEY": key_path, "HELPCOURSE_LTI_CONTEXTS": self.context_id}

    def jwks(self) -> dict:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    # --- launch --------------------------------------------------------------------------------------------------
    def claims(self, user: LmsUser, nonce: str, **override) -> dict:
        """The id_token's claims of a resource-link launch by ``user`` (override any claim by name)."""
        now = int(time.time())
        claims = {
            "iss": self.url, "aud": self.client_id, "sub": user.sub, "iat": now, "exp": now + 300, "nonce": nonce,
            "given_name": user.given_name, "family_name": user.family_name, "name": user.name, "email": user.email,
            LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id, LTI + "target_link_uri": "",
            LTI + "resource_link": {"id": "link-1", "title": "The Helper's Role"},
            LTI + "roles": list(user.roles),
            LTI + "context": {"id": self.context_id, "label": "HELP101", "title": "The Helper's Role",
                              "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"]},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": AGS_SCOPES, "lineitems": self.lineitems_url},
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": self.memberships_url, "service_versions": ["2.0"]},
        }
        claims.update(override)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(self, claims: dict, key: rsa.RSAPrivateKey | None = None) -> str:
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    def launch_form(self, auth_query: dict[str, str], **override) -> tuple[str, dict[str, str]]:
        """Answer an OIDC authentication request: (redirect_uri, form fields id_token and state)."""
        user = self.users[auth_query["login_hint"]]
        claims = self.claims(user, auth_query["nonce"], **override.pop("claims", {}))
        claims[LTI + "target_link_uri"] = claims.get(LTI + "target_link_uri") or auth_query["redirect_uri"]
        token = self.sign(claims, override.pop("key", None))
        return auth_query["redirect_uri"], {"id_token": token, "state": auth_query["state"]}

    # --- HTTP ----------------------------------------------------------------------------------------------------
    def _reply(self, handler, status: int, body: dict | list | str, content: str = "application/json",
               headers: dict | None = None) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", content)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the tool gave up waiting (time-out)
            handler.wfile.write(data)

    def _authorised(self, handler, scope: str) -> bool:
        match = re.match(r"Bearer (\S+)$", handler.headers.get("Authorization", ""))
        token = self.tokens.get(match.group(1)) if match else None
        if token is None or token[1] < time.time() or scope not in token[0].split():
            self._reply(handler, 401, {"error": "invalid_token"})
            return False
        return True

    def _dispatch(self, handler, method: str) -> None:
        parts = urlsplit(handler.path)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        with self.lock:
            self.requests_seen.append(f"{method} {path}")
        if path == "/jwks" and method == "GET":
            return self._reply(handler, 200, self.jwks())
        if path == "/auth":
            fields = query if method == "GET" else {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            if fields.get("client_id") != self.client_id or fields.get("login_hint") not in self.users:
                return self._reply(handler, 400, {"error": "invalid_request"})
            target, form = self.launch_form(fields)
            inputs = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in form.items())
            page = f'<form method="post" action="{html.escape(target)}">{inputs}</form>'
            return self._reply(handler, 200, page, content="text/html")
        if path == "/token" and method == "POST":
            return self._token(handler, {k: v[0] for k, v in parse_qs(raw.decode()).items()})
        api = re.match(rf"^/api/{re.escape(self.context_id)}/(lineitems|memberships)(?:/(\w+))?(?:/(scores))?$",
                       path)
        if not api:
            return self._reply(handler, 404, {"error": "not found"})
        kind, item_id, scores = api.groups()
        body = json.loads(raw) if raw else None
        if kind == "memberships":
            if not self._authorised(handler, "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership"
                                             ".readonly"):
                return None
            members = [{"user_id": u.sub, "name": u.name, "email": u.email, "roles": u.roles, "status": "Active"}
                       for u in self.users.values()]
            return self._reply(handler, 200, {"id": self.memberships_url, "members": members})
        if scores:
            return self._score(handler, item_id, body)
        if not self._authorised(handler, AGS_SCOPES[0]):
            return None
        with self.lock:
            if item_id is None and method == "GET":
                items = [i for i in self.line_items.values()
                         if not query.get("resource_id") or i.get("resourceId") == query["resource_id"]]
                return self._reply(handler, 200, items)
            if item_id is None and method == "POST":
                new_id = str(len(self.line_items) + 1)
                item = dict(body, id=f"{self.lineitems_url}/{new_id}")
                self.line_items[new_id] = item
                self.scores[new_id] = []
                return self._reply(handler, 201, item)
            if item_id in self.line_items and method == "PUT":
                self.line_items[item_id] = dict(body, id=self.line_items[item_id]["id"])
                return self._reply(handler, 200, self.line_items[item_id])
            if item_id in self.line_items and method == "GET":
                return self._reply(handler, 200, self.line_items[item_id])
        return self._reply(handler, 404, {"error": "no such line item"})

    def _token(self, handler, form: dict[str, str]) -> None:
        with self.lock:
            self.token_requests.append(form)
        if self.refuse_tokens or self.tool_jwks is None:
            return self._reply(handler, 401, {"error": "invalid_client"})
        try:
            header = jwt.get_unverified_header(form.get("client_assertion", ""))
            keys = {k["kid"]: k for k in self.tool_jwks["keys"]}
            key = RSAAlgorithm.from_jwk(json.dumps(keys[header["kid"]]))
            claims = jwt.decode(form["client_assertion"], key, algorithms=["RS256"], audience=f"{self.url}/token",
                                issuer=self.client_id)
            assert claims["sub"] == self.client_id and form["grant_type"] == "client_credentials"
        except Exception as error:  # any flaw in the assertion: refused, as a platform would
            return self._reply(handler, 401, {"error": "invalid_client", "error_description": str(error)})
        token = uuid.uuid4().hex
        with self.lock:
            self.tokens[token] = (form.get("scope", ""), time.time() + 3600)
        return self._reply(handler, 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                                          "scope": form.get("scope", "")})

    def _score(self, handler, item_id: str, body: dict) -> None:
        if not self._authorised(handler, AGS_SCOPES[2]):
            return None
        users = self.fail_scores.get("users")
        failing = bool(self.fail_scores) and (not users or body["userId"] in users)
        if failing and self.fail_scores.get("delay"):
            time.sleep(self.fail_scores["delay"])
            return self._reply(handler, 503, {"error": "too late"})  # the tool has given up by now
        if failing:
            return self._reply(handler, int(self.fail_scores.get("status", 500)), {"error": "platform failure"})
        with self.lock:
            if item_id not in self.line_items:
                return self._reply(handler, 404, {"error": "no such line item"})
            self.scores[item_id].append(body)
        return self._reply(handler, 204, "")

    # --- what the platform holds ---------------------------------------------------------------------------------
    def item_for(self, resource_id: str) -> tuple[str, dict]:
        found = [(k, v) for k, v in self.line_items.items() if v.get("resourceId") == resource_id]
        assert len(found) == 1, f"{len(found)} line items for {resource_id}"
        return found[0]

    def gradebook(self, resource_id: str) -> dict[str, dict]:
        """The latest score per user of a line item, as the LMS's gradebook would show it."""
        key, _ = self.item_for(resource_id)
        latest = {}
        for score in self.scores[key]:
            latest[score["userId"]] = score
        return latest


def auth_request_query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def login_initiation(platform: Platform, user: LmsUser, target_link_uri: str) -> dict[str, str]:
    """The form an LMS posts to the tool's OIDC login initiation URL."""
    return {"iss": platform.url, "login_hint": user.sub, "target_link_uri": target_link_uri,
            "client_id": platform.client_id, "lti_deployment_id": platform.deployment_id,
            "lti_message_hint": "resource-link-1"}


__all__ = ["AGS_SCOPES", "LTI", "ROLE", "TA_ROLE", "LmsUser", "Platform", "auth_request_query", "instructor",
           "learner", "login_initiation", "urlencode"]
