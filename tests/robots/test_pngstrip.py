"""Screenshots kept as pixels only: metadata chunks dropped, what it cannot vouch for refused."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from robots.evidence import EvidenceWriter, secret_masker
from robots.pngstrip import SIGNATURE, pixels_only

HIDDEN = b"typed demo-secret hidden here"


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def chunks_of(png: bytes) -> list[bytes]:
    kinds, at = [], len(SIGNATURE)
    while at < len(png):
        (length,) = struct.unpack_from(">I", png, at)
        kinds.append(png[at + 4:at + 8])
        at += 12 + length
    return kinds


def png(mode: str = "RGB", size: tuple[int, int] = (7, 5), **save: object) -> bytes:
    img = Image.new(mode, size)
    for x in range(size[0]):
        for y in range(size[1]):
            img.putpixel((x, y), (x * 30, y * 40, 99) if mode == "RGB" else (x + y) % 4)
    if mode == "P":
        img.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])
    out = io.BytesIO()
    img.save(out, format="PNG", **save)
    return out.getvalue()


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        return img.convert("RGB").tobytes()


def with_chunks(data: bytes, *extra: bytes, before_iend: bool = True) -> bytes:
    """`data` with chunks added before IEND."""
    iend = data.rindex(b"IEND") - 4
    return data[:iend] + b"".join(extra) + data[iend:] if before_iend else data + b"".join(extra)


def test_metadata_chunks_are_dropped_and_pixels_kept() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", HIDDEN.decode())
    info.add_text("Compressed", HIDDEN.decode(), zip=True)
    info.add_itxt("International", HIDDEN.decode())
    original = with_chunks(png(pnginfo=info, dpi=(72, 72)), chunk(b"eXIf", HIDDEN),
                           chunk(b"tIME", b"\x07\xea\x0c\x02\x0f\x00\x00"))
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"pHYs", b"tIME"} <= set(chunks_of(original))
    clean = pixels_only(original)
    assert clean is not None
    assert chunks_of(clean) == [b"IHDR", b"IDAT", b"IEND"]
    assert HIDDEN not in clean and zlib.compress(HIDDEN)[2:12] not in clean
    assert pixels(clean) == pixels(original)


def test_a_palette_image_keeps_its_palette() -> None:
    original = png("P", transparency=0)
    clean = pixels_only(original)
    assert clean is not None and chunks_of(clean) == [b"IHDR", b"PLTE", b"IDAT", b"IEND"]
    with Image.open(io.BytesIO(clean)) as img:
        assert img.mode == "P" and "transparency" not in img.info  # as the re-encoder does
    assert pixels(clean)[:12] == bytes([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])


def _idat_with_tail(data: bytes) -> bytes:
    """`data` whose IDAT stream is followed, inside the IDAT, by hidden bytes."""
    at = data.index(b"IDAT") - 4
    (length,) = struct.unpack_from(">I", data, at)
    body = data[at + 8:at + 8 + length]
    return data[:at] + chunk(b"IDAT", body + HIDDEN) + data[at + 12 + length:]


def _idat_longer(data: bytes) -> bytes:
    """`data` whose IDAT stream holds one scanline more than the image has."""
    at = data.index(b"IDAT") - 4
    (length,) = struct.unpack_from(">I", data, at)
    raw = zlib.decompress(data[at + 8:at + 8 + length])
    row = len(raw) // 5
    return data[:at] + chunk(b"IDAT", zlib.compress(raw + raw[:row])) + data[at + 12 + length:]


def _idat_shorter(data: bytes) -> bytes:
    """`data` whose IDAT stream lacks the image's last scanline."""
    at = data.index(b"IDAT") - 4
    (length,) = struct.unpack_from(">I", data, at)
    raw = zlib.decompress(data[at + 8:at + 8 + length])
    cut = raw[:len(raw) - len(raw) // 5]
    return data[:at] + chunk(b"IDAT", zlib.compress(cut)) + data[at + 12 + length:]


def _bad_filter(data: bytes) -> bytes:
    at = data.index(b"IDAT") - 4
    (length,) = struct.unpack_from(">I", data, at)
    raw = bytearray(zlib.decompress(data[at + 8:at + 8 + length]))
    raw[0] = 9
    return data[:at] + chunk(b"IDAT", zlib.compress(bytes(raw))) + data[at + 12 + length:]


def _bad_crc(data: bytes) -> bytes:
    at = data.index(b"IDAT") - 4
    (length,) = struct.unpack_from(">I", data, at)
    crc = at + 8 + length
    return data[:crc] + bytes(b ^ 0xFF for b in data[crc:crc + 4]) + data[crc + 4:]


@pytest.mark.parametrize("damage", [
    pytest.param(_idat_with_tail, id="bytes after the zlib stream"),
    pytest.param(_idat_longer, id="more scanlines than the image"),
    pytest.param(_idat_shorter, id="fewer scanlines than the image"),
    pytest.param(_bad_filter, id="filter type 9"),
    pytest.param(_bad_crc, id="wrong CRC"),
    pytest.param(lambda d: d + HIDDEN, id="bytes after IEND"),
    pytest.param(lambda d: d[:-12], id="no IEND"),
    pytest.param(lambda d: with_chunks(d, chunk(b"acTL", b"\0\0\0\1\0\0\0\0")), id="APNG"),
])
def test_what_it_cannot_vouch_for_is_refused(damage: object) -> None:
    assert callable(damage)
    assert pixels_only(damage(png())) is None


def test_a_screen_sized_image_is_checked_row_by_row() -> None:
    """Rows beyond the first inflated chunk (1 MiB) count: a bad filter byte there refuses."""
    width, height = 1080, 2400
    line = bytes(range(256)) * (width * 3 // 256) + bytes(width * 3 % 256)
    rows = bytearray(b"".join(bytes([y % 5]) + line for y in range(height)))
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))

    def image(scanlines: bytes) -> bytes:
        return (SIGNATURE + header + chunk(b"IDAT", zlib.compress(scanlines))
                + chunk(b"IEND", b""))

    assert pixels_only(image(bytes(rows))) == image(bytes(rows))
    rows[(1 + width * 3) * 2000] = 7  # row 2000's filter byte, 6.5 MB in
    assert pixels_only(image(bytes(rows))) is None


def test_interlaced_is_left_to_the_re_encoder() -> None:
    plain = png()
    header = plain[16:29]
    interlaced = plain[:8] + chunk(b"IHDR", header[:12] + b"\x01") + plain[33:]
    assert pixels_only(plain) is not None and pixels_only(interlaced) is None


def test_the_writer_re_encodes_what_is_refused(tmp_path: Path) -> None:
    writer = EvidenceWriter(tmp_path, "j", "run-1", secret_masker([], {}))
    damaged = _idat_with_tail(png()) + HIDDEN
    art = writer.screenshot("screen", damaged)
    assert art is not None
    data = (tmp_path / art.path).read_bytes()
    assert HIDDEN not in data and pixels(data) == pixels(png())
    fast = writer.screenshot("fast", png())
    assert fast is not None and (tmp_path / fast.path).read_bytes() == pixels_only(png())
