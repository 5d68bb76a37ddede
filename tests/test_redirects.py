"""Only local paths are accepted as redirect targets."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.access.redirects import is_safe_local_path, safe_next


@pytest.mark.parametrize("target", ["/", "/learners", "/learners?page=2", "/a/b#c"])
def test_local_paths_are_safe(target):
    assert is_safe_local_path(target)


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/\tevil",
        "learners",
    ],
)
def test_everything_else_is_refused(target):
    assert not is_safe_local_path(target)
    assert safe_next(target, "/dashboard") == "/dashboard"


@given(st.text(max_size=60))
def test_a_safe_target_never_names_another_host(target):
    if is_safe_local_path(target):
        assert target.startswith("/")
        assert not target.startswith("//")
        assert "\\" not in target
