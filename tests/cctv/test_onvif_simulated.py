"""`simulate --onvif` through the real path: a simulated camera publishes ONVIF Profile M events
on a real Mosquitto under the gateway's ONVIF filter; the gateway finds the camera by its
onvif_source and the events become the camera's events, state events ended by their false, and
an alarm by rule."""

import asyncio
import threading

import pytest
from django.conf import settings

from cctv.models import Alarm, Event
from cctv.services.rules import alarm_rule_create
from devices.models import CameraDetails, RejectedMessage
from devices.simulators.mqtt_devices import CameraSpec, MqttCitySimulation, SimOptions
from tests.devices.gateway_helpers import (
    forget_session,
    gateway_options,
    start_gateway,
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_simulated_onvif_events_become_camera_events_and_an_alarm(make_camera, peer, prefix):
    # Given a camera behind a VMS whose TopicPrefix is <prefix>/onvif/vms1, and an alarm rule
    vms = f"{prefix}/onvif/vms1"
    camera = make_camera(allowlist=["line_crossing", "intrusion"])
    CameraDetails.objects.filter(asset=camera).update(onvif_source=f"{vms}/VideoSource_1")
    alarm_rule_create(actor="test", name="Fence", event_types=["line_crossing", "intrusion"])
    gateway = start_gateway(gateway_options(prefix, onvif_topic=f"{prefix}/onvif/#"))
    sim = MqttCitySimulation(
        cameras=[
            CameraSpec(
                camera.device_id,
                event_types=("line_crossing", "intrusion"),
                onvif_source=f"{vms}/VideoSource_1",
            )
        ],
        options=SimOptions(
            broker_url=settings.MQTT_URL,
            prefix=prefix,
            onvif=True,
            onvif_rate_per_s=4.0,
            event_rate_per_s=4.0,  # the contract events are not sent for an ONVIF camera
            seed=21,
        ),
    )
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(target=loop.run_until_complete, args=(sim.run(stop),), daemon=True)
    try:
        gateway._refresh_known(force=True)
        # When the simulator runs with --onvif
        thread.start()
        wait_for(
            lambda: Event.objects.filter(
                device=camera, type="intrusion", end_ts__isnull=False
            ).exists(),
            timeout=30,
            what="an intrusion opened and ended by its false",
        )
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(15)
        loop.close()
        peer.publish(f"{prefix}/{camera.device_id}/status", b"", retain=True)  # none left behind
        gateway.stop()
        forget_session(gateway.options.client_id)

    # Then the camera's events are ONVIF's, of its types, and its alarm is raised
    events = Event.objects.filter(device=camera)
    assert set(events.values_list("source", flat=True)) == {"onvif"}
    assert set(events.values_list("type", flat=True)) <= {"line_crossing", "intrusion"}
    assert sim.stats["onvif"] >= events.count() and sim.stats["events"] == 0
    assert Alarm.objects.filter(camera=camera).exists()
    assert not RejectedMessage.objects.filter(topic__startswith=prefix).exists()
