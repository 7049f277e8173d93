"""The downloads: an article's dataset as a streamed zip, one prediction's forecasts as CSV.

Both stream from one read snapshot, so a download of a million forecasts keeps the worker's
memory flat. The dataset carries an ETag and Last-Modified from the data's version; asking
again with either gets a 304 until the data changes, without reading a row.
"""

from flask import Response, request
from flask_login import current_user
from werkzeug.http import is_resource_modified

from forum import clock
from forum.articles.services import get_article
from forum.dataset_files import FORECAST_COLUMNS, csv_chunks
from forum.extensions import db
from forum.open_data import bp
from forum.open_data.package import code_version, dataset_links, package_files
from forum.open_data.tables import Snapshot
from forum.open_data.zipstream import zip_chunks
from forum.visibility import load_prediction


@bp.get("/articles/<slug>/dataset.zip")
def dataset(slug: str):
    """The article's open dataset (SPEC.md §10), or 304 when the client's copy is current."""
    article = get_article(slug)
    links, now = dataset_links(article), clock.now()
    snapshot = Snapshot(db.engine)
    try:
        version = snapshot.version(article, now, code_version())
        response = Response(mimetype="application/zip")
        response.set_etag(version.etag, weak=True)
        response.last_modified = version.last_modified
        response.cache_control.public = True
        response.cache_control.no_cache = True  # keep it, but ask each time (a 304 is cheap)
        if not is_resource_modified(request.environ, etag=version.etag,
                                    last_modified=version.last_modified):
            snapshot.close()
            response.status_code = 304
            return response
        files = package_files(snapshot, article, version, links, now)
    except BaseException:
        snapshot.close()
        raise
    response.response = _closing(zip_chunks(files, version.last_modified), snapshot)
    response.direct_passthrough = True
    response.headers["Content-Disposition"] = f'attachment; filename="{article.slug}-dataset.zip"'
    return response


@bp.get("/predictions/<id:prediction_id>/forecasts.csv")
def prediction_forecasts(prediction_id: int):
    """Every forecast ever made on one prediction, oldest first, as forecasts.csv's rows."""
    prediction = load_prediction(prediction_id, current_user)
    snapshot = Snapshot(db.engine)
    chunks = csv_chunks(FORECAST_COLUMNS, snapshot.forecasts(prediction_id=prediction.id))
    response = Response(_closing(chunks, snapshot), mimetype="text/csv",
                        direct_passthrough=True)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="prediction-{prediction.id}-forecasts.csv"')
    return response


def _closing(chunks, snapshot: Snapshot):
    """Yield the chunks, then end the snapshot (also when the client goes away mid-way)."""
    try:
        yield from chunks
    finally:
        snapshot.close()
