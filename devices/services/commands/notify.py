"""The nudge to the gateways that commands are due (issue calls it after the commit; the
periodic task calls it for what is due again). A lost nudge only delays: gateways also sweep."""

import logging

from channels.layers import get_channel_layer

from cityplatform.live import layer_run

log = logging.getLogger(__name__)

# The Channels group every gateway listens on for "new commands are due".
GATEWAY_GROUP = "gateway.commands"


def notify_gateway(command_ids: list[str]) -> None:
    """Tells every gateway that commands are due (they also sweep, so a lost nudge only delays)."""
    layer = get_channel_layer()
    if layer is None or not command_ids:
        return
    try:
        event = {"type": "commands.due", "ids": command_ids}
        layer_run(layer, lambda: layer.group_send(GATEWAY_GROUP, event))
    except Exception:
        log.exception("could not notify the gateway of %d commands", len(command_ids))
