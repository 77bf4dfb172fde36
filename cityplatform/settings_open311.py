"""Settings of the open311 app (residents' reports, Open311 GeoReport v2; docs/open311.md),
star-imported by settings.py, which is at its size limit. Each is defined here once, with its
default."""

from cityplatform.settings_env import env_float, env_str

__all__ = [
    "OPEN311_AGENCY",
    "OPEN311_AMBIGUITY_M",
    "OPEN311_MATCH_RADIUS_M",
    "OPEN311_POST_RATE",
    "OPEN311_READ_RATE",
    "OPEN311_REPORT_RATE",
]

# A report at a point becomes a fault on the nearest asset of its kind within this radius (m),
# unless the next one is less than OPEN311_AMBIGUITY_M further: then a person picks (triage).
OPEN311_MATCH_RADIUS_M = env_float("OPEN311_MATCH_RADIUS_M", 30)
OPEN311_AMBIGUITY_M = env_float("OPEN311_AMBIGUITY_M", 3)
OPEN311_POST_RATE = env_str("OPEN311_POST_RATE", "120/min")  # POST requests, per address
OPEN311_READ_RATE = env_str("OPEN311_READ_RATE", "300/min")  # the public GETs, per address
OPEN311_REPORT_RATE = env_str("OPEN311_REPORT_RATE", "10/hour")  # the /report/ page, per address
# `agency_responsible` of every request.
OPEN311_AGENCY = env_str("OPEN311_AGENCY", "City street lighting and CCTV")
