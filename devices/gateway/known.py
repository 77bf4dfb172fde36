"""The devices the gateway knows (asset pks by device id, Frigate camera names), reloaded from
the registry on a change, periodically, and when a message names a device not known yet."""

import threading
import time
from collections.abc import Callable

from devices import metrics
from devices.selectors.gateway import KnownDevice, KnownDevices

# A device not known makes the gateway reload at most this often (a registry notification lost).
UNKNOWN_RELOAD_S = 5.0


class KnownDeviceCache:
    """The registry's devices as the gateway's threads read them: a reload replaces the whole
    `KnownDevices` value, so readers never see one half-built."""

    def __init__(self, refresh_s: float):
        self.refresh_s = refresh_s
        self.devices = KnownDevices()
        self._loaded_at = 0.0
        self._unknown_refresh_at = 0.0
        # Reloads, counted; the lock makes a writer that meets an unknown device while another
        # thread reloads wait for that reload instead of rejecting.
        self._generation = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.devices)

    def get(self, device_id: str) -> KnownDevice | None:
        return self.devices.get(device_id)

    def refresh(self, *, force: bool = False) -> None:
        """Reloads the devices when `refresh_s` has passed since the last load (or at once)."""
        now = time.monotonic()
        if not force and now - self._loaded_at < self.refresh_s:
            return
        self.devices = KnownDevices.load()
        self._loaded_at = now
        self._generation += 1
        metrics.KNOWN_DEVICES.set(len(self.devices))

    def pk(self, device_id: str) -> int | None:
        """The asset pk of `device_id`; one not known makes the gateway look again."""
        generation = self._generation
        pk = self.devices.pk(device_id)
        if pk is None:
            pk = self._look_again(generation, lambda: self.devices.pk(device_id))
        return pk

    def pk_loaded(self, device_id: str) -> int | None:
        """The asset pk of `device_id` in what is loaded, without looking again."""
        return self.devices.pk(device_id)

    def frigate_device(self, camera: str) -> str | None:
        """The camera asset naming Frigate camera `camera`; like `pk`, a name not known yet
        makes the gateway look again, should a registry change's notification have been lost."""
        generation = self._generation
        device_id = self.devices.frigate.get(camera)
        if device_id is None:
            device_id = self._look_again(generation, lambda: self.devices.frigate.get(camera))
        return device_id

    def onvif_device(self, source: str) -> str | None:
        """The camera asset whose ONVIF source is `source` ("<topic prefix>/<token>")."""
        generation = self._generation
        device_id = self.devices.onvif.get(source)
        if device_id is None:
            device_id = self._look_again(generation, lambda: self.devices.onvif.get(source))
        return device_id

    def _look_again(self, generation: int, lookup: Callable[[], object]):
        """`lookup()` once more after reloading, at most every `UNKNOWN_RELOAD_S`: a device
        registered since the last load. A thread that finds another reloading waits for that
        reload and looks in its result."""
        with self._lock:
            if self._generation == generation:
                if time.monotonic() < self._unknown_refresh_at:
                    return None
                self.refresh(force=True)
                self._unknown_refresh_at = time.monotonic() + UNKNOWN_RELOAD_S
            return lookup()
