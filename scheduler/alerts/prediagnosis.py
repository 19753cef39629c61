"""The pre-diagnosis: an explainable first guess of an incident's cause, in English and French.

Each candidate rule looks at the failing runs and the history of every journey and device
around the onset, and returns a cause with a confidence and the facts it rests on. The most
confident candidate wins; the others are kept as alternatives. No learning, no magic: an
SRE can check every fact against the dashboard.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from journeys.results import Category, Status
from scheduler.alerts.model import Decision, Kind, RunFacts
from scheduler.signals import Diagnosis, Fact, as_utc

CATEGORY_FR = {
    "display": "affichage", "authentication": "authentification", "crash": "plantage",
    "network": "réseau", "backend": "serveur", "third_party": "tiers", "timeout": "délai dépassé",
    "performance": "performance", "no_device": "aucun appareil", "session": "session",
    "aborted": "interrompu", "robot": "robot", "appium_down": "serveur Appium arrêté",
}


def _hm(at: datetime) -> str:
    return as_utc(at).strftime("%H:%M UTC")


def _names(items: Sequence[str], limit: int = 4) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit})" if len(items) > limit else "")


@dataclass(frozen=True, slots=True)
class Situation:
    """What every candidate rule reads: the incident's runs and the history around them."""

    decision: Decision
    onset: datetime
    now: datetime
    evidence: tuple[RunFacts, ...]  # this journey's failing (or degraded / error) runs
    around: tuple[RunFacts, ...]  # every journey's counted runs from onset - lookback to now
    before: tuple[RunFacts, ...]  # every run before the onset (version history)

    @property
    def journey(self) -> str:
        return self.decision.journey

    @property
    def category(self) -> Category | None:
        cats = Counter(r.category for r in self.evidence if r.category)
        return cats.most_common(1)[0][0] if cats else self.decision.category

    @property
    def fail_devices(self) -> tuple[str, ...]:
        return tuple(sorted({r.device for r in self.evidence if r.device}))

    def since_onset(self) -> list[RunFacts]:
        return [r for r in self.around if r.started_at >= self.onset]

    def failing_journeys(self, status: Status = Status.FAILED) -> dict[str, list[RunFacts]]:
        """Journeys whose latest counted run has `status`, with their runs of that status."""
        latest: dict[str, RunFacts] = {}
        bad: dict[str, list[RunFacts]] = {}
        for run in sorted(self.around, key=lambda r: r.started_at):
            latest[run.journey] = run
            if run.status is status:
                bad.setdefault(run.journey, []).append(run)
        out = {j: runs for j, runs in bad.items() if latest[j].status is status}
        if status is Status.FAILED and self.evidence:
            out.setdefault(self.journey, list(self.evidence))
        return out

    def devices(self) -> tuple[str, ...]:
        return tuple(sorted({r.device for r in self.around if r.device}))


Candidate = tuple[str, float, str, str, list[Fact]]  # cause, confidence, title en, title fr, facts
Rule = Callable[[Situation], Candidate | None]


# ---- candidates for a failing journey ------------------------------------------------------


def _category_name(category: Category | None, lang: str) -> str:
    name = str(category) if category else "failure"
    return CATEGORY_FR.get(name, name) if lang == "fr" else name


def _same_cause(s: Situation) -> dict[str, list[RunFacts]]:
    """The failing journeys that fail like this one (same category): other categories are
    other causes, with their own diagnosis and incident."""
    mine = s.category
    failing = s.failing_journeys()
    same = {}
    for journey, runs in failing.items():
        cats = Counter(r.category for r in runs if r.category)
        top = cats.most_common(1)[0][0] if cats else None
        if journey == s.journey or top is mine:
            same[journey] = runs
    return same


def _passing_journeys(s: Situation, failing: dict[str, list[RunFacts]]) -> list[str]:
    return sorted({r.journey for r in s.since_onset()
                   if r.journey not in failing and r.status in (Status.PASSED, Status.DEGRADED)})


