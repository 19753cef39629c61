"""What a notification says, in English and French: a `Notice` and its rendering.

A notice is built once per event by the engine (already masked) and rendered per channel;
every message carries the journey, the failing transaction, the availability over the
window, the diagnosis and the screenshot (attached, or its link).
"""

from __future__ import annotations

from datetime import datetime

from scheduler.signals import Notice, as_utc

_WORDS = {
    "en": {
        "firing": "FIRING", "renotify": "STILL FIRING", "resolved": "RESOLVED",
        "updated": "UPDATED", "journeys": "Journeys affected", "lasted": "Lasted",
        "cause_was": "Cause", "n_journeys": "{n} journeys", "failing_n": "are failing",
        "acknowledged": "ACKNOWLEDGED", "test": "TEST",
        "failing": "is failing", "slow": "is slow", "robot": "cannot be run by the robot",
        "journey": "Journey", "transaction": "Failing transaction", "category": "Category",
        "device": "Device(s)", "availability": "Availability", "over": "over",
        "since": "Failing since", "opened": "opened", "recovered": "Recovered at",
        "after": "after", "diagnosis": "Pre-diagnosis", "screenshot": "Screenshot",
        "evidence": "Evidence", "runbook": "Runbook", "ack": "Acknowledge with",
        "flapping": "Flapping: this cause fired {n} times in a short while",
        "test_body": "Test notification from Ronde: this channel works.",
        "none": "none", "min": "min", "alternatives": "Also considered",
    },
    "fr": {
        "firing": "ALERTE", "renotify": "TOUJOURS EN ALERTE", "resolved": "RÉSOLU",
        "updated": "MIS À JOUR", "journeys": "Parcours touchés", "lasted": "Durée",
        "cause_was": "Cause", "n_journeys": "{n} parcours", "failing_n": "échouent",
        "acknowledged": "PRIS EN CHARGE", "test": "TEST",
        "failing": "échoue", "slow": "est lent", "robot": "ne peut pas être joué par le robot",
        "journey": "Parcours", "transaction": "Transaction en échec", "category": "Catégorie",
        "device": "Appareil(s)", "availability": "Disponibilité", "over": "sur",
        "since": "En échec depuis", "opened": "ouvert à", "recovered": "Rétabli à",
        "after": "après", "diagnosis": "Pré-diagnostic", "screenshot": "Capture d'écran",
        "evidence": "Preuves", "runbook": "Procédure", "ack": "Prendre en charge avec",
        "flapping": "Instable : cette cause s'est déclenchée {n} fois en peu de temps",
        "test_body": "Notification de test de Ronde : ce canal fonctionne.",
        "none": "aucun", "min": "min", "alternatives": "Autres pistes",
    },
}


def _t(at: datetime | None) -> str:
    return as_utc(at).strftime("%Y-%m-%d %H:%M:%S UTC") if at else "?"


def _what(notice: Notice, w: dict[str, str]) -> str:
    if notice.kind == "robot":
        return w["robot"]
    return w["slow"] if "slow" in notice.rules else w["failing"]


def title(notice: Notice, lang: str = "en") -> str:
    w = _WORDS[lang]
    if notice.event == "test":
        return f"[Ronde {w['test']}] {notice.journey}"
    who = notice.journey if len(notice.journeys) < 2 else w["n_journeys"].format(
        n=len(notice.journeys))
    what = w["failing_n"] if len(notice.journeys) > 1 and notice.kind == "app" and (
        "slow" not in notice.rules) else _what(notice, w)
    if not notice.journey and notice.kind == "robot" and notice.diagnosis:  # a robot's silence
        d = notice.diagnosis
        return f"[{w[notice.event]}] {d.title_fr if lang == 'fr' else d.title_en}"
    head = f"[{w[notice.event]}] {who} {what}"  # the id: short, stable
    if notice.transaction and notice.kind == "app":
        head += f" — {notice.transaction}"
    if notice.diagnosis and notice.event != "resolved":
        d = notice.diagnosis
        head += f" ({d.title_fr if lang == 'fr' else d.title_en})"
    return head


