"""Page file: the content lives in ui.pages.regions."""
from ui.pages.regions import render

render()
