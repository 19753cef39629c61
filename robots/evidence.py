"""Evidence files for a failed or degraded run, written only after every secret is masked.

Layout: `<artifacts_dir>/<journey>/<run_id>/<file>`; each file is listed as an `Artifact` whose
path is relative to the artifacts directory, with its sha256. Screenshots keep their pixels
and nothing else (a PNG's text chunks could carry anything). Evidence is optional: a
file that cannot be written (disk full) is dropped, said once, and the run's result stands.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

from journeys.results import Artifact, StepResult, TransactionResult
from journeys.variables import Masker
from robots.pngstrip import pixels_only

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DROPPING = threading.Event()  # set while evidence files cannot be written: said once
log = logging.getLogger("ronde.robot.evidence")


def secret_masker(secrets: Iterable[str], environ: Mapping[str, str]) -> Masker:
    """The Masker of the journey's secrets: it knows every form a page source or log may hold
    them in (journeys.masking)."""
    return Masker.for_secrets(secrets, environ)


def safe_name(text: str) -> str:
    return _SAFE.sub("_", text).strip("._") or "unnamed"


class EvidenceWriter:
    """Writes one run's evidence files; every text passes through the masker first."""

    def __init__(self, artifacts_dir: Path, journey_id: str, run_id: str, masker: Masker) -> None:
        self.root = Path(artifacts_dir)
        self.rel = Path(safe_name(journey_id)) / safe_name(run_id)
        self.masker = masker
        self.artifacts: list[Artifact] = []

    def _write(self, kind: str, name: str, data: bytes) -> Artifact | None:
        folder = self.root / self.rel
        target = folder / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            stem, suffix, n = target.stem, target.suffix, 1
            while target.exists():
                n += 1
                target = folder / f"{stem}-{n}{suffix}"
            target.write_bytes(data)
        except OSError as exc:  # disk full: drop the evidence, never the run's result
            target.unlink(missing_ok=True)
            if not _DROPPING.is_set():
                _DROPPING.set()
                log.error("evidence files dropped until they can be written again (%s): "
                          "results are still kept", exc, extra={"event": "evidence_dropped"})
            return None
        if _DROPPING.is_set():
            _DROPPING.clear()
            log.info("evidence files are written again", extra={"event": "evidence_written"})
        artifact = Artifact(kind=kind, path=(self.rel / target.name).as_posix(),
                            sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        self.artifacts.append(artifact)
        return artifact

    def text(self, kind: str, name: str, text: str) -> Artifact | None:
        return self._write(kind, name, self.masker.mask(text).encode("utf-8"))

    def json(self, kind: str, name: str, obj: object) -> Artifact | None:
        body = json.dumps(self.masker.mask_obj(obj), indent=2, ensure_ascii=False, default=str)
        return self.text(kind, name, body)

    def screenshot(self, name: str, png: bytes) -> Artifact | None:
        """Pixels only, no text chunks, no EXIF: the PNG's pixel chunks kept as they are when
        pngstrip can vouch for them (milliseconds), else re-encoded (a tenth of a second)."""
        stripped = pixels_only(png)
        if stripped is not None:
            return self._write("screenshot", f"{safe_name(name)}.png", stripped)
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

    def recording(self, name: str, data: bytes) -> Artifact | None:
        """A screen recording (startRecording/stopRecording), kept as the device gave it."""
        kind = "png" if data.startswith(b"\x89PNG") else "mp4"
        return self._write("recording", f"{safe_name(name)}.{kind}", data)

    def page_source(self, source: str, *, web: bool) -> Artifact | None:
        return self.text("page_source", "page-source.json" if web else "page-source.xml", source)

    def texts(self, texts: Sequence[str]) -> Artifact | None:
        return self.json("texts", "texts.json", list(texts))

    def logs(self, lines: Sequence[str]) -> Artifact | None:
        return self.text("logcat", "logcat.txt", "\n".join(lines) + "\n")

    def timeline(self, steps: Sequence[StepResult], transactions: Sequence[TransactionResult],
                 extra: Mapping[str, object]) -> Artifact | None:
        return self.json("timeline", "timeline.json", {
            **extra,
            "steps": [asdict(s) for s in steps],
            "transactions": [asdict(t) for t in transactions],
        })
