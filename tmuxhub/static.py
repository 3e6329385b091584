"""Static files (the admin's and tmuxhub's), served by WhiteNoise from the same process as the app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from whitenoise.middleware import WhiteNoiseMiddleware


async def _chunks(content: Iterable[bytes]) -> AsyncIterator[bytes]:
    # Blocks of a small local file, already in the page cache: read inline rather than in a thread.
    for chunk in content:
        yield chunk


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, quiet under `tmuxhub serve`.

    `tmuxhub serve` needs no `collectstatic`: the files come from the apps' folders (the finders,
    `WHITENOISE_USE_FINDERS`), so a missing `STATIC_ROOT` is normal, not a warning at every start. And
    a file's blocks are handed to uvicorn as an asynchronous iterator: Django warns about every
    synchronous one it has to consume under ASGI.
    """

    def add_files(self, root: Any, prefix: str | None = None) -> None:
        if root == self.static_root and not Path(root).is_dir():
            return
        super().add_files(root, prefix)

    @staticmethod
    def serve(static_file: Any, request: HttpRequest) -> HttpResponse:
        response = WhiteNoiseMiddleware.serve(static_file, request)
        # The file is still closed with the response (FileResponse registered it when it was made).
        response.streaming_content = _chunks(response.streaming_content)
        return response
