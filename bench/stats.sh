#!/usr/bin/env bash
# What visit counting costs the article page: the same release binary on the
# same demo site, serving one article with counting on and off
# (`count_visits` in the config file), measured with wrk against 127.0.0.1
# in alternating rounds (each round runs both, in turn first). wrk rotates through 2,000 browser User-Agents so
# that counting also sees a stream of new visitors (digests, batch inserts),
# not one. Installs wrk from Debian's packages if it is missing.
#
#   bash bench/stats.sh [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
secs=${2:-10}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q
bin=target/release/fupin
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

FUPIN_DATA="$work/data" FUPIN_LOG=warn $bin demo >/dev/null
printf 'count_visits = true\nflush_seconds = 5\n' >"$work/on.toml"
printf 'count_visits = false\n' >"$work/off.toml"
cat >"$work/agents.lua" <<'LUA'
-- Each request claims one of 2,000 browsers: new visitors keep coming.
local n = 0
request = function()
  n = n + 1
  local ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0." .. (n % 2000) .. " Safari/537.36"
  return wrk.format("GET", wrk.path, { ["User-Agent"] = ua, ["Referer"] = "https://www.baidu.com/s?wd=x" })
end
LUA
port=18090
start() { # config
  FUPIN_DATA="$work/data" FUPIN_CONFIG="$1" FUPIN_LOG=warn $bin serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/" >/dev/null && return; sleep 0.1; done
  echo "server did not start" >&2; exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }
start "$work/on.toml"
article=$(curl -s "http://127.0.0.1:$port/" | grep -o '/a/[0-9]*\.html' | head -1)
stop
url="http://127.0.0.1:$port$article"
echo "article page $article, wrk -t2 -c32 -d${secs}s, $rounds rounds each, alternating"
declare -A sum=([on]=0 [off]=0)
for r in $(seq 1 "$rounds"); do
  # Alternate which goes first, so a drift in the machine's load favours neither.
  order="off on"; [ $((r % 2)) -eq 0 ] && order="on off"
  for mode in $order; do
    start "$work/$mode.toml"
    wrk -t2 -c32 -d2s -s "$work/agents.lua" "$url" >/dev/null # warm up
    wrk -t2 -c32 -d"${secs}s" --latency -s "$work/agents.lua" "$url" >"$work/wrk.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
    printf 'round %d  counting %-3s %10s req/s   p99 %s\n' "$r" "$mode" "$rps" "$p99"
    sum[$mode]=$(awk -v a="${sum[$mode]}" -v b="$rps" 'BEGIN {print a + b}')
    stop
  done
done
start "$work/on.toml"
hits=$(curl -s -A "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0" "$url" | grep -o '点击数:[^<]*' | head -1)
footer=$(curl -s -A "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0" "http://127.0.0.1:$port/" | grep -o '流量统计:[^<]*' | head -1)
stop
awk -v on="${sum[on]}" -v off="${sum[off]}" -v n="$rounds" 'BEGIN {
  printf "mean: counting off %.0f req/s, on %.0f req/s, cost %.2f%% of throughput\n", off / n, on / n, (off - on) * 100 / off }'
echo "after the runs: $hits; footer $footer"
