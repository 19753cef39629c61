"""What a notice says: both languages, the resolved form, the robot form, masking; and the
evidence the engine reads from a run (failing transaction, screenshot, logcat exception)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from journeys.results import Artifact, Category
from scheduler.alerts.model import facts_from_result, find_exception
from scheduler.notify.alertmanager import alert_payload
from scheduler.notify.message import render
from scheduler.signals import Diagnosis, Fact, Notice
from tests.alerts.builders import at, result

LOGCAT = """\
11-25 15:40:51.044 20682 20719 W okhttp.OkHttpClient: <-- 500 Internal Server Error https://x/v1/cart
11-25 15:40:51.044 20682 20682 E AndroidRuntime: FATAL EXCEPTION: main
11-25 15:40:51.044 20682 20682 E AndroidRuntime: Process: com.ronde.demo.shop, PID: 20682
11-25 15:40:51.044 20682 20682 E AndroidRuntime: java.lang.IllegalStateException: cart is null
11-25 15:40:51.044 20682 20682 E AndroidRuntime: \tat com.ronde.shop.Cart.onCreate(Cart.kt:42)
"""

DIAG = Diagnosis("authentication", "Authentication service", "Service d'authentification", 0.75,
                 (Fact("only the login transaction fails (Login)",
                       "seule la transaction de connexion échoue (Login)"),))


def notice(**kw) -> Notice:
    base = dict(event="firing", kind="app", journey="shop-login", opened_at=at(2), now=at(2),
                incident_id=7, transaction="Login", category=Category.AUTHENTICATION,
                device="sim-1", availability=66.66, since=at(1), diagnosis=DIAG)
    base.update(kw)
    return Notice(**base)


def test_the_exception_line_is_found_in_a_logcat_tail(tmp_path: Path) -> None:
    assert find_exception(LOGCAT) == "java.lang.IllegalStateException: cart is null"
    (tmp_path / "r1").mkdir()
    (tmp_path / "r1" / "logcat.txt").write_text(LOGCAT)
    run = result(at(0), "failed", category="crash", transaction="Open cart")
    run = replace(run, artifacts=(Artifact("screenshot", "r1/screen.png", "0" * 64, 1),
                                  Artifact("logcat", "r1/logcat.txt", "0" * 64, 1)))
    facts = facts_from_result(run, tmp_path)
    assert facts.logcat_exception == "java.lang.IllegalStateException: cart is null"
    assert (facts.transaction, facts.step, facts.screenshot) == (
        "Open cart", "tapOn", "r1/screen.png")


def test_firing_message_in_english_then_french() -> None:
    title, body = render(notice())
    assert title == "[FIRING] shop-login is failing — Login (Authentication service)"
    english, french = body.split("\n\n— — —\n\n")
    assert "Availability: 66.7% over 60 min" in english
    assert "Failing since: 2026-11-25 10:01:00 UTC (opened 2026-11-25 10:02:00 UTC)" in english
    assert ("Pre-diagnosis: Authentication service (confidence 75%). Facts: only the login "
            "transaction fails (Login).") in english
    assert "Disponibilité: 66,7 % sur 60 min" in french
    assert "Pré-diagnostic: Service d'authentification (confiance 75 %)" in french
    fr_title, _ = render(notice(), "fr")
    assert fr_title == "[ALERTE] shop-login échoue — Login (Service d'authentification)"


def test_resolved_and_robot_messages() -> None:
    title, body = render(notice(event="resolved", resolved_at=at(14)), "en")
    assert title == "[RESOLVED] shop-login is failing — Login"
    assert "Recovered at: 2026-11-25 10:14:00 UTC (after 12 min)" in body
    assert "ronde alerts ack" not in body
    title, body = render(notice(kind="robot", transaction=None, availability=None), "en")
    assert title == "[FIRING] shop-login cannot be run by the robot (Authentication service)"
    assert "Availability" not in body and "Failing transaction" not in body


def test_masking_reaches_every_free_text_and_the_alertmanager_payload() -> None:
    leaky = notice(transaction="Login as hunter2",
                   diagnosis=Diagnosis("x", "t hunter2", "t hunter2", 0.5,
                                       (Fact("saw hunter2", "vu hunter2"),)))
    masked = leaky.masked(lambda text: text.replace("hunter2", "•••"))
    assert "hunter2" not in repr(render(masked)) + repr(alert_payload(masked))
    payload = alert_payload(notice(event="resolved", resolved_at=at(14)), resend_ms=60_000)
    assert payload["endsAt"] == "2026-11-25T10:14:00Z"
    firing = alert_payload(notice(now=at(3)), resend_ms=60_000)
    assert firing["endsAt"] == (at(3) + timedelta(minutes=4)).isoformat().replace("+00:00", "Z")


def test_times_are_shown_in_utc_whatever_the_clock_gave() -> None:
    from datetime import timezone

    paris = timezone(timedelta(hours=1))
    local = at(2).astimezone(paris)  # 11:02+01:00 is 10:02 UTC
    naive = at(1).replace(tzinfo=None)  # naive means UTC
    payload = alert_payload(notice(opened_at=local, now=local, since=naive))
    assert payload["startsAt"] == at(2).isoformat().replace("+00:00", "Z")
    assert str(payload["endsAt"]).endswith("Z")
    assert payload["annotations"]["description"].endswith(
        at(1).isoformat().replace("+00:00", "Z"))
    _, text = render(notice(opened_at=local, now=local, since=naive), "en")
    assert f"{at(1):%Y-%m-%d %H:%M:%S} UTC" in text and f"{at(2):%Y-%m-%d %H:%M:%S} UTC" in text
    assert f"{local:%H:%M:%S} UTC" not in text
