"""Staff uploads of figures from Excel/CSV: template, reading, validation, preview, commit, undo."""
from loaders.upload.read import UploadError, read_upload
from loaders.upload.store import (
                                   REPLACE,
                                   SKIP,
                                   CommitResult,
                                   DuplicateUpload,
                                   Preview,
                                   classify,
                                   commit,
                                   history,
                                   prepare,
                                   undo,
)
from loaders.upload.template import template_bytes
from loaders.upload.validate import ERROR_COLUMNS, validate

__all__ = ["REPLACE", "SKIP", "CommitResult", "DuplicateUpload", "Preview", "UploadError", "ERROR_COLUMNS",
           "classify", "commit", "history", "prepare", "read_upload", "template_bytes", "undo", "validate"]
