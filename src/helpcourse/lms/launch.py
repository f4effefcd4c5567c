"""The hub's LTI 1.3 launch: jupyterhub-ltiauthenticator (LTI 1.3 mode) with the course's rules.

jupyterhub-ltiauthenticator 1.6.3 checks the id_token's signature (platform JWKS), issuer, audience, expiry, age,
required claims, state and nonce cookies. It does **not** check the deployment id, never refuses a nonce it has seen
(the nonce cookie is cleared, but a captured form plus its cookies can be posted again), takes the user name from
the ``email`` claim by default, and maps no roles to groups. :class:`CourseLTI13Authenticator` adds:

* deployments: a launch from a deployment not in ``HELPCOURSE_LTI_DEPLOYMENT_IDS`` is refused (403); so is one from
  another course (``HELPCOURSE_LTI_CONTEXTS``) when that is set;
* replayed nonces: each accepted nonce is remembered until the token's age limit passes; a second use is refused;
* a stable user name from ``iss`` and ``sub`` (never the e-mail, which can change): ``<prefix><12 hex digits>``, a
  valid Linux account name (``username_for``);
* roles: Instructor / TeachingAssistant (context roles) -> the formgrader group ``formgrade-<course>`` (and hub
  admin); Learner -> ``nbgrader-<course>``; a launch with neither role is refused;
* the student's name, e-mail and LMS id (``sub``, the AGS user id) go into nbgrader's gradebook at the first launch,
  and the course's AGS / NRPS endpoints into ``<course root>/lms/context.json`` (for ``helpcourse-grade publish``).

Every refusal is logged as ``LTI 1.3 launch refused (HTTP <status>): <reason>``; no hub user is created for it.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time

from ltiauthenticator.lti13.auth import LTI13Authenticator
from ltiauthenticator.lti13.handlers import LTI13CallbackHandler
from tornado.web import HTTPError
from traitlets import List as TList
from traitlets import Unicode

__all__ = ["CourseLTI13Authenticator", "groups_for_roles", "username_for"]

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
STAFF_ROLES = {
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
    "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#TeachingAssistant",
    "Instructor", "TeachingAssistant",  # short forms some platforms send (LTI 1.3, A.2.3.1)
}
LEARNER_ROLES = {"http://purl.imsglobal.org/vocab/lis/v2/membership#Learner", "Learner"}


_GRADEBOOK_LOCK = threading.Lock()


def username_for(issuer: str, sub: str, prefix: str = "lti-") -> str:
    """A stable hub (and Linux) user name for one person of one platform: prefix + 12 hex digits of a hash."""
    return prefix + hashlib.sha256(f"{issuer}\0{sub}".encode()).hexdigest()[:12]


def groups_for_roles(roles: list[str], course_id: str) -> tuple[list[str], bool]:
    """(hub groups, is staff) for the launch's context roles."""
    staff = any(role in STAFF_ROLES for role in roles)
    groups = []
    if staff:
        groups.append(f"formgrade-{course_id}")
    if any(role in LEARNER_ROLES for role in roles):
        groups.append(f"nbgrader-{course_id}")
    return groups, staff


class _NonceStore:
    """Nonces seen in accepted launches, forgotten once a token carrying them is too old to be accepted."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_use(self, nonce: str, keep: float) -> bool:
        now = time.time()
        with self._lock:
            self._seen = {n: until for n, until in self._seen.items() if until > now}
            if nonce in self._seen:
                return False
            self._seen[nonce] = now + keep
            return True


class CourseLTI13CallbackHandler(LTI13CallbackHandler):
    """The launch (id_token POST) with the course's checks, a log line for every refusal, and group sync."""

    async def post(self):
        try:
            return await super().post()
        except HTTPError as error:
            self.log.warning("LTI 1.3 launch refused (HTTP %s): %s", error.status_code,
                             error.log_message or error.reason)
            raise

    def decode_and_validate_launch_request(self):
        token = super().decode_and_validate_launch_request()
        auth = self.authenticator
        deployment = token.get(LTI + "deployment_id", "")
        if auth.deployment_ids and deployment not in auth.deployment_ids:
            raise HTTPError(403, f"unknown deployment {deployment!r} (not in HELPCOURSE_LTI_DEPLOYMENT_IDS)")
        context = (token.get(LTI + "context") or {}).get("id", "")
        if auth.context_ids and context not in auth.context_ids:
            raise HTTPError(403, f"launch from another course (context {context!r})")
        groups, _staff = groups_for_roles(token.get(LTI + "roles", []), auth.course_id)
        if not groups:
            raise HTTPError(403, f"no course role in the launch (roles {token.get(LTI + 'roles')})")
        if not auth.nonces.first_use(token["nonce"], keep=600 + 120):
            raise HTTPError(400, "replayed nonce: this launch was already used")
        return token

    async def auth_to_user(self, authenticated, user=None):
        user = await super().auth_to_user(authenticated, user)
        if "groups" in authenticated and not self.authenticator.manage_groups:
            user.sync_groups(authenticated["groups"])  # load_groups stays usable for hand-made accounts
        return user


class CourseLTI13Authenticator(LTI13Authenticator):
    """LTI 1.3 log-in for the course (see the module's docstring)."""

    callback_handler = CourseLTI13CallbackHandler
    deployment_ids = TList(Unicode(), config=True, help="accepted LTI deployment ids (empty: any)")
    context_ids = TList(Unicode(), config=True, help="accepted LMS course (context) ids (empty: any)")
    course_id = Unicode("helpers-role", config=True, help="nbgrader course id (names the hub groups)")
    username_prefix = Unicode("lti-", config=True, help="prefix of the hub user names made from launches")
    course_root = Unicode("", config=True, help="nbgrader course root: gradebook roster, lms/context.json")
    db_url = Unicode("", config=True, help="the gradebook's URL (default: the course root's)")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.nonces = _NonceStore()
        self._rostered: set[tuple] = set()

    async def authenticate(self, handler, data=None):
        token = data or {}
        issuer, sub = token.get("iss", ""), token.get("sub", "")
        if not sub:
            raise HTTPError(400, "the launch has no sub (anonymous launches are not supported)")
        groups, staff = groups_for_roles(token.get(LTI + "roles", []), self.course_id)
        name = username_for(issuer, sub, self.username_prefix)
        if self.course_root:
            await asyncio.to_thread(self._record, name, token, staff)
        self.log.info("LTI 1.3 launch accepted: %s (sub %s, %s) groups %s", name, sub,
                      token.get("email", ""), groups)
        return {"name": name, "auth_state": token, "groups": groups, "admin": staff}

    def _record(self, name: str, token: dict, staff: bool) -> None:
        from helpcourse.lms.publish import record_context

        record_context(self.course_root, token)
        if staff:
            return
        entry = (name, token.get("given_name", ""), token.get("family_name", ""), token.get("email", ""),
                 token.get("sub", ""))
        if entry in self._rostered:
            return
        from nbgrader.api import Gradebook

        db_url, course_id = self.db_url, self.course_id
        if not db_url:
            from helpcourse.instructor.course import load_course_root

            course = load_course_root(self.course_root)
            db_url, course_id = course.db_url, course.course_id
        with _GRADEBOOK_LOCK, Gradebook(db_url, course_id) as gb:  # one at a time: the first creates the tables
            gb.update_or_create_student(name, first_name=entry[1] or None, last_name=entry[2] or None,
                                        email=entry[3] or None, lms_user_id=entry[4])
        self._rostered.add(entry)
        self.log.info("LTI 1.3: %s (%s %s) recorded in the gradebook", name, entry[1], entry[2])
