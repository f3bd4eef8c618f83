"""nbgrader's configuration for the jielong course: run every nbgrader command from this folder."""
c = get_config()  # noqa: F821 (nbgrader defines it when it loads this file)

c.CourseDirectory.course_id = "jielong"
# A cell loads the book's cached models, or on a cold cache trains them first (the base model, stage 3's policy and
# reward model: about 5 minutes on 2 cores); nbgrader's default of 30 s per cell is far too short for that.
c.Execute.timeout = 900
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# `nbgrader zip_collect`: submissions downloaded as <student>_<assignment>.ipynb (any folders before the name).
c.FileNameCollectorPlugin.named_regexp = r"(?:.*/)?(?P<student_id>[^/_]+)_(?P<file_id>[^/]+\.ipynb)$"
