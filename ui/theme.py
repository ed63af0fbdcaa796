"""Chinese font stack for the page and for Plotly, plus presentation mode (?present=1)."""
from __future__ import annotations

import streamlit as st

FONT_STACK = '"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",sans-serif'


def presenting() -> bool:
    """Presentation mode is one state, ?present=1: the sidebar toggle and the exit button write it."""
    return st.query_params.get("present") in ("1", "true")


def apply() -> None:
    css = f"""
    html, body, [class*="css"], .stMarkdown, .stDataFrame, button, input, textarea, select {{
        font-family: {FONT_STACK};
    }}
    [data-testid="stMetricValue"] {{ font-variant-numeric: tabular-nums; font-size: clamp(1.4rem, 2.2vw, 2.25rem); }}
    /* a headline value or its comparison wraps rather than ending in "…" at 1280 wide */
    [data-testid="stMetricValue"], [data-testid="stMetricValue"] *, [data-testid="stMetricDelta"],
    [data-testid="stMetricDelta"] * {{ white-space: normal !important; overflow: visible !important;
        text-overflow: clip !important; }}
    [data-testid="stMetricDelta"] {{ height: auto !important; }}
    /* a card's unreviewed mark (st.badge) wraps too: it is a sentence, cut it and it says nothing */
    .stMarkdownBadge {{ white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }}
    mark.aid-span {{ background: #ffe08a; padding: 0 .1em; font-weight: 600; }}
    span.aid-quote {{ background: #fff5cc; }}
    div.aid-context {{ line-height: 1.9; white-space: pre-wrap; border-left: 3px solid #ddd; padding-left: .8em; }}
    """
    if presenting():
        # a projector at 1280x720: no Streamlit chrome, larger type, the chart across the full width
        css += """
        [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
        header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
        [data-testid="stStatusWidget"], [data-testid="stMainMenu"], footer { display: none !important; }
        html { font-size: 20px; }
        .block-container, [data-testid="stMainBlockContainer"] { padding: .6rem 1.2rem 1rem 1.2rem !important;
            max-width: 100% !important; }
        h1 { font-size: 1.5rem !important; padding: .2rem 0 !important; color: #111; }
        h2, h3 { font-size: 1.2rem !important; color: #111; }
        [data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { font-size: .85rem; color: #333; }
        [data-testid="stMetricValue"] { font-size: 2.1rem !important; color: #111; }
        .st-key-present_bar { border-bottom: 2px solid #ddd; padding-bottom: .3rem; }
        .st-key-present_bar p { font-size: 1.05rem; font-weight: 600; color: #111; margin: 0; }
        .js-plotly-plot .modebar { opacity: 1 !important; }
        .js-plotly-plot .modebar-btn path { fill: #555 !important; }
        """
    st.html(f"<style>{css}</style>")
    if presenting():
        keys()


# ←/PgUp previous, →/PgDn/Space next, Esc exit: a key press clicks the presentation bar's own buttons (so the
# server-side logic is the one the mouse uses); registered once per browser tab, inert outside presentation mode
KEYS_JS = """
<script>
(function () {
  const doc = window.parent && window.parent.document ? window.parent.document : document;
  if (doc.__aidPresentKeys) return;
  doc.__aidPresentKeys = true;
  const map = {ArrowRight: "present_next", PageDown: "present_next", " ": "present_next", Spacebar: "present_next",
               ArrowLeft: "present_prev", PageUp: "present_prev", Escape: "present_exit"};
  doc.addEventListener("keydown", function (e) {
    const key = map[e.key];
    if (!key || e.altKey || e.ctrlKey || e.metaKey) return;
    const el = doc.activeElement;
    if (el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName))) return;
    const button = doc.querySelector(".st-key-" + key + " button");
    if (!button) return;
    e.preventDefault();
    if (!button.disabled) button.click();
  }, true);
})();
</script>
"""


def keys() -> None:
    st.html(KEYS_JS, unsafe_allow_javascript=True)
