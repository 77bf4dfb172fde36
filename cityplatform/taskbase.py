"""The base of tasks whose errors are worth retrying: connection and lock errors, with the
backoff set in settings (CITY_TASK_RETRY). Other errors fail the task at once.

    @shared_task(base=RetryingTask, name="lighting.tasks.command_timeouts")
    def command_timeouts() -> int: ...
"""

from celery import Task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

RETRYABLE_ERRORS = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    ConnectionError,
    TimeoutError,
)


class RetryingTask(Task):
    abstract = True
    autoretry_for = RETRYABLE_ERRORS
    retry_backoff = settings.CITY_TASK_RETRY["retry_backoff"]
    retry_backoff_max = settings.CITY_TASK_RETRY["retry_backoff_max"]
    retry_jitter = settings.CITY_TASK_RETRY["retry_jitter"]
    max_retries = settings.CITY_TASK_RETRY["max_retries"]
