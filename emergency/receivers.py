"""The emergency plans listen to the app's own alert signals (connected in `ready()`): an
alert acted on may propose plans, an alert ended ends the runs it proposed. Each receiver runs
after the alert's commit; its failure is logged and never reaches the alert's sender."""

import logging

from emergency.services.plan_triggers import plans_on_alert_acted, plans_on_alert_ended
from emergency.signals import alert_acted, alert_ended

log = logging.getLogger(__name__)


def on_alert_acted(sender, alert, **kwargs) -> None:
    try:
        plans_on_alert_acted(alert=alert)
    except Exception:
        log.exception("emergency plans: alert %s could not be matched", alert.pk)


def on_alert_ended(sender, alert, **kwargs) -> None:
    try:
        plans_on_alert_ended(alert=alert)
    except Exception:
        log.exception("emergency plans: the runs of alert %s could not be ended", alert.pk)


def receivers_connect() -> None:
    alert_acted.connect(on_alert_acted, dispatch_uid="emergency-plans-alert-acted")
    alert_ended.connect(on_alert_ended, dispatch_uid="emergency-plans-alert-ended")
