"""Mobile emulation profiles for Chromium: screen metrics and user agent of common phones."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    width: int  # CSS pixels
    height: int
    pixel_ratio: float
    user_agent: str
    model: str
    os_version: str

    def mobile_emulation(self) -> dict[str, object]:
        """chromedriver's `goog:chromeOptions.mobileEmulation`."""
        return {
            "deviceMetrics": {
                "width": self.width, "height": self.height, "pixelRatio": self.pixel_ratio,
                "touch": True, "mobile": True,
            },
            "userAgent": self.user_agent,
        }


_ANDROID_UA = (
    "Mozilla/5.0 (Linux; Android {os}; {model}) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
_IOS_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS {os} like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/{ver} Mobile/15E148 Safari/604.1"
)


def _android(name: str, w: int, h: int, ratio: float, os: str) -> Profile:
    return Profile(name, w, h, ratio, _ANDROID_UA.format(os=os, model=name), name, os)


def _iphone(name: str, w: int, h: int, ratio: float, os: str) -> Profile:
    ua = _IOS_UA.format(os=os.replace(".", "_"), ver=os)
    return Profile(name, w, h, ratio, ua, name, os)


PROFILES: dict[str, Profile] = {
    p.name.lower(): p
    for p in (
        _android("Pixel 7", 412, 915, 2.625, "14"),
        _android("Pixel 5", 393, 851, 2.75, "13"),
        _android("Galaxy S23", 360, 780, 3.0, "14"),
        _iphone("iPhone 15", 393, 852, 3.0, "17.0"),
        _iphone("iPhone 15 Pro Max", 430, 932, 3.0, "17.0"),
        _iphone("iPhone SE", 375, 667, 2.0, "16.0"),
    )
}


def profile(name: str) -> Profile:
    """The profile named in ronde.yaml (`browser: {emulate: "Pixel 7"}`), case-insensitive."""
    try:
        return PROFILES[name.strip().lower()]
    except KeyError:
        known = ", ".join(p.name for p in PROFILES.values())
        raise ValueError(f"unknown browser emulation profile {name!r} (known: {known})") from None
