"""Page file: the content lives in ui.pages.cooperation."""
from ui import shell
from ui.pages.cooperation import render

shell.page("cooperation")
render()
