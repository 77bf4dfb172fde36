"""Device transports (MQTT, OPC-UA) and the gateway that owns every device connection."""
