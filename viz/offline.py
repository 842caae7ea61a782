"""Finding references to anything outside this machine in generated HTML/JS/CSS.

Why: investigators work on an intranet without internet. A page that links a CDN
shows an empty box there (and leaks who looked at what to whoever runs the CDN).
Tests run every page and generated file through ``external_urls``; case packages
can do the same before they are sealed.

Vendored minified code names a few URLs in licence comments and error strings that
nothing ever fetches; ``VENDOR_INERT_URLS`` lists them exactly, so a new one still
fails the check.

>>> external_urls('<script src="https://cdn.example.com/x.js"></script>')
['https://cdn.example.com/x.js']
>>> external_urls('<link href="//fonts.example.net/a.css"> <a href="/rings">')
['//fonts.example.net/a.css']
>>> external_urls('<img src="http://127.0.0.1:8000/x.png"> url(data:image/png;base64,AA==)')
[]
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

# Absolute URLs anywhere (also JSON-escaped ``https:\/\/``).
_ABSOLUTE = re.compile(r"""(?i)\b(?:https?|wss?|ftp):(?:\\?/){2}[^\s"'<>()\\]+""")
# Protocol-relative URLs where a browser would load them.
_RELATIVE = re.compile(
    r"""(?ix)
    (?:\b(?:src|href|action|poster|data|srcset|formaction)\s*=\s*["']?
      | url\(\s*["']?
      | @import\s+["']
    )
    (//[^\s"'<>()]+)
    """
)

# URLs inside vis-network 9.1.2 (static/vendor/vis-network.min.js): licence header,
# core-js's licence string, an error message, the SVG namespace. None is fetched.
VENDOR_INERT_URLS = frozenset(
    {
        "http://www.w3.org/2000/svg",
        "https://visjs.github.io/vis-network/",
        "https://github.com/zloirock/core-js/blob/v3.21.1/LICENSE",
        "https://github.com/zloirock/core-js",
        "https://github.com/visjs",
        "https://github.com/uuidjs/uuid#getrandomvalues-not-supported",
        "http://www.apache.org/licenses/LICENSE-2.0",
        "http://opensource.org/licenses/MIT",
        "http://almende.com",
        # echarts.min.js 6.1.0: XML namespaces and licence links in strings
        "http://www.w3.org/1999/xlink",
        "http://www.w3.org/2000/xmlns/",
        "http://www.w3.org/XML/1998/namespace",
        "https://github.com/ecomfe/zrender/blob/master/LICENSE",
    }
)


def _is_local(url: str) -> bool:
    try:
        host = urlsplit(url.replace("\\/", "/")).hostname or ""
    except ValueError:
        return False
    return host in LOCAL_HOSTS


def external_urls(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Every absolute or protocol-relative URL in ``text`` that is not on loopback
    and not in ``allowed``, in order of appearance, without duplicates."""
    found: list[str] = []
    for m in _ABSOLUTE.finditer(text):
        url = m.group(0).rstrip(".,;")
        if not _is_local(url) and url not in allowed:
            found.append(url)
    for m in _RELATIVE.finditer(text):
        url = m.group(1)
        if not _is_local("http:" + url) and url not in allowed:
            found.append(url)
    return list(dict.fromkeys(found))
