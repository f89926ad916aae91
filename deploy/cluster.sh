#!/usr/bin/env bash
# Starts (or stops) a small fupin cluster on this machine: two instances on
# one PostgreSQL database behind Debian's nginx. The deployment guide
# (docs/deploy.md) and the integration test both use this script.
#
#   FUPIN_DATABASE_URL=postgres://… deploy/cluster.sh start DIR [NGINX_PORT [PORT1 PORT2]]
#   deploy/cluster.sh stop DIR
#
# DIR holds the generated nginx.conf, logs, pid files and each instance's
# data directory; media is shared through DIR/media (one folder for all).
set -euo pipefail
cmd=${1:?usage: cluster.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: cluster.sh start|stop DIR}")
here=$(cd "$(dirname "$0")" && pwd)
fupin=${FUPIN_BIN:-$here/../target/release/fupin}
nginx=${NGINX:-/usr/sbin/nginx}

case "$cmd" in
start)
  : "${FUPIN_DATABASE_URL:?set FUPIN_DATABASE_URL to the shared PostgreSQL database}"
  port=${3:-8080}; p1=${4:-8081}; p2=${5:-8082}
  mkdir -p "$dir/media"
  "$fupin" migrate >/dev/null
  ups=""
  for n in 1 2; do
    p=$([ $n = 1 ] && echo "$p1" || echo "$p2")
    mkdir -p "$dir/instance-$n"
    FUPIN_DATA="$dir/instance-$n" FUPIN_LISTEN="127.0.0.1:$p" FUPIN_INSTANCE="instance-$n" \
      FUPIN_BASE_URL="http://127.0.0.1:$port" \
      nohup "$fupin" serve >"$dir/instance-$n.log" 2>&1 &
    echo $! >"$dir/instance-$n.pid"
    ln -sfn "$dir/media" "$dir/instance-$n/media"
    ups="$ups        server 127.0.0.1:$p max_fails=1 fail_timeout=2s;"$'\n'
  done
  for n in 1 2; do
    for _ in $(seq 1 100); do
      grep -q "fupin listening" "$dir/instance-$n.log" 2>/dev/null && break
      kill -0 "$(cat "$dir/instance-$n.pid")" 2>/dev/null || { cat "$dir/instance-$n.log"; exit 1; }
      sleep 0.1
    done
  done
  sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$port#g" "$here/nginx.conf.in" |
    awk -v ups="$ups" '{ if ($0 == "@UPSTREAMS@") printf "%s", ups; else print }' >"$dir/nginx.conf"
  "$nginx" -t -q -p "$dir" -c "$dir/nginx.conf"
  "$nginx" -p "$dir" -c "$dir/nginx.conf"
  echo "cluster up: http://127.0.0.1:$port (instances on $p1 and $p2)"
  ;;
stop)
  if [ -f "$dir/nginx.pid" ]; then "$nginx" -p "$dir" -c "$dir/nginx.conf" -s quit || true; fi
  for n in 1 2; do
    if [ -f "$dir/instance-$n.pid" ]; then
      kill "$(cat "$dir/instance-$n.pid")" 2>/dev/null || true
      rm -f "$dir/instance-$n.pid"
    fi
  done
  echo "cluster stopped"
  ;;
*) echo "usage: cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
