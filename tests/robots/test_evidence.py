"""Evidence files: masked before writing, listed with their sha256, screenshots stripped."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from PIL import Image, PngImagePlugin

from robots.evidence import EvidenceWriter, secret_masker

SECRET = 'p&ss<"wörd>'
ENV = {"SHOP_PASSWORD": SECRET, "OTHER": "not-secret"}


def writer(tmp_path: Path) -> EvidenceWriter:
    return EvidenceWriter(tmp_path, "shop/login", "run-1", secret_masker(["SHOP_PASSWORD"], ENV))


def test_every_form_of_the_secret_is_masked(tmp_path: Path) -> None:
    w = writer(tmp_path)
    xml = ('<node text="p&amp;ss&lt;&quot;wörd&gt;"/><node text=\'p&amp;ss&lt;"wörd&gt;\'/>'
           f'<raw>{SECRET}</raw> p%26ss%3C%22w%C3%B6rd%3E not-secret')
    art = w.page_source(xml, web=False)
    text = (tmp_path / art.path).read_text()
    assert "ss&lt;" not in text and "wörd" not in text and "w%C3%B6rd" not in text
    assert "not-secret" in text
    art = w.json("texts", "texts.json", {"typed": SECRET, "list": [f"x{SECRET}x"]})
    body = (tmp_path / art.path).read_text()
    assert "wörd" not in body and "w\\u00f6rd" not in body


def test_artifacts_are_listed_with_hash_and_relative_path(tmp_path: Path) -> None:
    w = writer(tmp_path)
    first = w.logs(["line 1", f"password={SECRET}"])
    second = w.logs(["again"])
    assert first.path == "shop_login/run-1/logcat.txt"
    assert second.path == "shop_login/run-1/logcat-2.txt"
    data = (tmp_path / first.path).read_bytes()
    assert first.sha256 == hashlib.sha256(data).hexdigest() and first.size == len(data)
    assert SECRET.encode() not in data
    assert [a.kind for a in w.artifacts] == ["logcat", "logcat"]


def test_screenshot_metadata_is_dropped(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    marker = "typed demo-secret-in-metadata"
    info.add_text("Comment", marker)
    img = Image.new("RGB", (4, 4), (10, 20, 30))
    raw = io.BytesIO()
    img.save(raw, format="PNG", pnginfo=info)
    assert marker.encode() in raw.getvalue()
    art = writer(tmp_path).screenshot("screen", raw.getvalue())
    assert art is not None and art.kind == "screenshot"
    data = (tmp_path / art.path).read_bytes()
    assert marker.encode() not in data and b"Comment" not in data
    with Image.open(io.BytesIO(data)) as clean:
        assert clean.size == (4, 4) and clean.getpixel((0, 0)) == (10, 20, 30)
        assert not clean.text
    assert writer(tmp_path).screenshot("bad", b"not a png") is None


def test_timeline_is_json(tmp_path: Path) -> None:
    art = writer(tmp_path).timeline([], [], {"error": f"typed {SECRET}"})
    data = json.loads((tmp_path / art.path).read_text())
    assert data["error"] == "typed •••" and data["steps"] == []
