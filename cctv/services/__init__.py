"""Writes of the cctv app, one module per sub-domain (import from the module itself):
`ingest` (events in, the privacy guard), `sources` (webhook sources, secrets, signatures),
`rules`, `alarms` (evaluation and life-cycle), `lighting` (lighting responses), `technical`
(camera offline, tamper, video loss), `retention` (legal holds, purge), `evidence`."""
