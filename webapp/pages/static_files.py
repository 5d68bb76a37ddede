"""Static files for cheap phones on mobile data: gzip-compressed, cached for a year, busted by hash.

``url_for("static", ...)`` adds ``?v=<content hash>``; a request carrying the current hash may be
cached as immutable for a year, because a changed file gets a new address. Text files are sent
gzip-compressed to clients that accept it (compressed once per file version, kept in memory).
"""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, current_app, request

YEAR = 365 * 24 * 3600
COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml"}


@lru_cache(maxsize=256)
def _digest(path: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


@lru_cache(maxsize=256)
def _compressed(path: str, mtime_ns: int) -> bytes:
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


def _file(filename: str) -> Path | None:
    folder = Path(current_app.static_folder or "")
    candidate = (folder / filename).resolve()
    if folder.resolve() not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def content_hash(filename: str) -> str | None:
    """A short hash of a static file's content, or None when there is no such file."""
    path = _file(filename)
    if path is None:
        return None
    return _digest(str(path), path.stat().st_mtime_ns)


# Served files do not change while a production process runs (a deploy restarts it), so their
# hashes are looked up once; in debug mode every address checks the file again.
_HASHES: dict[tuple[str, str], str | None] = {}


def _known_hash(filename: str) -> str | None:
    """``content_hash``, computed once per file outside debug mode."""
    if current_app.debug:
        return content_hash(filename)
    key = (current_app.static_folder or "", filename)
    if key not in _HASHES:
        _HASHES[key] = content_hash(filename)
    return _HASHES[key]


def add_version(endpoint: str, values: dict) -> None:
    """``url_for`` hook: give static addresses their content hash."""
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = _known_hash(values["filename"])
        if version:
            values["v"] = version


def compress_and_cache(response: Response) -> Response:
    """After a static file: long caching for versioned addresses, gzip for text."""
    if request.endpoint != "static" or response.status_code != 200:
        return response
    filename = (request.view_args or {}).get("filename", "")
    path = _file(filename)
    if path is None:
        return response
    current = _digest(str(path), path.stat().st_mtime_ns)
    if request.args.get("v") == current:
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    mimetype = response.mimetype or ""
    if mimetype in COMPRESSIBLE:
        response.vary.add("Accept-Encoding")
        if "gzip" in request.headers.get("Accept-Encoding", "").lower():
            body = _compressed(str(path), path.stat().st_mtime_ns)
            original = response.response
            response.direct_passthrough = False
            response.set_data(body)
            if hasattr(original, "close"):
                original.close()  # the file wrapper send_file opened
            response.headers["Content-Encoding"] = "gzip"
            response.set_etag(f"{current}-gz")
    return response


def init_app(app: Flask) -> None:
    """Version static addresses and compress and cache static responses."""
    app.url_defaults(add_version)
    app.after_request(compress_and_cache)
