"""A client of LTI Advantage's services: Assignment and Grade Services (AGS) and Names and Role Provisioning (NRPS).

The tool gets an access token with OAuth2 client credentials, proving who it is with a JWT signed by its private
key (``client_assertion``, RS256, PyJWT + cryptography; IMS Security Framework 1.0, section 4.1). Then it lists,
creates and updates line items, posts scores and reads the course's members. Every request has a time limit;
every failure is raised as :class:`AgsError` with a reason fit for the reconciliation report.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import jwt
import requests

__all__ = ["SCOPES", "AgsClient", "AgsError"]

SCOPES = {
    "lineitem": "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "score": "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "result": "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "members": "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
}
LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE = "application/vnd.ims.lis.v1.score+json"
MEMBERS = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


class AgsError(RuntimeError):
    """A call to the platform failed: HTTP status, time-out or refused token."""


def _scores_url(lineitem: str) -> str:
    """``{lineitem}/scores``, keeping a query string where the platform put one (AGS 2.0, section 3.4)."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


@dataclass
class AgsClient:
    """Calls to one platform as one registered tool.

    Attributes
    ----------
    client_id, token_url
        The tool's registration: its client id and the platform's token endpoint.
    private_key
        The tool's RSA private key (``helpcourse.lms.keys.load_private_key``).
    kid
        Key id put in the assertion's header (the JWKS the platform holds names the same one).
    timeout
        Seconds for each HTTP call.
    """

    client_id: str
    token_url: str
    private_key: object
    kid: str = ""
    timeout: float = 10.0
    session: requests.Session = field(default_factory=requests.Session)
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict)

    def _assertion(self) -> str:
        now = int(time.time())
        claims = {"iss": self.client_id, "sub": self.client_id, "aud": self.token_url, "iat": now, "exp": now + 300,
                  "jti": uuid.uuid4().hex}
        headers = {"kid": self.kid} if self.kid else None
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers=headers)

    def token(self, *scopes: str) -> str:
        """An access token for these scopes (kept until a minute before it expires)."""
        key = " ".join(sorted(scopes))
        cached = self._tokens.get(key)
        if cached and cached[1] > time.time() + 60:
            return cached[0]
        data = {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": self._assertion(),
            "scope": key,
        }
        reply = self._call("POST", self.token_url, data=data, what="access token")
        body = reply.json()
        if "access_token" not in body:
            raise AgsError(f"access token: no access_token in the platform's answer ({str(body)[:200]})")
        self._tokens[key] = (body["access_token"], time.time() + float(body.get("expires_in", 3600)))
        return body["access_token"]

    def _call(self, method: str, url: str, what: str, **kwargs) -> requests.Response:
        try:
            reply = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise AgsError(f"{what}: no answer within {self.timeout:g} s") from None
        except requests.RequestException as error:
            raise AgsError(f"{what}: {type(error).__name__}: {error}") from None
        if reply.status_code >= 400:
            raise AgsError(f"{what}: HTTP {reply.status_code} {reply.text[:200]}".rstrip())
        return reply

    def _authorised(self, method: str, url: str, scope: str, what: str, accept: str = "", content: str = "",
                    **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token(scope)}"}
        if accept:
            headers["Accept"] = accept
        if content:
            headers["Content-Type"] = content
        return self._call(method, url, what, headers=headers, **kwargs)

    def line_items(self, lineitems_url: str, resource_id: str = "") -> list[dict]:
        """The context's line items (all pages, following ``Link: rel=next``), optionally one resource id's."""
        params = {"resource_id": resource_id} if resource_id else None
        items, url = [], lineitems_url
        while url:
            reply = self._authorised("GET", url, SCOPES["lineitem"], "list line items", accept=LINEITEMS,
                                     params=params)
            items.extend(reply.json())
            url, params = reply.links.get("next", {}).get("url"), None
        return [item for item in items if not resource_id or item.get("resourceId") == resource_id]

    def create_line_item(self, lineitems_url: str, item: dict) -> dict:
        reply = self._authorised("POST", lineitems_url, SCOPES["lineitem"], "create line item", accept=LINEITEM,
                                 content=LINEITEM, json=item)
        return reply.json()

    def update_line_item(self, item: dict) -> dict:
        reply = self._authorised("PUT", item["id"], SCOPES["lineitem"], "update line item", accept=LINEITEM,
                                 content=LINEITEM, json=item)
        return reply.json()

    def post_score(self, lineitem_url: str, score: dict) -> None:
        self._authorised("POST", _scores_url(lineitem_url), SCOPES["score"], f"score of {score['userId']}",
                         content=SCORE, json=score)

    def members(self, memberships_url: str) -> list[dict]:
        """The context's members (NRPS), all pages."""
        members, url = [], memberships_url
        while url:
            reply = self._authorised("GET", url, SCOPES["members"], "list members", accept=MEMBERS)
            members.extend(reply.json().get("members", []))
            url = reply.links.get("next", {}).get("url")
        return members
