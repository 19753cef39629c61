"""The demo web shop: the demo shop's journey as mobile web pages, with server-side delays and the
simulated devices' faults. `with WebShop() as shop: shop.url` — see server.py."""

from emulators.webshop.server import DEFAULT_DEVICE, WebShop

__all__ = ["DEFAULT_DEVICE", "WebShop"]
