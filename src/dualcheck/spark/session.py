"""The Spark session: one per process, reused by every job of that process.

Settings come from Spark itself (``--master``, ``--conf KEY=VALUE``, ``spark-defaults.conf``,
``spark-submit``). On a local master the executors' Python is this interpreter, so they import
the very modules the driver runs.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from typing import TYPE_CHECKING

from dualcheck.errors import BadInput, ConfigError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# local runs: no web UI, few shuffle partitions, heap for the broadcast index
LOCAL_DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.driver.memory": "2g",
    "spark.sql.shuffle.partitions": "8",
    "spark.python.worker.reuse": "true",  # the default, and needed: the index loads once per worker process
}


def parse_conf(pairs: list[str] | None) -> dict[str, str]:
    """``["spark.executor.memory=4g"]`` -> {key: value}; a pair without ``=`` names the option."""
    conf: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"{pair!r} is not KEY=VALUE", location="--conf")
        conf[key.strip()] = value.strip()
    return conf


def _require_runtime() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ConfigError("the Spark engine needs pyspark: pip install 'dualcheck[spark]'") from None
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise ConfigError("the Spark engine needs Java 17 or later (Debian: apt-get install openjdk-17-jre-headless)")


def spark_session(master: str | None = None, conf: dict[str, str] | None = None) -> SparkSession:
    """The process's Spark session for ``master`` (None: the one spark-submit or the defaults give)."""
    _require_runtime()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and (master is None or active.sparkContext.master == master):
        return active
    if active is not None:
        active.stop()
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # started by spark-submit, which gives the master
    local = (master or "").startswith("local") or (master is None and not submitted)
    settings = {"spark.ui.showConsoleProgress": "false", **(LOCAL_DEFAULTS if local else {})}
    settings.update(conf or {})
    if local:  # executors are this machine's processes: run them on this interpreter
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("dualcheck")
    if master:
        builder = builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start: a wrong master URL, no Java, no memory
        raise ConfigError(f"Spark did not start on {master or 'the default master'}: {str(exc).splitlines()[0]}"
                          ) from None
    session.sparkContext.setLogLevel("ERROR")
    logging.getLogger("py4j").setLevel(logging.WARNING)  # not a line per connection closed
    return session
