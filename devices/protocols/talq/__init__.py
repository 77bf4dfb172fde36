"""TALQ 2.7.1 (the TALQ Smart City Protocol): the platform as a TALQ CMS (docs/talq.md).

`spec` holds the vendored OpenAPI files and validates requests against the CMS API's file;
`mapping` turns TALQ devices, functions, attributes and events into the platform's assets,
telemetry and faults. The CMS API's endpoints are `devices/api/talq.py` (the web process);
the calls out to gateways (the gateway API's file) are not built yet.
"""
