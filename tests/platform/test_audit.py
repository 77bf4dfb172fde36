"""The audit log is append-only: no API, admin, model or SQL path changes or deletes an entry."""

import pytest
from django.db import DatabaseError, connection, transaction

from cityplatform.models import AppendOnlyError, AuditEntry
from cityplatform.services import audit_record


@pytest.fixture
def entry(make_user):
    return audit_record(
        actor=make_user(superuser=True), action="test.done", target_type="thing", target_id=7
    )


@pytest.mark.django_db
def test_audit_record_names_actor_action_and_target(entry):
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.action == "test.done"
    assert stored.target == "thing:7"
    assert stored.actor_label.startswith("admin")


@pytest.mark.django_db
def test_a_process_can_be_the_actor():
    assert audit_record(actor="gateway", action="device.offline").actor_label == "gateway"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_api_offers_no_change_or_delete(entry, make_user, api_client, method):
    client = api_client(make_user(superuser=True))
    response = getattr(client, method)(f"/api/v1/audit/{entry.pk}/", {"action": "forged"})
    assert response.status_code == 405
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.done"


@pytest.mark.django_db
def test_api_offers_no_create(make_user, api_client):
    response = api_client(make_user(superuser=True)).post("/api/v1/audit/", {"action": "forged"})
    assert response.status_code == 405
    assert not AuditEntry.objects.filter(action="forged").exists()


@pytest.mark.django_db
def test_admin_refuses_change_and_delete(entry, make_user, client):
    client.force_login(make_user(superuser=True))
    base = f"/admin/cityplatform/auditentry/{entry.pk}"
    assert client.get(f"{base}/change/").status_code == 200  # it can be read
    assert client.post(f"{base}/change/", {"action": "forged"}).status_code == 403
    assert client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/cityplatform/auditentry/add/").status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.done"


@pytest.mark.django_db
def test_model_and_queryset_refuse_change_and_delete(entry):
    entry.action = "forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_database_refuses_raw_update_and_delete(entry):
    for sql in (
        "UPDATE cityplatform_auditentry SET action = 'forged' WHERE id = %s",
        "DELETE FROM cityplatform_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.done"
