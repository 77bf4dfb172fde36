"""The security tests start a private Mosquitto with the generated password file and ACL."""

from tests.reliability.conftest import private_mosquitto  # noqa: F401 (a fixture)