def outage(s: Situation) -> Candidate | None:
    """Most journeys fail the same way, on every device: the shared backend or network."""
    failing = _same_cause(s)
    journeys = sorted({r.journey for r in s.around} | {s.journey})
    if len(failing) < 2 or len(journeys) < 2:
        return None
    runs = [r for rs in failing.values() for r in rs]
    if all(r.is_login and r.category is Category.AUTHENTICATION for r in runs):
        return None  # logins only: the authentication rule speaks
    if s.category in (Category.CRASH, Category.THIRD_PARTY, Category.AUTHENTICATION):
        return None  # the app or a provider, not the shared backend
    devices = s.devices()
    fail_devices = sorted({r.device for r in runs if r.device})
    share = len(failing) / len(journeys)
    if share < 0.5:
        return None
    passing = _passing_journeys(s, failing)
    every_device = len(devices) >= 2 and set(fail_devices) >= set(devices)
    if len(devices) >= 2 and len(fail_devices) == 1:
        return None  # one device only: the device rule speaks
    if _confined_to_one_location(s, runs):
        return None  # one site only: the location rule speaks
    confidence = 0.45 + 0.3 * share + (0.15 if every_device else 0.0)
    if not passing:
        confidence += 0.05
    facts = [Fact(
        f"{len(failing)} of {len(journeys)} journeys fail since {_hm(s.onset)}: "
        f"{_names(sorted(failing))}",
        f"{len(failing)} parcours sur {len(journeys)} échouent depuis {_hm(s.onset)} : "
        f"{_names(sorted(failing))}",
    )]
    if passing:
        facts.append(Fact(f"still passing: {_names(passing)}",
                          f"passent encore : {_names(passing)}"))
    if every_device:
        facts.append(Fact(
            f"on every device ({_names(devices)})",
            f"sur tous les appareils ({_names(devices)})",
        ))
    elif len(devices) < 2:
        confidence -= 0.1
        facts.append(Fact(
            "only one device ran them, so a device fault is not ruled out",
            "un seul appareil les a joués : une panne de l'appareil n'est pas exclue",
        ))
    top = s.category
    if top:
        n = sum(r.category is top for r in runs)
        facts.append(Fact(
            f"{n} of {len(runs)} failures are of category {top}",
            f"{n} échecs sur {len(runs)} sont de catégorie {CATEGORY_FR.get(str(top), top)}",
        ))
    every = "every journey fails" if not passing else f"{len(failing)} of {len(journeys)} " \
        "journeys fail"
    every_fr = "tous les parcours échouent" if not passing else f"{len(failing)} parcours " \
        f"sur {len(journeys)} échouent"
    steps = {r.step for r in runs}
    if len(steps) == 1 and None not in steps:
        step = steps.pop()
        confidence += 0.03
        facts.append(Fact(f"all at the same step type ({step})",
                          f"toutes à la même sorte d'étape ({step})"))
    if top is Category.NETWORK:
        more, more_fr = (f" ({every})", f" ({every_fr})") if passing else ("", "")
        return ("network_outage", min(confidence, 0.95), f"Network outage{more}",
                f"Panne réseau{more_fr}", facts)
    return ("backend_outage", min(confidence, 0.95), f"Backend outage ({every})",
            f"Panne du serveur ({every_fr})", facts)


def endpoint(s: Situation) -> Candidate | None:
    """Every failing journey fails at the same transaction, the others pass: the narrowest
    cause the evidence supports is that one call, not the whole backend."""
    if s.category not in (Category.BACKEND, Category.TIMEOUT, Category.NETWORK):
        return None
    failing = _same_cause(s)
    runs = [r for rs in failing.values() for r in rs]
    names = {r.transaction for r in runs}
    if len(names) != 1 or None in names:
        return None
    passing = _passing_journeys(s, failing)
    if not passing:
        return None  # nothing works: the outage rule speaks
    tx = names.pop()
    assert tx is not None
    status = next((m.group(0) for r in reversed(runs) if r.error
                   for m in [_HTTP_CODE.search(r.error)] if m), None)
    what = f"returns {status}" if status else ("fails" if s.category is Category.BACKEND
                                                else f"fails ({s.category})")
    what_fr = f"renvoie {status}" if status else "échoue"
    n = len(failing)
    confidence = 0.8 + (0.05 if n >= 2 else 0.0) + (0.05 if status else 0.0)
    facts = [
        Fact(f"{n} journey(s) fail, all at {tx}: {_names(sorted(failing))}",
             f"{n} parcours échouent, tous à {tx} : {_names(sorted(failing))}"),
        Fact(f"journeys that do not call it pass: {_names(passing)}",
             f"les parcours qui ne l'appellent pas passent : {_names(passing)}"),
    ]
    return (f"backend_endpoint|{tx}", min(confidence, 0.93),
            f"The backend {what} on {tx} ({n} journeys); {_names(passing)} work",
            f"Le serveur {what_fr} sur {tx} ({n} parcours) ; {_names(passing)} fonctionnent",
            facts)


