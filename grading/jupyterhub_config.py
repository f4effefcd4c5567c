"""JupyterHub for The Helper's Role: local accounts, nbgrader's shared exchange, the formgrader as a service.

Start it as root: ``jupyterhub -f grading/jupyterhub_config.py`` with the hub's environment first on PATH
(docs/HUB.md builds it with ``python -m helpcourse.hub env``). Every setting below can be changed with an
environment variable, so the same file serves a class and the integration tests (``make test-hub``):

==============================  ==================================================================================
HELPCOURSE_HUB_PREFIX           the hub's environment (default ``/opt/helpcourse-hub/venv``): every user's server
                                runs its ``jupyterhub-singleuser``; its ``etc/jupyter/nbgrader_config.py`` holds the
                                shared exchange and course membership
HELPCOURSE_HUB_IP / _PORT       where the proxy listens (default all interfaces, 8000; put TLS in front of it)
HELPCOURSE_HUB_STATE            folder of the hub's database and cookie secret (default ``/srv/helpcourse-hub``)
HELPCOURSE_HUB_PROXY            ``configurable-http-proxy`` executable (default: found on PATH)
HELPCOURSE_INSTRUCTORS          comma-separated accounts of the course's instructors (hub admins of the course)
HELPCOURSE_STUDENTS             comma-separated accounts of the course's students
HELPCOURSE_OTHER_USERS          accounts that may log in but are in no course (optional)
HELPCOURSE_COURSE_ROOT          the instructors' nbgrader course root, where the formgrader runs (default
                                ``/srv/helpcourse-hub/course``; ``python -m helpcourse.hub course-root`` writes it)
HELPCOURSE_COURSE_FILES         a folder (the student edition) copied into each new user's home on first start
HELPCOURSE_HUB_PASSWORD         a shared password (8+ characters) instead of the accounts' system passwords (PAM):
                                for tests and workshops only (HELPCOURSE_HUB_ADMIN_PASSWORD, 32+ characters, is
                                then the instructors' password)
HELPCOURSE_HUB_SERVICE_TOKEN    token of an administration service (provisioning scripts, tests); optional
HELPCOURSE_EXCHANGE             another exchange folder than the environment's nbgrader_config.py names (tests)
HELPCOURSE_HUB_API_PORT, HELPCOURSE_HUB_PROXY_API_PORT, HELPCOURSE_FORMGRADER_PORT
                                loopback ports of the hub (8081), the proxy's API (8001) and the formgrader (9999)
HELPCOURSE_HUB_START_TIMEOUT    seconds a server may take to start (default 120)
HELPCOURSE_DATA_DIR, _CACHE_DIR passed on to the formgrader (grading reads the data sets); the data folder also
                                to every user's server
HELPCOURSE_LTI_ISSUER, ...      log-in by an LTI 1.3 launch from the LMS instead (all HELPCOURSE_LTI_* variables:
                                src/helpcourse/lms/settings.py, docs/LMS.md): accounts are created at the first
                                launch, groups come from the LMS's roles, students enter the gradebook themselves
HELPCOURSE_LTI_USER_PREFIX      prefix of the account names made from launches (default ``lti-``)
==============================  ==================================================================================

Groups give course membership the way nbgrader's JupyterHub support expects: ``nbgrader-helpers-role`` (students
may fetch and submit) and ``formgrade-helpers-role`` (instructors may open the formgrader service
``/services/helpers-role/``). The formgrader runs as root because grading's sandbox needs root (docs/SECURITY.md).
"""

import os
import shutil
import subprocess
from pathlib import Path

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

COURSE_ID = "helpers-role"
PREFIX = Path(os.environ.get("HELPCOURSE_HUB_PREFIX", "/opt/helpcourse-hub/venv"))
STATE = Path(os.environ.get("HELPCOURSE_HUB_STATE", "/srv/helpcourse-hub"))
COURSE_ROOT = Path(os.environ.get("HELPCOURSE_COURSE_ROOT", str(STATE / "course")))
COURSE_FILES = os.environ.get("HELPCOURSE_COURSE_FILES", "")
FORMGRADER_PORT = int(os.environ.get("HELPCOURSE_FORMGRADER_PORT", "9999"))


def _accounts(variable: str) -> list[str]:
    return [name.strip() for name in os.environ.get(variable, "").split(",") if name.strip()]


INSTRUCTORS = _accounts("HELPCOURSE_INSTRUCTORS")
STUDENTS = _accounts("HELPCOURSE_STUDENTS")
OTHERS = _accounts("HELPCOURSE_OTHER_USERS")

