"""Streamlit user interface: i18n, URL-bound state, cached data access, charts, theme and one render() per page."""
