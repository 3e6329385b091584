"""uvicorn's access log without query strings: they carry OAuth codes and `?access_token=`.

uvicorn logs `'%s - "%s %s HTTP/%s" %d'` with the path and its query string as the third argument;
the filter keeps the path. Installed on import of `tmuxhub.asgi`, so it holds however uvicorn was
started (`tmuxhub serve`, a bare `uvicorn tmuxhub.asgi:application`, every worker process).
"""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"
PATH_ARG = 2


class PathWithoutQuery(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > PATH_ARG:
            target = args[PATH_ARG]
            if isinstance(target, str):
                record.args = (*args[:PATH_ARG], target.partition("?")[0], *args[PATH_ARG + 1 :])
        return True


def install() -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, PathWithoutQuery) for f in logger.filters):
        logger.addFilter(PathWithoutQuery())
