#!/usr/bin/env bash
# Installs the RondeSim driver (emulators/sim-driver) into the project's Appium home (.appium/).
# Idempotent: reinstalls only when the driver is missing or its package.json / package-lock.json
# changed. The driver's dependencies are pinned (exact versions in package.json, the whole tree in
# the committed package-lock.json; @appium/base-driver is the version Appium 3.8.0 ships) and
# installed with `npm ci`, so every machine runs the same code.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DRIVER="$ROOT/emulators/sim-driver"
export APPIUM_HOME="${APPIUM_HOME:-$ROOT/.appium}"
APPIUM="$ROOT/node_modules/.bin/appium"
STAMP="$APPIUM_HOME/.ronde-sim-stamp"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

[ -x "$APPIUM" ] || { echo "install-driver: $APPIUM is missing; run ./dev setup (npm ci) first" >&2; exit 1; }
want=$(cat "$DRIVER/package.json" "$DRIVER/package-lock.json" | sha256sum | cut -d' ' -f1)

installed() { "$APPIUM" driver list --installed --json 2>/dev/null | grep -q '"ronde-sim"'; }

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -d "$DRIVER/node_modules" ] && installed; then
    exit 0
fi

say "appium: installing the RondeSim driver into $APPIUM_HOME"
mkdir -p "$APPIUM_HOME"
# The driver's own dependencies live next to it: Appium links a local driver instead of copying it.
# Appium itself is a peer (the project's pinned one runs the driver): locked, not installed here.
(cd "$DRIVER" && npm ci --omit=peer --no-audit --no-fund --loglevel=error)
if installed; then
    "$APPIUM" driver uninstall ronde-sim >/dev/null
fi
"$APPIUM" driver install --source=local "$DRIVER"
echo "$want" > "$STAMP"
