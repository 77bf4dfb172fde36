"""Issuing commands: one pending command per light, the newer supersedes, desired level set."""

import pytest

from devices.choices import AssetKind, CommandState
from devices.models import Asset, AssetState, Command
from devices.services.commands import CommandError, commands_issue

pytestmark = pytest.mark.django_db


def light(device_id: str, kind: str = AssetKind.STREETLIGHT) -> Asset:
    return Asset.objects.create(device_id=device_id, kind=kind, latitude=51.51, longitude=-0.09)


def test_issue_queues_one_command_per_light_and_sets_desired_level():
    a, b = light("SL-1"), light("SL-2")
    commands = commands_issue(levels={a.pk: 100, b.pk: 30}, reason="dusk", issued_by="reconcile")
    assert {(c.asset_id, c.level, c.state) for c in Command.objects.all()} == {
        (a.pk, 100, CommandState.QUEUED),
        (b.pk, 30, CommandState.QUEUED),
    }
    assert len(commands) == 2
    assert AssetState.objects.get(pk=a.pk).desired_level == 100


def test_a_newer_command_supersedes_the_pending_one():
    a = light("SL-1")
    (first,) = commands_issue(levels={a.pk: 60}, reason="programme", issued_by="reconcile")
    (second,) = commands_issue(levels={a.pk: 100}, reason="boost", issued_by="alarm #1")
    first.refresh_from_db()
    assert first.state == CommandState.CANCELLED
    assert first.superseded_by_id == second.pk
    assert Command.objects.filter(state=CommandState.QUEUED).get().pk == second.pk
    assert AssetState.objects.get(pk=a.pk).desired_level == 100


def test_levels_out_of_range_or_non_lights_are_refused_and_nothing_is_written():
    a, cam = light("SL-1"), light("CAM-1", AssetKind.CAMERA)
    with pytest.raises(CommandError, match="0–100"):
        commands_issue(levels={a.pk: 101}, reason="x", issued_by="t")
    with pytest.raises(CommandError, match="not streetlights"):
        commands_issue(levels={a.pk: 50, cam.pk: 50}, reason="x", issued_by="t")
    assert not Command.objects.exists()


def test_the_returned_commands_are_the_stored_rows():
    a, b = light("SL-1"), light("SL-2")
    commands_issue(levels={a.pk: 20}, reason="programme", issued_by="reconcile")
    returned = commands_issue(
        levels={a.pk: 100, b.pk: 55.5},
        reason="boost",
        issued_by="override #3",
        context={"override_id": 3},
        fade_s=2,
    )
    fields = [f.attname for f in Command._meta.concrete_fields]
    for command in returned:
        stored = Command.objects.get(pk=command.pk)
        assert [getattr(command, f) for f in fields] == [getattr(stored, f) for f in fields]
    assert {c.asset_id: (c.level, c.context) for c in returned} == {
        a.pk: (100, {"override_id": 3}),
        b.pk: (55.5, {"override_id": 3}),
    }


def test_supersession_in_bulk_links_each_old_command_to_its_lights_new_one():
    lights = [light(f"SL-{i}") for i in range(50)]
    first = commands_issue(levels={x.pk: 60 for x in lights[:30]}, reason="a", issued_by="t")
    second = commands_issue(levels={x.pk: 100 for x in lights}, reason="b", issued_by="t")
    new_by_light = {c.asset_id: c.pk for c in second}
    for old in Command.objects.filter(pk__in=[c.pk for c in first]):
        assert old.state == CommandState.CANCELLED and old.error == "superseded"
        assert old.superseded_by_id == new_by_light[old.asset_id]
    assert Command.objects.filter(state=CommandState.QUEUED).count() == 50
    assert set(AssetState.objects.values_list("desired_level", flat=True)) == {100}
