"""The dashboard's Starlette app: server-rendered pages that read figures from a `ReadSource`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from ronde.dashboard.artifacts import media_type, resolve_artifact
from ronde.dashboard.auth import Access, AuthGate, identity_of
from ronde.dashboard.figures import Figures
from ronde.dashboard.headers import SecurityHeaders
from ronde.dashboard.login import login_routes
from ronde.dashboard.pages import page_routes
from ronde.dashboard.settings import DashboardSettings
from ronde.dashboard.strips import strip
from ronde.dashboard.tables import journey_rows, transaction_rows
from ronde.report.charts import step_timeline
from ronde.report.formatting import environment
from ronde.report.source import ReadSource
from storage.errors import StorageError
from storage.hourly import hours_back

STATIC_DIR = Path(__file__).parent / "static"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class _Dashboard(Starlette):
    """Starlette with the security headers outside its own 500 handler, so crash pages get them.

    Starlette's ServerErrorMiddleware always sits outside the `middleware=` list; wrapping the
    whole built stack is the only place every response passes through.
    """

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


def create_app(
    source: ReadSource,
    artifacts_dir: Path,
    *,
    clock: Callable[[], datetime] = _utcnow,
    refresh_seconds: int = 30,
    with_metrics: bool = True,
    settings: DashboardSettings | None = None,
    figures: Figures | None = None,
    alert_window: timedelta = timedelta(hours=1),
) -> Starlette:
    """Build the app. `clock` is the wall clock for the 24 h / 7 d windows (tests fix it);
    `settings` say who may read it (default: no login, for a loopback address only);
    `figures` feed the journey, runs, incident and status pages (StoreFigures);
    `alert_window` is ronde.yaml's `alerts.defaults.window`, for /metrics."""
    env = environment("ronde.dashboard")
    env.filters["strip"] = strip
    env.filters["transaction_rows"] = transaction_rows
    env.filters["journey_rows"] = journey_rows
    artifacts_root = Path(artifacts_dir)
    access = Access(settings or DashboardSettings())

    def render(request: Request, name: str, title: str, *, status: int = 200,
               refresh: int = 0, **context: object) -> HTMLResponse:
        identity = identity_of(request)
        html = env.get_template(name).render(
            title=title, refresh=refresh, now=clock(), status=status, identity=identity,
            session_csrf=identity.session.csrf if identity and identity.session else None,
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def page(request: Request, name: str, title: str, **context: object) -> HTMLResponse:
        return render(request, name, title, refresh=refresh_seconds, **context)

    def overview(request: Request) -> Response:
        now = clock()
        with source.snapshot():
            shown = {
                "journeys": source.overview(now),
                "transactions": source.transaction_stats(hours_back(now, timedelta(hours=24)),
                                                         now),
                "incidents": source.incidents(open_only=True),
                "runs": source.recent_runs(15),
                "robots": source.robots(now),
            }
        return page(request, "overview.html", "Overview", **shown)

    def run(request: Request) -> Response:
        found = source.run(request.path_params["run_id"])
        if found is None:
            raise HTTPException(404, "No such run")
        screenshots = [a for a in found.artifacts if a.kind == "screenshot"]
        return page(
            request,
            "run.html",
            f"Run {found.run_id[:8]}",
            run=found,
            timeline=step_timeline(found.steps, width=960),
            screenshots=screenshots,
            incidents=figures.incidents_of_run(found) if figures else [],
        )

    def incidents(request: Request) -> Response:
        now = clock()
        return page(
            request,
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
        # only evidence a stored run lists, and only inside the artifacts directory
        relative = request.path_params["path"]
        path = resolve_artifact(artifacts_root, relative)
        if path is None or not source.artifact_recorded(relative):
            raise HTTPException(404, "No such artifact")
        return FileResponse(path, media_type=media_type(path))

    def health(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    routes = [
        Route("/", overview),
        *page_routes(figures, page, clock),
        Route("/runs/{run_id}", run),
        Route("/incidents", incidents),
        Route("/artifacts/{path:path}", artifact),
        Route("/healthz", health),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    if not access.open:
        routes += login_routes(access, render)
    if with_metrics:
        from ronde.metrics import metrics_endpoint

        routes.append(Route("/metrics", metrics_endpoint(source, clock, alert_window)))
    handler = _error_page(render)
    # SecurityHeaders wraps everything (_Dashboard): the gate's refusals and 500s included
    return _Dashboard(
        routes=routes,
        exception_handlers={HTTPException: handler, StorageError: handler},
        middleware=[Middleware(AuthGate, access=access)],
    )


def _error_page(render: Callable[..., HTMLResponse]) -> Callable[[Request, Exception], Response]:
    def handler(request: Request, exc: Exception) -> Response:
        if isinstance(exc, StorageError):
            # the database is down or refused the read: say so, and retry on the next refresh
            status, detail = 503, f"The results database cannot be read right now: {exc}"
        else:
            status = getattr(exc, "status_code", 500)
            detail = getattr(exc, "detail", "Error")
        return render(request, "error.html", str(status), status=status,
                      refresh=30 if status == 503 else 0, detail=detail)

    return handler
