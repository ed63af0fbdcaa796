"""Builds the xlsx_scan extension; the module carries the SHA-256 of the source it was built from, so a test can
tell a stale build (tests/test_upload_fast_reader.py: rebuild with pip install ./native/xlsx_scan)."""
import hashlib
from pathlib import Path

from setuptools import Extension, setup

source = Path(__file__).with_name("xlsx_scan.c")
digest = hashlib.sha256(source.read_bytes()).hexdigest()
setup(ext_modules=[Extension("xlsx_scan", ["xlsx_scan.c"], extra_compile_args=["-O3", "-Wall", "-Wextra"],
                             define_macros=[("SOURCE_SHA256", f'"{digest}"')])])
