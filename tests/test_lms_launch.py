"""The hub's LTI 1.3 mode, read as JupyterHub reads grading/jupyterhub_config.py, and the launch's rules (fast).

The launches themselves (signatures, refusals with their log lines, accounts, groups) run against a real hub in
tests/hub/test_hub_lti.py (``make test-hub``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from traitlets.config.loader import PyFileConfigLoader

from helpcourse.lms.launch import CourseLTI13Authenticator, _NonceStore, groups_for_roles, username_for
from helpcourse.lms.settings import LtiSettings

REPO = Path(__file__).resolve().parents[1]
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"


def _load(monkeypatch, tmp_path, **env):
    monkeypatch.setenv("HELPCOURSE_HUB_STATE", str(tmp_path))
    for name in ("HELPCOURSE_HUB_PASSWORD", "HELPCOURSE_INSTRUCTORS", "HELPCOURSE_STUDENTS", "HELPCOURSE_LTI_CONTEXTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    path = REPO / "grading" / "jupyterhub_config.py"
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def test_lti_variables_select_the_course_lti_authenticator(monkeypatch, tmp_path):
    cfg = _load(monkeypatch, tmp_path, HELPCOURSE_LTI_ISSUER="https://canvas.instructure.com",
                HELPCOURSE_LTI_CLIENT_ID="10000000000042", HELPCOURSE_LTI_DEPLOYMENT_IDS="1:abc, 2:def",
                HELPCOURSE_LTI_AUTH_URL="https://sso.canvaslms.com/api/lti/authorize_redirect",
                HELPCOURSE_LTI_JWKS_URL="https://sso.canvaslms.com/api/lti/security/jwks",
                HELPCOURSE_HUB_PASSWORD="not-used-here", HELPCOURSE_COURSE_ROOT=str(tmp_path / "course"))
    assert cfg.JupyterHub.authenticator_class == "helpcourse.lms.launch.CourseLTI13Authenticator"
    lti = cfg.CourseLTI13Authenticator
    assert (lti.issuer, lti.client_id, lti.deployment_ids) == (
        "https://canvas.instructure.com", {"10000000000042"}, ["1:abc", "2:def"])
    assert lti.authorize_url.endswith("/authorize_redirect") and lti.jwks_endpoint.endswith("/jwks")
    assert (lti.course_id, lti.course_root, lti.username_prefix, lti.allow_all) == (
        "helpers-role", str(tmp_path / "course"), "lti-", True)
    assert lti.context_ids == []
    # Groups stay the hub's own (load_groups) for hand-made accounts; launches set theirs in the callback.
    assert "nbgrader-helpers-role" in cfg.JupyterHub.load_groups


def test_lti_mode_needs_the_deployment_ids(monkeypatch, tmp_path):
    monkeypatch.delenv("HELPCOURSE_LTI_DEPLOYMENT_IDS", raising=False)
    with pytest.raises(ValueError, match="HELPCOURSE_LTI_DEPLOYMENT_IDS"):
        _load(monkeypatch, tmp_path, HELPCOURSE_LTI_ISSUER="https://lms.example", HELPCOURSE_LTI_CLIENT_ID="c")


def test_without_lti_variables_the_hub_keeps_its_password_modes(monkeypatch, tmp_path):
    monkeypatch.delenv("HELPCOURSE_LTI_ISSUER", raising=False)
    cfg = _load(monkeypatch, tmp_path, HELPCOURSE_HUB_PASSWORD="workshop-password")
    assert cfg.JupyterHub.authenticator_class == "shared-password"
    assert "CourseLTI13Authenticator" not in cfg


def test_settings_name_the_missing_variable():
    with pytest.raises(KeyError, match="HELPCOURSE_LTI_CLIENT_ID"):
        LtiSettings.from_env({"HELPCOURSE_LTI_ISSUER": "https://lms.example"})
    s = LtiSettings.from_env({"HELPCOURSE_LTI_ISSUER": "https://lms.example", "HELPCOURSE_LTI_CLIENT_ID": "c",
                              "HELPCOURSE_LTI_KEY": "/etc/helpcourse/tool.pem", "HELPCOURSE_LTI_CONTEXTS": "a,,b"})
    assert (str(s.key_path), s.contexts, s.deployment_ids) == ("/etc/helpcourse/tool.pem", ("a", "b"), ())


def test_user_names_are_stable_account_names_from_issuer_and_sub():
    name = username_for("https://lms.example", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
    assert name == username_for("https://lms.example", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
    assert name.startswith("lti-") and len(name) == 16 and name == name.lower()
    assert name != username_for("https://other.example", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
    assert name != username_for("https://lms.example", "f81d4fae-7dec-11d0-a765-00a0c91e6bf7")


@pytest.mark.parametrize("roles, groups, staff", [
    ([ROLE + "Learner"], ["nbgrader-helpers-role"], False),
    ([ROLE + "Instructor"], ["formgrade-helpers-role"], True),
    (["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"], ["formgrade-helpers-role"],
     True),
    (["Instructor", "Learner"], ["formgrade-helpers-role", "nbgrader-helpers-role"], True),
    (["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"], [], False),  # no course role
    ([ROLE + "Mentor"], [], False),
])
def test_roles_become_nbgrader_hub_groups(roles, groups, staff):
    assert groups_for_roles(roles, "helpers-role") == (groups, staff)


def test_a_nonce_is_accepted_once_until_it_expires():
    store = _NonceStore()
    assert store.first_use("n1", keep=60) and not store.first_use("n1", keep=60)
    assert store.first_use("n2", keep=-1) and store.first_use("n2", keep=60)  # expired entries are forgotten


def test_the_authenticator_adds_course_settings_to_ltiauthenticator():
    auth = CourseLTI13Authenticator(deployment_ids=["d1"], course_id="helpers-role")
    assert auth.callback_handler.__name__ == "CourseLTI13CallbackHandler"
    assert auth.login_url("/hub/") == "/hub/lti13/oauth_login"
    assert auth.callback_url("/hub/") == "/hub/lti13/oauth_callback"
