"""kombu's Redis transport with its reconnect path repaired.

When Redis restarts while a worker holds unacknowledged messages, kombu closes the connection
(clearing ``Transport.client``) and then, closing the channel, restores those messages through a
new Redis client, whose parameters come from ``Transport.client``: ``AttributeError: 'NoneType'
object has no attribute 'hostname'`` (kombu 5.x), which Celery treats as unrecoverable and the
worker ends. The channel here remembers the connection it was opened on, so the restore works.
Used for ``redis://``, ``rediss://`` and ``unix://`` broker URLs (see ``celery_app``).
"""
from __future__ import annotations

import redis
from kombu.transport import redis as kombu_redis

from .config import SettingsError


def refuse_cluster(url: str) -> None:
    """Stop at start-up when a ``redis://`` broker is a Redis Cluster node: kombu's Redis transport
    would seem to work, then fail with MOVED on the first queue in another node's slot. A broker
    that does not answer yet is left to Celery's connection retries."""
    try:
        with redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2) as client:
            enabled = client.info("cluster").get("cluster_enabled")
    except redis.RedisError:
        return
    if enabled:
        raise SettingsError(f"NEWSDESK_BROKER_URL={url!r} is a Redis Cluster node, which Celery cannot use as its "
                            "broker; use RabbitMQ (amqp://...) or a separate plain Redis")


class Channel(kombu_redis.Channel):
    def __init__(self, connection, *args, **kwargs):
        self._conninfo = connection.client  # the kombu Connection; kombu clears it on close
        super().__init__(connection, *args, **kwargs)

    def _connparams(self, asynchronous=False):
        if self.connection.client is None:
            self.connection.client = self._conninfo
        return super()._connparams(asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
