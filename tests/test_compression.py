"""gzip for text answers (forum/compression.py): the same page once decoded, only for clients
that ask, never twice, compressed once for a cached page, and validators that still work."""

import gzip
from datetime import timedelta

import pytest
from flask import Response

from forum import clock, compression
from forum.dataset_files import FORECAST_COLUMNS
from tests.factories import make_article, make_comment, make_forecast, make_prediction, make_user

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.fixture
def busy_prediction(app, article, monkeypatch):
    """A prediction whose page is well over the size worth compressing, with the clock stopped
    (its chart's time axis moves with the clock)."""
    alice, bob = make_user("alice"), make_user("bob")
    prediction = make_prediction(article, alice, title="The summit will be held by June")
    make_forecast(prediction, bob, 0.6)
    for number in range(12):
        make_comment(prediction, bob, f"Comment {number}: the talks look {'stuck ' * 20}")
    stopped = clock.now() + timedelta(minutes=1)
    monkeypatch.setattr(clock, "now", lambda: stopped)
    return prediction


def vary(response) -> set[str]:
    return {value.strip().lower() for value in response.headers.get("Vary", "").split(",")}


def test_a_gzip_page_decodes_to_the_same_html_as_the_plain_one(client, busy_prediction):
    path = f"/predictions/{busy_prediction.id}"
    plain, packed = client.get(path), client.get(path, headers=GZIP)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 3
    assert gzip.decompress(packed.data) == plain.data
    assert "accept-encoding" in vary(plain) and "accept-encoding" in vary(packed)


@pytest.mark.parametrize("accept", [None, "identity", "gzip;q=0", "br", "deflate"])
def test_no_compression_unless_the_client_accepts_gzip(client, busy_prediction, accept):
    headers = {"Accept-Encoding": accept} if accept else {}
    response = client.get(f"/predictions/{busy_prediction.id}", headers=headers)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.data.startswith(b"<!doctype html>")
    assert "accept-encoding" in vary(response)


def test_a_wildcard_accept_encoding_gets_gzip(client, busy_prediction):
    response = client.get(f"/predictions/{busy_prediction.id}", headers={"Accept-Encoding": "*"})
    assert response.headers["Content-Encoding"] == "gzip"


