"""nbgrader configuration of the course root (this folder).

Sources live in ``../course/exercises/<assignment>/`` so that the course's own notebooks stay together;
everything nbgrader generates (release/, submitted/, autograded/, feedback/, gradebook.db, exchange/) is
written here and ignored by git.
"""

import os

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = HERE
c.CourseDirectory.course_id = "helpers-role"
c.CourseDirectory.source_directory = os.path.join("..", "course", "exercises")

# A misspelt submission folder must not silently create a new student: students are added from the roster.
c.Autograde.create_student = False

# Cells may take up to 60 s each (plot cells under parallel load on two cores); no widget state in notebooks
# (a FigureWidget would otherwise store about 5 MB of plotly.js in every graded notebook).
c.Execute.timeout = 60
c.Execute.store_widget_state = False
c.Execute.interrupt_on_timeout = True

# Released answer cells keep the line the student completes (``answer = ...``) and drop the solution lines.
c.ClearSolutions.code_stub = {"python": ""}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# One machine: a local exchange inside the course root. On JupyterHub this points at the shared exchange.
c.Exchange.root = os.path.join(HERE, "exchange")
c.Exchange.timezone = "UTC"

# Grading sandbox (threat model in docs/SECURITY.md). Every submission runs in kernels of the `helpcourse-sandbox`
# kernelspec: no network, its own user id, the course root hidden, limits on CPU, memory, processes, file and output
# size. The notebook's own kernelspec is ignored. Locked cells and tests run in a second, clean kernel that receives
# the student's answers only as plain data. Without bubblewrap or root, grading refuses to run student code unless
# the instructor sets HELPCOURSE_UNSAFE_GRADING=1 (ordinary kernels, a loud warning in the log).
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "helpcourse.sandbox.integrity.CanonicalCells",  # gradebook metadata; duplicates reported; deleted tests restored
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "helpcourse.sandbox.execute.SandboxedExecute",  # sandboxed student kernel + clean test kernel
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "helpcourse.sandbox.integrity.NeutraliseActiveContent",  # markup in answers shown as text, scripts dropped
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
    "helpcourse.sandbox.integrity.GradingReport",  # findings stored in the autograded notebook's metadata
]
c.SandboxedExecute.kernel_name = "helpcourse-sandbox"
c.SandboxedExecute.notebook_time_limit = 900  # seconds of the student kernel per notebook
c.SandboxedExecute.max_output_bytes = 10_000_000  # output kept per cell (a plotly figure can take 5 MB)
c.SandboxKernelManager.cpu_seconds = 600
c.SandboxKernelManager.memory_mb = 4096
c.SandboxKernelManager.processes = 128  # processes and threads of one kernel (its own user id)
c.SandboxKernelManager.file_size_mb = 64
# Feedback and the formgrader render HTML outputs sanitised (nbgrader's templates do not sanitise markdown:
# NeutraliseActiveContent above handles the students' markdown).
c.HTMLExporter.sanitize_html = True
