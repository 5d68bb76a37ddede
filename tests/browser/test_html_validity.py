"""The main pages of each role pass the Nu HTML checker (vnu-jar) without errors."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_accessibility import PAGES

VNU = Path(
    os.environ.get(
        "NORSKVEI_VNU_JAR",
        Path(__file__).resolve().parent / ".vnu/node_modules/vnu-jar/build/dist/vnu.jar",
    )
)


def _checker() -> list[str]:
    java = shutil.which("java")
    if java and VNU.exists():
        return [java, "-jar", str(VNU)]
    reason = f"the Nu HTML checker needs java and {VNU} (make test installs it with npm)"
    if os.environ.get("NORSKVEI_REQUIRE_BROWSER"):
        pytest.fail(reason)
    pytest.skip(reason)
    raise AssertionError  # unreachable


def _opener(base: str, email: str | None):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    if email:
        page = opener.open(base + "/login").read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        data = {"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
        opener.open(base + "/login", data=urllib.parse.urlencode(data).encode()).read()
    return opener


def test_main_pages_pass_the_nu_html_checker(live_server, tmp_path):
    command = _checker()
    files = []
    roles = {**PAGES, None: ["/", "/login", "/join", "/password/forgot"]}
    for email, paths in roles.items():
        opener = _opener(live_server, email)
        for path in paths:
            html = opener.open(live_server + path).read()
            name = re.sub(r"[^a-z0-9]+", "_", f"{email or 'anonymous'}{path}") + ".html"
            (tmp_path / name).write_bytes(html)
            files.append(str(tmp_path / name))
    result = subprocess.run(
        [*command, "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m.get('message')}"
        for m in messages
        if m.get("type") == "error"
    ]
    assert errors == []
    assert len(files) >= 35
