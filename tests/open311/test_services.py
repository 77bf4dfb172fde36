"""GET services and a service's definition, in JSON and XML, with the specification's shapes."""

import defusedxml.ElementTree as ElementTree
import pytest

SERVICE_KEYS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}


@pytest.mark.django_db
def test_services_json_lists_what_residents_may_report(web):
    response = web.get("/open311/v2/services.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    services = response.json()
    assert {s["service_code"] for s in services} == {
        "streetlight_out",
        "streetlight_day_burning",
        "streetlight_damaged",
        "camera_damaged",
    }
    for service in services:
        assert set(service) == SERVICE_KEYS
        assert service["type"] == "realtime" and service["metadata"] is True


@pytest.mark.django_db
def test_services_xml_is_services_of_service_elements(web):
    response = web.get("/open311/v2/services.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) == 4
    codes = {s.findtext("service_code") for s in services}
    assert "streetlight_out" in codes
    assert {child.tag for child in services[0]} == SERVICE_KEYS
    assert services[0].findtext("metadata") == "true"


@pytest.mark.django_db
def test_service_definition_names_the_asset_attribute(web):
    body = web.get("/open311/v2/services/streetlight_out.json").json()
    assert body["service_code"] == "streetlight_out"
    (attribute,) = body["attributes"]
    assert attribute["code"] == "asset_id" and attribute["required"] is False
    assert attribute["datatype"] == "string"

    xml = ElementTree.fromstring(web.get("/open311/v2/services/streetlight_out.xml").content)
    assert xml.tag == "service_definition"
    assert xml.find("attributes/attribute/code").text == "asset_id"


@pytest.mark.django_db
def test_unknown_service_and_format_are_404_in_the_error_form(web):
    response = web.get("/open311/v2/services/potholes.json")
    assert response.status_code == 404
    (error,) = response.json()
    assert error["code"] == 404 and "potholes" in error["description"]

    response = web.get("/open311/v2/services.csv")
    assert response.status_code == 404
    assert ".json or .xml" in response.json()[0]["description"]
