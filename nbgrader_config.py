"""Lets JupyterLab started at the repository root (``make lab``) find the nbgrader course root in grading/."""

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file
load_subconfig("grading/nbgrader_config.py")  # noqa: F821
