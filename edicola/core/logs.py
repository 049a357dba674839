"""Logs: one line per request (the access log) and one per task, each with a request id.

`AccessLogMiddleware` gives every request an id (the proxy's `X-Request-ID` when it looks like
one, else a new one), sends it back in `X-Request-ID`, and writes one line on the
`edicola.access` logger when the answer is ready. A task carries its own id: every line logged
while it runs has it, and `edicola.tasks` writes one line when it ends. `RequestIdFilter` puts
the current id on every record, so the text format and the JSON format (`LOG_FORMAT=json`,
python-json-logger) both show it. Client addresses are logged as their network, as everywhere
else (edicola.core.origin).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

from .origin import client_ip, ip_network

access_log = logging.getLogger("edicola.access")
tasks_log = logging.getLogger("edicola.tasks")

current_id: ContextVar[str] = ContextVar("edicola_request_id", default="-")
_GIVEN_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_task_started: dict[str, float] = {}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_id.get()
        return True


class AccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _GIVEN_ID.match(given) else uuid.uuid4().hex
        token = current_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            match = getattr(request, "resolver_match", None)
            access_log.info(
                '%s "%s %s" %s',
                ip_network(client_ip(request)),
                request.method,
                request.get_full_path()[:2000],
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path[:2000],
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "route": match.view_name if match else "",
                    "page_cache": response.get("X-Page-Cache", ""),
                    "network": ip_network(client_ip(request)),
                },
            )
            return response
        finally:
            current_id.reset(token)


def task_started(sender, task_result, **kwargs) -> None:
    current_id.set(str(task_result.id))
    _task_started[str(task_result.id)] = time.perf_counter()


def task_finished(sender, task_result, **kwargs) -> None:
    started = _task_started.pop(str(task_result.id), None)
    duration = round((time.perf_counter() - started) * 1000, 1) if started else None
    tasks_log.info(
        "%s %s",
        task_result.task.module_path,
        task_result.status,
        extra={
            "task": task_result.task.module_path,
            "task_id": str(task_result.id),
            "status": str(task_result.status),
            "duration_ms": duration,
        },
    )
    current_id.set("-")
