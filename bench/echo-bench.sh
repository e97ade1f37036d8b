#!/usr/bin/env bash
# Echo benchmark, side by side in one run: ksock (upcall-driven, KPI only) vs Netty 4.2 epoll
# (and NIO), one event-loop thread each, the same C load client for all (bench/src/main/c).
# Server pinned to core 0, client to core 1. Reports msgs/s, p50/p99 and server CPU per message.
#   bench/echo-bench.sh [SECONDS=5] [ROUNDS=3] [CONNS="1 50"]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/env.sh"
ksock_setup
seconds=${1:-5}
rounds=${2:-3}
conns=${3:-"1 50"}
servers=${SERVERS:-"ksock netty-epoll netty-nio"}
out="$root/bench/target/echo"
mkdir -p "$out"
(cd "$root" && mvn -q -B -ntp -DskipTests -pl bench -am package) >&2
gcc -O2 -o "$out/echo_client" "$root/bench/src/main/c/echo_client.c"
jar="$root/bench/target/ksock-bench.jar"
pin_server="" pin_client=""
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  pin_server="taskset -c 0"; pin_client="taskset -c 1"
fi
clk=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_one() { # server conns -> prints "msgs p50 p99 cpu_us_per_msg"
  local server=$1 n=$2 fifo="$out/stdin.$$"
  rm -f "$fifo"; mkfifo "$fifo"
  $pin_server "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dksock.loops=1 -Xmx512m \
      -cp "$jar" dev.ksock.bench.echo.EchoServerMain "$server" 0 <"$fifo" >"$out/server.out" 2>"$out/server.err" &
  local pid=$!
  exec 9>"$fifo"
  local port="" i
  for i in $(seq 1 200); do
    port=$(awk '/^ready/{print $2}' "$out/server.out" 2>/dev/null || true)
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { echo "server $server did not start" >&2; cat "$out/server.err" >&2; exec 9>&-; kill $pid; return 1; }
  # warm-up 2 s, then measure
  $pin_client "$out/echo_client" 127.0.0.1 "$port" "$n" 64 2 1 >/dev/null
  local t0; t0=$(cpu_ticks $pid)
  local line; line=$($pin_client "$out/echo_client" 127.0.0.1 "$port" "$n" 64 0 "$seconds")
  local t1; t1=$(cpu_ticks $pid)
  exec 9>&-
  wait $pid 2>/dev/null || true
  rm -f "$fifo"
  local msgs p50 p99
  msgs=$(sed -n 's/.*msgs_per_sec=\([0-9]*\).*/\1/p' <<<"$line")
  p50=$(sed -n 's/.*p50_us=\([0-9]*\).*/\1/p' <<<"$line")
  p99=$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$line")
  local cpu_us
  cpu_us=$(awk -v d=$((t1 - t0)) -v clk="$clk" -v m="$msgs" -v s="$seconds" 'BEGIN{ if (m>0) printf "%.2f", d*1e6/clk/(m*s); else print "nan"}')
  echo "$msgs $p50 $p99 $cpu_us"
}

declare -A results
for r in $(seq 1 "$rounds"); do
  for n in $conns; do
    for s in $servers; do
      res=$(run_one "$s" "$n")
      echo "round $r conns $n $s: $res" >&2
      results["$s,$n"]+="$res;"
    done
  done
done

median() { tr ';' '\n' | awk -v f="$1" 'NF{print $f}' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

echo "| server | conns | msgs/s | p50 µs | p99 µs | server CPU µs/msg | ratio msgs/s to netty-epoll |"
echo "|---|---|---|---|---|---|---|"
for n in $conns; do
  base=$(median 1 <<<"${results[netty-epoll,$n]:-}")
  for s in $servers; do
    v="${results[$s,$n]}"
    m=$(median 1 <<<"$v"); p50=$(median 2 <<<"$v"); p99=$(median 3 <<<"$v"); cpu=$(median 4 <<<"$v")
    ratio=$(awk -v a="$m" -v b="${base:-0}" 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "-"}')
    echo "| $s | $n | $m | $p50 | $p99 | $cpu | $ratio |"
  done
done
