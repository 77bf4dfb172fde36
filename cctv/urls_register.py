"""The public camera register's data, mounted at /cameras/ (the page is dashboards')."""

from django.urls import path

from cctv.api import register_views

urlpatterns = [
    path("register.json", register_views.public_register_json, name="camera-register-json"),
    path("register.csv", register_views.public_register_csv, name="camera-register-csv"),
]
