"""Admin pages of the devices app (Django imports this package; each module registers)."""

from devices.admin import gateway, registry  # noqa: F401
