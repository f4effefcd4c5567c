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
