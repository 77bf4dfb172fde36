"""Private instances of the real services, for tests that disturb them.

Each runs on a free port of its own, with its data in a temporary folder, and can be stopped,
killed and restarted by the test. The machine's shared services on 1883, 6379 and 5432 are never
touched. As root, PostgreSQL runs as the `postgres` OS user (it refuses root).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT_S = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def wait_for(predicate, *, timeout: float = START_TIMEOUT_S, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {timeout} s")
        time.sleep(0.05)


def _stop_process(process: subprocess.Popen | None, sig: int, timeout: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@dataclass
class PrivateMosquitto:
    """`mosquitto -c <generated config>` on its own port, persistence on (QoS 1 sessions and
    their queued messages survive a restart), no queue limit (a slow consumer loses nothing)."""

    directory: Path
    port: int = field(default_factory=free_port)
    password_file: Path | None = None
    acl_file: Path | None = None
    extra_config: str = ""  # lines for the listener (e.g. what `manage.py mqtt_acl` renders)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.directory / "mosquitto.log"

    def config(self) -> str:
        lines = [
            f"listener {self.port} 127.0.0.1",
            f"user {os.environ.get('USER') or 'root'}" if os.geteuid() == 0 else "",
            "persistence true",
            f"persistence_location {self.directory}/",
            "autosave_interval 1",
            "max_queued_messages 0",
            "max_inflight_messages 100",
            f"log_dest file {self.log}",
            "log_type error",
            "log_type warning",
            "log_type notice",
        ]
        if self.password_file:
            lines += ["allow_anonymous false", f"password_file {self.password_file}"]
        elif "allow_anonymous" not in self.extra_config:
            lines.append("allow_anonymous true")
        if self.acl_file:
            lines.append(f"acl_file {self.acl_file}")
        lines += self.extra_config.splitlines()
        return "\n".join(line for line in lines if line) + "\n"

    def start(self) -> PrivateMosquitto:
        self.directory.mkdir(parents=True, exist_ok=True)
        conf = self.directory / "mosquitto.conf"
        conf.write_text(self.config())
        self.process = subprocess.Popen(
            ["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(lambda: port_open(self.port), what=f"mosquitto on {self.port}")
        return self

    def stop(self) -> None:
        """A clean stop: Mosquitto writes its persistence file."""
        _stop_process(self.process, signal.SIGTERM)

    def kill(self) -> None:
        _stop_process(self.process, signal.SIGKILL)

    def restart(self, *, down_s: float = 0.0) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()


@dataclass
class PrivateRedis:
    """`redis-server` on its own port; append-only file on, so queued tasks survive a restart."""

    directory: Path
    port: int = field(default_factory=free_port)
    appendonly: bool = True
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.directory.mkdir(parents=True, exist_ok=True)
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--dir", str(self.directory), "--save", "", "--daemonize", "no"]
        command += ["--appendonly", "yes" if self.appendonly else "no"]
        command += ["--logfile", str(self.directory / "redis.log")]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(self.ping, what=f"redis on {self.port}")
        return self

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        _stop_process(self.process, signal.SIGTERM)

    def kill(self) -> None:
        _stop_process(self.process, signal.SIGKILL)

    def restart(self, *, down_s: float = 0.0) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()


def postgres_bin(name: str) -> str:
    """Path of a PostgreSQL server program (initdb, pg_ctl) of the newest installed version."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise FileNotFoundError(f"{name} (PostgreSQL server) is not installed")


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster made with initdb in a temporary folder, served by pg_ctl on its own
    port (trust authentication on 127.0.0.1, user postgres)."""

    directory: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *command], capture_output=True, text=True, check=True, timeout=120
        )

    def init(self) -> PrivatePostgres:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(
            postgres_bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        return self

    def start(self) -> PrivatePostgres:
        if not self.data.exists():
            self.init()
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"  # committed means kept: no async commit
        )
        self._run(
            postgres_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.directory / "postgres.log"),
            "-o",
            options,
            "-w",
            "start",
        )
        wait_for(lambda: port_open(self.port), what=f"postgres on {self.port}")
        return self

    def stop(self, *, mode: str = "fast") -> None:
        """mode "fast" ends sessions cleanly, "immediate" is a crash (recovery on start)."""
        if (self.data / "postmaster.pid").exists():
            self._run(postgres_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, *, down_s: float = 0.0, mode: str = "fast") -> None:
        self.stop(mode=mode)
        time.sleep(down_s)
        self.start()

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def private_dir(prefix: str) -> Path:
    """A temporary folder that the postgres OS user can reach (pytest's tmp_path is root-only)."""
    return Path(tempfile.mkdtemp(prefix=f"city-{prefix}-"))
