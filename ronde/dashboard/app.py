"""The dashboard's Starlette app: server-rendered pages that read figures from a `ReadSource`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jinja2 import Environment
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ronde.dashboard.artifacts import resolve_artifact
from ronde.report.charts import step_timeline
from ronde.report.formatting import environment
from ronde.report.source import ReadSource
from storage.errors import StorageError

STATIC_DIR = Path(__file__).parent / "static"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def create_app(
    source: ReadSource,
    artifacts_dir: Path,
    *,
    clock: Callable[[], datetime] = _utcnow,
    refresh_seconds: int = 30,
    with_metrics: bool = True,
) -> Starlette:
    """Build the app. `clock` is the wall clock for the 24 h / 7 d windows (tests fix it)."""
    env = environment("ronde.dashboard")
    artifacts_root = Path(artifacts_dir)

    def page(name: str, title: str, **context: object) -> HTMLResponse:
        html = env.get_template(name).render(
            title=title, refresh=refresh_seconds, now=clock(), **context
        )
        return HTMLResponse(html)

    def overview(request: Request) -> Response:
        now = clock()
        return page(
            "overview.html",
            "Overview",
            journeys=source.overview(now),
            transactions=source.transaction_stats(now - timedelta(hours=24), now),
            incidents=source.incidents(open_only=True),
            runs=source.recent_runs(15),
            robots=source.robots(now),
        )

    def runs(request: Request) -> Response:
        journey = request.query_params.get("journey") or None
        return page(
            "runs.html",
            f"Runs of {journey}" if journey else "Recent runs",
            journey=journey,
            runs=source.recent_runs(100, journey),
        )

    def run(request: Request) -> Response:
        found = source.run(request.path_params["run_id"])
        if found is None:
            raise HTTPException(404, "No such run")
        screenshots = [a for a in found.artifacts if a.kind == "screenshot"]
        return page(
            "run.html",
            f"Run {found.run_id[:8]}",
            run=found,
            timeline=step_timeline(found.steps, width=960),
            screenshots=screenshots,
        )

    def incidents(request: Request) -> Response:
        now = clock()
        return page(
            "incidents.html",
            "Incidents",
            open_incidents=source.incidents(open_only=True),
            recent=[
                i
                for i in source.incidents(open_only=False, since=now - timedelta(days=7))
                if not i.open
            ],
        )

    def artifact(request: Request) -> Response:
        path = resolve_artifact(artifacts_root, request.path_params["path"])
        if path is None:
            raise HTTPException(404, "No such artifact")
        return FileResponse(path)

    def health(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    routes = [
        Route("/", overview),
        Route("/runs", runs),
        Route("/runs/{run_id}", run),
        Route("/incidents", incidents),
        Route("/artifacts/{path:path}", artifact),
        Route("/healthz", health),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    if with_metrics:
        from ronde.metrics import metrics_endpoint

        routes.append(Route("/metrics", metrics_endpoint(source, clock)))
    handler = _error_page(env, clock)
    return Starlette(
        routes=routes, exception_handlers={HTTPException: handler, StorageError: handler}
    )


def _error_page(
    env: Environment, clock: Callable[[], datetime]
) -> Callable[[Request, Exception], Response]:
    def handler(request: Request, exc: Exception) -> Response:
        if isinstance(exc, StorageError):
            # the database is down or refused the read: say so, and retry on the next refresh
            status, detail = 503, f"The results database cannot be read right now: {exc}"
        else:
            status = getattr(exc, "status_code", 500)
            detail = getattr(exc, "detail", "Error")
        html = env.get_template("error.html").render(
            title=str(status), refresh=30 if status == 503 else 0, now=clock(), status=status,
            detail=detail,
        )
        return HTMLResponse(html, status_code=status)

    return handler
