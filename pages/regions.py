"""Page file: the content lives in ui.pages.regions."""
from ui import shell
from ui.pages.regions import render

shell.page("regions")
render()
