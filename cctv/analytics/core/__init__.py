"""The pure rules of cctv's analytics (no database), the way `lighting.core` holds lighting's:
exposure (darkness, light shares per hour, an event's side), hotspots, recommendations and the
draft programme, the reading of a lighting context, latency percentiles. Everything here is
table-testable; the modules of `cctv.analytics` load the rows and call these functions."""
