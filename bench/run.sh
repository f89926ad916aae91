#!/usr/bin/env bash
# The speed benchmark of issue 7, in one command:
#
#   bash bench/run.sh            # 10k and 100k articles
#   bash bench/run.sh 10000      # one size
#
# BENCH_SECONDS (default 10) is the length of one load run, BENCH_ROUNDS
# (default 2) how many turns each server gets per page.
#
# On a fresh machine it installs wrk, nginx, hyperfine and hugo from Debian's
# packages and oha from crates.io, builds fupin in release mode, generates a
# site of N articles, and prints side by side: the article page, the home
# page and a channel page 50 pages deep served by fupin (page cache on and
# off) against nginx serving fupin's own export of the same pages (requests
# per second and p99 at 64 connections, and the ratio fupin/nginx); the
# export time of the whole site against Hugo building the same articles
# from Markdown; the time to re-export one changed article; and the
# server's memory idle and under load.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-10000 100000}")
[ $# -gt 0 ] || sizes=(10000 100000)
duration=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-2}

need=()
for tool in wrk hyperfine hugo bc; do command -v $tool >/dev/null || need+=($tool); done
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v oha >/dev/null || cargo install oha --locked -q
cargo build --release -q
bin=$PWD/target/release/fupin
root=$(mktemp -d /tmp/fupin-bench.XXXXXX)
cleanup() {
  [ -f "$root/nginx.pid" ] && /usr/sbin/nginx -p "$root" -c "$root/nginx.conf" -s quit 2>/dev/null || true
  kill $(jobs -p) 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT

rss() { # resident size, and the part that is file pages (the mapped database, the binary)
  awk '/VmRSS/ {r = $2} /RssFile/ {f = $2} END {printf "%.1f MB (of which file pages %.1f MB)", r / 1024, f / 1024}' "/proc/$1/status"
}
wrk_run() { # url -> "rps p99"
  wrk -t2 -c64 -d"${duration}s" --latency "$1" >"$root/wrk.txt"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$root/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$root/wrk.txt")
  echo "$rps $p99"
}
start_fupin() { # data port cache
  FUPIN_DATA=$1 FUPIN_LOG=warn "$bin" --page-cache "$3" serve --listen "127.0.0.1:$2" >"$root/serve-$2.log" 2>&1 &
  echo $! >"$root/serve-$2.pid"
  for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$2/" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "fupin did not start" >&2; exit 1
}
stop_fupin() { kill "$(cat "$root/serve-$1.pid")"; wait "$(cat "$root/serve-$1.pid")" 2>/dev/null || true; }

for n in "${sizes[@]}"; do
  echo "=== $n articles ==="
  dir=$root/n$n
  mkdir -p "$dir"
  cp -r bench/hugo-site "$dir/hugo"
  python3 bench/gen.py "$n" "$dir/pages" "$dir/hugo/content"
  t0=$(date +%s.%N)
  FUPIN_DATA=$dir/data FUPIN_LOG=warn "$bin" import "$dir/pages" | tail -1
  echo "import: $(echo "$(date +%s.%N) - $t0" | bc) s"

  # Export against Hugo, same articles. Before each run the previous output
  # is moved aside (deleted only when the benchmark ends) and the disk
  # synced. Not deleted: creating ten thousand files within a minute or so
  # of deleting as many cost either tool seconds of kernel time that have
  # nothing to do with it (perf: ext4's inode allocator in
  # `recently_deleted` and `find_inode_bit`, and the threads spinning on its
  # lock; measured on a 10k site: fupin 4.2-5.2 s, Hugo 4.9-6.2 s, against
  # 0.4 s and 1.5 s with no recent deletions). The outputs moved aside take
  # disk space until the end: three of each tool per size.
  mkdir -p "$dir/trash"
  aside() { echo "mv $* \$(mktemp -d $dir/trash/r.XXXXXX)/ 2>/dev/null; sync"; }
  hyperfine -r 3 --export-json "$dir/hf.json" \
    -p "$(aside "$dir/out" "$dir/.out.versions")" "FUPIN_DATA=$dir/data FUPIN_LOG=warn $bin export --out $dir/out" \
    -p "$(aside "$dir/hugo/public")" "hugo --quiet -s $dir/hugo" 2>&1 | grep -E "Time|±|export|hugo" || true
  python3 - "$dir/hf.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
f, h = r[0]["mean"], r[1]["mean"]
print(f"export: fupin {f:.2f} s, hugo {h:.2f} s, fupin/hugo {f / h:.2f}")
PY
  FUPIN_DATA=$dir/data FUPIN_LOG=warn "$bin" export --out "$dir/out" >/dev/null
  one=0000000.txt
  # An edit of the body (the title identifies the page to the importer:
  # changing it would add an article rather than change one).
  sed -i 's/第0次入户走访/第0次入户走访（修订）/' "$dir/pages/$one"
  FUPIN_DATA=$dir/data FUPIN_LOG=warn "$bin" import "$dir/pages/$one" >/dev/null
  t0=$(date +%s.%N)
  FUPIN_DATA=$dir/data FUPIN_LOG=warn "$bin" export --out "$dir/out" --incremental
  echo "one changed article re-exported in $(echo "$(date +%s.%N) - $t0" | bc) s"

  # nginx serving the export.
  sed -e "s#@ROOT@#$dir/out#g" -e "s#@DIR@#$root#g" bench/nginx-static.conf.in >"$root/nginx.conf"
  mkdir -p "$root/tmp"
  /usr/sbin/nginx -p "$root" -c "$root/nginx.conf"
  article=$(( n / 2 ))
  paths=("/a/$article.html" "/" "/c/dishi-lianbo/page/50/")

  # Both fupin servers (page cache on and off) and nginx run side by side,
  # and each page is measured in turns — fupin cached, fupin uncached, nginx,
  # then again — keeping each one's best round: on a shared machine the
  # speed drifts over a run, and turns expose all three to the same drift.
  start_fupin "$dir/data" 18080 true
  start_fupin "$dir/data" 18081 false
  pid=$(cat "$root/serve-18080.pid")
  sleep 1
  echo "memory idle: $(rss "$pid")"
  best() { # "rps p99" lines -> the line with the highest rps
    sort -k1,1 -g -r | head -1
  }
  printf '%-26s %22s %22s %22s %8s %8s\n' page "fupin cached" "fupin uncached" "nginx (export)" cached uncached
  for p in "${paths[@]}"; do
    : >"$root/c.txt"; : >"$root/u.txt"; : >"$root/n.txt"
    for _ in $(seq 1 "$rounds"); do
      wrk_run "http://127.0.0.1:18080$p" >>"$root/c.txt"
      wrk_run "http://127.0.0.1:18081$p" >>"$root/u.txt"
      wrk_run "http://127.0.0.1:18090$p" >>"$root/n.txt"
    done
    read -r crps cp99 <<<"$(best <"$root/c.txt")"
    read -r urps up99 <<<"$(best <"$root/u.txt")"
    read -r nrps np99 <<<"$(best <"$root/n.txt")"
    printf '%-26s %12s/s p99 %-6s %12s/s p99 %-6s %12s/s p99 %-6s %7.2fx %7.2fx\n' "$p" "$crps" "$cp99" "$urps" "$up99" "$nrps" "$np99" \
      "$(echo "$crps / $nrps" | bc -l)" "$(echo "$urps / $nrps" | bc -l)"
  done
  oha -z "${duration}s" -c 64 --no-tui "http://127.0.0.1:18080/a/$article.html" >/dev/null 2>&1 &
  sleep "$((duration / 2))"; echo "memory under load: $(rss "$pid")"; wait $! || true
  stop_fupin 18080
  stop_fupin 18081
  /usr/sbin/nginx -p "$root" -c "$root/nginx.conf" -s quit
  rm -f "$root/nginx.pid"
done
