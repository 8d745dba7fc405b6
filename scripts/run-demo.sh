#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The one "run" command: installs dependencies, builds skiffd, sets up a demo share with a user
# "skiff" on 127.0.0.1 and runs skiffd in the foreground. Re-running keeps the user and password.
#
# As root: state (config, users, password) in /var/lib/skiff-demo, share /srv/skiff-demo, port 445.
# As another user: everything under /tmp/skiff-demo-UID, port 4445, and the SMB user is you
# (each SMB user is the Unix account of the same name, and only root can serve other accounts).
# Env: SKIFF_PORT (listen port), SKIFF_SKIP_DEPS=1 (do not run scripts/install-deps.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "run-demo: $*" >&2; exit 1; }

if [ "$(id -u)" = 0 ]; then
	STATE=/var/lib/skiff-demo
	SHARE=/srv/skiff-demo
	DEMO_USER=skiff
	DEFAULT_PORT=445
else
	STATE=/tmp/skiff-demo-$(id -u)/state
	SHARE=/tmp/skiff-demo-$(id -u)/share
	DEMO_USER=$(id -un)
	DEFAULT_PORT=4445
fi
PORT=${SKIFF_PORT:-$DEFAULT_PORT}
CONF=$STATE/skiff.conf
PWFILE=$STATE/demo-password
[[ "$PORT" =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || die "bad SKIFF_PORT '$PORT'"

# ---------- dependencies and build ----------
if [ "${SKIFF_SKIP_DEPS:-0}" != 1 ]; then
	"$ROOT/scripts/install-deps.sh" || die "installing dependencies failed (run as root?)"
fi
echo "run-demo: building skiffd and skiff in $ROOT/build"
cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null ||
	die "cmake configure failed"
cmake --build "$ROOT/build" -j "$(nproc)" --target skiffd skiff >/dev/null || {
	cmake --build "$ROOT/build" --target skiffd skiff 2>&1 | tail -n 30
	die "build failed"
}
SKIFFD=$ROOT/build/skiffd
SKIFF=$ROOT/build/skiff

# ---------- directories, config ----------
umask 022
mkdir -p "$STATE" "$SHARE"
chmod 0700 "$STATE"
if [ ! -f "$CONF" ]; then
	cat >"$CONF" <<EOF
# Skiff demo configuration written by scripts/run-demo.sh (edit freely: it is not rewritten,
# except the port when SKIFF_PORT is given; delete it to get the default back). See docs/CONFIG.md.
[global]
	listen = 127.0.0.1
	port = $PORT
	server signing = mandatory
	log level = 1
	state directory = $STATE
	netbios name = SKIFF
	workgroup = WORKGROUP
	server min protocol = SMB2_02
	server max protocol = SMB3_11

[demo]
	path = $SHARE
	comment = Skiff demo share
	read only = no
	browseable = yes
	valid users = $DEMO_USER
EOF
	echo "run-demo: wrote $CONF"
elif [ -n "${SKIFF_PORT:-}" ]; then
	sed -i -E "s/^([[:space:]]*port[[:space:]]*=[[:space:]]*).*/\\1$PORT/" "$CONF"
fi
PORT=$(sed -nE 's/^[[:space:]]*port[[:space:]]*=[[:space:]]*([0-9]+).*/\1/p' "$CONF" | head -n 1)
"$SKIFFD" -c "$CONF" --check-config || die "skiffd rejects $CONF"

# ---------- user ----------
if [ "$(id -u)" = 0 ]; then
	if ! getent passwd "$DEMO_USER" >/dev/null; then
		useradd -M -d /nonexistent -s /usr/sbin/nologin "$DEMO_USER" || die "useradd $DEMO_USER failed"
		echo "run-demo: created Unix account $DEMO_USER (no login shell)"
	fi
	chown "$DEMO_USER": "$SHARE"
fi
if [ -s "$PWFILE" ]; then
	PASSWORD=$(cat "$PWFILE")
else
	PASSWORD=$(od -An -tx1 -N9 /dev/urandom | tr -d ' \n')
	(umask 077 && printf '%s\n' "$PASSWORD" >"$PWFILE")
fi
# (Re)create the SMB user when users.db lacks it: first run, or a deleted users.db.
if ! "$SKIFF" -c "$CONF" user list 2>/dev/null | grep -qixF -- "$DEMO_USER"; then
	printf '%s\n%s\n' "$PASSWORD" "$PASSWORD" | "$SKIFF" -c "$CONF" user add "$DEMO_USER" >/dev/null ||
		die "skiff user add $DEMO_USER failed"
	echo "run-demo: added SMB user $DEMO_USER; password stored in $PWFILE (mode 0600)"
fi
if [ -z "$(ls -A "$SHARE")" ]; then
	echo "Hello from Skiff. Files you copy here land in $SHARE." >"$SHARE/hello.txt"
	[ "$(id -u)" = 0 ] && chown "$DEMO_USER": "$SHARE/hello.txt"
fi

# ---------- run ----------
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
	die "something already listens on 127.0.0.1:$PORT (a system smbd?); pick another port: SKIFF_PORT=4445 $0"
fi
cat <<EOF

  Skiff demo: share //127.0.0.1/demo -> $SHARE
  user $DEMO_USER, password $PASSWORD   (stored in $PWFILE)
  config $CONF

  Connect from another terminal:
    smbclient //127.0.0.1/demo -U $DEMO_USER%$PASSWORD -p $PORT -c 'ls'
    smbclient //127.0.0.1/demo -U $DEMO_USER%$PASSWORD -p $PORT      (interactive: put, get, ls, ...)
  Stop with Ctrl-C.

EOF
exec "$SKIFFD" -c "$CONF"
