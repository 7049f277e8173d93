"""`forum export --article SLUG --out DIR`: write an article's open dataset into a folder."""

from pathlib import Path

from forum import clock
from forum.articles.services import find_article
from forum.extensions import db
from forum.open_data.package import code_version, dataset_links, package_files, write_package
from forum.open_data.tables import Snapshot


class ExportError(Exception):
    """The export can't be made: an unknown article or a folder that can't be written."""


def export_dataset(slug: str, folder: Path) -> list[str]:
    """Write the package's files into `folder` (made if needed); returns their names."""
    article = find_article(slug)
    if article is None:
        raise ExportError(f"no article with slug {slug!r}.")
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder} exists and is not a folder.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with Snapshot(db.engine) as snapshot:
            now = clock.now()
            version = snapshot.version(article, now, code_version())
            files = package_files(snapshot, article, version, dataset_links(article), now)
            return list(write_package(folder, files))
    except OSError as error:
        raise ExportError(f"can't write to {folder}: {error.strerror or error}.") from None