# --- network and state -------------------------------------------------------------------------------------------
c.JupyterHub.ip = os.environ.get("HELPCOURSE_HUB_IP", "")
c.JupyterHub.port = int(os.environ.get("HELPCOURSE_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("HELPCOURSE_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('HELPCOURSE_HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [os.environ.get("HELPCOURSE_HUB_PROXY", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.should_start = True
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True

# --- who may log in ----------------------------------------------------------------------------------------------
c.Authenticator.allowed_users = set(INSTRUCTORS + STUDENTS + OTHERS)
# Instructors are hub admins: they can start, stop and open students' servers to help them.
c.Authenticator.admin_users = set(INSTRUCTORS)
LTI = bool(os.environ.get("HELPCOURSE_LTI_ISSUER"))
if LTI:  # LTI 1.3 launch from the LMS (docs/LMS.md); hand-made accounts above keep their groups
    from helpcourse.lms.settings import LtiSettings

    _lti = LtiSettings.from_env()
    if not _lti.deployment_ids:  # jupyterhub-ltiauthenticator itself accepts any deployment of the client id
        raise ValueError("HELPCOURSE_LTI_DEPLOYMENT_IDS is not set: name the LMS deployment(s) allowed to launch")
    c.JupyterHub.authenticator_class = "helpcourse.lms.launch.CourseLTI13Authenticator"
    c.CourseLTI13Authenticator.issuer = _lti.issuer
    c.CourseLTI13Authenticator.client_id = {_lti.client_id}
    c.CourseLTI13Authenticator.authorize_url = _lti.auth_url
    c.CourseLTI13Authenticator.jwks_endpoint = _lti.jwks_url
    c.CourseLTI13Authenticator.username_key = "sub"
    c.CourseLTI13Authenticator.deployment_ids = list(_lti.deployment_ids)
    c.CourseLTI13Authenticator.context_ids = list(_lti.contexts)
    c.CourseLTI13Authenticator.course_id = COURSE_ID
    c.CourseLTI13Authenticator.course_root = str(COURSE_ROOT)
    c.CourseLTI13Authenticator.username_prefix = os.environ.get("HELPCOURSE_LTI_USER_PREFIX", "lti-")
    # A signed launch from an accepted deployment (and course) is the permission to log in.
    c.CourseLTI13Authenticator.allow_all = True
elif os.environ.get("HELPCOURSE_HUB_PASSWORD"):
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = os.environ["HELPCOURSE_HUB_PASSWORD"]
    if os.environ.get("HELPCOURSE_HUB_ADMIN_PASSWORD"):  # 32+ characters; without it admins cannot log in
        c.SharedPasswordAuthenticator.admin_password = os.environ["HELPCOURSE_HUB_ADMIN_PASSWORD"]
else:
    c.JupyterHub.authenticator_class = "pam"  # the accounts' own system passwords

# --- each user's server: their own account, the course's environment -------------------------------------------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(PREFIX / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {"PATH": f"{PREFIX / 'bin'}:/usr/local/bin:/usr/bin:/bin"}
# The data sets' offline copy (readable by all) and another exchange than the environment's nbgrader_config.py names.
for _name in ("HELPCOURSE_DATA_DIR", "HELPCOURSE_EXCHANGE"):
    if os.environ.get(_name):
        c.Spawner.environment[_name] = os.environ[_name]
c.Spawner.start_timeout = int(os.environ.get("HELPCOURSE_HUB_START_TIMEOUT", "120"))
c.Spawner.http_timeout = int(os.environ.get("HELPCOURSE_HUB_START_TIMEOUT", "120"))
c.Spawner.mem_limit = os.environ.get("HELPCOURSE_HUB_MEM_LIMIT") or None  # shown to users; enforced by TLJH/k8s


def _install_course(spawner):
    """Close the user's home to others (useradd's 0755 default) and copy the course into it on first start."""
    import pwd

    try:
        account = pwd.getpwnam(spawner.user.name)
    except KeyError:
        if not LTI:
            raise
        # First launch from the LMS: the account is made now, after the launch was verified (never for a refusal).
        from helpcourse.hub.provision import create_local_user

        create_local_user(spawner.user.name)
        account = pwd.getpwnam(spawner.user.name)
    home = Path(account.pw_dir)
    if home.is_dir():
        os.chmod(home, 0o700)
    if COURSE_FILES and home.is_dir():
        target = home / Path(COURSE_FILES).name
        if not target.exists():
            shutil.copytree(COURSE_FILES, target, symlinks=False)
            subprocess.run(["chown", "-R", f"{account.pw_uid}:{account.pw_gid}", str(target)], check=True)


c.Spawner.pre_spawn_hook = _install_course

# --- course membership (nbgrader's JupyterHubAuthPlugin reads these groups) -------------------------------------
c.JupyterHub.load_groups = {
    f"formgrade-{COURSE_ID}": {"users": INSTRUCTORS},
    f"nbgrader-{COURSE_ID}": {"users": STUDENTS},
}
roles = [
    # A server's token may read its own user's groups: nbgrader asks the hub which courses the user takes.
    {"name": "server", "scopes": ["inherit"]},
    {"name": f"formgrade-{COURSE_ID}", "groups": [f"formgrade-{COURSE_ID}"],
     "scopes": [f"access:services!service={COURSE_ID}"]},
]

# --- the formgrader: a JupyterLab server in the course root, reachable by the course's instructors only ---------
c.JupyterHub.services = [
    {
        "name": COURSE_ID,
        "url": f"http://127.0.0.1:{FORMGRADER_PORT}",
        "command": [str(PREFIX / "bin" / "jupyterhub-singleuser"), "--allow-root",
                    f"--ServerApp.root_dir={COURSE_ROOT}"],
        "cwd": str(COURSE_ROOT),
        "environment": {
            "JUPYTERHUB_DEFAULT_URL": "/formgrader",
            "PATH": f"{PREFIX / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            **{name: os.environ[name] for name in ("HELPCOURSE_DATA_DIR", "HELPCOURSE_CACHE_DIR", "HELPCOURSE_EXCHANGE")
               if os.environ.get(name)},
        },
        "oauth_no_confirm": True,
    },
]

# An optional administration service (provisioning scripts, the integration tests): start and stop servers and
# issue tokens. It has no URL: it only calls the hub's REST API.
if os.environ.get("HELPCOURSE_HUB_SERVICE_TOKEN"):
    c.JupyterHub.services.append({"name": "course-admin", "api_token": os.environ["HELPCOURSE_HUB_SERVICE_TOKEN"]})
    roles.append({"name": "course-admin", "services": ["course-admin"],
                  "scopes": ["admin:users", "admin:servers", "tokens", "read:groups", "list:users"]})
c.JupyterHub.load_roles = roles
