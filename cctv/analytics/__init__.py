"""cctv's analytics: how camera events meet the lighting.

- `core/`: the pure rules, no database (exposure and darkness, hotspots, recommendations and
  the draft programme, reading a lighting context, latency percentiles).
- `context`: an event's lighting context, computed once on the alert path.
- `latency`: the alert path's instants per alarm, and their percentiles.
- `footfall`: people counted per zone and hour (the footfall sensors' events).
- `zone_hours`: the periodic zone-hour rows (`ZoneHour`), recomputed whole.
- `hotspots`: hotspots and recommendations read from the zone-hour rows.
- `reports`: the stored nightly report and the draft programme of a recommendation.

Each module imports only `core` and modules listed above it. The method and its caveats:
docs/correlation.md.
"""