_HTTP_CODE = re.compile(r"\b(?:HTTP\s*)?(5\d\d|429|401|403)\b")


def one_device(s: Situation) -> Candidate | None:
    """Every failure on one device while other devices pass (any journey): that device, or its
    build, is at fault; the text says where it happens and where it does not."""
    if len(s.fail_devices) != 1:
        return None
    device = s.fail_devices[0]
    ok_elsewhere = [
        r for r in s.since_onset()
        if r.device and r.device != device and r.status in (Status.PASSED, Status.DEGRADED)
    ]
    if not ok_elsewhere:
        return None
    others = sorted({r.device for r in ok_elsewhere})
    same_journey = any(r.journey == s.journey for r in ok_elsewhere)
    confidence = 0.88 + (0.05 if same_journey else 0.0)
    what = _category_name(s.category, "en")
    what_fr = _category_name(s.category, "fr")
    facts = [
        Fact(f"all {len(s.evidence)} failures ({what}) are on device {device}",
             f"les {len(s.evidence)} échecs ({what_fr}) ont tous lieu sur l'appareil {device}"),
        Fact(
            f"{'this journey passes' if same_journey else 'journeys pass'} on "
            f"{_names(others)} since {_hm(s.onset)}",
            f"{'ce parcours passe' if same_journey else 'les parcours passent'} sur "
            f"{_names(others)} depuis {_hm(s.onset)}",
        ),
    ]
    if s.category is Category.CRASH:
        facts.extend(crash_facts(s)[1:])
    return (f"device|{device}", confidence,
            f"{what.capitalize()} on device {device} only (passes on {_names(others)})",
            f"{what_fr.capitalize()} sur l'appareil {device} seulement (passe sur "
            f"{_names(others)})", facts)


def _confined_to_one_location(s: Situation, runs: Sequence[RunFacts]) -> bool:
    places = {r.location for r in runs}
    if len(places) != 1 or None in places:
        return False
    return any(r.location and r.location not in places
               and r.status in (Status.PASSED, Status.DEGRADED) for r in s.since_onset())


def one_location(s: Situation) -> Candidate | None:
    """Every failure from one robot location while runs from other locations pass (a fleet):
    that site's network or carrier, said like a device-confined failure."""
    places = sorted({r.location for r in s.evidence if r.location})
    if len(places) != 1 or any(not r.location for r in s.evidence):
        return None
    place = places[0]
    ok_elsewhere = [
        r for r in s.since_onset()
        if r.location and r.location != place and r.status in (Status.PASSED, Status.DEGRADED)
    ]
    if not ok_elsewhere:
        return None
    others = sorted({r.location for r in ok_elsewhere if r.location})
    same_journey = any(r.journey == s.journey for r in ok_elsewhere)
    confidence = 0.86 + (0.05 if same_journey else 0.0) + (
        0.03 if len(s.fail_devices) > 1 else 0.0)
    what = _category_name(s.category, "en")
    what_fr = _category_name(s.category, "fr")
    facts = [
        Fact(f"all {len(s.evidence)} failures ({what}) are from location {place} "
             f"({_names(list(s.fail_devices)) or 'its devices'})",
             f"les {len(s.evidence)} échecs ({what_fr}) viennent tous du site {place} "
             f"({_names(list(s.fail_devices)) or 'ses appareils'})"),
        Fact(f"{'this journey passes' if same_journey else 'journeys pass'} from "
             f"{_names(others)} since {_hm(s.onset)}",
             f"{'ce parcours passe' if same_journey else 'les parcours passent'} depuis "
             f"{_names(others)} depuis {_hm(s.onset)}"),
    ]
    return (f"location|{place}", confidence,
            f"{what.capitalize()} from {place} only (passes from {_names(others)}): that "
            "site's network or carrier",
            f"{what_fr.capitalize()} depuis {place} seulement (passe depuis {_names(others)}) : "
            "le réseau ou l'opérateur de ce site", facts)


