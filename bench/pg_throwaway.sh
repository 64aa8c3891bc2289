# Sourced by bench/pg_collect.sh and fixtures/demo/make_snapshot.sh: a throwaway
# PostgreSQL cluster in a temporary directory on a free port, stopped and removed on exit.
#   pg_throwaway_start NAME EXTRA_CONF   sets pgbin, psql_bin, work, pgdir, port, as_pg
# EXTRA_CONF is appended to postgresql.conf (listen address, port and socket are set here).

pg_throwaway_start() {
  local name=$1 extra_conf=$2
  pgbin=""
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
    pgbin=$(pg_config --bindir)
  else
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
      [ -x "$d/initdb" ] && { pgbin=$d; break; }
    done
  fi
  [ -n "$pgbin" ] || { echo "no PostgreSQL server binaries found (initdb)" >&2; exit 1; }
  psql_bin=$pgbin/psql; [ -x "$psql_bin" ] || psql_bin=psql
  work=$(mktemp -d -t "$name.XXXXXX")
  pgdir=$work/pg
  mkdir -p "$pgdir/data"
  as_pg=()
  if [ "$(id -u)" = 0 ]; then
    # initdb refuses to run as root: the server runs as the postgres user.
    chmod 755 "$work"
    chown -R postgres: "$pgdir"
    as_pg=(runuser -u postgres --)
  fi
  trap pg_throwaway_cleanup EXIT
  trap 'exit 130' INT TERM
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" --auth=trust -U postgres --no-sync \
    -E UTF8 --locale=C >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
  printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\n%s\n" \
    "$port" "$pgdir" "$extra_conf" >>"$pgdir/data/postgresql.conf"
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 60 start >/dev/null \
    || { cat "$pgdir/server.log" >&2; exit 1; }
}

pg_throwaway_cleanup() {
  if [ -f "$pgdir/data/postmaster.pid" ]; then
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
