"""The demo web shop over plain HTTP: the journey, its server-side delays and the device faults."""

from __future__ import annotations

import time

import httpx
import pytest

from emulators import faults
from emulators.webshop import WebShop

CREDS = {"email": "qa-robot@example.com", "password": "demo-secret"}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    with WebShop(device="web-test", state=tmp_path_factory.mktemp("web-sim"),
                 env={"SHOP_USER": CREDS["email"], "SHOP_PASSWORD": CREDS["password"]}) as shop:
        yield shop


@pytest.fixture
def device(shop, request):
    """A fresh device name per test, carried by the `device` query parameter then a cookie."""
    name = f"web-{request.node.name}"
    client = httpx.Client(base_url=shop.url, follow_redirects=True, timeout=10)
    assert client.get("/", params={"device": name}).status_code == 200
    assert client.cookies.get("ronde_device") == name
    yield name, client
    client.close()
    faults.clear_faults(name, state=shop.state)


def timed(call):
    t0 = time.monotonic()
    response = call()
    return response, time.monotonic() - t0


def test_the_journey_with_ids_texts_and_delays(shop, device):
    _, client = device
    home = client.get("/")
    for marker in ('id="title">Accueil', 'id="login"', "Se connecter", 'id="catalogue"'):
        assert marker in home.text
    assert 'id="submit"' in client.get("/login").text
    response, seconds = timed(lambda: client.post("/login", data=CREDS))
    assert response.url.path == "/welcome" and 'id="welcome_banner"' in response.text
    assert 0.7 <= seconds < 0.9
    wrong, _ = timed(lambda: client.post("/login", data={**CREDS, "password": "nope"}))
    assert wrong.status_code == 401 and 'id="message">Identifiants invalides' in wrong.text
    catalogue = client.get("/catalogue").text
    assert 'id="product_1"' in catalogue and "Casque audio" in catalogue
    assert 'id="results_title"' in client.get("/results", params={"q": "ence"}).text
    product = client.get("/product/2").text
    assert 'id="product_title">Enceinte' in product and 'id="add_to_cart"' in product
    cart, seconds = timed(lambda: client.post("/cart/items", data={"product": "2"}))
    assert 'id="cart_title">Panier' in cart.text and "Enceinte" in cart.text
    assert 0.5 <= seconds < 0.7, "the page after a form post has no second backend call"
    pay, seconds = timed(lambda: client.post("/checkout"))
    assert str(pay.url).startswith(shop.pay_url), "the payment is another site (third party)"
    assert 'id="pay_confirm"' in pay.text and "Confirmer le paiement" in pay.text
    assert 2.0 <= seconds < 2.3
    back = client.post(f"{shop.pay_url}/pay", data={"return": f"{shop.url}/order_confirmed"})
    assert back.url.path == "/order_confirmed" and "Commande confirmée" in back.text


def test_faults_on_and_off(shop, device):
    name, client = device
    faults.set_fault(name, "slow", state=shop.state, add_ms=300)
    assert 0.45 <= timed(lambda: client.get("/login"))[1] < 0.6
    faults.set_fault(name, "error_dialog", state=shop.state, on="submit", text="Erreur 503",
                     status=503)
    failed = client.post("/login", data=CREDS)
    assert failed.status_code == 503 and 'id="message">Erreur 503' in failed.text
    faults.clear_faults(name, state=shop.state)
    assert client.post("/login", data=CREDS).url.path == "/welcome"

    faults.set_fault(name, "login_refused", state=shop.state)
    assert client.post("/login", data=CREDS).status_code == 401
    faults.set_fault(name, "blank_screen", state=shop.state, screen="welcome")
    assert client.get("/welcome").text.count("<body></body>") == 1
    faults.set_fault(name, "network_down", state=shop.state)
    assert "Pas de connexion" in client.get("/catalogue").text
    faults.set_fault(name, "crash", state=shop.state, on="cart")
    assert client.get("/cart").status_code == 500
    faults.clear_faults(name, state=shop.state)
    assert 'id="cart_title"' in client.get("/cart").text


def test_offline_and_hang(shop, device):
    name, client = device
    faults.set_fault(name, "offline", state=shop.state)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/")
    faults.set_fault(name, "hang", state=shop.state, on="submit")
    faults.clear_fault(name, "offline", state=shop.state)
    with pytest.raises(httpx.ReadTimeout):
        client.post("/login", data=CREDS, timeout=1.0)
    assert client.get("/").status_code == 200, "only the targeted request hangs"
    faults.clear_faults(name, state=shop.state)
    assert client.post("/login", data=CREDS).url.path == "/welcome"


def test_flaky_is_seeded(shop, device):
    name, client = device

    def pattern() -> list[int]:
        return [client.get("/login").status_code for _ in range(10)]

    faults.set_fault(name, "flaky", state=shop.state, p=0.5, seed=3, )
    first = pattern()
    faults.set_fault(name, "flaky", state=shop.state, p=0.5, seed=3)
    assert pattern() == first and set(first) == {200, 503}


def test_twelve_products_and_the_app_version_in_a_meta_tag(shop, device):
    name, client = device
    catalogue = client.get("/catalogue").text
    assert 'id="product_12"' in catalogue and "Lampe connectée" in catalogue
    assert '<meta name="app-version" content="3.4.1">' in client.get("/").text
    faults.set_fault(name, "new_version", state=shop.state, version="3.5.0")
    assert '<meta name="app-version" content="3.5.0">' in client.get("/").text
