"""A zip archive written as a stream of byte chunks, in constant memory.

`zipfile` writes to a file it cannot seek (it finds no `tell`/`seek`) by putting each member's
sizes and CRC in a data descriptor after its data instead of going back to the local header,
so the archive can be sent while it is being made. Members are deflated as they are written.
"""

import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime

CHUNK_BYTES = 64 * 1024
# zlib's fastest level: four times the speed of the default for a sixth more bytes.
COMPRESS_LEVEL = 1


class _Pipe:
    """A write-only, unseekable file that keeps what was written until it is taken."""

    def __init__(self):
        self._chunks: list[bytes] = []
        self.pending = 0

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self.pending += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        self.pending = 0
        return data


def zip_chunks(members: Iterable[tuple[str, Iterable[bytes]]], modified: datetime
               ) -> Iterator[bytes]:
    """The zip archive of (name, content chunks) members, as chunks of about CHUNK_BYTES.

    Every member carries the time `modified` (UTC, at least 1980), so the same data makes
    the same bytes.
    """
    pipe = _Pipe()
    stamp = max(modified.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, chunks in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info._compresslevel = COMPRESS_LEVEL
            info.external_attr = 0o644 << 16
            with archive.open(info, "w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk)
                    if pipe.pending >= CHUNK_BYTES:
                        yield pipe.take()
            if pipe.pending:
                yield pipe.take()
    yield pipe.take()  # the central directory