def one_build(s: Situation) -> Candidate | None:
    """Failures on several devices that all run one OS version, while the same journey passes
    on devices running another one."""
    if len(s.fail_devices) < 2:
        return None
    versions = {r.os_version for r in s.evidence}
    if len(versions) != 1 or None in versions:
        return None
    version = versions.pop()
    # the same journey passing on another version: devices of another platform or app say
    # nothing about this build
    def passing(runs: Sequence[RunFacts]) -> list[RunFacts]:
        return [r for r in runs if r.status in (Status.PASSED, Status.DEGRADED)
                and r.journey == s.journey and r.device not in s.fail_devices
                and r.os_version and r.os_version != version]

    ok, confidence = passing(s.since_onset()), 0.87
    if not ok:  # it passed there shortly before the onset: weaker, but still telling
        ok, confidence = passing(s.around), 0.75
    if not ok:
        return None
    others = sorted({f"{r.device} ({r.os_version})" for r in ok})
    what = _category_name(s.category, "en")
    what_fr = _category_name(s.category, "fr")
    facts = [Fact(f"every failure is on OS {version}: {_names(list(s.fail_devices))}",
                  f"tous les échecs sont sous l'OS {version} : {_names(list(s.fail_devices))}"),
             Fact(f"devices on other versions pass: {_names(others)}",
                  f"les appareils sous d'autres versions passent : {_names(others)}")]
    return (f"device_build|{version}", confidence, f"{what.capitalize()} on OS {version} only",
            f"{what_fr.capitalize()} sous l'OS {version} seulement", facts)


def authentication(s: Situation) -> Candidate | None:
    """Only login transactions fail: the authentication service (or the robot's account)."""
    if not s.evidence or not all(r.is_login for r in s.evidence):
        return None
    # a network error, a crash or a server error at login says more than "it was the login"
    if s.category not in (Category.AUTHENTICATION, Category.TIMEOUT):
        return None
    confidence = 0.45
    tx = _names(sorted({r.transaction or "?" for r in s.evidence}))
    facts = [Fact(f"only the login transaction fails ({tx})",
                  f"seule la transaction de connexion échoue ({tx})")]
    if all(r.category is Category.AUTHENTICATION for r in s.evidence):
        confidence += 0.3
        facts.append(Fact("the login screen or a credentials message came back",
                          "l'écran de connexion ou un message d'identifiants est revenu"))
    failing = s.failing_journeys()
    login_failing = sorted(j for j, rs in failing.items() if all(r.is_login for r in rs))
    others_ok = sorted({
        r.journey for r in s.since_onset()
        if r.journey not in failing and r.status in (Status.PASSED, Status.DEGRADED)
    })
    if len(login_failing) >= 2:
        confidence += 0.1
        facts.append(Fact(f"login fails in {_names(login_failing)}",
                          f"la connexion échoue dans {_names(login_failing)}"))
    if others_ok:
        confidence += 0.05
        facts.append(Fact(f"journeys without that login still pass: {_names(others_ok)}",
                          f"les parcours sans cette connexion passent : {_names(others_ok)}"))
    return ("authentication", min(confidence, 0.95), "Authentication service",
            "Service d'authentification", facts)


