# courier-lib.sh: shared by courier.sh (SMTP) and courier-pop.sh (POP3)
# (sourced after common.sh and unpack.sh).
#
# Debian's courier-mta and courier-pop Provide and Conflict with
# mail-transport-agent and pop3-server (Postfix, dovecot-pop3d), so the
# Courier packages are unpacked, never installed.  Courier's programs have
# their paths compiled in (/etc/courier, /usr/lib/courier,
# /usr/lib/courier-authlib, /var/lib/courier, /run/courier): each server
# runs in a private mount namespace where those paths are bind mounts of
# the unpacked tree and of the server's own DIR.  On the host they are
# only empty mount points.  Authentication: courier-authdaemon with
# authpam (PAM's "other" service: pam_unix), so testuser's system password
# is set to testpass.

COURIER_PKGS="courier-base courier-mta courier-pop courier-authlib courier-authdaemon"
COURIER_MOUNTS="/etc/courier /usr/lib/courier /usr/lib/courier-authlib /var/lib/courier /run/courier"

courier_cannot_run() {
  [ "$(id -u)" = 0 ] || { echo "Courier needs root to start"; return 0; }
  command -v apt-get >/dev/null || { echo "no apt-get to fetch the Courier packages"; return 0; }
  command -v unshare >/dev/null || { echo "unshare (util-linux) missing"; return 0; }
  # A container without CAP_SYS_ADMIN, or a chroot whose / is no mount
  # point, has no private mount namespace to give Courier's compiled-in
  # paths: say so in one line (matrix.sh fails it under CI=true).
  why=$(unshare -m true 2>&1) || { echo "no mount namespace here for Courier's compiled-in paths (unshare -m: $why)"; return 0; }
  [ -f /etc/pam.d/other ] || { echo "no /etc/pam.d/other for Courier's authpam"; return 0; }
  return 1
}

# courier_setup DIR: unpack (once), users, DIR/etc (a copy of
# /etc/courier), DIR/spool, DIR/run, the mount points.  Sets CROOT.
courier_setup() {
  d=$1
  CROOT=$(srv_unpack courier $COURIER_PKGS) || { echo "cannot fetch the Courier packages" >&2; return 1; }
  getent group courier >/dev/null || groupadd --system courier
  id courier >/dev/null 2>&1 || useradd --system -g courier -d /var/lib/courier -s /usr/sbin/nologin courier
  id testuser >/dev/null 2>&1 || useradd -m -s /bin/sh testuser
  echo 'testuser:testpass' | chpasswd
  for m in $COURIER_MOUNTS; do mkdir -p "$m"; done
  rm -rf "$d/etc" "$d/spool" "$d/run"
  cp -a "$CROOT/etc/courier" "$d/etc"
  cp -a "$CROOT/var/lib/courier" "$d/spool"
  mkdir -p "$d/run/authdaemon"
  chown -R courier:courier "$d/spool" "$d/run"
  chmod 750 "$d/spool"
  chmod 770 "$d/spool/tmp"
  chown -R root:courier "$d/etc"
  chmod 755 "$d" "$d/etc"
  chmod 640 "$d/etc/authdaemonrc"
  echo mx.example.test > "$d/etc/me"
  printf 'mx.example.test\nlocalhost\n' > "$d/etc/locals"
  printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' > "$d/resolv.conf"
}

# courier_ns DIR: the head of DIR/ns.sh, run with `unshare -m sh`: the bind
# mounts and authdaemond (its PID in DIR/authdaemond.pid).  A caller
# appends its own daemons and ends with an exec of the one whose PID is
# the server's.  No DNS off loopback: a private resolv.conf.
courier_ns() {
  d=$1
  cat > "$d/ns.sh" <<NS
set -e
mount --bind "$CROOT/usr/lib/courier" /usr/lib/courier
mount --bind "$CROOT/usr/lib/courier-authlib" /usr/lib/courier-authlib
mount --bind "$d/etc" /etc/courier
mount --bind "$d/spool" /var/lib/courier
mount --bind "$d/run" /run/courier
mount --bind "$d/resolv.conf" /etc/resolv.conf
export LD_LIBRARY_PATH="$CROOT/usr/lib"
cd /
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LD_LIBRARY_PATH="$CROOT/usr/lib" \\
  /usr/lib/courier/courier-authlib/authdaemond > "$d/authdaemond.log" 2>&1 &
echo \$! > "$d/authdaemond.pid"
i=0
while [ ! -S /run/courier/authdaemon/socket ] && [ \$i -lt 200 ]; do sleep 0.05; i=\$((i + 1)); done
NS
}

# courier_started DIR NAME: note the server's mount namespace (courierd
# forks away from the PID ns.sh gave it; everything ns.sh started shares
# that namespace, and nothing else does).
courier_started() {
  readlink "/proc/$(cat "$1/$2.pid")/ns/mnt" > "$1/mntns" 2>/dev/null || true
}

# courier_stop DIR NAME: the server, authdaemond, then every process left
# in the server's mount namespace (courierd and its delivery modules).
courier_stop() {
  srv_killwait "$1/$2.pid"
  [ -f "$1/authdaemond.pid" ] && srv_killwait "$1/authdaemond.pid"
  [ -s "$1/mntns" ] || return 0
  ns=$(cat "$1/mntns")
  # never our own namespace (that would be every process here)
  [ "$ns" != "$(readlink /proc/$$/ns/mnt)" ] || return 0
  for n in 1 2; do
    for p in /proc/[0-9]*; do
      [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] || continue
      echo "${p#/proc/}" > "$1/left.pid"
      srv_killwait "$1/left.pid" || true
    done
  done
  rm -f "$1/mntns"
  return 0
}
