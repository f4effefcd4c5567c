"""Class-scale grading for instructors (students never import this package).

``cli`` is the one command of the grading cycle (``helpcourse-grade ASSIGNMENT``), run by ``cycle``: ``course``
reads the nbgrader course root, ``autograde`` grades every submission in parallel worker processes (``worker``),
``feedback`` writes feedback students can use (static plots from ``staticplots``, no hidden test shown),
``analytics`` reports on the class, ``democlass`` runs the whole cycle on a simulated class and ``edition`` builds
the student edition.
"""