def release(s: Situation) -> Candidate | None:
    """Failures began right after a new app version appeared: a regression in that release."""
    versions = Counter(r.app_version for r in s.evidence if r.app_version)
    if not versions:
        return None
    new, _n = versions.most_common(1)[0]
    earlier_ok = [
        r for r in s.before
        if r.journey == s.journey and r.status in (Status.PASSED, Status.DEGRADED)
        and r.app_version
    ]
    if not earlier_ok or earlier_ok[-1].app_version == new:
        return None
    old = earlier_ok[-1].app_version
    first_seen = min(
        (r.started_at for r in (*s.before, *s.around, *s.evidence) if r.app_version == new),
        default=s.onset,
    )
    if s.onset - first_seen > timedelta(hours=6):
        return None  # the version was fine for hours: not what changed
    confidence = 0.6 + (0.1 if all(r.app_version == new for r in s.evidence) else 0.0)
    if s.onset - first_seen <= timedelta(hours=1):
        confidence += 0.1  # fresh release
    facts = [
        Fact(f"app version {new} was first seen at {_hm(first_seen)}, failures began at "
             f"{_hm(s.onset)}",
             f"la version {new} de l'app est apparue à {_hm(first_seen)}, les échecs ont "
             f"commencé à {_hm(s.onset)}"),
        Fact(f"the last passing run used version {old}",
             f"la dernière exécution réussie utilisait la version {old}"),
    ]
    old_ok = [r for r in s.since_onset() if r.app_version == old
              and r.status in (Status.PASSED, Status.DEGRADED)]
    if old_ok:
        confidence += 0.1
        facts.append(Fact(f"devices still on {old} pass", f"les appareils encore en {old} passent"))
    if s.category is Category.CRASH:
        confidence += 0.1
        facts.extend(crash_facts(s))
    return ("release_regression", min(confidence, 0.95), f"Regression in app release {new}",
            f"Régression de la version {new} de l'app", facts)


def crash_facts(s: Situation) -> list[Fact]:
    crashed = [r for r in s.evidence if r.category is Category.CRASH]
    tx = _names(sorted({r.transaction or r.step or "?" for r in crashed}))
    facts = [Fact(f"the app died during {tx} ({len(crashed)} runs)",
                  f"l'app s'est arrêtée pendant {tx} ({len(crashed)} exécutions)")]
    line = next((r.logcat_exception for r in reversed(crashed) if r.logcat_exception), None)
    if line:
        facts.append(Fact(f"logcat: {line}", f"logcat : {line}"))
    return facts


def crash(s: Situation) -> Candidate | None:
    if s.category is not Category.CRASH:
        return None
    facts = crash_facts(s)
    confidence = 0.75 + (0.1 if len(facts) > 1 else 0.0)
    return ("app_crash", confidence, "App crash", "Plantage de l'app", facts)


def third_party(s: Situation) -> Candidate | None:
    if s.category is not Category.THIRD_PARTY:
        return None
    tx = _names(sorted({r.transaction or r.step or "?" for r in s.evidence}))
    facts = [Fact(f"the failing step hands over to another app or site: {tx}",
                  f"l'étape en échec passe la main à une autre app ou un autre site : {tx}")]
    confidence = 0.75
    if s.evidence and not any(r.is_login for r in s.evidence):
        confidence += 0.05
        facts.append(Fact("the app's own steps before it work",
                          "les étapes propres à l'app avant elle fonctionnent"))
    return ("third_party", confidence, "Payment or third-party provider",
            "Prestataire de paiement ou tiers", facts)


_BY_CATEGORY: dict[Category, tuple[str, float, str, str, str, str]] = {
    Category.BACKEND: ("backend_errors", 0.55, "The app's backend returns errors",
                       "Le serveur de l'app renvoie des erreurs",
                       "the app showed a server error", "l'app a affiché une erreur serveur"),
    Category.NETWORK: ("network", 0.5, "Network unreachable from the device",
                       "Réseau injoignable depuis l'appareil",
                       "the device could not reach the network",
                       "l'appareil n'a pas pu joindre le réseau"),
    Category.TIMEOUT: ("unresponsive", 0.35, "The app or its backend stopped answering",
                       "L'app ou son serveur ne répond plus",
                       "nothing changed on screen before the step timeout",
                       "rien n'a changé à l'écran avant la fin du délai de l'étape"),
    Category.DISPLAY: ("display", 0.35, "The app shows an unexpected screen",
                       "L'app affiche un écran inattendu",
                       "an expected element was missing or an error text was shown",
                       "un élément attendu manquait ou un texte d'erreur était affiché"),
}


def by_category(s: Situation) -> Candidate | None:
    """The failing step's category alone: the weakest, always-available guess."""
    category = s.category
    tx = _names(sorted({r.transaction or r.step or "?" for r in s.evidence}))
    where = Fact(f"failing transaction: {tx}", f"transaction en échec : {tx}")
    if category in _BY_CATEGORY:
        cause, conf, en, fr, fact_en, fact_fr = _BY_CATEGORY[category]
        facts = [Fact(fact_en, fact_fr), where]
        error = next((r.error for r in reversed(s.evidence) if r.error), None)
        if error:
            facts.append(Fact(f"last error: {error[:200]}", f"dernière erreur : {error[:200]}"))
        return (cause, conf, en, fr, facts)
    return ("unknown", 0.2, "Unknown cause: see the evidence", "Cause inconnue : voir les preuves",
            [where])


