"""The privacy guard at the edge removes every face and identity field, at any depth."""

import pytest

from devices.events import strip_identity

IDENTITY_FIELDS = ["face", "faces", "face_embedding", "identity", "person_name", "sub_label"]


@pytest.mark.parametrize("key", IDENTITY_FIELDS)
def test_each_identity_field_is_removed_at_any_depth(key):
    payload = {"type": "loitering", key: "x", "attributes": {key: [0.1, 0.2], "colour": "red"}}
    clean, removed = strip_identity(payload)
    assert clean == {"type": "loitering", "attributes": {"colour": "red"}}
    assert removed == [key, f"attributes.{key}"]


def test_frigate_face_attribute_entries_and_sub_label_are_removed():
    after = {
        "id": "1607123955.475377-mxklsc",
        "label": "person",
        "sub_label": ["Jane Doe", 0.87],
        "attributes": [{"label": "face", "score": 0.9, "box": [1, 2, 3, 4]}, {"label": "hat"}],
    }
    clean, removed = strip_identity({"after": after})
    assert "sub_label" not in clean["after"]
    assert clean["after"]["attributes"] == [{"label": "hat"}]
    assert sorted(removed) == ["after.attributes[0]", "after.sub_label"]


def test_case_does_not_hide_a_field():
    clean, removed = strip_identity({"Person_Name": "x", "ok": 1})
    assert clean == {"ok": 1} and removed == ["Person_Name"]
