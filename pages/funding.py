"""Page file: the content lives in ui.pages.funding."""
from ui.pages.funding import render

render()
