"""Page file: the content lives in ui.pages.overview."""
from ui import shell
from ui.pages.overview import render

shell.page("overview")
render()