def body(notice: Notice, lang: str = "en") -> str:
    w = _WORDS[lang]
    if notice.event == "test":
        return w["test_body"] + f" ({_t(notice.now)})"
    lines = [f"{w['journey']}: {notice.journey}"
             + (f" ({notice.journey_name})" if notice.journey_name else "")]
    if len(notice.journeys) > 1:
        lines[0] = f"{w['journeys']} ({len(notice.journeys)}): {', '.join(notice.journeys)}"
    if notice.event == "resolved":
        return "\n".join(_resolved_lines(notice, w, lang, lines))
    if notice.kind == "app":
        lines.append(f"{w['transaction']}: {notice.transaction or w['none']}")
    if notice.category:
        lines.append(f"{w['category']}: {notice.category}")
    if notice.device:
        lines.append(f"{w['device']}: {notice.device}")
    if notice.kind == "app":
        minutes = round(notice.window_ms / 60_000)
        avail = "?" if notice.availability is None else f"{notice.availability:.1f}%"
        if lang == "fr" and notice.availability is not None:
            avail = f"{notice.availability:.1f} %".replace(".", ",")
        lines.append(f"{w['availability']}: {avail} {w['over']} {minutes} {w['min']}")
    lines.append(f"{w['since']}: {_t(notice.since or notice.opened_at)} "
                 f"({w['opened']} {_t(notice.opened_at)})")
    if notice.event == "resolved" and notice.resolved_at:
        lasted = round((notice.resolved_at - notice.opened_at).total_seconds() / 60)
        lines.append(f"{w['recovered']}: {_t(notice.resolved_at)} ({w['after']} {lasted} "
                     f"{w['min']})")
    if notice.flaps:
        lines.append(w["flapping"].format(n=notice.flaps + 1))
    if notice.diagnosis:
        lines.append(f"{w['diagnosis']}: {notice.diagnosis.text(lang)}")
        if notice.diagnosis.alternatives:
            alts = ", ".join(f"{c} {round(p * 100)}%" for c, p in notice.diagnosis.alternatives)
            lines.append(f"{w['alternatives']}: {alts}")
    if notice.screenshot:
        lines.append(f"{w['screenshot']}: {notice.screenshot.name}")
    if notice.evidence_url:
        lines.append(f"{w['evidence']}: {notice.evidence_url}")
    if notice.runbook_url:
        lines.append(f"{w['runbook']}: {notice.runbook_url}")
    if notice.incident_id is not None and notice.event in ("firing", "renotify"):
        lines.append(f"{w['ack']}: ronde alerts ack {notice.incident_id}")
    return "\n".join(lines)


def _resolved_lines(notice: Notice, w: dict[str, str], lang: str, lines: list[str]) -> list[str]:
    """A resolved card: what recovered, when, after how long, and what the cause was — never
    the firing text (its failing transaction and availability are stale by now)."""
    if notice.device:
        lines.append(f"{w['device']}: {notice.device}")
    resolved = notice.resolved_at or notice.now
    lasted = round((resolved - notice.opened_at).total_seconds() / 60)
    lines.append(f"{w['recovered']}: {_t(resolved)} ({w['after']} {lasted} {w['min']})")
    lines.append(f"{w['lasted']}: {_t(notice.since or notice.opened_at)} → {_t(resolved)}")
    if notice.diagnosis:
        d = notice.diagnosis
        lines.append(f"{w['cause_was']}: {d.title_fr if lang == 'fr' else d.title_en}")
    if notice.flaps:
        lines.append(w["flapping"].format(n=notice.flaps + 1))
    if notice.evidence_url:
        lines.append(f"{w['evidence']}: {notice.evidence_url}")
    return lines


def render(notice: Notice, langs: str = "en,fr") -> tuple[str, str]:
    """Title and body; several languages are stacked, the first one's title is used."""
    order = [lang.strip() for lang in langs.split(",") if lang.strip() in _WORDS] or ["en"]
    bodies = [body(notice, lang) for lang in order]
    return title(notice, order[0]), "\n\n— — —\n\n".join(bodies)
