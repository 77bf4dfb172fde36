"""Gateway routes: rejected device messages, commands, telemetry."""

urlpatterns: list = []
