"""Page file: the content lives in ui.pages.sources."""
from ui import shell
from ui.pages.sources import render

shell.page("sources")
render()
