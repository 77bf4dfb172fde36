"""Django's PostgreSQL backend, connected to the embedded server (started at first connection).

`ENGINE = "cityplatform.embedded_db"` when `DATABASE_URL` is unset (settings.py). Everything else
is Django's own PostgreSQL backend: the same SQL, the same `vendor`, the same migrations.
"""

from pathlib import Path

from django.db.backends.postgresql import base

from cityplatform.embedded_db.server import embedded_server_address


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict:
        params = super().get_connection_params()
        host, port = embedded_server_address(
            pgdata=Path(self.settings_dict["EMBEDDED_PGDATA"]),
            database=self.settings_dict["EMBEDDED_DATABASE"],
        )
        # Said in the settings too, once known: `dbshell` and the processes a test starts read
        # where the server is from there (the socket's folder is the host).
        self.settings_dict.update(HOST=host, PORT=port)
        params.update(host=host, port=port)
        return params
