"""This app's REST API routes, mounted under /api/v1/."""

urlpatterns: list = []
