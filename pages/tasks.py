"""Page file: the content lives in ui.pages.tasks."""
from ui import shell
from ui.pages.tasks import render

shell.page("tasks")
render()
