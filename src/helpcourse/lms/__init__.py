"""The course inside a university's LMS (docs/LMS.md).

* :mod:`helpcourse.lms.exporters` — nbgrader exporter plugins writing Canvas's gradebook CSV and Moodle's
  grade-import CSV (``nbgrader export --exporter=helpcourse.lms.exporters.CanvasExporter``), for LMSs without LTI.
* :mod:`helpcourse.lms.keys` — the tool's RSA key (kept outside the repository) and its public JWKS.
* :mod:`helpcourse.lms.ags` — an LTI Assignment and Grade Services / Names and Role client (OAuth2 client
  credentials with a signed JWT assertion, PyJWT + cryptography).
* :mod:`helpcourse.lms.publish` — ``helpcourse-grade publish ASSIGNMENT``: one line item per assignment, each
  student's final score, a dry run and a reconciliation report; only what changed is sent again.
* :mod:`helpcourse.lms.launch` — the hub's LTI 1.3 authenticator (jupyterhub-ltiauthenticator in LTI 1.3 mode)
  with the course's rules: deployments, roles to nbgrader's hub groups, stable user names, the gradebook's roster.
"""
