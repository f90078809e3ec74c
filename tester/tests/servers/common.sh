# common.sh: shared by tester/tests/servers/NAME.sh (sourced, POSIX sh).
#
# Every server script has the same interface, so lib.sh can start any of
# them and more servers (Exim, OpenSMTPD, Dovecot...) slot in the same way:
#
#   sh NAME.sh check              exit 0 if NAME can run here, else print why
#   sh NAME.sh start DIR PORT [ARGS...]
#                                 start on 127.0.0.1:PORT, files (pid, log,
#                                 config) under DIR; exit 0 only once the
#                                 banner has been seen; 75 = port taken
#   sh NAME.sh stop DIR           stop it by PID and wait until it is gone
#
# The server's own PID goes to DIR/NAME.pid.

# /usr/bin/python3: a pyenv python3 earlier in PATH lacks apt's modules.
SRV_PY=/usr/bin/python3

# srv_free_port [LO HI]: a 127.0.0.1 port that is free now, picked at
# random from LO-HI (ranges keep runs that share a machine apart), or the
# kernel's choice without a range.
srv_free_port() {
  "$SRV_PY" - "$@" <<'PY'
import random, socket, sys
a = sys.argv[1:]
r = range(int(a[0]), int(a[1]) + 1) if a else [0]
ports = random.sample(r, min(200, len(r)))
for p in ports:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(s.getsockname()[1]); break
    except OSError: pass
    finally: s.close()
PY
}

# srv_wait_banner HOST PORT PREFIX TIMEOUT_S [PID]
# Poll until the server greets with a line starting with PREFIX ("220 " for
# SMTP, "+OK" for POP3), then say QUIT.  Gives up early when PID has died.
srv_wait_banner() {
  "$SRV_PY" - "$@" <<'PY'
import os, socket, sys, time
host, port, prefix, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode(), float(sys.argv[4])
pid = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[5] else 0

def alive(p):
    try:
        with open("/proc/%d/stat" % p) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False

end = time.monotonic() + limit
while time.monotonic() < end:
    if pid and not alive(pid):
        sys.exit("server process %d exited before greeting" % pid)
    try:
        with socket.create_connection((host, port), timeout=3) as s:
            buf = b""
            while b"\n" not in buf:
                d = s.recv(4096)
                if not d:
                    break
                buf += d
            if buf.startswith(prefix):
                try:
                    s.sendall(b"QUIT\r\n")
                    s.recv(4096)
                except OSError:
                    pass
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.05)
sys.exit("no %r banner from %s:%d within %gs" % (prefix.decode(), host, port, limit))
PY
}

# srv_state PID: the process state letter (R, S, Z, ...) or nothing if gone.
srv_state() {
  [ -r "/proc/$1/stat" ] || return 0
  sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1
}

# srv_gone PID: true when PID no longer runs.  This sandbox's PID 1 does not
# reap orphans, so a dead server can linger as a zombie: Z counts as gone.
srv_gone() {
  case "$(srv_state "$1")" in
  "" | Z | X) return 0 ;;
  *) return 1 ;;
  esac
}

# srv_killwait PIDFILE: SIGTERM the PID in PIDFILE, wait up to 5 s, then
# SIGKILL and wait again.  Removes PIDFILE.  Never signals anything else.
srv_killwait() {
  [ -f "$1" ] || return 0
  pid=$(tr -dc '0-9' < "$1")
  rm -f "$1"
  [ -n "$pid" ] || return 0
  srv_gone "$pid" && return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  _kw=0
  while ! srv_gone "$pid" && [ $_kw -lt 100 ]; do sleep 0.05; _kw=$((_kw + 1)); done
  srv_gone "$pid" && return 0
  kill -KILL "$pid" 2>/dev/null
  _kw=0
  while ! srv_gone "$pid" && [ $_kw -lt 40 ]; do sleep 0.05; _kw=$((_kw + 1)); done
  srv_gone "$pid"
}

# srv_port_free PORT: nothing listens on 127.0.0.1:PORT.
srv_port_free() {
  "$SRV_PY" -c 'import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try: s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError: sys.exit(1)' "$1"
}

# srv_usage NAME
srv_usage() {
  echo "usage: $1.sh check | start DIR PORT [ARGS...] | stop DIR" >&2
  exit 2
}

# srv_unreachable DIR: print the first directory from DIR up to / that
# other users cannot enter (no o+x: a clone under /root, a mktemp -d
# parent) and succeed; fail (print nothing) when all can.  A server that
# drops root (Exim, Dovecot's mail processes) reads its files under DIR.
srv_unreachable() {
  _p=$1
  while [ -n "$_p" ] && [ "$_p" != / ]; do
    if [ -z "$(find "$_p" -maxdepth 0 -perm -001 2> /dev/null)" ]; then
      echo "$_p"
      return 0
    fi
    _p=$(dirname "$_p")
  done
  return 1
}

# srv_rundir NAME PORT DIR: a fresh, short directory for a server's Unix
# sockets, /run/mailspec-NAME-PORT (a socket path has at most 107 octets,
# and a clone may sit deep in a CI runner's work tree);
# remembered in DIR/rundir for srv_rundir_rm.  Prints it.
srv_rundir() {
  _r=/run/mailspec-$1-$2
  rm -rf "$_r"
  mkdir -p "$_r" && chmod 755 "$_r" || return 1
  echo "$_r" > "$3/rundir"
  echo "$_r"
}

# srv_rundir_rm DIR: remove the directory srv_rundir made for DIR.
srv_rundir_rm() {
  [ -f "$1/rundir" ] || return 0
  _r=$(cat "$1/rundir")
  case "$_r" in /run/mailspec-*) rm -rf "$_r" ;; esac
  rm -f "$1/rundir"
}
