"""Tiny but well-formed recordings, built byte by byte the way phones write them.

``webm_opus`` follows Chrome's MediaRecorder: an EBML header with DocType ``webm``, a Segment and
Clusters of unknown size, an Opus track and 20 ms SimpleBlocks, no Duration unless asked.
``mp4_aac`` follows Safari: an ``ftyp`` box, a movie with an ``mp4a`` sound track and either a
plain duration or (fragmented) fragments whose sample durations give the length.
"""

from __future__ import annotations

import struct


def _size(n: int) -> bytes:
    return bytes([0x01]) + n.to_bytes(7, "big")


def ebml(element: int, body: bytes) -> bytes:
    """One EBML element with an 8-byte size."""
    return element.to_bytes((element.bit_length() + 7) // 8, "big") + _size(len(body)) + body


UNKNOWN = b"\x01\xff\xff\xff\xff\xff\xff\xff"


def webm_opus(seconds: float, declared: float | None = None, codec: bytes = b"A_OPUS") -> bytes:
    """A WebM/Opus file of ``seconds`` in 20 ms blocks, clusters every 5 s."""
    header = ebml(0x1A45DFA3, ebml(0x4286, b"\x01") + ebml(0x4282, b"webm"))
    info = ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big"))
    if declared is not None:
        info += ebml(0x4489, struct.pack(">d", declared * 1000))
    tracks = ebml(0x1654AE6B, ebml(0xAE, ebml(0xD7, b"\x01") + ebml(0x86, codec)))
    clusters = b""
    total_ms = int(seconds * 1000)
    for cluster_start in range(0, total_ms, 5000):
        blocks = b""
        for offset in range(0, min(5000, total_ms - cluster_start), 20):
            blocks += ebml(0xA3, b"\x81" + struct.pack(">h", offset) + b"\x80" + b"\xfc\x00")
        clusters += b"\x1f\x43\xb6\x75" + UNKNOWN + ebml(0xE7, cluster_start.to_bytes(4, "big"))
        clusters += blocks
    segment = b"\x18\x53\x80\x67" + UNKNOWN + ebml(0x1549A966, info) + tracks + clusters
    return header + segment


def box(kind: bytes, body: bytes) -> bytes:
    """One ISO base media box."""
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _full(version: int, flags: int, body: bytes) -> bytes:
    return bytes([version]) + flags.to_bytes(3, "big") + body


def mp4_aac(seconds: float, fragmented: bool = False, entry: bytes = b"mp4a") -> bytes:
    """An MP4/AAC file of ``seconds``; fragmented like Safari's MediaRecorder when asked."""
    rate = 48_000
    ftyp = box(b"ftyp", b"iso5" + b"\x00\x00\x02\x00" + b"iso5iso6mp41")
    movie_duration = 0 if fragmented else int(seconds * 1000)
    mvhd = box(b"mvhd", _full(0, 0, struct.pack(">IIII", 0, 0, 1000, movie_duration) + bytes(80)))
    mdhd = box(b"mdhd", _full(0, 0, struct.pack(">IIII", 0, 0, rate, 0) + bytes(4)))
    hdlr = box(b"hdlr", _full(0, 0, bytes(4) + b"soun" + bytes(12) + b"Sound\x00"))
    stsd = box(b"stsd", _full(0, 0, struct.pack(">I", 1) + box(entry, bytes(28))))
    trak = box(b"trak", box(b"mdia", mdhd + hdlr + box(b"minf", box(b"stbl", stsd))))
    moov_body = mvhd + trak
    if fragmented:
        trex = box(b"trex", _full(0, 0, struct.pack(">IIIII", 1, 1, 1024, 0, 0)))
        moov_body += box(b"mvex", trex)
    data = ftyp + box(b"moov", moov_body)
    if fragmented:
        samples = int(seconds * rate / 1024)
        per_fragment = 200
        for first in range(0, samples, per_fragment):
            count = min(per_fragment, samples - first)
            tfhd = box(b"tfhd", _full(0, 0x020000, struct.pack(">I", 1)))
            tfdt = box(b"tfdt", _full(1, 0, struct.pack(">Q", first * 1024)))
            trun = box(
                b"trun",
                _full(0, 0x101, struct.pack(">Ii", count, 0) + struct.pack(">I", 1024) * count),
            )
            data += box(b"moof", box(b"traf", tfhd + tfdt + trun)) + box(b"mdat", bytes(count))
    else:
        data += box(b"mdat", bytes(64))
    return data
