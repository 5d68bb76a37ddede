"""Audio checks as pure functions: what a file really is, and how long it plays.

Phones record WebM with Opus (Chrome, Android, Firefox) or MP4 with AAC (Safari). We look at the
bytes, never at the client's Content-Type: a WebM file starts with an EBML header whose DocType is
``webm``; an MP4 file starts with an ``ftyp`` box. The length is read from the container:

* WebM: the Segment Info ``Duration`` when the recorder wrote one; MediaRecorder streams do not,
  so we also walk the Clusters and take the latest block timestamp (the last frame's own 20 ms
  are not counted).
* MP4: the movie header (``mvhd``), the track's media header (``mdhd``) and, for the fragmented
  files Safari writes, the fragments' decode times plus their sample durations (``tfdt``,
  ``trun``, ``tfhd``/``trex`` defaults).

A file whose length cannot be read this way is refused rather than trusted.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

WEBM = "webm"
MP4 = "mp4"
MIME_TYPES = {WEBM: "audio/webm", MP4: "audio/mp4"}
EXTENSIONS = {WEBM: "webm", MP4: "m4a"}


class AudioRefused(Exception):
    """A file we do not accept; ``code`` names the reason (see refusals.py for the messages)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class AudioInfo:
    """What the checks found: the container and its length in seconds."""

    kind: str  # WEBM or MP4
    seconds: float

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.kind]


def sniff(data: bytes) -> str | None:
    """The container of ``data`` judged by its first bytes: WEBM, MP4 or None."""
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return WEBM
    if len(data) >= 12 and data[4:8] == b"ftyp":
        return MP4
    return None


def check_audio(data: bytes, max_bytes: int, max_seconds: float) -> AudioInfo:
    """Accept a WebM/Opus or MP4/AAC recording within the size and length caps, else refuse."""
    if not data:
        raise AudioRefused("empty")
    if len(data) > max_bytes:
        raise AudioRefused("too_large")
    kind = sniff(data)
    if kind == WEBM:
        seconds = webm_seconds(data)
    elif kind == MP4:
        seconds = mp4_seconds(data)
    else:
        raise AudioRefused("not_audio")
    if seconds is None or seconds <= 0:
        raise AudioRefused("unknown_length")
    if seconds > max_seconds:
        raise AudioRefused("too_long")
    return AudioInfo(kind, round(seconds, 2))


# WebM (EBML) --------------------------------------------------------------------------------

EBML = 0x1A45DFA3
DOCTYPE = 0x4282
SEGMENT = 0x18538067
INFO = 0x1549A966
TIMECODE_SCALE = 0x2AD7B1
DURATION = 0x4489
TRACKS = 0x1654AE6B
TRACK_ENTRY = 0xAE
CODEC_ID = 0x86
CLUSTER = 0x1F43B675
CLUSTER_TIMECODE = 0xE7
SIMPLE_BLOCK = 0xA3
BLOCK_GROUP = 0xA0
BLOCK = 0xA1
# Master elements we step into instead of skipping (their children follow their header).
_WEBM_MASTERS = {EBML, SEGMENT, INFO, TRACKS, TRACK_ENTRY, CLUSTER, BLOCK_GROUP}


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int, bool]:
    """An EBML variable-length integer at ``pos``: (value, length, all-ones)."""
    if pos >= len(data):
        raise AudioRefused("not_audio")
    first = data[pos]
    length = 1
    mask = 0x80
    while length <= 8 and not first & mask:
        mask >>= 1
        length += 1
    if length > 8 or pos + length > len(data):
        raise AudioRefused("not_audio")
    value = first if keep_marker else first & (mask - 1)
    for byte in data[pos + 1 : pos + length]:
        value = (value << 8) | byte
    ones = (first & (mask - 1)) == mask - 1 and all(b == 0xFF for b in data[pos + 1 : pos + length])
    return value, length, ones


def webm_seconds(data: bytes) -> float | None:
    """The length of a WebM/Opus file in seconds, None when it cannot be read; refuses other
    WebM content (video, other codecs, another DocType)."""
    pos = 0
    doctype = b""
    codecs: list[bytes] = []
    scale = 1_000_000  # nanoseconds per timecode tick, the default
    declared: float | None = None
    cluster_time = 0
    latest: int | None = None
    while pos < len(data):
        element, id_length, _ = _vint(data, pos, keep_marker=True)
        if pos + id_length >= len(data):
            break  # a recording cut in the middle of a header: count what came before
        size, size_length, unknown = _vint(data, pos + id_length, keep_marker=False)
        start = pos + id_length + size_length
        if element in _WEBM_MASTERS:
            pos = start
            continue
        if unknown:
            raise AudioRefused("not_audio")
        end = start + size
        body = data[start:end]
        if element == DOCTYPE:
            doctype = body
        elif element == TIMECODE_SCALE:
            scale = int.from_bytes(body, "big") or scale
        elif element == DURATION and len(body) in (4, 8):
            declared = struct.unpack(">f" if len(body) == 4 else ">d", body)[0]
        elif element == CODEC_ID:
            codecs.append(body.rstrip(b"\x00"))
        elif element == CLUSTER_TIMECODE:
            cluster_time = int.from_bytes(body, "big")
        elif element in (SIMPLE_BLOCK, BLOCK) and len(body) >= 4:
            _, track_length, _ = _vint(body, 0, keep_marker=False)
            if len(body) >= track_length + 2:
                relative = struct.unpack(">h", body[track_length : track_length + 2])[0]
                moment = cluster_time + relative
                latest = moment if latest is None else max(latest, moment)
        pos = end
    if doctype != b"webm" or b"A_OPUS" not in codecs or any(c.startswith(b"V_") for c in codecs):
        raise AudioRefused("not_audio")
    found = [declared * scale / 1e9 if declared else 0.0]
    if latest is not None:
        found.append(latest * scale / 1e9)
    seconds = max(found)
    return seconds or None


