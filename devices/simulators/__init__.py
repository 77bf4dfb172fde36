"""Simulated devices speaking the wire contracts: MQTT streetlights, cameras, lux sensors and an
OPC-UA lighting controller. Used by `make demo`, the tests and the benchmarks."""
