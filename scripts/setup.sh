#!/usr/bin/env bash
# Installs everything the agent and its tests need on a Debian machine: the virtual desktop
# tooling, the test apps and a Python virtual environment in .venv. Safe to run again: it only
# installs what is missing and returns in a few seconds when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  xvfb openbox xdotool xclip x11-xkb-utils x11-utils
  xfwm4 xfce4-panel xfdesktop4 xfce4-whiskermenu-plugin xfconf thunar adwaita-icon-theme
  dconf-service dconf-gsettings-backend gsettings-desktop-schemas libgl1 libglib2.0-0
  fonts-dejavu-core fonts-wqy-zenhei
  mousepad xterm scrot dbus-daemon gnumeric pcmanfm zenity
  adb chromium chromium-driver x11vnc ffmpeg iproute2
  # the apps of OSWorld's tasks (about 170 MB to download, 900 MB on disk)
  libreoffice-calc libreoffice-writer libreoffice-impress gimp vlc thunderbird
  gnome-shell-common  # GNOME Shell's settings schemas (favourite apps), no shell
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ((${#missing[@]})); then
  echo "setup: installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The private desktop's programs see themselves as this ordinary account when the agent runs as
# root (see environments/desktop/session.py), so apps show no "root account" warnings.
if [ "$(id -u)" -eq 0 ] && ! id user >/dev/null 2>&1; then
  echo "setup: creating the desktop session's account 'user'"
  useradd --no-create-home --shell /bin/bash user
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev,ray]"  # ray: for the tests of bench --ray
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The reference MCP filesystem server (npm), for interop tests and as an example server.
REFERENCE_MCP=.venv/node/node_modules/.bin/mcp-server-filesystem
if [ ! -x "$REFERENCE_MCP" ]; then
  if ! command -v npm >/dev/null; then
    echo "setup: installing Node.js and npm"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  echo "setup: installing the reference MCP filesystem server"
  npm install --prefix .venv/node --no-audit --no-fund --silent \
    @modelcontextprotocol/server-filesystem@2026.8.31
fi
