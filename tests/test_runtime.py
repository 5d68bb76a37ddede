"""The serving process's garbage collector settings (webapp.runtime)."""

from __future__ import annotations

import gc

from webapp.runtime import YOUNG_THRESHOLD, settle_after_start


def test_settling_freezes_what_start_up_loaded_and_collects_young_objects_less_often():
    before = gc.get_threshold()
    try:
        gc.unfreeze()
        held = [[n] for n in range(1000)]  # objects the collector tracks
        settle_after_start()
        assert gc.get_freeze_count() >= len(held)
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD > before[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_the_wsgi_entry_point_settles_the_process(monkeypatch):
    import importlib
    import sys

    calls = []
    monkeypatch.setattr("webapp.create_app", lambda: calls.append("app") or "the app")
    monkeypatch.setattr("webapp.runtime.settle_after_start", lambda: calls.append("settled"))
    monkeypatch.delitem(sys.modules, "wsgi", raising=False)
    assert importlib.import_module("wsgi").app == "the app"
    assert calls == ["app", "settled"]
