"""Page file: the content lives in ui.pages.cooperation."""
from ui.pages.cooperation import render

render()
