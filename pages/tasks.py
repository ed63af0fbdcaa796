"""Page file: the content lives in ui.pages.tasks."""
from ui.pages.tasks import render

render()
