"""The trial report in French: every English text of the template, and the words of the data.

Keys are the English texts exactly as `report.html` writes them; a plural whose two English
forms are the same is listed as `"<text> [plural]"` (see `Language.plural`).
"""

from __future__ import annotations

MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
          "nov.", "déc.")

_REPORT = {
    "Availability": "Disponibilité",
    "By hour of day": "Selon l'heure de la journée",
    "Category": "Catégorie",
    "Cause": "Cause",
    "Confirmed": "Confirmée",
    "Confirmed availability": "Disponibilité confirmée",
    "Confirmed failures": "Échecs confirmés",
    "Device": "Appareil",
    "Diagnosis": "Diagnostic",
    "Duration": "Durée",
    "Each journey is a scripted user path (a Maestro flow) run by the robot on its schedule, "
    "day and night, on the devices listed above. A run ends passed, degraded (passed, but a "
    "transaction was slower than the journey's threshold), failed (the app did not do what "
    "the journey expects) or error (the robot or its device could not run the journey).":
        "Chaque parcours est un chemin utilisateur scripté (un flow Maestro) que le robot "
        "exécute selon son planning, jour et nuit, sur les appareils ci-dessus. Une exécution "
        "se termine réussie, dégradée (réussie, mais une transaction a dépassé le seuil du "
        "parcours), en échec (l'application n'a pas fait ce que le parcours attend) ou en "
        "erreur (le robot ou son appareil n'a pas pu exécuter le parcours).",
    "Errors by category": "Erreurs par catégorie",
    "Failed first": "Échecs au 1er essai",
    "Failed runs": "Exécutions en échec",
    "First attempt": "Premier essai",
    "First-attempt availability": "Disponibilité au premier essai",
    "Flake rate (failed first, passed on confirmation):":
        "Taux d'instabilité (échec au premier essai, réussite à la confirmation)\u00a0:",
    "From the moment an action is sent to the device to the first moment the expected screen "
    "holds; each figure carries its measurement resolution (the poll interval plus one round "
    "trip).":
        "De l'envoi d'une action à l'appareil au premier instant où l'écran attendu est "
        "affiché ; chaque mesure a sa résolution (l'intervalle de scrutation plus un "
        "aller-retour).",
    "Generated": "Généré le",
    "Incidents": "Incidents",
    "Incidents and their causes": "Incidents et leurs causes",
    "Journey": "Parcours",
    "Journeys and runs": "Parcours et exécutions",
    "Load time": "Temps de chargement",
    "Measured": "Mesures",
    "Methodology": "Méthodologie",
    "No failed run.": "Aucune exécution en échec.",
    "No incident on the app during the trial.": "Aucun incident sur l'application pendant "
                                                "l'essai.",
    "No load time measured.": "Aucun temps de chargement mesuré.",
    "No run in this period": "Aucune exécution sur cette période",
    "No transaction measured.": "Aucune transaction mesurée.",
    "Open in all": "Ouverts au total",
    "Opened": "Ouvert le",
    "Opened by the alert rules on confirmed failures only; each carries a rule-based "
    "pre-diagnosis of its cause with its confidence. Duration runs from the first alert to "
    "its resolution.":
        "Ouverts par les règles d'alerte sur des échecs confirmés uniquement ; chacun porte un "
        "pré-diagnostic de sa cause, fondé sur des règles, avec sa confiance. La durée va de "
        "la première alerte à la résolution.",
    "Passed or degraded first attempts ÷ all first attempts that judged the app. Every "
    "failure counts, including one-off glitches.":
        "Premiers essais réussis ou dégradés ÷ tous les premiers essais qui ont jugé "
        "l'application. Chaque échec compte, même un incident isolé.",
    "Per device": "Par appareil",
    "Percentiles (p50 = median, p95, p99) of the measured times; a transaction that never "
    "completed has no time and counts only in the success rate.":
        "Centiles (p50 = médiane, p95, p99) des temps mesurés ; une transaction qui n'a pas "
        "abouti n'a pas de temps et ne compte que dans le taux de succès.",
    "Response and load times": "Temps de réponse et de chargement",
    "Response times": "Temps de réponse",
    "Robot and device incidents": "Incidents du robot et des appareils",
    "Robot errors": "Erreurs du robot",
    "Robot errors (excluded)": "Erreurs du robot (exclues)",
    "Runs": "Exécutions",
    "Runs ending in error say nothing about the app; they are excluded from both availability "
    "figures and counted apart.":
        "Les exécutions en erreur ne disent rien de l'application : elles sont exclues des deux "
        "disponibilités et comptées à part.",
    "Runs from": "Exécutions du",
    "Success rate": "Taux de succès",
    "Summary": "Synthèse",
    "The first transaction of a journey (app launch or page open until its first screen "
    "shows).":
        "La première transaction d'un parcours (lancement de l'application ou ouverture de la "
        "page jusqu'à l'affichage du premier écran).",
    "The same figures for the runs each device made: one device far below the others points "
    "at the device or its network, not the app.":
        "Les mêmes chiffres pour les exécutions de chaque appareil : un appareil très en "
        "dessous des autres désigne l'appareil ou son réseau, pas l'application.",
    "The slowest 5 % of each journey's transactions per hour: peaks show when the app is slow "
    "for its users.":
        "Les 5\u00a0% de transactions les plus lentes de chaque parcours, heure par heure : les "
        "pics montrent quand l'application est lente pour ses utilisateurs.",
    "Times are UTC.": "Heures en UTC.",
    "Transaction": "Transaction",
    "Transaction success rate": "Taux de succès des transactions",
    "Transactions whose expected screen appeared ÷ transactions attempted, over all attempts.":
        "Transactions dont l'écran attendu est apparu ÷ transactions tentées, sur tous les "
        "essais.",
    "When a first attempt fails, the robot retries at once, on another device when one is "
    "free. A round counts as down only when that confirmation fails too (or when no "
    "confirmation could judge the app). This filters device and network flakes and is the "
    "figure to compare with an availability target.":
        "Quand un premier essai échoue, le robot réessaie aussitôt, sur un autre appareil s'il "
        "y en a un de libre. Un tour ne compte comme indisponible que si cette confirmation "
        "échoue aussi (ou si aucune confirmation n'a pu juger l'application). Cela écarte les "
        "aléas d'appareil et de réseau : c'est le chiffre à comparer à un objectif de "
        "disponibilité.",
    "availability (confirmed)": "disponibilité (confirmée)",
    "availability (first attempt)": "disponibilité (premier essai)",
    "by Ronde": "par Ronde",
    "confidence": "confiance",
    "in all": "au total",
    "load": "chargement",
    "not counted against the app": "non imputés à l'application",
    "of data": "de données",
    "of which": "dont",
    "open": "ouvert",
    "open [plural]": "ouverts",
    "period asked:": "période demandée\u00a0:",
    "still open": "toujours ouvert",
    "to": "au",
    "transaction success rate": "taux de succès des transactions",
    "up to": "jusqu'au",
    # plurals (n_)
    "journey": "parcours",
    "journeys": "parcours",
    "device": "appareil",
    "devices": "appareils",
    "incident": "incident",
    "incidents": "incidents",
    "scheduled run judged the app:": "exécution planifiée a jugé l'application\u00a0:",
    "scheduled runs judged the app:": "exécutions planifiées ont jugé l'application\u00a0:",
    "failed at the first attempt": "a échoué au premier essai",
    "failed at the first attempt [plural]": "ont échoué au premier essai",
    "was confirmed by a second attempt": "a été confirmé par un second essai",
    "were confirmed by a second attempt": "ont été confirmés par un second essai",
    "run could not judge the app (robot or device problem) and is left out of every figure":
        "exécution n'a pas pu juger l'application (problème du robot ou d'un appareil) et "
        "n'est comptée dans aucun chiffre",
    "runs could not judge the app (robot or device problem) and are left out of every figure":
        "exécutions n'ont pas pu juger l'application (problème du robot ou d'un appareil) et "
        "ne sont comptées dans aucun chiffre",
    "day": "jour",
    "days": "jours",
    "hour": "heure",
    "hours": "heures",
    "minute": "minute",
    "minutes": "minutes",
    "second": "seconde",
    "seconds": "secondes",
    # charts
    "Confirmed availability per day": "Disponibilité confirmée par jour",
    "Response time p95 by hour of day (UTC)": "Temps de réponse p95 selon l'heure (UTC)",
    "Response time per transaction (p50, p95)": "Temps de réponse par transaction (p50, p95)",
    "Load time per journey (p50, p95)": "Temps de chargement par parcours (p50, p95)",
    "Failed runs by category": "Exécutions en échec par catégorie",
    "runs": "exécutions",
}

#: Failure categories and pre-diagnosis causes (with `_` read as a space).
_TERMS = {
    "crash": "plantage",
    "third party": "service tiers",
    "network": "réseau",
    "backend": "serveur (backend)",
    "authentication": "authentification",
    "display": "affichage",
    "timeout": "délai dépassé",
    "performance": "performance",
    "robot": "robot",
    "uncategorised": "non classé",
    "unknown": "inconnue",
    "no device": "aucun appareil libre",
    "session": "session refusée",
    "aborted": "interrompue",
    "appium down": "Appium arrêté",
    "backend outage": "panne du serveur",
    "network outage": "panne réseau",
    "device": "appareil",
    "release regression": "régression de version",
    "app crash": "plantage de l'application",
    "backend latency": "lenteur du serveur",
    "device unavailable": "appareil indisponible",
}

TEXTS: dict[str, str] = {**_REPORT, **_TERMS}
