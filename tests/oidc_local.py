"""A real OpenID Connect provider for the tests: node-oidc-provider (tests/oidc_server),
started as a subprocess on a free local port.

Without Node.js or its installed packages (``npm ci --prefix tests/oidc_server``, which
``make test`` runs) the OIDC tests are skipped with a clear reason, except where
``NORSKVEI_REQUIRE_BROWSER`` is set: there it fails, as a missing browser does.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from webapp.accounts.oidc_rules import OidcProvider

SERVER_DIR = Path(__file__).parent / "oidc_server"
CLIENT_ID = "norskvei-test"
CLIENT_SECRET = "norskvei-test-secret-0123456789"


def _require_node() -> str:
    node = shutil.which("node")
    installed = (SERVER_DIR / "node_modules" / "oidc-provider").is_dir()
    if node and installed:
        return node
    reason = (
        "Node.js not found: the OIDC sign-in tests did not run"
        if not node
        else "oidc-provider is not installed (npm ci --prefix tests/oidc_server):"
        " the OIDC sign-in tests did not run"
    )
    if os.environ.get("NORSKVEI_REQUIRE_BROWSER"):
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class LocalProvider:
    """The running provider: its issuer and the settings Norskvei uses for it."""

    issuer: str
    provider: OidcProvider


@contextmanager
def running_provider(
    accounts: dict[str, dict[str, object]],
    base_url: str,
    key: str = "test",
    name: str = "Testkommune ID",
) -> Iterator[LocalProvider]:
    """Run the provider with ``accounts`` (id -> claims) for a Norskvei at ``base_url``."""
    node = _require_node()
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URI": f"{base_url}/login/oidc/{key}/callback",
        "ACCOUNTS": json.dumps(accounts),
    }
    process = subprocess.Popen(
        [node, "server.js"],
        cwd=SERVER_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until "ready <issuer>" or the process dies
        if not line.startswith("ready "):
            raise RuntimeError(f"the OIDC test server did not start: {line!r}")
        issuer = line.split()[1]
        provider = OidcProvider(
            key=key,
            name=name,
            issuer=issuer,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
        )
        yield LocalProvider(issuer=issuer, provider=provider)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def log_in_at_provider(authorize_url: str, account: str, callback_prefix: str) -> str:
    """Play the browser at the provider: open its log-in page, submit ``account``, follow its
    redirects, and return the address it sends back to Norskvei (code and state included)."""
    with requests.Session() as browser:
        response = browser.get(authorize_url, allow_redirects=False, timeout=10)
        interaction = urljoin(authorize_url, response.headers["Location"])
        page = browser.get(interaction, timeout=10)
        assert 'name="account"' in page.text, page.text
        response = browser.post(
            interaction + "/login", data={"account": account}, allow_redirects=False, timeout=10
        )
        for _ in range(10):
            location = urljoin(authorize_url, response.headers["Location"])
            if location.startswith(callback_prefix):
                return location
            response = browser.get(location, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back")


def wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)
