"""The device gateway: the one process that holds device connections (`run_gateway`).

One job a module:
- `inbound.py`: inboxes and batching (camera events on an inbox and a writer of their own);
- `storage.py`: a batch parsed, resolved and handed to the ingest service
  (devices/services/ingest.py), then acknowledged to the broker; the split-batch retry;
- `dispatch.py`: command dispatch, over MQTT and OPC-UA;
- `asyncio_side.py`: the Channels listener and the OPC-UA sessions (`opcua_sessions.py`);
- `live.py`: live updates coalesced per device;
- `known.py`, `stats.py`, `options.py`, `threads.py`: what the others share;
- `process.py`: the `Gateway` that wires them and runs their threads.

The wire format (parsing, the `cmd` payload) is devices/protocols/messages.py; the transports
are devices/protocols/mqtt.py and opcua.py.
"""

from devices.gateway.asyncio_side import controller_owner
from devices.gateway.options import GatewayOptions, gateway_options_from_settings
from devices.gateway.process import Gateway
from devices.gateway.threads import in_db_thread

__all__ = [
    "Gateway",
    "GatewayOptions",
    "controller_owner",
    "gateway_options_from_settings",
    "in_db_thread",
]
