"""Page file: the content lives in ui.upload_page."""
from ui import shell
from ui.upload_page import render

shell.page("upload")
render()