# MP4 (ISO base media) -----------------------------------------------------------------------

_MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"mvex", b"moof", b"traf"}


@dataclass
class _Mp4Facts:
    movie_scale: int = 0
    movie_duration: int = 0
    media_scale: int = 0
    media_duration: int = 0
    fragment_duration: int = 0  # mehd, in movie time units
    default_sample_duration: int = 0  # trex
    handlers: list[bytes] = field(default_factory=list)
    sample_entries: list[bytes] = field(default_factory=list)
    fragment_end: int = 0  # in media time units
    # the traf being read
    base_time: int = 0
    traf_default: int = 0
    traf_samples: int = 0


def _boxes(data: bytes, start: int, end: int):
    """Yield (type, body start, body end) for the boxes between ``start`` and ``end``."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header:
            raise AudioRefused("not_audio")
        yield kind, pos + header, min(pos + size, end)
        pos += size


def _versioned(body: bytes, v0: str, v1: str) -> tuple[int, ...]:
    """Unpack a full box's fields after its version and flags."""
    if not body:
        raise AudioRefused("not_audio")
    fmt = ">" + (v1 if body[0] == 1 else v0)
    if len(body) < 4 + struct.calcsize(fmt):
        raise AudioRefused("not_audio")
    return struct.unpack(fmt, body[4 : 4 + struct.calcsize(fmt)])


def _read_mp4(data: bytes, start: int, end: int, facts: _Mp4Facts) -> None:
    for kind, body_start, body_end in _boxes(data, start, end):
        body = data[body_start:body_end]
        if kind == b"traf":
            facts.base_time, facts.traf_default, facts.traf_samples = 0, 0, 0
            _read_mp4(data, body_start, body_end, facts)
            facts.fragment_end = max(facts.fragment_end, facts.base_time + facts.traf_samples)
        elif kind in _MP4_CONTAINERS:
            _read_mp4(data, body_start, body_end, facts)
        elif kind == b"mvhd":
            _, _, facts.movie_scale, facts.movie_duration = _versioned(body, "IIII", "QQIQ")
        elif kind == b"mdhd":
            _, _, facts.media_scale, facts.media_duration = _versioned(body, "IIII", "QQIQ")
        elif kind == b"mehd":
            (facts.fragment_duration,) = _versioned(body, "I", "Q")
        elif kind == b"hdlr" and len(body) >= 12:
            facts.handlers.append(body[8:12])
        elif kind == b"stsd" and len(body) >= 16:
            facts.sample_entries.append(body[12:16])
        elif kind == b"trex":
            _, _, facts.default_sample_duration = _versioned(body, "III", "III")
        elif kind == b"tfdt":
            (facts.base_time,) = _versioned(body, "I", "Q")
        elif kind == b"tfhd":
            facts.traf_default = _tfhd_default_duration(body)
        elif kind == b"trun":
            facts.traf_samples += _trun_duration(
                body, facts.traf_default or facts.default_sample_duration
            )


def _tfhd_default_duration(body: bytes) -> int:
    flags = int.from_bytes(body[1:4], "big")
    pos = 8  # version, flags, track id
    pos += 8 if flags & 0x01 else 0  # base data offset
    pos += 4 if flags & 0x02 else 0  # sample description index
    if flags & 0x08 and len(body) >= pos + 4:
        return struct.unpack(">I", body[pos : pos + 4])[0]
    return 0


def _trun_duration(body: bytes, default: int) -> int:
    if len(body) < 8:
        raise AudioRefused("not_audio")
    flags = int.from_bytes(body[1:4], "big")
    count = struct.unpack(">I", body[4:8])[0]
    pos = 8 + (4 if flags & 0x01 else 0) + (4 if flags & 0x04 else 0)
    if not flags & 0x100:
        return count * default
    step = 4 * sum(1 for bit in (0x100, 0x200, 0x400, 0x800) if flags & bit)
    if len(body) < pos + count * step:
        raise AudioRefused("not_audio")
    starts = range(pos, pos + count * step, step)
    return sum(struct.unpack(">I", body[at : at + 4])[0] for at in starts)


def mp4_seconds(data: bytes) -> float | None:
    """The length of an MP4 audio file (AAC or Opus) in seconds, None when it cannot be read;
    refuses files with a video track or without an audio one."""
    facts = _Mp4Facts()
    _read_mp4(data, 0, len(data), facts)
    handlers = facts.handlers
    entries = facts.sample_entries
    if b"soun" not in handlers or b"vide" in handlers:
        raise AudioRefused("not_audio")
    if not any(entry in (b"mp4a", b"Opus") for entry in entries):
        raise AudioRefused("not_audio")
    for name in ("movie_duration", "media_duration", "fragment_duration"):
        if getattr(facts, name) in (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):
            setattr(facts, name, 0)  # "unknown", as live recorders write it
    found = [0.0]
    if facts.movie_scale:
        found.append(facts.movie_duration / facts.movie_scale)
        found.append(facts.fragment_duration / facts.movie_scale)
    if facts.media_scale:
        found.append(facts.media_duration / facts.media_scale)
        found.append(facts.fragment_end / facts.media_scale)
    seconds = max(found)
    return seconds or None
