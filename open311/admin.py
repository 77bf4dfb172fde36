"""Administrators manage Open311 clients here: a new client's API key is shown once, on the
page after saving it (only its hash is kept); "rotate the key" makes a new one the same way."""

from django.contrib import admin, messages

from open311.models import Open311Client, ServiceRequest
from open311.services.clients import key_hash, new_key, open311_client_rotate_key


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "key_prefix", "active", "created_at", "last_used_at"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at"]
    actions = ["rotate_key"]

    def save_model(self, request, obj, form, change):
        key = None
        if not change:
            key = new_key()
            obj.key_hash, obj.key_prefix = key_hash(key), key[:8]
        super().save_model(request, obj, form, change)
        if key:
            messages.warning(request, f"API key of {obj.name} (shown this once): {key}")

    @admin.action(description="Rotate the API key (the old one stops working)")
    def rotate_key(self, request, queryset):
        for client in queryset:
            key = open311_client_rotate_key(client=client, actor=request.user)
            messages.warning(request, f"New API key of {client.name} (shown this once): {key}")


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    list_display = ["public_id", "service_code", "asset", "triage_reason", "created_at"]
    list_filter = ["service_code", "triage_reason"]
    search_fields = ["public_id"]
    raw_id_fields = ["asset", "fault"]
    readonly_fields = ["public_id", "client", "contact", "created_at", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False  # reports come from residents (the API, the public page)
