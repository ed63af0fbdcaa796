"""Page file: the content lives in ui.pages.funding."""
from ui import shell
from ui.pages.funding import render

shell.page("funding")
render()
