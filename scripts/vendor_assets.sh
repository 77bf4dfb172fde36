#!/usr/bin/env bash
# Vendors the pages' front-end libraries from the npm registry into dashboards/static/vendor/,
# so that no page loads anything from a CDN (the machines are offline). The files are committed;
# run this only to change a version, then commit the result.
#
#   bash scripts/vendor_assets.sh
#
# Each library is recorded in dashboards/static/vendor/VERSIONS.txt with its version, licence
# and the sha512 integrity npm reports; its licence file is kept beside it.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/dashboards/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

CHARTJS_VERSION=4.5.1   # chart.js: MIT

command -v npm >/dev/null || { echo "npm is needed (apt-get install npm)"; exit 1; }

cd "$WORK"
npm pack --silent "chart.js@${CHARTJS_VERSION}" >/dev/null
mkdir chartjs && tar -xzf "chart.js-${CHARTJS_VERSION}.tgz" -C chartjs
integrity="$(npm view "chart.js@${CHARTJS_VERSION}" dist.integrity)"

mkdir -p "$DEST/chartjs"
cp chartjs/package/dist/chart.umd.min.js "$DEST/chartjs/chart.umd.min.js"
cp chartjs/package/LICENSE.md "$DEST/chartjs/LICENSE.md"

cat > "$DEST/VERSIONS.txt" <<TXT
# Front-end libraries vendored by scripts/vendor_assets.sh from the npm registry.
# name       version   licence  files                         npm integrity
chart.js     ${CHARTJS_VERSION}     MIT      chartjs/chart.umd.min.js      ${integrity}
# Leaflet is not vendored here: it comes from the PyPI package xstatic-leaflet (settings).
TXT
echo "vendored into $DEST:"
cat "$DEST/VERSIONS.txt"
