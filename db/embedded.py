"""The embedded PostgreSQL server: a real server from the pgserver package, in the data dir."""

import logging
import warnings
from pathlib import Path

log = logging.getLogger(__name__)


def start_embedded(data_dir: Path) -> str:
    """Start (or join) the embedded server for data_dir and return its postgresql:// URL.

    pgserver initialises the cluster on first use, reuses it afterwards and stops it when the
    last process using it exits, so a restart keeps every row.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    pgdata = (Path(data_dir) / "pgdata").resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    log.info("embedded PostgreSQL running in %s", pgdata)
    return server.get_uri()
