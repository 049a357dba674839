"""`edicola serve`: the production web server, the task worker and the publishing clock together.

Starts three child processes and watches them: granian serving `edicola.wsgi:application` (and
local media itself, without going through Django; static files come from WhiteNoise), the task
worker (django-tasks-db's `db_worker` on the embedded default, `rqworker --with-scheduler` when
REDIS_URL is set, so delayed jobs run when due)
and `edicola clock`, which publishes scheduled pages on time. SIGINT (Ctrl-C) or SIGTERM stops
them all and exits 0; a child that dies on its own stops the others and exits non-zero.

Granian was chosen over gunicorn by measurement (see bench/README.md).
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

STOP_TIMEOUT_SECONDS = 10.0
POLL_SECONDS = 0.2


@dataclass
class Component:
    """One child process: its name in messages, its command line and how it is described."""

    name: str
    argv: list[str]
    description: str
    process: subprocess.Popen | None = field(default=None, repr=False)


def _edicola(*args: str) -> list[str]:
    """The command line of an `edicola` management command run with this interpreter."""
    return [sys.executable, "-m", "edicola.cli", *args]


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to send SIGTERM if `serve` itself dies abruptly."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _metrics_directory() -> Path:
    """Where the children count their metrics (prometheus_client's multiprocess mode), emptied
    at each start so the counts of a previous run do not add up."""
    directory = Path(settings.DATA_DIR) / "metrics"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def _local_media() -> bool:
    backend = settings.STORAGES["default"]["BACKEND"]
    return backend == "django.core.files.storage.FileSystemStorage"


def web_component(host: str, port: int, workers: int, threads: int) -> Component:
    argv = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--no-ws",
        "--log-level",
        "warning",
    ]
    # Static files are served by WhiteNoise inside Django (precompressed copies, a year of caching
    # for hashed names); granian serves local media straight from disk.
    mounts = []
    if _local_media():
        mounts.append((settings.MEDIA_URL, Path(settings.MEDIA_ROOT)))
    for url, directory in mounts:
        directory.mkdir(parents=True, exist_ok=True)
        argv += ["--static-path-route", url.rstrip("/"), "--static-path-mount", str(directory)]
    argv.append("edicola.wsgi:application")
    description = _("http://%(host)s:%(port)s (granian, %(workers)s × %(threads)s threads)") % {
        "host": f"[{host}]" if ":" in host else host,
        "port": port,
        "workers": workers,
        "threads": threads,
    }
    return Component("web", argv, description)


def _verbosity() -> str:
    """The workers' own lines (several per task) only at LOG_LEVEL=INFO or DEBUG; edicola.tasks
    writes one line per task anyway."""
    return "1" if settings.LOG_LEVEL in ("DEBUG", "INFO") else "0"


def worker_component() -> Component:
    if settings.REDIS_URL:
        # --with-scheduler: the worker also moves due delayed jobs (run_after: mail retries, CDN
        # purges, batched notifications) into the queue; without it they stay "scheduled".
        argv = _edicola(
            "rqworker",
            "--with-scheduler",
            "--job-class",
            "django_tasks_rq.Job",
            "--verbosity",
            _verbosity(),
            "default",
        )
        return Component("tasks", argv, _("RQ worker with scheduler on Redis, queue “default”"))
    argv = _edicola(
        "db_worker",
        "--queue-name",
        "*",
        "--no-reload",
        "--no-startup-delay",
        "--verbosity",
        _verbosity(),
    )
    return Component("tasks", argv, _("database worker (django-tasks-db), all queues"))


def clock_component() -> Component:
    seconds = settings.EDICOLA_SERVE["clock_seconds"]
    description = _("scheduled publishing checked every %(seconds)s s") % {"seconds": seconds}
    return Component("clock", _edicola("clock"), description)


class Command(BaseCommand):
    help = "Run the web server, the background task worker and the publishing clock."
    requires_system_checks = []

    def add_arguments(self, parser):
        serve = settings.EDICOLA_SERVE
        parser.add_argument("--host", default="127.0.0.1", help=_("Address to listen on."))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT") or 8000), help=_("Port.")
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=serve["workers"],
            help=_("Web worker processes (default: WEB_WORKERS or the number of CPUs)."),
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=serve["threads"],
            help=_("Threads per web worker (default: WEB_THREADS or 4)."),
        )

    def handle(self, *args, **options):
        if options["workers"] < 1 or options["threads"] < 1:
            raise CommandError(_("--workers and --threads must be at least 1."))
        components = [
            web_component(options["host"], options["port"], options["workers"], options["threads"]),
            worker_component(),
            clock_component(),
        ]
        received: list[int] = []

        def on_signal(signum, frame):
            if received:
                # A second Ctrl-C while stopping: stop waiting.
                self._kill(components)
            received.append(signum)

        previous = {
            signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)
        }
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "edicola.settings",
            "PROMETHEUS_MULTIPROC_DIR": str(_metrics_directory()),
        }
        try:
            for component in components:
                component.process = subprocess.Popen(
                    component.argv,
                    env=env,
                    process_group=0,
                    preexec_fn=_die_with_parent,
                )
                self.stdout.write(f"{component.name}: {component.description}", ending="\n")
            self.stdout.flush()
            failed = self._watch(components, received)
        finally:
            self._stop(components, received[0] if received else signal.SIGTERM)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if failed is not None:
            code = failed.process.returncode
            status = f"{code} ({signal.Signals(-code).name})" if code < 0 else str(code)
            raise CommandError(
                _("%(name)s stopped unexpectedly (exit status %(code)s); stopped the others.")
                % {"name": failed.name, "code": status},
                returncode=code if code > 0 else 1,
            )
        self.stdout.write(_("Stopped."))

    def _watch(self, components: list[Component], received: list[int]) -> Component | None:
        """Wait for a stop signal (returns None) or for a child to exit (returns that child)."""
        while not received:
            for component in components:
                if component.process.poll() is not None:
                    return component
            time.sleep(POLL_SECONDS)
        return None

    def _stop(self, components: list[Component], signum: int) -> None:
        """Pass the signal on, wait for every child, then kill whatever is left."""
        running = [c for c in components if c.process is not None]
        for component in running:
            if component.process.poll() is None:
                try:
                    component.process.send_signal(signum)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for component in running:
            try:
                component.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(
                    _("%(name)s did not stop in %(seconds)s s; killing it.")
                    % {"name": component.name, "seconds": int(STOP_TIMEOUT_SECONDS)}
                )
        self._kill(running)
        for component in running:
            component.process.wait()

    def _kill(self, components: list[Component]) -> None:
        """SIGKILL what is left of each child's process group (granian's workers included).

        Safe inside a signal handler: it only sends signals. A group is signalled while its leader
        is unreaped or while members remain, so the id cannot belong to someone else.
        """
        for component in components:
            process = component.process
            if process is None:
                continue
            if process.returncode is None or _group_has_members(process.pid):
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass


def _group_has_members(pgid: int) -> bool:
    """Whether any live process still belongs to process group `pgid` (Linux /proc)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return False
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name: state, ppid, pgrp, ...
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False
