"""The audio checks: what phones record is accepted, everything else refused with a reason."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.audio_samples import mp4_aac, webm_opus
from webapp.recordings.audio import MP4, WEBM, AudioRefused, check_audio, sniff
from webapp.recordings.storage import LocalStorage

MAX_BYTES = 5 * 1024 * 1024


def refusal(data: bytes, max_bytes: int = MAX_BYTES, max_seconds: float = 90) -> str:
    with pytest.raises(AudioRefused) as caught:
        check_audio(data, max_bytes, max_seconds)
    return caught.value.code


def test_chrome_webm_without_a_declared_duration_is_measured_from_its_blocks() -> None:
    info = check_audio(webm_opus(12), MAX_BYTES, 90)
    assert info.kind == WEBM
    assert info.mime_type == "audio/webm"
    assert 11.9 <= info.seconds <= 12.0


def test_webm_with_a_declared_duration_uses_it() -> None:
    assert check_audio(webm_opus(3, declared=3.5), MAX_BYTES, 90).seconds == 3.5


def test_safari_mp4_plain_and_fragmented_are_measured() -> None:
    plain = check_audio(mp4_aac(7), MAX_BYTES, 90)
    assert (plain.kind, plain.seconds, plain.mime_type) == (MP4, 7.0, "audio/mp4")
    fragmented = check_audio(mp4_aac(20, fragmented=True), MAX_BYTES, 90)
    assert 19.9 <= fragmented.seconds <= 20.0


def test_a_renamed_text_file_is_refused() -> None:
    assert sniff(b"Hei! Jeg heter Olena.\n") is None
    assert refusal(b"Hei! Jeg heter Olena.\n" * 10) == "not_audio"


def test_an_empty_file_is_refused() -> None:
    assert refusal(b"") == "empty"


def test_an_oversized_file_is_refused_before_it_is_read() -> None:
    data = webm_opus(10)
    assert refusal(data, max_bytes=len(data) - 1) == "too_large"
    assert check_audio(data, len(data), 90).seconds > 9


@pytest.mark.parametrize(
    "data",
    [webm_opus(600), webm_opus(2, declared=600), mp4_aac(600), mp4_aac(600, fragmented=True)],
    ids=["webm-blocks", "webm-declared", "mp4", "mp4-fragmented"],
)
def test_a_ten_minute_recording_is_refused(data: bytes) -> None:
    assert refusal(data) == "too_long"


def test_the_cap_is_inclusive() -> None:
    assert check_audio(mp4_aac(90), MAX_BYTES, 90).seconds == 90
    assert refusal(mp4_aac(91)) == "too_long"


@pytest.mark.parametrize(
    "data",
    [
        webm_opus(2, codec=b"V_VP8"),
        webm_opus(2, codec=b"A_VORBIS"),
        mp4_aac(2, entry=b"avc1"),
        b"\x1a\x45\xdf\xa3" + bytes(30),
        b"\x00\x00\x00\x14ftypisom\x00\x00\x00\x00isom",
    ],
    ids=["webm-video", "webm-vorbis", "mp4-video", "bare-ebml", "bare-ftyp"],
)
def test_other_content_in_the_right_wrapper_is_refused(data: bytes) -> None:
    assert refusal(data) == "not_audio"


def test_a_file_whose_length_cannot_be_read_is_refused() -> None:
    no_blocks = webm_opus(0)
    assert refusal(no_blocks) == "unknown_length"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([b"", b"\x1a\x45\xdf\xa3", b"\0\0\0\x18ftyp"]))
def test_arbitrary_bytes_are_accepted_or_refused_never_crash(tail: bytes, head: bytes) -> None:
    codes = {"empty", "not_audio", "unknown_length", "too_long"}
    try:
        info = check_audio(head + tail, MAX_BYTES, 90)
    except AudioRefused as refused:
        code = refused.code
    else:
        code = "accepted"
        assert 0 < info.seconds <= 90
    assert code in codes | {"accepted"}


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=3000), st.data())
def test_cutting_a_real_recording_anywhere_never_crashes(cut: int, data: st.DataObject) -> None:
    sample = data.draw(st.sampled_from([webm_opus(3), mp4_aac(3), mp4_aac(3, fragmented=True)]))
    with contextlib.suppress(AudioRefused):
        check_audio(sample[:cut], MAX_BYTES, 90)


def test_local_storage_saves_opens_and_deletes(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    assert not store.exists("answers/a1.webm")
    store.save("answers/a1.webm", b"abc")
    assert store.exists("answers/a1.webm")
    with store.open("answers/a1.webm") as handle:
        assert handle.read() == b"abc"
    store.delete("answers/a1.webm")
    store.delete("answers/a1.webm")  # deleting twice is fine
    assert not store.exists("answers/a1.webm")
    assert not list(tmp_path.rglob("*.part"))


@pytest.mark.parametrize("key", ["../secret", "/etc/passwd", "a/../../b", "", "A.webm"])
def test_local_storage_refuses_keys_outside_its_folder(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="bad storage key"):
        LocalStorage(tmp_path).save(key, b"x")
