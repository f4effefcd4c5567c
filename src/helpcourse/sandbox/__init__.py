"""The grading sandbox: student code never runs with the instructor's rights, and cannot change its own grade.

nbgrader's configuration (``grading/nbgrader_config.py``) turns it on for ``nbgrader autograde``, the formgrader's
autograde button and ``helpcourse-grade`` alike. Two layers (threat model in ``docs/SECURITY.md``):

* **Isolation** (:mod:`~helpcourse.sandbox.launch`, :mod:`~helpcourse.sandbox.manager`,
  :mod:`~helpcourse.sandbox.kernelspec`): each submission's kernel starts through the ``helpcourse-sandbox``
  kernelspec, whose wrapper sets resource limits, builds a bubblewrap sandbox (no network, a private view of the
  file system with the interpreter, the library and the data sets read-only, a private ``/tmp``) and switches to
  an unused user id of its own before starting Python with ``PYTHONSAFEPATH``.
* **Integrity** (:mod:`~helpcourse.sandbox.execute`, :mod:`~helpcourse.sandbox.integrity`,
  :mod:`~helpcourse.sandbox.plain`): locked and test cells are restored from the gradebook; the student's cells
  run in one kernel, the locked cells and tests in a second, clean kernel that receives the student's answers
  only as plain data (numbers, text, tables), so nothing a student defines or patches can take part in a test.

This package's ``__init__`` stays import-free: the wrapper runs as root before the sandbox exists and must start
fast.

Command line: ``python -m helpcourse.sandbox install|check``.
"""

KERNEL_NAME = "helpcourse-sandbox"
UNSAFE_ENV = "HELPCOURSE_UNSAFE_GRADING"
