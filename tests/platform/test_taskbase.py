"""Tasks built on RetryingTask retry connection errors with the backoff from settings."""

from celery import shared_task
from django.db import OperationalError

from cityplatform.taskbase import RetryingTask

calls: list[int] = []


@shared_task(base=RetryingTask, bind=True, name="tests.flaky")
def flaky(self) -> str:
    calls.append(self.request.retries)
    if len(calls) < 3:
        raise OperationalError("the database went away")
    return "done"


@shared_task(base=RetryingTask, name="tests.broken")
def broken() -> None:
    raise ValueError("a bug is not retried")


def test_backoff_comes_from_settings(settings):
    assert flaky.max_retries == settings.CITY_TASK_RETRY["max_retries"]
    assert flaky.retry_backoff == settings.CITY_TASK_RETRY["retry_backoff"]


def test_connection_errors_are_retried_and_bugs_are_not():
    calls.clear()
    result = flaky.apply()  # eager: each retry runs again at once, with its retry count
    assert result.get() == "done"
    assert calls == [0, 1, 2]
    result = broken.apply()
    assert result.failed() and isinstance(result.result, ValueError)
