"""Entry point (`streamlit run app.py`): the frame in ui/frame.py builds navigation from the page catalogue
(data/dictionaries/pages.csv) and runs the page the URL names; each page lives in pages/<id>.py."""
from ui import frame

frame.run()
