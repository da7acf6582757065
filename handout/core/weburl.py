"""Web addresses: what counts as one, in one place.

- `is_web_address`: a setting or a reference's `url` that must be a page on the web (`https://host.tld/...`).
- `split`: `urlsplit`, or None for an address it cannot read.
- `EXTERNAL_SCHEMES` / `raw_link_allowed`: where a link may go (the web, email, a phone number, an #anchor).
- `url_problem`: what is wrong with a web, mail or phone address, without fetching it.
- `setting_problem` / `web_href`: a setting that holds an address (a clinic's website, the online address, per
  clinic and per language): what is wrong with it, and the `href` the layouts write for it. Only http and
  https pass; a website may leave out `https://` (www.example.org), which the href adds.
"""
from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote, urlsplit

WEB_ADDRESS = re.compile(r"https?://[^\s/]+\.[^\s]+")
WEB_SCHEMES = {"http", "https"}
EXTERNAL_SCHEMES = WEB_SCHEMES | {"mailto", "tel"}  # the places outside the book a link may go

_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\.?")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


def is_web_address(value: str) -> bool:
    """Whether `value` is an http(s) address with a dotted site name and no spaces."""
    return bool(WEB_ADDRESS.fullmatch(value))


def split(url: str) -> SplitResult | None:
    """urlsplit, or None for a URL it cannot split (`https://example.org[`: "Invalid IPv6 URL")."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def raw_link_allowed(href: str) -> bool:
    """A raw `<a href>` may go to the web, an email address, a phone number or an #anchor, nowhere else."""
    value = href.strip()
    if value.startswith("#"):
        return True
    parts = split(value)
    if parts is None:
        return False
    scheme = parts.scheme.lower()
    return bool(parts.netloc) if scheme in WEB_SCHEMES else scheme in EXTERNAL_SCHEMES


def url_problem(url: str) -> str | None:
    """What is wrong with a web, mail or phone address, without fetching it; None when it is well formed."""
    if re.search(r"\s", url):
        return "has a space in it"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return f"cannot be read ({error})"
    scheme = parts.scheme.lower()
    if scheme in WEB_SCHEMES:
        host = parts.hostname or ""
        if not host:
            return "has no site name after //"
        if not (_HOST.fullmatch(host) or _IPV4.fullmatch(host)) and host != "localhost":
            return f"has a site name '{host}' that is not a web address (like example.org)"
        if port == 0:
            return "has port 0"
        if re.search(r"[<>\"{}|\\^`]", url):
            return "has characters that are not allowed in a web address"
        return None
    if scheme == "mailto":
        address = unquote(parts.path)
        if not re.fullmatch(r"[^@\s,;]+@[^@\s,;]+", address) or not _HOST.fullmatch(address.split("@")[1]):
            return "is not an email address (name@example.org)"
        return None
    if scheme == "tel":
        number = unquote(parts.path)
        if not re.fullmatch(r"\+?[0-9][0-9 ().-]*[0-9]", number) or len(re.sub(r"\D", "", number)) < 3:
            return "is not a phone number (digits, spaces, - ( ) and a leading +)"
        return None
    return None  # other schemes never load: markdown_ext refuses them


_BARE_SITE = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?::[0-9]{1,5})?"
                        r"(?:[/?#][^\s]*)?")


def setting_problem(value: str, bare: bool = False) -> str | None:
    """What is wrong with a setting that holds a web address, None when it is an http or https address (with
    `bare`, also a site name without its scheme: www.example.org/clinic). Anything else is refused, whatever
    its case or encoding: javascript:, data:, vbscript:, `javascript&#58;...`, an address with no site name."""
    if bare and _BARE_SITE.fullmatch(value) and "://" not in value:
        return url_problem("https://" + value)
    parts = split(value)
    scheme = parts.scheme.lower() if parts is not None else ""
    if scheme not in WEB_SCHEMES or not value[:len(scheme) + 3].lower().startswith(scheme + "://") \
            or not is_web_address(value[:len(scheme)].lower() + value[len(scheme):]):
        return f"'{value[:80]}' is not a web address (https://...{', or www.example.org' if bare else ''})"
    problem = url_problem(value)
    return f"'{value[:80]}' {problem}" if problem else None


def web_href(value: str) -> str:
    """The `href` of a setting that `setting_problem` accepted: the address, with https:// before a bare site
    name. An address it would refuse gives "" (no link), never the address itself."""
    if not value or setting_problem(value, bare=True):
        return ""
    return value if "://" in value else "https://" + value
