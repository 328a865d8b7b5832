#!/bin/sh
# Install or update poolside as an appliance: run as root from a checkout,
#     sudo ./install.sh
# on Raspberry Pi OS (Bookworm, Trixie; Lite or Desktop) or plain Debian 12/13.
# Running it again updates the code and the units and keeps config and data.
#
# What it does, in order (each step is safe to repeat):
#   1. Debian packages: pygame built on the system SDL (its KMSDRM driver draws
#      without a desktop), the EGL/GLES/Mesa libraries KMSDRM needs, espeak-ng,
#      rsync; python3-lgpio where the archive has it (Raspberry Pi OS only).
#   2. A venv in /opt/poolside/venv that sees the system pygame, and poolside
#      installed into it from this checkout (not editable).
#   3. The system user "poolside" with the groups for screen, input, sound and
#      GPIO (gpio only where that group exists: Raspberry Pi OS has it).
#   4. /etc/poolside/config.yaml and roster.csv from the examples, only where
#      they do not exist yet; then `poolside check /etc/poolside`.
#   5. The systemd units and the udev rule, enabled; started (or restarted,
#      for an update) when systemd is running. In a chroot or image build
#      they are only enabled and start at the next boot.
#
# Several screens (docs/installing.md, "Several screens"), one option:
#     sudo ./install.sh --leader          this Pi runs the class; others show it
#     sudo ./install.sh --follower HOST   this Pi's screen shows HOST's class
# adds screens: to a config that has none, and enables poolside-link.service
# (a follower's poolside-follow.service takes the screen instead of the
# kiosk). Then pair the Pis once with a USB stick: poolside pair /media/STICK.
#
# Environment: POOLSIDE_PREFIX (default /opt/poolside) is where the venv goes;
# the units name /opt/poolside, so change it only for a test.
set -eu

ROLE=alone
LEADER=""
case "${1:-}" in
  "") ;;
  --leader) ROLE=leader ;;
  --follower)
    ROLE=follower
    LEADER=${2:-}
    case "$LEADER" in
      "" | -*) printf 'install.sh: --follower needs the leader Pi'"'"'s host name or address\n' >&2; exit 2 ;;
    esac
    ;;
  *) printf 'install.sh: unknown option %s (--leader, or --follower HOST)\n' "$1" >&2; exit 2 ;;
esac

PREFIX=${POOLSIDE_PREFIX:-/opt/poolside}
SOURCE=$(cd "$(dirname "$0")" && pwd)
VENV=$PREFIX/venv
ETC=/etc/poolside
USER_NAME=poolside
STATE=/var/lib/poolside
PACKAGES="python3-venv python3-pygame python3-yaml espeak-ng rsync
  libegl1 libgles2 libgl1-mesa-dri"

say() { printf 'install.sh: %s\n' "$*"; }
fail() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run it as root: sudo $0"
if [ ! -f "$SOURCE/pyproject.toml" ] || [ ! -d "$SOURCE/poolside" ]; then
  fail "$SOURCE is not a poolside checkout"
fi

# -- 1. packages -------------------------------------------------------------
say "1/5 Debian packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086 # the list is meant to split into words
apt-get install -y -q --no-install-recommends $PACKAGES
if apt-cache show python3-lgpio >/dev/null 2>&1; then
  apt-get install -y -q --no-install-recommends python3-lgpio
else
  say "python3-lgpio is not in this system's archive (it is in Raspberry Pi OS's):" \
    "no GPIO pin factory, the keyboard works alone"
fi

# -- 2. venv and package -------------------------------------------------------
say "2/5 poolside into $VENV"
mkdir -p "$PREFIX"
[ -x "$VENV/bin/python" ] || python3 -m venv --system-site-packages "$VENV"
# pip rebuilds a local folder on every install, so an update replaces the
# code even when the version number is unchanged.
"$VENV/bin/pip" install --quiet "$SOURCE"
(cd / && "$VENV/bin/poolside" --version)

# -- 3. the service user -------------------------------------------------------
say "3/5 user $USER_NAME"
groups=""
for group in video render input audio gpio; do
  if getent group "$group" >/dev/null; then
    groups="${groups:+$groups,}$group"
  else
    say "no group '$group' on this system: skipped"
  fi
done
if id "$USER_NAME" >/dev/null 2>&1; then
  usermod --append --groups "$groups" "$USER_NAME"
else
  useradd --system --home-dir "$STATE" --no-create-home --shell /usr/sbin/nologin \
    --user-group --groups "$groups" "$USER_NAME"
fi

# -- 4. config -----------------------------------------------------------------
say "4/5 config in $ETC"
mkdir -p "$ETC"
[ -e "$ETC/config.yaml" ] || install -m 0644 "$SOURCE/config.example.yaml" "$ETC/config.yaml"
[ -e "$ETC/roster.csv" ] || install -m 0640 "$SOURCE/roster.example.csv" "$ETC/roster.csv"
# The roster holds names: the kiosk's user and root read it, nobody else, and an
# update puts that back (poolside doctor says PROBLEM where it is not so).
chown root:"$(id -gn "$USER_NAME")" "$ETC/roster.csv"
chmod 0640 "$ETC/roster.csv"
if [ "$ROLE" != alone ]; then
  if grep -q '^screens:' "$ETC/config.yaml"; then
    say "$ETC/config.yaml has a screens: section already: left as it is"
  else
    {
      printf '\nscreens:                    # set by install.sh --%s\n' "$ROLE"
      printf '  role: %s\n' "$ROLE"
      [ -z "$LEADER" ] || printf '  leader: %s\n' "$LEADER"
    } >>"$ETC/config.yaml"
  fi
  [ ! -e "$ETC/link.key" ] || { chown root:"$(id -gn "$USER_NAME")" "$ETC/link.key"; chmod 0640 "$ETC/link.key"; }
fi
(cd / && "$VENV/bin/poolside" check "$ETC")

# -- 5. units ------------------------------------------------------------------
say "5/5 systemd units and udev rule"
install -m 0644 "$SOURCE"/systemd/*.service "$SOURCE"/systemd/*.timer /etc/systemd/system/
install -m 0644 "$SOURCE/systemd/99-poolside-usb.rules" /etc/udev/rules.d/
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  udevadm control --reload || true
fi
SCREEN=poolside.service
[ "$ROLE" != follower ] || SCREEN=poolside-follow.service
UNITS="$SCREEN poolside-sync.timer"
[ "$ROLE" = alone ] || UNITS="$UNITS poolside-link.service"
# shellcheck disable=SC2086 # the list is meant to split into words
systemctl enable $UNITS
[ "$ROLE" != follower ] || systemctl disable poolside.service 2>/dev/null || true
if [ -d /run/systemd/system ]; then
  [ "$ROLE" != follower ] || systemctl stop poolside.service || true
  systemctl restart "$SCREEN"
  systemctl start poolside-sync.timer
  [ "$ROLE" = alone ] || [ ! -e "$ETC/link.key" ] || systemctl restart poolside-link.service
  say "done: $SCREEN is starting; check it with sudo $VENV/bin/poolside doctor"
else
  say "done: systemd is not running here (a chroot?): the units start at the next boot"
fi
if [ "$ROLE" != alone ] && [ ! -e "$ETC/link.key" ]; then
  say "pair this Pi with the pool's other screens: plug in the USB stick and run" \
    "sudo $VENV/bin/poolside pair /media/STICK (the folder it is mounted at)," \
    "then sudo systemctl restart poolside-link"
fi
