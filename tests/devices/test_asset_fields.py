"""The asset field list is declared once (devices/asset_fields.py) and the four places that list
fields read it: a field added to the model and not declared, or declared and not read, fails
here rather than going missing from the CSV, the API or the admin."""

import inspect

from django.contrib import admin
from django.test import RequestFactory

from devices.admin.registry import AssetAdmin
from devices.api.registry_serializers import AssetInputSerializer, AssetSerializer
from devices.asset_fields import (
    ASSET_EDITABLE_FIELDS,
    ASSET_FIELD_NAMES,
    ASSET_INPUT_FIELDS,
    DETAILS,
)
from devices.assets_csv import COLUMNS, DETAIL_COLUMNS
from devices.choices import AssetKind
from devices.models import Asset
from devices.services.registry import asset_create

# The row's own bookkeeping, which no person sets or reads as a registry field.
BOOKKEEPING = {"id", "online_copy", "created_at", "updated_at"}


def test_every_field_of_an_asset_is_declared():
    model_fields = {f.name for f in Asset._meta.concrete_fields} - BOOKKEEPING
    assert set(ASSET_FIELD_NAMES) == model_fields


def test_every_field_of_each_kinds_details_is_declared_in_the_models_order():
    assert set(DETAILS) == set(AssetKind.values)
    for spec in DETAILS.values():
        names = [f.name for f in spec.model._meta.concrete_fields if f.name != "asset"]
        assert list(spec.fields) == names
        assert set(spec.csv_fields) <= set(spec.fields)
        assert Asset._meta.get_field(spec.related).related_model is spec.model


def test_the_csv_columns_are_the_declared_ones():
    csv_details = {name for spec in DETAILS.values() for name in spec.csv_fields}
    assert [*ASSET_FIELD_NAMES, *DETAIL_COLUMNS] == COLUMNS
    assert set(DETAIL_COLUMNS) == csv_details


def test_the_api_takes_and_shows_the_declared_fields():
    assert list(AssetInputSerializer().fields) == [*ASSET_INPUT_FIELDS, "details"]
    shown = set(AssetSerializer.Meta.fields)
    assert set(ASSET_FIELD_NAMES) <= shown


def test_registration_takes_the_declared_fields():
    parameters = set(inspect.signature(asset_create).parameters) - {"actor", "details"}
    assert parameters == set(ASSET_INPUT_FIELDS)


def test_the_admin_shows_the_declared_fields():
    request = RequestFactory().get("/")
    asset_admin = AssetAdmin(Asset, admin.site)
    shown = [name for _title, options in asset_admin.fieldsets for name in options["fields"]]
    assert set(ASSET_FIELD_NAMES) <= set(shown)
    assert set(ASSET_EDITABLE_FIELDS) <= set(asset_admin.get_form(request).base_fields)
