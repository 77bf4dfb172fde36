from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications (webhooks and e-mail to partners)"
    # Recipients, their subscriptions and the delivery log are for administrators only (the
    # Administrators group carries every permission of the platform's apps; cityplatform.roles).
    role_permissions: dict[str, list[str]] = {}
