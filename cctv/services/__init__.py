"""Writes of the cctv app, one module per sub-domain (import from the module itself):
`ingest` (events in, the privacy guard), `sources` (webhook sources, secrets, signatures),
`rules`, `evaluation` (the rules run over events: alarms raised or re-triggered), `alarms`
(the life-cycle), `lighting` (lighting responses), `technical` (camera offline, tamper, video
loss), `retention` (legal holds, purge), `evidence`. The analytics are `cctv.analytics`."""
