"""Categories decided from the evidence, most specific first (unit level; the fault table
against the simulated device is in test_sim_faults.py)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from selenium.common.exceptions import SessionNotCreatedException, WebDriverException
from urllib3.exceptions import MaxRetryError

from journeys.errors import MissingVariable
from journeys.results import Category, Status
from robots.backends.base import AppState, Bounds, Element, Snapshot
from robots.diagnose import Evidence, categorize, is_uniform
from robots.exceptions import (
    BackendUnsupported,
    CheckFailed,
    DeviceTimeout,
    JourneyTimeout,
    SessionError,
)
from robots.executor import Failure
from robots.patterns import Patterns


def png(colors: list[tuple[int, int, int]]) -> bytes:
    img = Image.new("RGB", (len(colors), 1))
    img.putdata(colors)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


WHITE = png([(255, 255, 255)] * 4)
NORMAL = png([(255, 255, 255), (0, 0, 0), (20, 80, 200), (255, 255, 255)])


def screen(*texts: str, password: bool = False) -> Snapshot:
    els = [Element(i, "TextView", text=t, bounds=Bounds(0, 100 * i, 100, 50))
           for i, t in enumerate(texts)]
    if password:
        els.append(Element(len(els), "EditText", id="password", password=True,
                           bounds=Bounds(0, 900, 100, 50)))
    return Snapshot(els, "<src/>")


def absent() -> CheckFailed:
    return CheckFailed("assertVisible: welcome_banner was not visible", Category.DISPLAY)


CASES = [
    ("session refused", Failure(SessionNotCreatedException("device offline")), Evidence(),
     Status.ERROR, Category.SESSION),
    ("appium down", Failure(MaxRetryError(None, "/session", "refused")), Evidence(),
     Status.ERROR, Category.SESSION),
    ("device lost", Failure(WebDriverException("A session is either terminated or not started")),
     Evidence(), Status.ERROR, Category.SESSION),
    ("dropped", Failure(SessionError("dropped")), Evidence(), Status.ERROR, Category.SESSION),
    ("hung command", Failure(DeviceTimeout("tap did not answer")), Evidence(), Status.FAILED,
     Category.TIMEOUT),
    ("journey timeout", Failure(JourneyTimeout("2m")), Evidence(), Status.FAILED,
     Category.TIMEOUT),
    ("unset secret", Failure(MissingVariable("X", "f.yaml", secret=True)), Evidence(),
     Status.ERROR, Category.ROBOT),
    ("unsupported", Failure(BackendUnsupported("pressKey")), Evidence(), Status.ERROR,
     Category.ROBOT),
    ("crash", Failure(absent()), Evidence(screen(), AppState.NOT_RUNNING, True), Status.FAILED,
     Category.CRASH),
    ("other app in front", Failure(absent()), Evidence(screen("Demo Pay"), AppState.BACKGROUND),
     Status.FAILED, Category.THIRD_PARTY),
    ("offline", Failure(absent()), Evidence(screen("Accueil"), AppState.FOREGROUND, False),
     Status.FAILED, Category.NETWORK),
    ("no connection text", Failure(absent()),
     Evidence(screen("Pas de connexion Internet. Vérifiez votre réseau.")), Status.FAILED,
     Category.NETWORK),
    ("server error text", Failure(absent()), Evidence(screen("Erreur 500", "OK")), Status.FAILED,
     Category.BACKEND),
    ("unavailable text", Failure(absent()), Evidence(screen("Service indisponible")),
     Status.FAILED, Category.BACKEND),
    ("english server error", Failure(absent()), Evidence(screen("Internal Server Error")),
     Status.FAILED, Category.BACKEND),
    ("bad credentials", Failure(absent()), Evidence(screen("Identifiants invalides", "OK")),
     Status.FAILED, Category.AUTHENTICATION),
    ("session expired", Failure(absent()), Evidence(screen("Session expirée")), Status.FAILED,
     Category.AUTHENTICATION),
    ("logcat 5xx", Failure(absent()), Evidence(screen("Accueil"), logs=[
        "I okhttp.OkHttpClient: --> POST https://api/v1/session",
        "W okhttp.OkHttpClient: <-- 503 Service Unavailable https://api/v1/session (700ms)"]),
     Status.FAILED, Category.BACKEND),
    ("blank screenshot", Failure(absent()), Evidence(screen("Accueil"), screenshot=WHITE),
     Status.FAILED, Category.DISPLAY),
    ("no element at all", Failure(absent()), Evidence(Snapshot([], "<empty/>")), Status.FAILED,
     Category.DISPLAY),
    ("nothing changed", Failure(CheckFailed("x", Category.DISPLAY, unchanged=True)),
     Evidence(screen("Connexion"), screenshot=NORMAL), Status.FAILED, Category.TIMEOUT),
    ("login screen came back", Failure(absent(), after_login=True),
     Evidence(screen("Connexion", password=True), screenshot=NORMAL), Status.FAILED,
     Category.AUTHENTICATION),
    ("login step failed", Failure(absent(), is_login=True), Evidence(screen("Connexion")),
     Status.FAILED, Category.AUTHENTICATION),
    ("element absent", Failure(absent()), Evidence(screen("Accueil"), AppState.FOREGROUND, True,
                                                   screenshot=NORMAL),
     Status.FAILED, Category.DISPLAY),
    ("unknown driver error", Failure(WebDriverException("weird")), Evidence(screen("Accueil")),
     Status.ERROR, Category.ROBOT),
    ("robot bug", Failure(KeyError("x")), Evidence(), Status.ERROR, Category.ROBOT),
]


@pytest.mark.parametrize(("failure", "evidence", "status", "category"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_category(failure: Failure, evidence: Evidence, status: Status,
                  category: Category) -> None:
    verdict = categorize(failure, evidence)
    assert (verdict.status, verdict.category) == (status, category), verdict.reason


def test_patterns_are_configurable() -> None:
    custom = Patterns(backend=(r"(?i)oups, nos serveurs",))
    ev = Evidence(screen("Oups, nos serveurs font une pause"))
    assert categorize(Failure(absent()), ev, custom).category is Category.BACKEND
    assert categorize(Failure(absent()), ev).category is Category.DISPLAY


def test_uniform_image() -> None:
    assert is_uniform(WHITE) is True
    assert is_uniform(NORMAL) is False
    assert is_uniform(b"not a png") is None and is_uniform(None) is None
