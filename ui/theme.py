"""Chinese font stack for the page and for Plotly, plus presentation mode (?present=1)."""
from __future__ import annotations

import streamlit as st

FONT_STACK = '"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",sans-serif'


def presenting() -> bool:
    return st.query_params.get("present") in ("1", "true")


def apply() -> None:
    css = f"""
    html, body, [class*="css"], .stMarkdown, .stDataFrame, button, input, textarea, select {{
        font-family: {FONT_STACK};
    }}
    [data-testid="stMetricValue"] {{ font-variant-numeric: tabular-nums; }}
    mark.aid-span {{ background: #ffe08a; padding: 0 .1em; font-weight: 600; }}
    span.aid-quote {{ background: #fff5cc; }}
    div.aid-context {{ line-height: 1.9; white-space: pre-wrap; border-left: 3px solid #ddd; padding-left: .8em; }}
    """
    if presenting():
        # sidebar, header and toolbar hidden, everything larger: for a projector
        css += """
        [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
        [data-testid="stToolbar"], [data-testid="stDecoration"], footer { display: none !important; }
        html { font-size: 20px; }
        .block-container { padding-top: 1rem; max-width: 100%; }
        [data-testid="stMetricValue"] { font-size: 3rem; }
        """
    st.html(f"<style>{css}</style>")