FAILING_RULES: tuple[Rule, ...] = (
    outage, endpoint, one_device, one_location, one_build, authentication, release, crash,
    third_party, by_category,
)


# ---- candidates for a slow journey --------------------------------------------------------


def slow_everywhere(s: Situation) -> Candidate | None:
    slow = [r for r in s.since_onset() if r.status is Status.DEGRADED]
    journeys = sorted({r.journey for r in slow} | {s.journey})
    devices = sorted({r.device for r in slow if r.device})
    if len(journeys) < 2 and len(devices) < 2:
        return None
    confidence = 0.5 + 0.15 * (len(journeys) >= 2) + 0.15 * (len(devices) >= 2)
    facts = [Fact(f"{len(journeys)} journeys are slow on {len(devices)} devices: "
                  f"{_names(journeys)}",
                  f"{len(journeys)} parcours sont lents sur {len(devices)} appareils : "
                  f"{_names(journeys)}")]
    return ("backend_latency", confidence, "Backend latency (slow everywhere)",
            "Latence du serveur (lent partout)", facts)


def slow_one_device(s: Situation) -> Candidate | None:
    if len(s.fail_devices) != 1:
        return None
    device = s.fail_devices[0]
    fast = sorted({r.device for r in s.since_onset()
                   if r.device and r.device != device and r.status is Status.PASSED})
    if not fast:
        return None
    return ("device", 0.65, f"Device {device} is slow", f"L'appareil {device} est lent", [
        Fact(f"only {device} is slow; {_names(fast)} are not",
             f"seul {device} est lent ; {_names(fast)} ne le sont pas"),
    ])


def slow_transaction(s: Situation) -> Candidate | None:
    tx = _names(sorted({r.transaction or "?" for r in s.evidence}))
    return ("slow_transaction", 0.4, f"Slow transaction: {tx}", f"Transaction lente : {tx}", [
        Fact(f"{tx} is over its `slow` threshold on every check",
             f"{tx} dépasse son seuil `slow` à chaque contrôle"),
    ])


SLOW_RULES: tuple[Rule, ...] = (slow_everywhere, slow_one_device, slow_transaction)


# ---- the robot's own faults ---------------------------------------------------------------


def flaky_device(s: Situation) -> Candidate | None:
    """A device whose first attempts fail while confirmations elsewhere pass."""
    if not s.decision.key.startswith("robot:flaky:"):
        return None
    device = s.decision.device or "?"
    cats = Counter(str(r.category) for r in s.evidence if r.category)
    what = ", ".join(f"{c} ×{n}" for c, n in cats.most_common(3)) or "failures"
    what_fr = ", ".join(f"{CATEGORY_FR.get(c, c)} ×{n}" for c, n in cats.most_common(3))
    journeys = sorted({r.journey for r in s.evidence})
    facts = [Fact(f"on {device}: {what}, in {_names(journeys)}",
                  f"sur {device} : {what_fr or 'échecs'}, dans {_names(journeys)}")]
    return (f"flaky_device|{device}", 0.85,
            f"Device {device} fails first attempts ({what}) that pass on other devices",
            f"L'appareil {device} échoue des premières tentatives ({what_fr or 'échecs'}) qui "
            "passent sur les autres appareils", facts)


def robot_silent(s: Situation) -> Candidate | None:
    """A robot of the fleet stopped beating (scheduler.alerts.silence says who took over)."""
    if not s.decision.key.startswith("robot:silent:") or not s.decision.facts:
        return None
    robot = s.decision.key.removeprefix("robot:silent:")
    (en, fr), *_rest = s.decision.facts
    return (f"robot_silent|{robot}", 0.95, en, fr, [])


