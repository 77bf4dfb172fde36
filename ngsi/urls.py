from django.urls import path

from ngsi import views

urlpatterns = [
    path("entities", views.EntityListView.as_view(), name="ngsi-entities"),
    path("entities/<path:entity_id>", views.EntityDetailView.as_view(), name="ngsi-entity"),
    path("subscriptions", views.SubscriptionListView.as_view(), name="ngsi-subscriptions"),
    path(
        "subscriptions/<path:sub_id>",
        views.SubscriptionDetailView.as_view(),
        name="ngsi-subscription",
    ),
    path("types", views.TypeListView.as_view(), name="ngsi-types"),
]
