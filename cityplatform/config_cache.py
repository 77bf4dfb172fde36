"""A process-local cache of configuration the alert path reads on every event and people change
rarely (alarm rules, lighting programmes and calendars, zones), dropped when it changes.

Each cache is named and holds what its loader returned. A change to one of the models a cache
watches (`watch`, any save, delete or many-to-many change through the ORM) drops this process's
copy at once and, after the commit, moves a shared generation number (in the Django cache:
Redis when `REDIS_URL` is set) that every other process checks before using its copy, so a rule
changed on the web is in force on the next event a worker evaluates. Writes that bypass the ORM
signals (`bulk_create`, `QuerySet.update`) must call `config_changed(name)`.

    rules = ConfigCache("cctv.rules", watch=[AlarmRule, AlarmRule.cameras.through])
    rules.get(load_rules)
"""

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

log = logging.getLogger(__name__)

_caches: dict[str, "ConfigCache"] = {}
_MISSING = object()


def _key(name: str) -> str:
    return f"config-generation:{name}"


class ConfigCache:
    def __init__(self, name: str, *, watch: Iterable[type] = ()):
        self.name = name
        self._value: Any = _MISSING
        self._generation: Any = None
        self._lock = threading.Lock()
        _caches[name] = self
        for model in watch:
            uid = f"config-cache:{name}:{model._meta.label}"
            post_save.connect(self._changed, sender=model, weak=False, dispatch_uid=uid + ":s")
            post_delete.connect(self._changed, sender=model, weak=False, dispatch_uid=uid + ":d")
            m2m_changed.connect(self._changed, sender=model, weak=False, dispatch_uid=uid + ":m")

    def _changed(self, **kwargs) -> None:
        self.invalidate()

    def _shared_generation(self) -> Any:
        try:
            return cache.get(_key(self.name), 0)
        except Exception:  # the cache is away: never trust the local copy then
            log.warning("config cache %s: generation unavailable", self.name, exc_info=True)
            return None

    def get(self, loader: Callable[[], Any]) -> Any:
        """The cached value, loaded again when this process or another changed it."""
        generation = self._shared_generation()
        with self._lock:
            fresh = generation is not None and generation == self._generation
            if fresh and self._value is not _MISSING:
                return self._value
        value = loader()
        with self._lock:
            self._value, self._generation = value, generation
        return value

    def clear(self) -> None:
        """Drops this process's copy (the next `get` loads)."""
        with self._lock:
            self._value = _MISSING

    def invalidate(self) -> None:
        """Drops this process's copy now and every other process's after the commit."""
        self.clear()
        name = self.name

        def bump() -> None:
            try:
                try:
                    cache.incr(_key(name))
                except ValueError:  # not set yet
                    cache.set(_key(name), 1, timeout=None)
            except Exception:
                log.warning("config cache %s: generation not moved", name, exc_info=True)
            # A process that loaded between the change and the commit holds the old value
            # under the old generation: it reloads on its next get. This one too.
            _caches[name].clear()

        transaction.on_commit(bump)


def config_changed(name: str) -> None:
    """Says that the configuration behind cache `name` changed (for writes without signals)."""
    if name in _caches:
        _caches[name].invalidate()


def config_caches_clear() -> None:
    """Drops every cache of this process (tests: a rolled-back test leaves no stale copy)."""
    for item in _caches.values():
        item.clear()
