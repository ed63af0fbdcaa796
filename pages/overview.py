"""Page file: the content lives in ui.pages.overview."""
from ui.pages.overview import render

render()
