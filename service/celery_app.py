"""Celery bound to the Flask app (the Flask pattern): tasks run inside an app context."""
from __future__ import annotations

import logging
import threading
import time

from celery import Celery, Task
from celery.signals import worker_process_init, worker_ready
from flask import Flask

from .config import DEFAULT_QUEUE

log = logging.getLogger(__name__)


def celery_init_app(app: Flask) -> Celery:
    settings = app.extensions["newsdesk"].settings

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask, include=["newsdesk.tasks", "newsdesk.webhooks"])
    celery.conf.update(
        broker_url=settings.broker,
        broker_connection_retry_on_startup=True,
        # a document must survive a worker killed mid-task: ack only after the task, requeue
        # when the worker process is lost, and keep unacked messages invisible for longer
        # than the longest task before Redis hands them to another worker
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # a dead worker's unacknowledged messages return once the visibility timeout has passed,
        # found by a scan every few seconds (kombu's default scans every ~100 s)
        broker_transport_options={"visibility_timeout": settings.visibility_timeout, "unacked_restore_throttle": 1,
                                  "unacked_restore_interval": min(10, max(1, settings.visibility_timeout // 5))},
        # with prefetch 1 the Redis transport fetches the next message only after an ack, and
        # children sat idle ~50 % of the time (bench); -Ofair still hands a reserved message
        # only to an idle child, and acks_late keeps reserved messages safe
        worker_prefetch_multiplier=settings.worker_prefetch,
        task_ignore_result=True,  # state lives in the store, not in a result backend
        task_default_queue=DEFAULT_QUEUE,
        task_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        task_publish_retry=False,
        broker_pool_limit=4,
        # keep reconnecting however long the broker is away
        broker_connection_retry=True,
        broker_connection_max_retries=None,
    )
    if settings.broker.startswith(("redis://", "rediss://")):
        from .broker import refuse_cluster

        refuse_cluster(settings.broker)
    if settings.broker.startswith("redis://"):
        celery.conf.broker_transport = "newsdesk.broker:Transport"  # kombu's reconnect bug worked around
    celery.set_default()
    app.extensions["celery"] = celery

    @worker_process_init.connect(weak=False)
    def cap_memory(**kwargs):
        if settings.worker_max_memory_mb:
            import resource

            # an analyzer that eats memory then fails with MemoryError inside its own section
            limit = settings.worker_max_memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    @worker_ready.connect(weak=False)
    def start_recovery_sweep(sender=None, **kwargs):
        from .tasks import recover_stale

        def sweep():
            while True:
                try:
                    recover_stale(app)
                except Exception:
                    log.exception("recovery sweep failed")
                time.sleep(max(5, settings.recovery_after_seconds / 5))

        threading.Thread(target=sweep, name="recovery-sweep", daemon=True).start()

    return celery
