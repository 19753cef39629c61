"""Texts and log lines that reveal a failure's category (French and English defaults).

Configurable: pass your own `Patterns` to `run_journey`; each list is searched (not full-match)
in every visible text of the screen at the moment of the failure. The search is bounded
(journeys.textmatch): a pattern too slow for a long text is skipped, never waited for.
"""

from __future__ import annotations

from dataclasses import dataclass

from journeys.textmatch import Matcher, PatternTimeout


@dataclass(frozen=True, slots=True)
class Patterns:
    backend: tuple[str, ...] = (
        r"(?i)erreur\s*5\d\d|server error|erreur (du )?serveur|service indisponible"
        r"|service unavailable|bad gateway|gateway time-?out|internal error|erreur interne"
        r"|HTTP\s*5\d\d",
    )
    authentication: tuple[str, ...] = (
        r"(?i)identifiants? (invalides?|incorrects?)|invalid (credentials|password|login)"
        r"|session expir[ée]e|session expired|mot de passe (incorrect|invalide)"
        r"|wrong password|authentication failed|[ée]chec de (l'authentification|connexion)"
        r"|veuillez vous (re)?connecter|please (log|sign) in again",
    )
    network: tuple[str, ...] = (
        r"(?i)pas de connexion|aucune connexion|no (internet )?connection|hors[ -]ligne"
        r"|you are offline|network (error|unavailable)|erreur r[ée]seau|connexion impossible"
        r"|v[ée]rifiez votre connexion|check your (internet )?connection",
    )
    # logcat / browser lines that show an HTTP 5xx answer
    http_5xx: tuple[str, ...] = (
        r"(?i)\bHTTP(/\d(\.\d)?)?\s+5\d\d\b|\bstatus(code)?[=: ]+5\d\d\b"
        r"|\b5\d\d\s+(Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)"
        r"|<-- 5\d\d\b",  # okhttp
    )

    def search(self, kind: str, texts: list[str]) -> str | None:
        """The first text that matches one of the `kind` patterns."""
        for pattern in getattr(self, kind):
            matcher = Matcher(pattern, flags=0)
            try:
                hit = next((text for text in texts if matcher.search(text)), None)
            except PatternTimeout:
                continue
            if hit is not None:
                return hit
        return None


DEFAULT_PATTERNS = Patterns()
