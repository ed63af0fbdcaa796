"""Settings declared once (name, default, help); overridden by environment or .streamlit/secrets.toml."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from common.paths import DATA, PLANS, ROOT


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    @property
    def env(self) -> str:
        return "AID_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("db_path", str(DATA / "aid.duckdb"),
            "DuckDB file the app reads and the loaders write (built from data/plans/ on first run)."),
    Setting("database_url", "",
            "PostgreSQL URL (postgresql://user:pass@host:5432/aid?sslmode=require) for a store shared by several app "
            "servers; empty: the DuckDB file db_path. Keep the password in secrets.toml; it is never logged."),
    Setting("plans_dir", str(PLANS),
            "Folder of plan texts (*.txt) with their metadata sidecars (*.json)."),
    Setting("uploader_password", "",
            "Credential staff enter to upload Excel figures. Empty: uploads allowed without one, with a visible warning."),
    Setting("trusted_user_header", "",
            "HTTP header a trusted proxy sets to the signed-in person (e.g. X-Forwarded-User); empty: writes record "
            "the name typed on the page (or st.user after st.login when configured)."),
    Setting("max_upload_mb", "20", "Largest upload accepted, in megabytes."),
    Setting("show_map", "1", "Show the map of China on the Regions page (0 hides it for deployments that must)."),
    Setting("map_approval_number", "",
            "Map approval number (审图号) printed under the map; empty prints that none is configured."),
    Setting("table_rows", "20",
            "Rows per page of the figure tables on the regions and cooperation pages (the count and the paging are "
            "done in SQL, so a page costs the same at any size)."),
    Setting("lock_timeout_s", "30", "Seconds a write waits for another writer before failing with a clear message."),
    Setting("language", "zh", "Default UI language (zh or en)."),
    Setting("base_url", "",
            "The app's public address (e.g. https://aid.example.org); deck slides link their view under it. "
            "Empty: slides carry no link."),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def _secrets() -> dict:
    """Values from .streamlit/secrets.toml, read without needing a running Streamlit server."""
    for path in (ROOT / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"):
        if path.is_file():
            import tomllib

            with path.open("rb") as fh:
                return tomllib.load(fh)
    return {}


def get(name: str) -> str:
    setting = _BY_NAME[name]
    if setting.env in os.environ:
        return os.environ[setting.env]
    value = _secrets().get(name)
    if value is not None:
        return str(value)
    return setting.default


def get_bool(name: str) -> bool:
    return get(name).strip().lower() not in ("0", "false", "no", "off", "")


def get_float(name: str) -> float:
    return float(get(name))
