"""The demo web shop's pages: the same screens, DOM ids and French texts as the mobile demo shop."""

from __future__ import annotations

from html import escape

STYLE = """
body{font-family:sans-serif;margin:0;padding:16px;background:#fff;color:#212121}
a.button,button{display:block;width:100%;box-sizing:border-box;margin:12px 0;padding:14px;
 background:#1e6fd9;color:#fff;border:0;border-radius:6px;font-size:18px;text-align:center;
 text-decoration:none}
input{display:block;width:100%;box-sizing:border-box;margin:12px 0;padding:12px;font-size:18px}
.product{display:block;padding:12px 0;color:#212121}
#dialog{position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center}
#dialog>div{background:#fff;margin:32px;padding:24px;border-radius:8px;flex:1}
"""

PRODUCTS = {1: ("Casque audio", "79,90 €"), 2: ("Enceinte", "49,90 €"),
            3: ("Écouteurs sans fil", "39,90 €"), 4: ("Chargeur rapide", "24,90 €"),
            5: ("Câble USB-C", "12,90 €"), 6: ("Batterie externe", "34,90 €"),
            7: ("Montre connectée", "129,00 €"), 8: ("Support téléphone", "19,90 €"),
            9: ("Coque de protection", "14,90 €"), 10: ("Clavier Bluetooth", "59,90 €"),
            11: ("Souris sans fil", "29,90 €"), 12: ("Lampe connectée", "44,90 €")}


VERSION = "3.4.1"  # the release served, as emulators/apps/demo-shop.yaml's `version`


def with_version(html: str, version: str) -> str:
    """Adds `<meta name="app-version">` (what the robot records as the app version)."""
    return html.replace('<meta charset="utf-8">', '<meta charset="utf-8">'
                        f'<meta name="app-version" content="{escape(version)}">', 1)


def page(title: str, body: str, *, dialog: str | None = None, script: str = "") -> str:
    overlay = ""
    if dialog is not None:
        overlay = (
            '<div id="dialog" role="alertdialog"><div>'
            f'<p id="message">{escape(dialog)}</p>'
            '<button id="button1" type="button" '
            "onclick=\"document.getElementById('dialog').remove()\">OK</button></div></div>"
        )
    tail = f"<script>{script}</script>" if script else ""
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}{overlay}{tail}</body></html>"
    )


def blank() -> str:
    return '<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>'


def home() -> str:
    return page("Demo Shop", '<h1 id="title">Accueil</h1>'
                '<a class="button" id="login" href="/login">Se connecter</a>'
                '<a class="button" id="catalogue" href="/catalogue">Catalogue</a>')


def login(dialog: str | None = None, email: str = "") -> str:
    return page("Connexion", '<h1 id="login_title">Connexion</h1>'
                '<form method="post" action="/login">'
                '<input id="email" name="email" type="text" inputmode="email" '
                f'placeholder="E-mail" value="{escape(email)}">'
                '<input id="password" name="password" type="password" placeholder="Mot de passe">'
                '<button id="submit" type="submit">Valider</button></form>', dialog=dialog)


def welcome() -> str:
    return page("Bienvenue", '<p id="welcome_banner" hidden>Bienvenue</p>'
                '<a class="button" id="catalogue" href="/catalogue">Catalogue</a>'
                '<a class="button" id="cart" href="/cart">Panier</a>',
                script="setTimeout(function(){document.getElementById('welcome_banner')"
                       ".hidden=false;},250);")


def _product_links(ids: list[int]) -> str:
    return "".join(f'<a class="product" id="product_{n}" href="/product/{n}">'
                   f"{escape(PRODUCTS[n][0])}</a>" for n in ids)


def catalogue() -> str:
    return page("Catalogue", '<form method="get" action="/results">'
                '<input id="search" name="q" placeholder="Rechercher un produit">'
                '<button id="search_button" type="submit">Rechercher</button></form>'
                + _product_links(list(PRODUCTS)))


def results(query: str) -> str:
    found = [n for n, (name, _) in PRODUCTS.items() if query.lower() in name.lower()] or [1]
    return page("Résultats", '<h1 id="results_title">Résultats</h1>' + _product_links(found))


def product(number: int) -> str:
    name, price = PRODUCTS[number]
    return page(name, '<div id="product_image" role="img" aria-label="Photo du produit" '
                'style="height:160px;background:#cfd8dc"></div>'
                f'<h1 id="product_title">{escape(name)}</h1><p id="price">{escape(price)}</p>'
                f'<form method="post" action="/cart/items"><input type="hidden" name="product" '
                f'value="{number}">'
                '<button id="add_to_cart" type="submit">Ajouter au panier</button></form>')


def cart(number: int) -> str:
    name, price = PRODUCTS[number]
    return page("Panier", '<h1 id="cart_title">Panier</h1>'
                f'<p id="cart_item_1">{escape(name)} — {escape(price)}</p>'
                f'<p id="cart_total">Total : {escape(price)}</p>'
                '<form method="post" action="/checkout">'
                '<button id="checkout" type="submit">Payer</button></form>')


def order_confirmed() -> str:
    return page("Commande confirmée", '<h1 id="order_confirmed">Commande confirmée</h1>'
                '<p id="order_number">Commande n° 10482</p>'
                '<a class="button" id="back_home" href="/">Retour à l\'accueil</a>')


def pay(amount: str, back: str) -> str:
    return page("Demo Pay", '<h1 id="pay_title">Demo Pay</h1>'
                f'<p id="pay_amount">{escape(amount)}</p>'
                '<form method="post" action="/pay">'
                f'<input type="hidden" name="return" value="{escape(back)}">'
                '<button id="pay_confirm" type="submit">Confirmer le paiement</button></form>')


def crashed() -> str:
    return page("Erreur", "<h1 id=\"crash\">L'application s'est arrêtée</h1>")
