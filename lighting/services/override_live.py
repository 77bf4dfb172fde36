"""Live messages about overrides (`override.started`, `override.ended`), on the `overrides`
topic and their zone's; a welfare alarm's response goes out in its neutral version to whoever
may not see its details (`lighting.visibility`)."""

from cityplatform.live import live_publish
from lighting.live import OverrideEnded, OverrideStarted
from lighting.models import Override
from lighting.visibility import override_neutral_fields


def override_live_fields(override: Override, light_count: int) -> dict:
    """The fields of a live message about an override (and of its audit entry)."""
    return {
        "id": override.pk,
        "scope_kind": override.scope_kind,
        "zone_id": override.zone_id,
        "group_id": override.group_id,
        "level": override.level,
        "operation": override.operation,
        "priority": override.priority,
        "starts_at": override.starts_at,
        "expires_at": override.expires_at,
        "reason": override.reason,
        "author": override.author,
        "alarm_id": override.alarm_id,
        "light_count": light_count,
    }


def _topics(override: Override) -> list[str]:
    topics = ["overrides"]
    if override.zone_id is not None:
        topics.append(f"zone:{override.zone_id}")
    return topics


def _publish(kind: str, schema: type, override: Override, fields: dict) -> None:
    """One live message about an override; whoever may not see its details (a welfare alarm's
    response) receives the neutral version (`lighting.visibility`)."""
    restricted = override.details_permission
    live_publish(
        kind=kind,
        data=schema(**fields),
        topics=_topics(override),
        permission=restricted or None,
        public_data=schema(**{**fields, **override_neutral_fields(fields)}) if restricted else None,
    )


def override_publish_started(override: Override, light_count: int) -> None:
    """`override.started`: in force now (or its expiry moved earlier: the live view follows)."""
    _publish(
        "override.started", OverrideStarted, override, override_live_fields(override, light_count)
    )


def override_publish_ended(override: Override, light_count: int) -> None:
    """`override.ended`: cancelled or expired, with when, how and by whom."""
    fields = {
        **override_live_fields(override, light_count),
        "ended_at": override.ended_at,
        "end_state": override.end_state,
        "ended_by": override.ended_by,
    }
    _publish("override.ended", OverrideEnded, override, fields)
