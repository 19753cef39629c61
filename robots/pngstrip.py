"""A screenshot's PNG reduced to its pixels by dropping every other chunk, without decoding it.

Re-encoding a phone-sized screenshot (decode, copy, deflate) costs `ronde run` 100-200 ms after
its journey; keeping the device's own IHDR, PLTE, IDAT and IEND chunks gives the same "pixels
only" file in a few milliseconds. Only a PNG this can vouch for is kept this way: every
chunk's CRC right, one complete zlib stream holding exactly the image's scanlines (nothing
hidden after it), valid filter bytes, nothing after IEND. Anything else (interlaced, APNG
frames, a malformed file) returns None and the caller re-encodes it.
"""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_ANIMATION = (b"acTL", b"fcTL", b"fdAT")
MAX_PIXELS = 100_000_000  # a bigger "screenshot" is not one: left to the re-encoder's checks
_CHUNK = 1 << 20  # inflated bytes looked at a time


def pixels_only(png: bytes) -> bytes | None:
    """`png` with only its IHDR, PLTE (palette images), IDAT and IEND chunks, else None."""
    chunks = _chunks(png)
    if chunks is None or not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        return None
    header = _header(chunks[0][1])
    if header is None:
        return None
    width, height, depth, colour = header
    kinds = [kind for kind, _, _ in chunks]
    if any(kind in _ANIMATION for kind in kinds) or kinds.count(b"IHDR") != 1:
        return None
    idat = [i for i, kind in enumerate(kinds) if kind == b"IDAT"]
    if not idat or idat != list(range(idat[0], idat[-1] + 1)):  # the spec: consecutive
        return None
    if colour == 3 and kinds.count(b"PLTE") != 1:
        return None
    row = 1 + (width * _CHANNELS[colour] * depth + 7) // 8  # filter byte + samples
    if not _scanlines_exact(b"".join(chunks[i][1] for i in idat), row, height):
        return None
    kept = (b"IHDR", b"PLTE", b"IDAT", b"IEND") if colour == 3 else (b"IHDR", b"IDAT", b"IEND")
    return SIGNATURE + b"".join(raw for kind, _, raw in chunks if kind in kept)


def _chunks(png: bytes) -> list[tuple[bytes, bytes, bytes]] | None:
    """(type, data, the chunk's bytes) of each chunk up to IEND; None if any is damaged or
    anything follows IEND."""
    if not png.startswith(SIGNATURE):
        return None
    out: list[tuple[bytes, bytes, bytes]] = []
    at, end = len(SIGNATURE), len(png)
    while at < end:
        if end - at < 12:
            return None
        (length,) = struct.unpack_from(">I", png, at)
        stop = at + 12 + length
        if length > 2**31 - 1 or stop > end:
            return None
        kind, data = png[at + 4:at + 8], png[at + 8:at + 8 + length]
        (crc,) = struct.unpack_from(">I", png, at + 8 + length)
        if not kind.isalpha() or zlib.crc32(kind + data) != crc:
            return None
        out.append((kind, data, png[at:stop]))
        at = stop
        if kind == b"IEND":
            return out if at == end and not data else None
    return None


def _header(data: bytes) -> tuple[int, int, int, int] | None:
    """(width, height, bit depth, colour type) of a non-interlaced IHDR, else None."""
    if len(data) != 13:
        return None
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", data)
    if (not 0 < width < 2**31 or not 0 < height < 2**31 or width * height > MAX_PIXELS
            or depth not in _DEPTHS.get(colour, ()) or compression or filtering or interlace):
        return None
    return width, height, depth, colour


def _scanlines_exact(stream: bytes, row: int, height: int) -> bool:
    """Whether `stream` is one complete zlib stream of exactly `height` rows of `row` bytes,
    each opening with a filter type 0-4, and nothing after it (inflated a chunk at a time:
    the rows are counted, never kept)."""
    expected = row * height
    inflater = zlib.decompressobj()
    seen, pending = 0, stream
    try:
        while True:
            chunk = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            if max(chunk[(-seen) % row::row], default=0) > 4:  # the filter bytes in it
                return False
            seen += len(chunk)
            if seen > expected or not chunk or inflater.eof:
                break
    except zlib.error:
        return False
    return seen == expected and inflater.eof and not inflater.unused_data
