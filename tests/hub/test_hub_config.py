"""The hub's configuration files, read as JupyterHub and nbgrader read them (fast; runs in ``make test``)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from traitlets.config.loader import PyFileConfigLoader

from helpcourse.hub.exchange import make_private
from helpcourse.hub.provision import COURSE_ID, global_nbgrader_config, write_course_root
from helpcourse.instructor.course import load_course_root

REPO = Path(__file__).resolve().parents[2]


def _load(path: Path):
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def test_the_repository_gradebook_stays_sqlite():
    assert load_course_root(REPO / "grading").db_url == f"sqlite:///{REPO / 'grading' / 'gradebook.db'}"


def test_course_root_on_the_hub_uses_the_shared_exchange_and_postgres(tmp_path):
    url = "postgresql+psycopg2://nbgrader:secret@127.0.0.1:5433/gradebook"
    root = write_course_root(tmp_path / "course", "/srv/nbgrader/exchange", db_url=url)
    course = load_course_root(root)
    assert (course.root, course.course_id, course.db_url) == (root.resolve(), COURSE_ID, url)
    assert course.exchange_root == Path("/srv/nbgrader/exchange")
    cfg = _load(root / "nbgrader_config.py")
    assert cfg.CourseDirectory.source_directory == str(REPO / "course" / "exercises")
    assert cfg.Exchange.path_includes_course is True
    assert cfg.SandboxedExecute.kernel_name == "helpcourse-sandbox"  # the course's grading settings are kept
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(root / "nbgrader_config.py").st_mode) == 0o600


def test_course_root_without_a_url_keeps_sqlite(tmp_path):
    root = write_course_root(tmp_path / "course", "/srv/nbgrader/exchange")
    assert load_course_root(root).db_url == f"sqlite:///{root.resolve() / 'gradebook.db'}"


def test_global_nbgrader_config_takes_the_exchange_from_the_hub(tmp_path, monkeypatch):
    path = tmp_path / "nbgrader_config.py"
    path.write_text(global_nbgrader_config("/srv/nbgrader/exchange"))
    monkeypatch.delenv("HELPCOURSE_EXCHANGE", raising=False)
    cfg = _load(path)
    assert cfg.Exchange.root == "/srv/nbgrader/exchange"
    assert cfg.ExchangeFactory.submit == "helpcourse.hub.exchange.PrivateSubmit"
    assert cfg.Authenticator.plugin_class.__name__ == "JupyterHubAuthPlugin"
    monkeypatch.setenv("HELPCOURSE_EXCHANGE", str(tmp_path / "exchange"))
    assert _load(path).Exchange.root == str(tmp_path / "exchange")


def test_make_private_closes_a_submission_to_its_owner(tmp_path):
    folder = tmp_path / "student+ps01+stamp+random"
    (folder / "data").mkdir(parents=True)
    for name in ("ps01.ipynb", "timestamp.txt", "data/extra.csv"):
        (folder / name).write_text("x")
        os.chmod(folder / name, 0o644)
    os.chmod(folder, 0o777)
    assert make_private(folder) == 5
    modes = {p.relative_to(folder).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*")}
    assert modes == {"data": 0o700, "ps01.ipynb": 0o600, "timestamp.txt": 0o600, "data/extra.csv": 0o600}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


@pytest.fixture
def hub_config(monkeypatch, tmp_path):
    monkeypatch.setenv("HELPCOURSE_HUB_PREFIX", "/opt/hub/venv")
    monkeypatch.setenv("HELPCOURSE_HUB_STATE", str(tmp_path))
    monkeypatch.setenv("HELPCOURSE_INSTRUCTORS", "ana")
    monkeypatch.setenv("HELPCOURSE_STUDENTS", "ben, cleo,dev")
    monkeypatch.setenv("HELPCOURSE_OTHER_USERS", "eve")
    for name in ("HELPCOURSE_HUB_PASSWORD", "HELPCOURSE_HUB_SERVICE_TOKEN", "HELPCOURSE_EXCHANGE",
                 "HELPCOURSE_LTI_ISSUER"):
        monkeypatch.delenv(name, raising=False)
    return _load(REPO / "grading" / "jupyterhub_config.py")


def test_jupyterhub_config_course_membership(hub_config):
    assert hub_config.JupyterHub.load_groups == {f"formgrade-{COURSE_ID}": {"users": ["ana"]},
                                                 f"nbgrader-{COURSE_ID}": {"users": ["ben", "cleo", "dev"]}}
    assert hub_config.Authenticator.allowed_users == {"ana", "ben", "cleo", "dev", "eve"}
    assert hub_config.Authenticator.admin_users == {"ana"}
    roles = {role["name"]: role for role in hub_config.JupyterHub.load_roles}
    assert roles[f"formgrade-{COURSE_ID}"]["scopes"] == [f"access:services!service={COURSE_ID}"]
    assert roles["server"]["scopes"] == ["inherit"]
    assert "course-admin" not in roles  # no administration token unless one is given


def test_jupyterhub_config_servers_and_formgrader(hub_config):
    assert hub_config.JupyterHub.authenticator_class == "pam"
    assert hub_config.JupyterHub.spawner_class == "localprocess"
    assert hub_config.Spawner.cmd == ["/opt/hub/venv/bin/jupyterhub-singleuser"]
    assert hub_config.Spawner.environment["PATH"].startswith("/opt/hub/venv/bin:")
    (service,) = hub_config.JupyterHub.services
    assert service["name"] == COURSE_ID and service["url"].startswith("http://127.0.0.1:")
    assert service["environment"]["JUPYTERHUB_DEFAULT_URL"] == "/formgrader"
