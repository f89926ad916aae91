#!/usr/bin/env bash
# Article page and channel page throughput on PostgreSQL against SQLite, on
# the same content: a demo site plus generated imported articles, copied to
# PostgreSQL with `fupin copy`. Installs wrk from Debian's packages if it is
# missing. Needs a PostgreSQL server (FUPIN_BENCH_PG, default the local one).
#
#   bash bench/pg-vs-sqlite.sh [ARTICLES]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}
pg_admin=${FUPIN_BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q
bin=target/release/fupin
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; psql "$pg_admin" -qc "DROP DATABASE IF EXISTS fupin_bench WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# Content: generated pages imported into SQLite.
python3 - "$work/pages" "$n" <<'PY'
import os, sys
out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out)
nb = "\u00a0"
for i in range(n):
    body = "".join(f"{nb*4}第{i}号稿件第{k}段：驻村工作组走访农户{(i*7+k)%90}户，落实帮扶资金{(i*13+k)%900}万元。\n{nb}\n" for k in range(10))
    text = (f"当前位置:首页->>扶贫前沿->>地市联播\n基准测试稿件{i}号\n加入时间:2015-{1+i%12}-{1+i%28} 来源:测试\n\n"
            f"{body}\n欢迎访问广东扶贫网\n")
    open(os.path.join(out, f"{i:06}.txt"), "w").write(text)
PY
FUPIN_DATA="$work/sqlite" $bin demo >/dev/null
FUPIN_DATA="$work/sqlite" $bin import "$work/pages" >/dev/null
psql "$pg_admin" -qc "DROP DATABASE IF EXISTS fupin_bench WITH (FORCE)" >/dev/null
psql "$pg_admin" -qc "CREATE DATABASE fupin_bench" >/dev/null
pg_url="${pg_admin%/*}/fupin_bench"
FUPIN_LOG=warn $bin copy --from "sqlite://$work/sqlite/fupin.db" --to "$pg_url" | tail -1

article=$(( n / 2 ))
run() { # name url-prefix
  local name=$1 base=$2
  for path in "/a/$article.html" "/c/dishi-lianbo/page/50/"; do
    wrk -t2 -c64 -d10s --latency "$base$path" >"$work/wrk.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
    printf '%-10s %-28s %10s req/s   p99 %s\n' "$name" "$path" "$rps" "$p99"
  done
}
FUPIN_DATA="$work/sqlite" FUPIN_LOG=warn $bin serve --listen 127.0.0.1:18081 >/dev/null 2>&1 &
FUPIN_DATA="$work/pgdata" FUPIN_DATABASE_URL="$pg_url" FUPIN_LOG=warn $bin serve --listen 127.0.0.1:18082 >/dev/null 2>&1 &
for p in 18081 18082; do for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$p/" >/dev/null && break; sleep 0.1; done; done
echo "fupin on the same $((n + 86)) articles, wrk -t2 -c64 -d10s"
run sqlite http://127.0.0.1:18081
run postgres http://127.0.0.1:18082
