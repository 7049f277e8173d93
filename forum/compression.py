"""gzip for text answers, in the app: a page is 65–250 KiB of HTML that compresses 5–8 times.

Measured on the full-size demo data (README, "Benchmark"): gzip level 1 takes 0.4–0.9 ms on a
page of 80–250 KiB and saves 86 % of it, level 6 saves 88 % for 3–8 times the CPU. So:

- a response rendered for one request (a member's page, an uncached one) is compressed at
  level 1, a few per cent of the 12–23 ms it took to render;
- a body that is kept and served many times (an anonymous page in the page cache, a static
  text file) is compressed once, at level 6, and the compressed bytes are kept beside it:
  whoever keeps a body calls `keep_variants(store)` with a dict stored next to it, and a later
  request for the same body takes the bytes from there instead of compressing again.

The app does it rather than a proxy because `make run` has none, a load balancer may not
compress at all, and no proxy can compress a cached page once per cache generation.
`COMPRESS_RESPONSES=false` turns it off where a proxy in front does the work. Streamed and
pass-through bodies (the dataset download, CSV exports) are left alone, as are tiny bodies,
already-encoded ones, and anything not text.
"""

import gzip

from flask import Flask, current_app, g, request
from werkzeug.wrappers import Response

from forum.headers import first_values, vary_on

ENCODING = "gzip"
MIN_SIZE = 1024  # below this, the header overhead and the client's work outweigh the saving
PER_REQUEST_LEVEL = 1
KEPT_LEVEL = 6
TEXT_TYPES = frozenset({
    "application/javascript", "application/json", "application/xml", "image/svg+xml",
})
# Statuses whose body is not the representation, or is partial: never encoded.
_NOT_ENCODED = frozenset({204, 206, 304})


def keep_variants(store: dict) -> None:
    """Make this response's compressed body live in `store` (kept beside the body by a cache):
    taken from it when present, put into it otherwise."""
    g.compression_variants = store


def compressible(response: Response) -> bool:
    """Whether the body is text that gzip shrinks and that may be re-encoded at all."""
    mimetype = response.mimetype or ""
    return (mimetype.startswith("text/") or mimetype in TEXT_TYPES
            or mimetype.endswith(("+json", "+xml")))


def accepts_gzip() -> bool:
    """The client asked for gzip (or anything), with a quality above zero."""
    return request.accept_encodings.quality(ENCODING) > 0


def compress(response: Response) -> Response:
    """after_request, run last: the gzip-encoded response when it helps (see the module)."""
    if not current_app.config.get("COMPRESS_RESPONSES", True) or not compressible(response):
        return response
    present = first_values(response.headers)
    if "no-transform" in present.get("cache-control", ""):
        return response
    # both variants say so, or a cache mixes them up
    vary_on(response.headers, "Accept-Encoding", present.get("vary"))
    if (response.status_code in _NOT_ENCODED or response.status_code < 200
            or response.direct_passthrough or response.is_streamed
            or "content-encoding" in present or "content-range" in present
            or not accepts_gzip()):
        return response
    body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    response.set_data(_encoded(body))
    response.headers["Content-Encoding"] = ENCODING
    etag, weak = response.get_etag()
    if etag and not weak:
        # Other bytes, same meaning: a weak validator, which If-None-Match still matches
        # (it compares weakly), so conditional requests keep answering 304.
        response.set_etag(etag, weak=True)
    return response


def _encoded(body: bytes) -> bytes:
    store = g.pop("compression_variants", None)
    if store is None:
        return gzip.compress(body, compresslevel=PER_REQUEST_LEVEL, mtime=0)
    kept = store.get(ENCODING)
    # The kept bytes belong to the body they were made from; a body that came out of the
    # response hooks different (never expected: they are deterministic) is compressed anew.
    if kept is None or kept[0] != len(body):
        kept = (len(body), gzip.compress(body, compresslevel=KEPT_LEVEL, mtime=0))
        store[ENCODING] = kept
    return kept[1]


def register(app: Flask) -> None:
    """Run `compress` after every other response hook: it must see the final body."""
    app.after_request_funcs.setdefault(None, []).insert(0, compress)
