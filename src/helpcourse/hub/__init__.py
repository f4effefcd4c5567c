"""The course on a JupyterHub: nbgrader's exchange on a shared folder, a PostgreSQL gradebook (docs/HUB.md).

:mod:`helpcourse.hub.exchange` is used by every student's server (private submissions); :mod:`helpcourse.hub.provision`
builds the hub's environment, the shared exchange, local accounts, an instructor's course root and a PostgreSQL
cluster (``python -m helpcourse.hub --help``).
"""
