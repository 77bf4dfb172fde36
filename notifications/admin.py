"""The notifications admin: recipients (the webhook secret shown once, when made), their
subscriptions, and the delivery log, read-only. Every change is audited (cityplatform)."""

from django.contrib import admin, messages
from django.db import models

from notifications.models import Delivery, DeliveryAttempt, Recipient, Subscription


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    filter_horizontal = ["zones"]


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "email", "webhook_url", "wants_cap", "active"]
    list_filter = ["kind", "active", "wants_cap", "may_see_welfare"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default
    inlines = [SubscriptionInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and obj.webhook_url:
            self.message_user(
                request,
                f"Webhook secret of {obj.slug} (shown once, hand it to the partner): "
                f"{obj.webhook_secret}",
                messages.WARNING,
            )


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "at", "ok", "status_code", "error", "duration_ms"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "channel", "event_kind", "status", "attempts"]
    list_filter = ["status", "channel", "event_kind"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [DeliveryAttemptInline]

    def has_add_permission(self, request):
        return False
