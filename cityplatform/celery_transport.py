"""kombu's Redis transport with one defect fixed: a worker no longer exits on a Redis restart.

Found for issue #14 (item 20): a worker killed by `AttributeError: 'NoneType' object has no
attribute 'hostname'` while Redis restarted, and the events behind it waited for a manual
restart. The sequence (kombu 5.7, celery 5.7): the connection drops while a task taken with
`acks_late` is still unacknowledged; Celery's consumer collects the broken connection (the
transport's `client` becomes None), then closes it; closing its channel restores the
unacknowledged message, which needs a Redis client, which needs the connection parameters of a
transport that has none any more — an AttributeError, which no caller expects, so it escapes
the consumer's recovery and stops the worker (kombu#582 is the same failure in an older form).
It happens only when a task is in flight at the moment of the loss, which is why a quiet worker
survives a restart and a busy one does not.

Here the missing parameters are what they are, a connection error: every caller on that path
(`maybe_close_channel`, the consumer's reconnect loop) already handles those, the worker
reconnects, and the unacknowledged task goes back to a queue once the visibility timeout has
passed (CELERY_VISIBILITY_TIMEOUT_S), as when a worker dies.

Used through `CELERY_BROKER_TRANSPORT` (a transport class path is a supported kombu setting);
remove it once kombu handles this itself.
"""

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        if self.connection is None or self.connection.client is None:
            raise RedisConnectionError(
                "the broker connection was closed after it broke (Redis went away)"
            )
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
