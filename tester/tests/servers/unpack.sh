# unpack.sh: shared by exim.sh and opensmtpd.sh (sourced).  Debian's MTAs
# Provide and Conflict with mail-transport-agent, so the ones that are not
# Postfix are run from their packages unpacked (apt-get download + dpkg -x)
# into a cache, never installed.  real-servers.md §5 pitfall 1.
SRV_CACHE=${MAILSPEC_SERVER_CACHE:-/var/cache/mailspec-servers}

# srv_unpack NAME PKG... : unpack PKGs into $SRV_CACHE/NAME/root (once).
# Prints the root directory.
srv_unpack() {
  name=$1; shift
  root=$SRV_CACHE/$name/root
  if [ ! -f "$SRV_CACHE/$name/.done" ]; then
    mkdir -p "$SRV_CACHE/$name/debs" "$root"
    chmod 777 "$SRV_CACHE/$name/debs"  # apt's _apt user writes there
    (cd "$SRV_CACHE/$name/debs" && apt-get download "$@") >&2 || return 1
    for p in "$SRV_CACHE/$name/debs"/*.deb; do dpkg -x "$p" "$root" || return 1; done
    touch "$SRV_CACHE/$name/.done"
  fi
  echo "$root"
}
