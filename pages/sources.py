"""Page file: the content lives in ui.pages.sources."""
from ui.pages.sources import render

render()
