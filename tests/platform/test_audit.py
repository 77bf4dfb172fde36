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


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_database_refuses_truncate(entry):
    """TRUNCATE fires no row trigger: a statement trigger refuses it (unless the session says
    `SET cityplatform.audit_truncate = 'allowed'`, as the test database's flush does)."""
    with (
        pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the entry's deferred FK checks
        cursor.execute("SET LOCAL cityplatform.audit_truncate = ''")
        cursor.execute("TRUNCATE cityplatform_auditentry")
    with (
        pytest.raises(DatabaseError, match="TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):  # nor through another table's CASCADE (the audit log points at users)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL cityplatform.audit_truncate = ''")
        cursor.execute("TRUNCATE auth_user CASCADE")
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.done"


# --- every change made in the Django admin is audited (issue #14, item 15) --------------------


@pytest.fixture
def admin_client(make_user, client):
    client.force_login(make_user(superuser=True, username="root"))
    return client


@pytest.mark.django_db
def test_an_admin_change_of_a_source_is_audited_with_what_changed(admin_client):
    from cctv.models import EventSource

    source = EventSource.objects.create(name="vms-b", description="old")
    response = admin_client.post(
        f"/admin/cctv/eventsource/{source.pk}/change/",
        {"name": "vms-b", "description": "new", "active": "", "cameras": []},
    )
    assert response.status_code == 302, response.content[:2000]
    source.refresh_from_db()
    assert source.active is False
    entry = AuditEntry.objects.get(action="admin.cctv.eventsource.changed")
    assert entry.actor_label == "root" and entry.target == f"cctv.eventsource:{source.pk}"
    assert entry.details["changed"]["active"] == {"from": True, "to": False}
    assert entry.details["changed"]["description"] == {"from": "old", "to": "new"}


@pytest.mark.django_db
def test_an_admin_delete_of_an_alarm_rule_is_audited_with_its_values(admin_client):
    from cctv.models import AlarmRule

    rule = AlarmRule.objects.create(name="Loitering at night", event_types=["loitering"])
    response = admin_client.post(f"/admin/cctv/alarmrule/{rule.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AlarmRule.objects.exists()
    entry = AuditEntry.objects.get(action="admin.cctv.alarmrule.deleted")
    assert entry.actor_label == "root"
    assert entry.details["values"]["name"] == "Loitering at night"
    assert entry.details["values"]["event_types"] == ["loitering"]


@pytest.mark.django_db
def test_a_bulk_delete_in_the_admin_audits_each_object(admin_client):
    from cctv.models import AlarmRule

    rules = [AlarmRule.objects.create(name=f"rule {n}", event_types=["motion"]) for n in range(3)]
    response = admin_client.post(
        "/admin/cctv/alarmrule/",
        {"action": "delete_selected", "_selected_action": [r.pk for r in rules], "post": "yes"},
    )
    assert response.status_code == 302
    deleted = AuditEntry.objects.filter(action="admin.cctv.alarmrule.deleted")
    assert sorted(deleted.values_list("target_id", flat=True)) == sorted(str(r.pk) for r in rules)


@pytest.mark.django_db
def test_giving_a_user_a_role_in_the_admin_is_audited(admin_client, make_user):
    from django.contrib.auth.models import Group

    from cityplatform.roles import Role

    user = make_user(Role.VIEWER, username="alice")
    supervisors = Group.objects.get(name=Role.SECURITY_SUPERVISOR.value)
    response = admin_client.post(
        f"/admin/auth/user/{user.pk}/change/",
        {
            "username": "alice",
            "is_active": "on",
            "groups": [supervisors.pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    entry = AuditEntry.objects.get(action="admin.auth.user.changed")
    assert entry.details["changed"]["groups"]["to"] == [supervisors.pk]
    assert "password" not in entry.details["changed"]


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["event", "alarm", "legalhold", "evidenceexport", "purgerun"])
def test_records_the_services_own_are_read_only_in_the_admin(admin_client, model):
    assert admin_client.get(f"/admin/cctv/{model}/").status_code == 200  # they can be read
    assert admin_client.get(f"/admin/cctv/{model}/add/").status_code == 403


@pytest.mark.django_db
def test_a_legal_hold_cannot_be_deleted_or_changed_in_the_admin(admin_client, make_user):
    from datetime import date

    from django.utils import timezone

    from cctv.models import LegalHold

    hold = LegalHold.objects.create(
        reason="inquest",
        owner=make_user(superuser=True),
        review_due=date(2027, 1, 1),
        created_at=timezone.now(),
        created_by="dpo",
    )
    base = f"/admin/cctv/legalhold/{hold.pk}"
    assert admin_client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.post(f"{base}/change/", {"reason": "gone"}).status_code == 403
    response = admin_client.post(
        "/admin/cctv/legalhold/",
        {"action": "delete_selected", "_selected_action": [hold.pk], "post": "yes"},
    )
    assert LegalHold.objects.filter(pk=hold.pk, reason="inquest").exists(), response.status_code


def test_every_admin_of_the_platform_is_audited():
    """No admin class of the platform's apps (nor of accounts and roles) escapes the audit."""
    from django.contrib import admin

    from cityplatform.audit_admin import AuditedAdmin

    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdmin)
    ]
    assert unaudited == []
