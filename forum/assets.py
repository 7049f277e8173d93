"""One stylesheet for every page, and the static text files served from memory, compressed once.

The site's styles live in four files by feature (site, board, moderation, scores), and every
page linked all four: four render-blocking requests before a reader saw anything. Pages now
link one file, `css/forum.css`, the four concatenated in the order the links had (so the
cascade is unchanged), built when the app starts and again whenever a source changes (a stat
of each source per request, so an edit shows on the next reload while developing). The
moderator-only rules (the queue, members, audit log, resolve form) add 1.1 KiB gzipped to a
13.4 KiB file fetched once per release (immutable), less than a second request would cost on
the pages that need them, so they stay in it.

Static text files (`.css`, `.js`, `.svg`) are served from memory with a content ETag, so the
compression module (forum/compression.py) can compress each once and keep the bytes; other
static files (none today) still go through `send_file`. Their URLs are fingerprinted by
`static_url` with the same digest, and answered as before: cached for a year, immutable.
"""

import hashlib
import mimetypes
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response, current_app, request
from werkzeug.security import safe_join

from forum import compression

STYLESHEET = "css/forum.css"
BUNDLES: dict[str, tuple[str, ...]] = {
    STYLESHEET: ("css/site.css", "css/board.css", "css/moderation.css", "css/scores.css"),
}
TEXT_SUFFIXES = (".css", ".js", ".svg")


@dataclass
class Asset:
    """A static text file's bytes as served, and what labels them."""

    body: bytes
    stamp: tuple  # each source's (mtime, size): a change rebuilds the asset
    digest: str
    last_modified: datetime
    variants: dict = field(default_factory=dict)  # its compressed bodies, made once


class StaticText:
    """The static text files and bundles this process has served, kept in memory."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._assets: dict[str, Asset] = {}

    def sources(self, name: str) -> list[Path] | None:
        """The files an asset is made of, or None when `name` is not served from memory."""
        if name in BUNDLES:
            return [Path(self.folder) / source for source in BUNDLES[name]]
        path = safe_join(self.folder, name)
        if path is None or not name.endswith(TEXT_SUFFIXES) or not Path(path).is_file():
            return None
        return [Path(path)]

    def get(self, name: str) -> Asset | None:
        """The asset as it is now on disk (rebuilt if a source changed), or None."""
        paths = self.sources(name)
        if paths is None:
            return None
        stats = [path.stat() for path in paths]  # a bundle's missing source fails loudly
        stamp = tuple((stat.st_mtime_ns, stat.st_size) for stat in stats)
        asset = self._assets.get(name)
        if asset is None or asset.stamp != stamp:
            body = b"".join(_ending_in_newline(path.read_bytes()) for path in paths)
            newest = max(stat.st_mtime for stat in stats)
            asset = Asset(body, stamp, hashlib.sha256(body).hexdigest(),
                          datetime.fromtimestamp(int(newest), UTC))
            self._assets[name] = asset
        return asset


def _ending_in_newline(data: bytes) -> bytes:
    return data if data.endswith(b"\n") else data + b"\n"


def version(filename: str) -> str | None:
    """The content digest `static_url` puts in the URL of an asset served from memory."""
    asset = current_app.extensions["static_text"].get(filename)
    return asset.digest[:10] if asset else None


def serve(filename: str, send_static_file) -> Response:
    """The static view: a text asset from memory, anything else from disk as before."""
    asset = current_app.extensions["static_text"].get(filename)
    if asset is None:
        return send_static_file(filename=filename)
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = current_app.response_class(asset.body, mimetype=mimetype)
    response.set_etag(asset.digest[:32])
    response.last_modified = asset.last_modified
    max_age = current_app.get_send_file_max_age(filename)
    if max_age:  # the same headers send_file gives
        response.cache_control.public = True
        response.cache_control.max_age = max_age
    else:
        response.cache_control.no_cache = True
    compression.keep_variants(asset.variants)
    return response.make_conditional(request)


def register(app: Flask) -> None:
    """Serve static text from memory; build every bundle now, so a missing source stops the
    app from starting instead of breaking every page's styles."""
    store = StaticText(app.static_folder)
    app.extensions["static_text"] = store
    for name in BUNDLES:
        store.get(name)
    send_static_file = app.view_functions["static"]
    app.view_functions["static"] = lambda filename: serve(filename, send_static_file)