def test_a_members_page_is_compressed_too(auth, client, busy_prediction):
    auth.login("bob")
    path = f"/predictions/{busy_prediction.id}"
    plain, packed = client.get(path), client.get(path, headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(packed.data)
    assert b'name="csrf-token"' in html and html.count(b"Comment ") == plain.data.count(b"Comment ")


def test_vary_names_each_header_once_for_members_and_visitors(auth, client, busy_prediction):
    """Each name once, in one header; a member's page depends on their cookie too."""
    path = f"/predictions/{busy_prediction.id}"
    for member in (False, True):
        if member:
            auth.login("bob")
        for headers in ({}, GZIP):
            response = client.get(path, headers=headers)
            (header,) = response.headers.getlist("Vary")
            tokens = [token.strip().lower() for token in header.split(",")]
            assert len(tokens) == len(set(tokens)), header
            assert "accept-encoding" in tokens, header
            assert ("cookie" in tokens) or not member, header


def test_head_answers_the_headers_of_the_compressed_get(client, busy_prediction):
    path = f"/predictions/{busy_prediction.id}"
    got, head = client.get(path, headers=GZIP), client.head(path, headers=GZIP)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Encoding"] == "gzip"
    assert head.headers["Content-Length"] == got.headers["Content-Length"]
    assert "accept-encoding" in vary(head)


def test_a_tiny_body_is_not_compressed(client):
    response = client.get("/static/images/favicon.svg", headers=GZIP)
    assert response.status_code == 200 and len(response.data) < compression.MIN_SIZE
    assert "Content-Encoding" not in response.headers


@pytest.mark.real_commits  # the download reads a snapshot on a connection of its own
def test_a_streamed_download_is_left_alone(client, busy_prediction):
    response = client.get(f"/predictions/{busy_prediction.id}/forecasts.csv", headers=GZIP)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "Content-Encoding" not in response.headers
    assert response.data.splitlines()[0].decode() == ",".join(FORECAST_COLUMNS)


def test_a_body_already_encoded_is_never_compressed_again(app):
    encoded = gzip.compress(b"<p>" + b"already gzip " * 500 + b"</p>")
    with app.test_request_context("/", headers=GZIP):
        response = Response(encoded, mimetype="text/html",
                            headers={"Content-Encoding": "gzip"})
        assert compression.compress(response).get_data() == encoded


def test_no_transform_is_respected(app):
    with app.test_request_context("/", headers=GZIP):
        response = Response(b"x" * 5000, mimetype="text/plain",
                            headers={"Cache-Control": "no-transform"})
        response = compression.compress(response)
        assert "Content-Encoding" not in response.headers and response.data == b"x" * 5000


def test_switched_off_by_configuration(make_app):
    app = make_app(COMPRESS_RESPONSES=False)
    with app.app_context():
        make_article()
    response = app.test_client().get("/", headers=GZIP)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers


def test_a_cached_page_is_compressed_once_and_served_compressed(make_app, monkeypatch):
    app = make_app(PAGE_CACHE_SECONDS=60)
    with app.app_context():
        make_article()
    calls = []
    real_compress = gzip.compress

    def counted(data, *args, **kwargs):
        calls.append(len(data))
        return real_compress(data, *args, **kwargs)

    monkeypatch.setattr(compression.gzip, "compress", counted)
    client = app.test_client()
    miss = client.get("/")  # plain: stored, nothing compressed
    first, second = client.get("/", headers=GZIP), client.get("/", headers=GZIP)
    assert miss.headers["X-Cache"] == "miss" and calls == [len(miss.data)]
    assert first.headers["X-Cache"] == second.headers["X-Cache"] == "hit"
    assert first.headers["Content-Encoding"] == second.headers["Content-Encoding"] == "gzip"
    assert first.data == second.data and gzip.decompress(second.data) == miss.data
    assert len(calls) == 1  # the second hit took the kept bytes
    assert client.get("/").data == miss.data  # the plain variant is still there


def test_a_page_stored_by_a_gzip_request_serves_plain_readers_plain(make_app):
    app = make_app(PAGE_CACHE_SECONDS=60)
    with app.app_context():
        make_article()
    client = app.test_client()
    packed = client.get("/", headers=GZIP)
    plain = client.get("/")
    assert packed.headers["X-Cache"] == "miss" and plain.headers["X-Cache"] == "hit"
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(packed.data) == plain.data


@pytest.fixture
def feed(client, article):
    alice = make_user("alice")
    for number in range(6):
        make_prediction(article, alice, title=f"Claim number {number} will hold by the summer")
    return f"/articles/{article.slug}/predictions.atom"


def test_a_compressed_feed_still_answers_304_to_its_validator(client, feed):
    packed = client.get(feed, headers=GZIP)
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
    etag = packed.headers["ETag"]
    assert etag.startswith('W/"')  # other bytes than the plain answer's strong tag
    plain = client.get(feed)
    assert plain.headers["ETag"] == etag[2:] and gzip.decompress(packed.data) == plain.data

    again = client.get(feed, headers={**GZIP, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert "Content-Encoding" not in again.headers
    assert client.get(feed, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(feed, headers={**GZIP, "If-None-Match": plain.headers["ETag"]}
                      ).status_code == 304
    stale = client.get(feed, headers={**GZIP, "If-None-Match": 'W/"other"'})
    assert stale.status_code == 200 and stale.headers["Content-Encoding"] == "gzip"


def test_the_stylesheet_is_served_compressed_once_with_its_cache_headers(client, app,
                                                                          monkeypatch):
    calls = []
    real_compress = gzip.compress
    monkeypatch.setattr(compression.gzip, "compress",
                        lambda data, *a, **k: calls.append(1) or real_compress(data, *a, **k))
    path = app.url_map.bind("localhost").build("static", {"filename": "css/forum.css"})
    html = client.get("/login").text
    href = html.split('<link rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert href.startswith(path + "?v=")
    plain, first, second = (client.get(href), client.get(href, headers=GZIP),
                            client.get(href, headers=GZIP))
    assert first.headers["Content-Encoding"] == "gzip" and first.data == second.data
    assert gzip.decompress(first.data) == plain.data
    assert first.cache_control.immutable and first.cache_control.max_age == 365 * 86400
    assert len(calls) <= 1  # made once by this process (or earlier, by another test)
    revalidated = client.get(href, headers={**GZIP, "If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304
