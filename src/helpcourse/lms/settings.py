"""Where the LMS and the tool's key are: environment variables, shared by the hub and ``helpcourse-grade publish``.

==============================  ==================================================================================
HELPCOURSE_LTI_ISSUER           the platform's issuer (``iss``), e.g. ``https://canvas.instructure.com``
HELPCOURSE_LTI_CLIENT_ID        the client id the LMS gave the tool when it was registered
HELPCOURSE_LTI_DEPLOYMENT_IDS   comma-separated deployment ids accepted (a launch from any other is refused)
HELPCOURSE_LTI_AUTH_URL         the platform's OIDC authorisation endpoint (where the login is redirected)
HELPCOURSE_LTI_JWKS_URL         the platform's public keys (JWKS), which sign its launches
HELPCOURSE_LTI_TOKEN_URL        the platform's OAuth2 token endpoint (grades: AGS, rosters: NRPS)
HELPCOURSE_LTI_KEY              path of the tool's private RSA key (PEM, mode 0600, outside the repository)
HELPCOURSE_LTI_CONTEXTS         optional: comma-separated LMS course (context) ids this hub serves; others refused
==============================  ==================================================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LtiSettings", "lms_state_dir"]


def _list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class LtiSettings:
    """One platform (LMS) registration of the tool."""

    issuer: str
    client_id: str
    deployment_ids: tuple[str, ...] = ()
    auth_url: str = ""
    jwks_url: str = ""
    token_url: str = ""
    key_path: Path | None = None
    contexts: tuple[str, ...] = field(default=())

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> LtiSettings:
        """Read the ``HELPCOURSE_LTI_*`` variables; raises KeyError naming the first required one missing."""
        env = os.environ if environ is None else environ
        for name in ("HELPCOURSE_LTI_ISSUER", "HELPCOURSE_LTI_CLIENT_ID"):
            if not env.get(name):
                raise KeyError(f"{name} is not set (docs/LMS.md)")
        key = env.get("HELPCOURSE_LTI_KEY", "")
        return cls(
            issuer=env["HELPCOURSE_LTI_ISSUER"],
            client_id=env["HELPCOURSE_LTI_CLIENT_ID"],
            deployment_ids=_list(env.get("HELPCOURSE_LTI_DEPLOYMENT_IDS", "")),
            auth_url=env.get("HELPCOURSE_LTI_AUTH_URL", ""),
            jwks_url=env.get("HELPCOURSE_LTI_JWKS_URL", ""),
            token_url=env.get("HELPCOURSE_LTI_TOKEN_URL", ""),
            key_path=Path(key) if key else None,
            contexts=_list(env.get("HELPCOURSE_LTI_CONTEXTS", "")),
        )


def lms_state_dir(course_root: str | os.PathLike[str]) -> Path:
    """``<course root>/lms``: the recorded launch context and what the platform has confirmed (root only)."""
    folder = Path(course_root) / "lms"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder
