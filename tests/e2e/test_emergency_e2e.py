"""End to end, issue #18's scenario on real components: the gateway on Mosquitto and simulated
MQTT lamps, a real SMTP server (aiosmtpd) and a partner's webhook receiver. A signed CAP flood
warning over two demo wards raises an emergency alarm and *proposes* the ward's flood plan
(nothing lit); a supervisor starts it through the API; the lamps on the evacuation route report
100 % and the marked underpass 20 % (their commands succeeded); the police's webhook and the
resilience team's mailbox hear of it; the sender's Cancel stops the plan and every lamp reports
its programme again."""

import asyncio
import uuid

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from cctv.models import Alarm
from cityplatform.roles import Role
from devices.choices import AssetKind, CommandState, ControlProtocol
from devices.models import Asset, AssetState, Command, StreetlightDetails
from emergency.choices import PlanRunState
from emergency.models import PlanRun
from emergency.services.plans import plan_create
from lighting.models import Calendar, CalendarAssignment, Programme
from lighting.services.reconcile import reconcile_lights
from notifications.choices import DeliveryStatus
from notifications.models import Delivery
from notifications.services.recipients import recipient_create
from tests.devices import gateway_helpers as helpers
from tests.e2e.test_lighting_e2e import Background
from tests.emergency.conftest import cap_xml, push, push_source, reference, wards  # noqa: F401
from tests.notifications.conftest import http_receiver, smtp_server, tasks_in_process  # noqa: F401

from devices.simulators import mqtt_devices  # isort: skip

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PROGRAMME_LEVEL = 40.0
ROUTE = ("EM-SL-1", "EM-SL-2")  # Cheap: the evacuation route
UNDERPASS = "EM-SL-3"  # Bassishaw: the underpass, marked at 20 %


def reported(device_id: str) -> float | None:
    return (
        AssetState.objects.filter(asset__device_id=device_id)
        .values_list("level", flat=True)
        .first()
    )


def report(levels: dict[str, float]):
    def check() -> bool:
        return all(
            (value := reported(device)) is not None and abs(value - level) <= 0.5
            for device, level in levels.items()
        )

    return check


@pytest.fixture
def city(wards):  # noqa: F811
    programme = Programme.objects.create(
        name="Steady", steps=[{"trigger": "time", "time": "12:00", "level": PROGRAMME_LEVEL}]
    )
    calendar = Calendar.objects.create(name="Steady", default_programme=programme)
    CalendarAssignment.objects.create(calendar=calendar, zone=wards["City of London"])
    lights = {}
    for device_id, ward in ((*ROUTE[:1], "Cheap"), (ROUTE[1], "Cheap"), (UNDERPASS, "Bassishaw")):
        boundary = wards[ward].boundary["coordinates"][0]
        lon = sum(p[0] for p in boundary[:-1]) / (len(boundary) - 1)
        lat = sum(p[1] for p in boundary[:-1]) / (len(boundary) - 1)
        light = Asset.objects.create(
            device_id=device_id,
            kind=AssetKind.STREETLIGHT,
            latitude=lat,
            longitude=lon,
            zone=wards[ward],
        )
        StreetlightDetails.objects.create(asset=light, protocol=ControlProtocol.MQTT)
        lights[device_id] = light
    plan = plan_create(
        actor="test",
        name="Riverside flood",
        hazard="flood",
        zone_ids=[wards["Cheap"].pk],
        steps=[
            {"label": "evacuation route", "level": 100, "zone": wards["Cheap"].pk},
            {"label": "flooded underpass marked", "level": 20, "lights": [lights[UNDERPASS].pk]},
        ],
        partners=["city-police", "resilience"],
        procedure="Open the rest centre at Guildhall; close the underpass.",
    )
    return lights, plan


def test_a_flood_warning_to_all_clear_on_simulated_lamps_with_partners_told(
    city,
    push,  # noqa: F811 (the fixtures imported above)
    make_user,
    http_receiver,  # noqa: F811
    smtp_server,  # noqa: F811
):
    lights, plan = city
    police = recipient_create(
        actor="test", slug="city-police", name="City police", kind="partner",
        webhook_url=http_receiver.url,
    )  # fmt: skip
    recipient_create(
        actor="test", slug="resilience", name="Resilience team", kind="partner",
        email="resilience@council.example",
    )  # fmt: skip
    prefix = helpers.unique_prefix()
    background = Background()
    sim = mqtt_devices.MqttCitySimulation(
        lamps=[mqtt_devices.LampSpec(d, level=0) for d in lights],
        options=mqtt_devices.SimOptions(
            broker_url=settings.MQTT_URL,
            prefix=prefix,
            telemetry_interval_s=0,
            ack_delay_s=0.05,
            client_id_prefix=f"e2e-em-{uuid.uuid4().hex[:8]}",
            multiplexed=True,
            connections=1,
        ),
    )
    stop = asyncio.Event()
    running = background.spawn(sim.run(stop))
    assert background.run(sim.wait_connected(15))
    gateway = helpers.start_gateway(helpers.gateway_options(prefix))
    programme = dict.fromkeys(lights, PROGRAMME_LEVEL)
    try:
        reconcile_lights()
        helpers.wait_for(report(programme), timeout=30, what="the programme's 40 % reported")

        # A flood warning over Cheap and Bassishaw: an alarm, and the plan proposed, not started.
        warning = cap_xml("EA-2026-E2E")
        assert push(warning).status_code == 201
        alarm = Alarm.objects.get(category="emergency")
        assert {z.name for z in alarm.zones.all()} == {"Cheap", "Bassishaw"}
        run = PlanRun.objects.get(plan=plan)
        assert run.state == PlanRunState.PROPOSED
        assert report(programme)(), "a proposed plan lit nothing"

        # A supervisor starts it: the route at 100 %, the underpass marked at 20 %.
        client = APIClient()
        client.force_authenticate(make_user(Role.SECURITY_SUPERVISOR))
        answer = client.post(f"/api/v1/emergency/plan-runs/{run.pk}/start/")
        assert answer.status_code == 200, answer.content
        lit = {ROUTE[0]: 100.0, ROUTE[1]: 100.0, UNDERPASS: 20.0}
        helpers.wait_for(report(lit), timeout=30, what="the plan's levels reported")
        for device_id, level in lit.items():
            command = Command.objects.filter(asset=lights[device_id]).latest("created_at")
            helpers.wait_for(
                lambda c=command: Command.objects.get(pk=c.pk).state == CommandState.SUCCEEDED,
                what=f"{device_id}'s command acknowledged",
            )
            assert command.level == level

        # The partners heard: the police's webhook (signed) and the resilience team's mailbox.
        helpers.wait_for(lambda: http_receiver.requests, what="the police's webhook")
        started = http_receiver.requests[0]
        assert started.signature_valid(police.webhook_secret)
        assert "Riverside flood" in started.body.decode()
        helpers.wait_for(lambda: smtp_server.messages, what="the resilience team's e-mail")
        mail = smtp_server.messages[0]
        assert "Riverside flood" in mail["Subject"]
        assert smtp_server.recipients[0] == ["resilience@council.example"]

        # The sender cancels: the plan stops and every lamp reports its programme again.
        cancel = cap_xml("EA-2026-E2E-C", msg_type="Cancel", references=reference(warning))
        assert push(cancel).status_code == 201
        run.refresh_from_db()
        assert run.state == PlanRunState.STOPPED
        helpers.wait_for(report(programme), timeout=30, what="back to the programme")
        helpers.wait_for(
            lambda: (
                Delivery.objects.filter(
                    event_kind="plan.stopped", status=DeliveryStatus.SENT
                ).count()
                == 2
            ),
            what="both partners told of the stop",
        )
    finally:
        gateway.stop()
        helpers.forget_session(gateway.options.client_id)
        background.loop.call_soon_threadsafe(stop.set)
        try:
            running.result(15)
        finally:
            background.close()
