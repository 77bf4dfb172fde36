"""Faults are raised once while open and cleared once, whoever detects them."""

import pytest

from devices.choices import AssetKind, FaultType
from devices.models import Asset, Fault
from devices.services.faults import fault_clear, fault_raise

pytestmark = pytest.mark.django_db


@pytest.fixture
def lamp():
    return Asset.objects.create(
        device_id="SL-9", kind=AssetKind.STREETLIGHT, latitude=51.5, longitude=-0.1
    )


def test_raising_twice_keeps_one_open_fault_and_clearing_closes_it(lamp):
    first, created = fault_raise(asset=lamp, type=FaultType.LAMP_FAILURE)
    again, created_again = fault_raise(asset=lamp, type="lamp_failure")
    assert created and not created_again and first.pk == again.pk
    assert fault_clear(asset=lamp, type=FaultType.LAMP_FAILURE).cleared_at is not None
    assert fault_clear(asset=lamp, type=FaultType.LAMP_FAILURE) is None
    _, reopened = fault_raise(asset=lamp, type=FaultType.LAMP_FAILURE)
    assert reopened and Fault.objects.filter(asset=lamp).count() == 2


def test_an_unknown_fault_type_is_refused(lamp):
    with pytest.raises(ValueError):
        fault_raise(asset=lamp, type="gremlins")
