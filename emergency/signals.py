"""What the emergency app tells the rest of the platform, without knowing who listens.

Receivers (partner notifications, emergency plans) connect in their app's `ready()`; each signal
is sent once its transaction has committed (`transaction.on_commit`), so a receiver never sees
an alert or a plan that was rolled back, and a receiver's failure cannot undo the alert.

- `alert_acted(alert)`: a CAP alert was received and acted on (its `state` says how: active on
  its zones, cancelled, superseded, outside the city, expired on arrival).
- `alert_ended(alert)`: an alert the city was acting on ended (cancelled, expired, superseded).
- `plan_started(plan_run)` / `plan_stopped(plan_run)`: an emergency plan was started or stopped.
- `published_issued(alert)` / `published_updated(alert)` / `published_cancelled(alert)`: the
  city published one of its own alerts, or an update or a cancel of one (`alert` is the new
  message, a PublishedAlert).
"""

from django.db import transaction
from django.dispatch import Signal

alert_acted = Signal()
alert_ended = Signal()
plan_started = Signal()
plan_stopped = Signal()
published_issued = Signal()
published_updated = Signal()
published_cancelled = Signal()


def send_on_commit(signal: Signal, sender, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender=sender, **kwargs))
