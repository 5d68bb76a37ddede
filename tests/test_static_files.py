"""Static files: versioned addresses, a year of caching, gzip for text."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "webapp" / "static"


def fetch(client, url: str, **headers):
    """GET a static file and close the response (send_file keeps the file open until then)."""
    response = client.get(url, headers=headers)
    data = response.get_data()
    response.close()
    return response, data


def test_pages_link_static_files_by_content_hash(client):
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'href="(/static/css/main\.css\?v=([0-9a-f]{12}))"', page)
    assert match, "the stylesheet address carries its content hash"
    response, _data = fetch(client, match.group(1))
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.immutable


def test_an_old_or_missing_hash_is_not_cached_for_long(client):
    response, _data = fetch(client, "/static/css/main.css?v=000000000000")
    assert response.status_code == 200
    assert not response.cache_control.immutable
    assert (response.cache_control.max_age or 0) < 365 * 24 * 3600


def test_text_files_are_gzipped_for_clients_that_accept_it(client):
    original = (STATIC / "css" / "main.css").read_bytes()
    plain, plain_data = fetch(client, "/static/css/main.css")
    assert plain.headers.get("Content-Encoding") is None
    assert plain_data == original
    zipped, zipped_data = fetch(client, "/static/css/main.css", **{"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped_data) == original
    assert len(zipped_data) < len(original) / 2


def test_no_file_outside_the_static_folder_is_served(client):
    assert fetch(client, "/static/../config.py")[0].status_code == 404
    assert fetch(client, "/static/%2e%2e/config.py")[0].status_code == 404
