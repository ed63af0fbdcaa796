"""Page file: the content lives in ui.upload_page."""
from ui.upload_page import render

render()
