"""Evidence files for a failed or degraded run, written only after every secret is masked.

Layout: `<artifacts_dir>/<journey>/<run_id>/<file>`; each file is listed as an `Artifact` whose
path is relative to the artifacts directory, with its sha256. Screenshots are re-encoded
without any metadata (a PNG's text chunks could carry anything).
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

from journeys.variables import Masker
from robots.result import Artifact, StepResult, TransactionResult

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def secret_masker(secrets: Iterable[str], environ: Mapping[str, str]) -> Masker:
    """A Masker for the journey's secrets in every form a page source or log may hold them
    (raw, URL-encoded, XML/HTML-escaped, JSON-escaped)."""
    forms: list[str] = []
    for name in secrets:
        value = environ.get(name, "")
        if not value:
            continue
        forms += [value, html.escape(value, quote=True), html.escape(value, quote=False),
                  json.dumps(value)[1:-1], value.replace("&", "&amp;").replace("'", "&apos;")]
    return Masker(forms)


def safe_name(text: str) -> str:
    return _SAFE.sub("_", text).strip("._") or "unnamed"


class EvidenceWriter:
    """Writes one run's evidence files; every text passes through the masker first."""

    def __init__(self, artifacts_dir: Path, journey_id: str, run_id: str, masker: Masker) -> None:
        self.root = Path(artifacts_dir)
        self.rel = Path(safe_name(journey_id)) / safe_name(run_id)
        self.masker = masker
        self.artifacts: list[Artifact] = []

    def _write(self, kind: str, name: str, data: bytes) -> Artifact:
        folder = self.root / self.rel
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        stem, suffix, n = target.stem, target.suffix, 1
        while target.exists():
            n += 1
            target = folder / f"{stem}-{n}{suffix}"
        target.write_bytes(data)
        artifact = Artifact(kind=kind, path=(self.rel / target.name).as_posix(),
                            sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        self.artifacts.append(artifact)
        return artifact

    def text(self, kind: str, name: str, text: str) -> Artifact:
        return self._write(kind, name, self.masker.mask(text).encode("utf-8"))

    def json(self, kind: str, name: str, obj: object) -> Artifact:
        body = json.dumps(self.masker.mask_obj(obj), indent=2, ensure_ascii=False, default=str)
        return self.text(kind, name, body)

    def screenshot(self, name: str, png: bytes) -> Artifact | None:
        """Re-encoded as a bare PNG: pixels only, no text chunks, no EXIF."""
        from PIL import Image

        try:
            with Image.open(io.BytesIO(png)) as img:
                img.load()
                clean = Image.frombytes(img.mode, img.size, img.tobytes())  # empty .info
                palette = img.getpalette() if img.mode == "P" else None
                if palette:
                    clean.putpalette(palette)
                out = io.BytesIO()
                clean.save(out, format="PNG")
        except (OSError, ValueError):
            return None  # not an image: nothing trustworthy to keep
        return self._write("screenshot", f"{safe_name(name)}.png", out.getvalue())

    def page_source(self, source: str, *, web: bool) -> Artifact:
        return self.text("page_source", "page-source.json" if web else "page-source.xml", source)

    def texts(self, texts: Sequence[str]) -> Artifact:
        return self.json("texts", "texts.json", list(texts))

    def logs(self, lines: Sequence[str]) -> Artifact:
        return self.text("logcat", "logcat.txt", "\n".join(lines) + "\n")

    def timeline(self, steps: Sequence[StepResult], transactions: Sequence[TransactionResult],
                 extra: Mapping[str, object]) -> Artifact:
        return self.json("timeline", "timeline.json", {
            **extra,
            "steps": [asdict(s) for s in steps],
            "transactions": [asdict(t) for t in transactions],
        })
