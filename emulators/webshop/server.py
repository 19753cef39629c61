"""A small threaded HTTP server (stdlib) for the demo web shop and its third-party payment site.

The shop and the payment site listen on two loopback ports, so the hand-over to the payment
page is a real change of site, as with a payment provider. Faults are those of a simulated
device (emulators.faults), read on every request: the device is the `device` query parameter
(kept in a `ronde_device` cookie), else the WebShop's `device` (default `chrome-pixel-7`,
the demo's web device).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from emulators.appium_server import DEMO_ENV
from emulators.faults import fault_state
from emulators.webshop import pages

DEFAULT_DEVICE = "chrome-pixel-7"
HANG_LIMIT_S = 120.0
NO_CONNECTION = "Pas de connexion Internet. Vérifiez votre réseau."
FLAKY = "Service indisponible, réessayez plus tard."


@dataclass(frozen=True)
class Route:
    """One page or form post: the tap that leads to it (`tap`), the screen it shows (`screen`)
    and its backend time, as in the mobile app model."""

    tap: str
    screen: str
    delay_ms: int
    render: Callable[[Any], Response]


@dataclass
class Response:
    status: int = 200
    body: str = ""
    location: str | None = None
    cookies: tuple[str, ...] = ()


class WebShop:
    """`with WebShop() as shop:` — the shop at `shop.url`, its payment site at `shop.pay_url`."""

    def __init__(
        self,
        *,
        device: str = DEFAULT_DEVICE,
        env: dict[str, str] | None = None,
        state: Path | None = None,
    ) -> None:
        self.device = device
        self.env = {**DEMO_ENV, **{k: v for k, v in os.environ.items() if k in DEMO_ENV},
                    **(env or {})}
        self.state = state
        self._stopping = threading.Event()
        self._flaky: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self.url = ""
        self.pay_url = ""

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> WebShop:
        shop = self._serve(self._shop_routes(), versioned=True)
        pay = self._serve(self._pay_routes())
        self.url = f"http://127.0.0.1:{shop.server_address[1]}"
        self.pay_url = f"http://127.0.0.1:{pay.server_address[1]}"
        return self

    def _serve(self, routes: dict[tuple[str, str], Route], *,
               versioned: bool = False) -> ThreadingHTTPServer:
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                shop._handle(self, routes, versioned)

            def do_POST(self) -> None:
                shop._handle(self, routes, versioned)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                  name="webshop", daemon=True)
        thread.start()
        self._servers.append(server)
        self._threads.append(thread)
        return server

    def stop(self) -> None:
        self._stopping.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> WebShop:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- routes -----------------------------------------------------------------------------

    def _shop_routes(self) -> dict[tuple[str, str], Route]:
        def login_post(req: Request) -> Response:
            user, password = self.env.get("SHOP_USER"), self.env.get("SHOP_PASSWORD")
            ok = ("login_refused" not in req.faults and user is not None
                  and req.form.get("email") == user and req.form.get("password") == password)
            if not ok:
                email = req.form.get("email", "")
                return Response(401, pages.login("Identifiants invalides", email))
            return Response(303, location="/welcome", cookies=("ronde_shop_session=1; Path=/",))

        def product(req: Request) -> Response:
            number = int(req.path.rsplit("/", 1)[1])
            return Response(body=pages.product(number))

        def add_to_cart(req: Request) -> Response:
            number = req.form.get("product", "1")
            # `?via=post`: the page after a form post costs no second backend call
            cookie = f"ronde_cart={number}; Path=/"
            return Response(303, location="/cart?via=post", cookies=(cookie,))

        def cart(req: Request) -> Response:
            number = req.cookies.get("ronde_cart", "1")
            return Response(body=pages.cart(int(number) if number in ("1", "2", "3") else 1))

        def checkout(req: Request) -> Response:
            back = f"{self.url}/order_confirmed"
            return Response(303, location=f"{self.pay_url}/pay?return={back}")

        routes = [
            ("GET", "/", Route("", "home", 300, lambda r: Response(body=pages.home()))),
            ("GET", "/login", Route("login", "login", 150, lambda r: Response(body=pages.login()))),
            ("POST", "/login", Route("submit", "welcome", 700, login_post)),
            ("GET", "/welcome", Route("", "welcome", 0, lambda r: Response(body=pages.welcome()))),
            ("GET", "/catalogue",
             Route("catalogue", "catalogue", 600, lambda r: Response(body=pages.catalogue()))),
            ("GET", "/results", Route("search_button", "results", 900,
                                      lambda r: Response(body=pages.results(r.query("q"))))),
            *[("GET", f"/product/{n}", Route(f"product_{n}", "product", 350, product))
              for n in (1, 2, 3)],
            ("POST", "/cart/items", Route("add_to_cart", "cart", 500, add_to_cart)),
            ("GET", "/cart", Route("cart", "cart", 400, cart)),
            ("POST", "/checkout", Route("checkout", "pay", 800, checkout)),
            ("GET", "/order_confirmed", Route("", "order_confirmed", 0,
                                              lambda r: Response(body=pages.order_confirmed()))),
        ]
        return {(m, p): r for m, p, r in routes}

    def _pay_routes(self) -> dict[tuple[str, str], Route]:
        def pay_page(req: Request) -> Response:
            return Response(body=pages.pay("79,90 €", req.query("return")))

        def pay_post(req: Request) -> Response:
            back = req.form.get("return", "")
            if not back.startswith(self.url):  # never an open redirect
                back = f"{self.url}/order_confirmed"
            return Response(303, location=back)

        return {("GET", "/pay"): Route("", "pay", 1200, pay_page),
                ("POST", "/pay"): Route("pay_confirm", "order_confirmed", 1500, pay_post)}

    # --- one request ------------------------------------------------------------------------

    def _handle(
        self, handler: BaseHTTPRequestHandler, routes: dict[tuple[str, str], Route],
        versioned: bool = False,
    ) -> None:
        req = Request(handler, self)
        route = routes.get((handler.command, req.path))
        if route is None:
            missing = pages.page("Introuvable", "<h1>Page introuvable</h1>")
            self._send(handler, Response(404, missing))
            return
        faults, since = fault_state(req.device, state=self.state)
        req.faults = faults
        if "offline" in faults:
            handler.close_connection = True  # nothing answers: the browser sees an empty response
            return
        self._hang(req.device, route, faults)
        delay = 0 if req.query("via") == "post" else route.delay_ms
        slow = faults.get("slow")
        if slow is not None:
            factor = slow.get("factor", 5 if "add_ms" not in slow else 1)
            delay = delay * factor + slow.get("add_ms", 0)
        time.sleep(delay / 1000)
        response = self._fault_response(req, route, faults, since) or route.render(req)
        if versioned:  # the release served, as the app model's `version` (or `new_version`)
            version = str(faults.get("new_version", {}).get("version", pages.VERSION))
            response.body = pages.with_version(response.body, version)
        if req.set_device:
            response.cookies += (f"ronde_device={req.device}; Path=/",)
        self._send(handler, response)

    def _targets(self, params: dict[str, Any], route: Route) -> bool:
        on = params.get("on")
        return on is None or on in (route.tap, route.screen)

    def _hang(self, device: str, route: Route, faults: dict[str, Any]) -> None:
        limit = time.monotonic() + HANG_LIMIT_S
        while (hang := faults.get("hang")) is not None and self._targets(hang, route):
            if self._stopping.is_set() or time.monotonic() > limit:
                return
            time.sleep(0.1)
            faults = fault_state(device, state=self.state)[0]

    def _fault_response(
        self, req: Request, route: Route, faults: dict[str, Any], since: dict[str, float]
    ) -> Response | None:
        backend = route.delay_ms > 0 and route.tap != ""
        blank = faults.get("blank_screen")
        if blank is not None and blank.get("screen") in (None, route.screen):
            return Response(body=pages.blank())
        crash = faults.get("crash")
        if crash is not None and self._targets(crash, route):
            return Response(500, pages.crashed())
        if backend and "network_down" in faults:
            return Response(503, self._dialog_page(req, NO_CONNECTION))
        error = faults.get("error_dialog")
        if error is not None and (backend or "on" in error) and self._targets(error, route):
            return Response(int(error.get("status", 500)),
                            self._dialog_page(req, str(error.get("text", "Erreur 500"))))
        flaky = faults.get("flaky")
        set_at = since.get("flaky", 0.0)
        if backend and flaky is not None and self._flaky_draw(req.device, flaky, set_at):
            return Response(503, self._dialog_page(req, FLAKY))
        return None

    def _dialog_page(self, req: Request, text: str) -> str:
        """The error over the page the user was on (the form's page), as a dialog."""
        if req.path == "/login":
            return pages.login(text, req.form.get("email", ""))
        return pages.page("Erreur", "", dialog=text)

    def _flaky_draw(self, device: str, params: dict[str, Any], set_at: float) -> bool:
        with self._lock:
            seen_at, n = self._flaky.get(device, (set_at, 0))
            if seen_at != set_at:
                n = 0
            self._flaky[device] = (set_at, n + 1)
        draw = random.Random(f"{params.get('seed', 0)}:{n}").random()
        return draw < float(params.get("p", 0.3))

    def _send(self, handler: BaseHTTPRequestHandler, response: Response) -> None:
        body = response.body.encode()
        try:
            handler.send_response(response.status)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Cache-Control", "no-store")
            handler.send_header("Content-Length", str(len(body)))
            if response.location:
                handler.send_header("Location", response.location)
            for cookie in response.cookies:
                handler.send_header("Set-Cookie", cookie)
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a `hang`, a timeout): nothing to answer


class Request:
    """What a route needs from an HTTP request: path, query, form, cookies and the device."""

    def __init__(self, handler: BaseHTTPRequestHandler, shop: WebShop) -> None:
        parts = urlsplit(handler.path)
        self.path = parts.path.rstrip("/") or "/"
        self._query = parse_qs(parts.query)
        self.form: dict[str, str] = {}
        if handler.command == "POST":
            length = int(handler.headers.get("Content-Length") or 0)
            raw = handler.rfile.read(length).decode("utf-8", "replace")
            self.form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        jar = SimpleCookie(handler.headers.get("Cookie") or "")
        self.cookies = {k: m.value for k, m in jar.items()}
        wanted = self.query("device")
        self.set_device = bool(wanted)
        self.device = wanted or self.cookies.get("ronde_device") or shop.device
        self.faults: dict[str, Any] = {}

    def query(self, name: str) -> str:
        return self._query.get(name, [""])[0]