def location_refused(s: Situation) -> Candidate | None:
    """Every device of a location refuses sessions (scheduler.alerts.site_devices)."""
    if not s.decision.key.startswith("robot:location:") or not s.decision.facts:
        return None
    place = s.decision.key.removeprefix("robot:location:")
    (en, fr), *_rest = s.decision.facts
    facts = [Fact(f"{len(s.evidence)} runs ended in `error` since {_hm(s.onset)}",
                  f"{len(s.evidence)} exécutions finies en `error` depuis {_hm(s.onset)}")]
    return (f"location_devices|{place}", 0.9, en, fr, facts)


def robot_cause(s: Situation) -> Candidate | None:
    if s.decision.key.startswith(("robot:flaky:", "robot:silent:", "robot:location:")):
        return None
    device = s.decision.device
    category = s.category
    error = next((r.error for r in reversed(s.evidence) if r.error), None)
    facts = [Fact(f"{len(s.evidence)} runs in a row ended in `error` since {_hm(s.onset)}",
                  f"{len(s.evidence)} exécutions d'affilée finies en `error` depuis "
                  f"{_hm(s.onset)}")]
    if error:
        facts.append(Fact(f"last error: {error[:200]}", f"dernière erreur : {error[:200]}"))
    if category is Category.APPIUM_DOWN:
        return ("appium_down", 0.9, "Ronde's Appium server is down: Ronde keeps restarting it",
                "Le serveur Appium de Ronde est arrêté : Ronde le redémarre", facts)
    if category is Category.ROBOT:
        return ("robot", 0.8, f"Ronde itself cannot run journey {s.journey}",
                f"Ronde ne peut pas jouer le parcours {s.journey}", facts)
    if not device or category is Category.NO_DEVICE:
        return ("no_device", 0.7, f"No device free for journey {s.journey}",
                f"Aucun appareil libre pour le parcours {s.journey}", facts)
    others_ok = sorted({r.device for r in s.since_onset()
                        if r.device and r.device != device and r.counts_for_app})
    if others_ok:
        facts.append(Fact(f"other devices run journeys fine: {_names(others_ok)}",
                          f"les autres appareils jouent les parcours : {_names(others_ok)}"))
        return ("device_unavailable", 0.85, f"Device {device} is unavailable",
                f"L'appareil {device} est indisponible", facts)
    return ("device_unavailable", 0.6, f"Device {device} (or its Appium server) is unavailable",
            f"L'appareil {device} (ou son serveur Appium) est indisponible", facts)


ROBOT_RULES: tuple[Rule, ...] = (flaky_device, robot_silent, location_refused, robot_cause)


# ---- entry point --------------------------------------------------------------------------


def diagnose(
    decision: Decision, history: Sequence[RunFacts], now: datetime, *, lookback_ms: int
) -> Diagnosis:
    """The best-supported first guess for `decision`, from `history` (every journey's runs)."""
    evidence = decision.evidence
    onset = decision.since or (evidence[0].started_at if evidence else now)
    start = onset - timedelta(milliseconds=lookback_ms)
    ordered = sorted(history, key=lambda r: r.started_at)
    situation = Situation(
        decision=decision,
        onset=onset,
        now=now,
        evidence=evidence,
        around=tuple(r for r in ordered if start <= r.started_at <= now and r.counts_for_app),
        before=tuple(r for r in ordered if r.started_at < onset),
    )
    if decision.kind is Kind.ROBOT:
        rules = ROBOT_RULES
    elif decision.key.endswith(":slow"):
        rules = SLOW_RULES
    else:
        rules = FAILING_RULES
    candidates = [c for c in (rule(situation) for rule in rules) if c is not None]
    candidates.sort(key=lambda c: c[1], reverse=True)
    code, confidence, en, fr, facts = candidates[0]
    cause, _, scope = code.partition("|")  # "device|sim-3": the cause and where it lies
    if cause == "release_regression":
        scope = en.rsplit(" ", 1)[-1]
    rule_facts = [Fact(en_, fr_) for en_, fr_ in decision.facts]
    return Diagnosis(
        cause=cause,
        scope=scope,
        title_en=en,
        title_fr=fr,
        confidence=round(min(max(confidence, 0.0), 1.0), 2),
        facts=tuple(facts + rule_facts),
        alternatives=tuple(
            (c[0].partition("|")[0], round(c[1], 2)) for c in candidates[1:4]
            if c[0].partition("|")[0] not in (cause, "unknown")
        ),
    )
