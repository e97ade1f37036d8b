#!/usr/bin/env bash
# Where a server's time goes, on the echo (50 connections) and HTTP plaintext workloads:
#   * JFR (CPU-time and execution samples, allocation samples), recorded per workload after
#     warm-up: top methods on the event-loop thread (bench/jfr_top.py), allocation sites;
#   * HotSpot's allocated-bytes counter of the loop thread over an echo window: bytes/message;
#   * `strace -c -p LOOP_TID` over a separate short window: syscalls per message / per request (strace
#     slows the server, so its window is not used for throughput).
#
#   bench/profile.sh [--seconds S] [--peers "ksock netty-epoll"] [--no-build]
# Writes bench/target/profile/<peer>.{echo,http}.{jfr,hot.txt,alloc.txt}, <peer>.strace-*.txt
# and prints a summary. Needs strace (Debian: apt-get install strace).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/target/profile"
run="$root/bench/target/run"
seconds=3 peers="ksock netty-epoll" build=1
die() { echo "bench/profile.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:?}; shift ;;
    --peers) peers=${2:?}; shift ;;
    --no-build) build=0 ;;
    *) die "unknown option $1" ;;
  esac
  shift
done
. "$root/scripts/env.sh"
ksock_setup || die "no JDK 25 / Maven"
for tool in gcc wrk strace taskset; do command -v "$tool" >/dev/null || die "'$tool' is missing"; done
if [ "$build" = 1 ]; then
  (cd "$root" && mvn -q -B -ntp -DskipTests -pl bench -am package) >&2 || die "maven build failed"
  mkdir -p "$run"
  gcc -O2 -o "$run/echo_client" "$root/bench/src/main/c/echo_client.c"
fi
jar="$root/bench/target/ksock-bench.jar"
[ -x "$run/echo_client" ] && [ -f "$jar" ] || die "nothing built: run without --no-build"
mkdir -p "$out"

pid="" fifo="$out/server.stdin"
cleanup() {
  exec 9>&-
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  pid=""
  rm -f "$fifo"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

alloc_bytes() { # server's "alloc" answer -> bytes of the event-loop thread
  local n; n=$(wc -l <"$out/server.out")
  echo alloc >&9
  for _ in $(seq 1 100); do
    [ "$(wc -l <"$out/server.out")" -gt "$n" ] && break
    sleep 0.05
  done
  tail -n +"$((n + 1))" "$out/server.out" | grep -m1 '^alloc ' | tr ' ' '\n' \
    | awk -F= '/^(ksock-loop-|multiThreadIoEventLoopGroup|nio-loop)/ { s += $2 } END { print s + 0 }'
}

loop_tid() { # the event-loop thread's id (comm is cut to 15 characters)
  grep -lE '^(ksock-loop-|multiThreadIoEv|nio-loop)' /proc/"$pid"/task/*/comm | head -1 | cut -d/ -f5
}

echo_load() { taskset -c 1 "$run/echo_client" 127.0.0.1 "$echo_port" 50 64 0 "$1"; }
wrk_load() { taskset -c 1 wrk -t1 -c50 -d"$1"s "http://127.0.0.1:$http_port/"; }
rate_of() { sed -n 's/.*msgs_per_sec=\([0-9]*\).*/\1/p' <<<"$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# strace the loop thread alone (other JVM threads' futex/nanosleep are not the data path).
strace_window() { # label load-command... ; the load runs during the window
  local label=$1; shift
  timeout -s INT "$((seconds + 1))" strace -c -p "$(loop_tid)" -o "$out/$peer.strace-$label.txt" 2>/dev/null &
  local st=$!
  sleep 0.5 # attach before the load starts
  "$@" >"$out/$peer.strace-$label.load"
  wait "$st" || true
}
syscalls_total() { awk '$NF == "total" { print $(NF-2) }' "$1"; }

jfc="$out/profile.jfc"
# CPU-time sampling (JDK 25, JEP 509) sees the loop thread in native code too; execution
# samples as a cross-check. Allocation samples name any allocation site on the data path.
jfr configure --input profile jdk.CPUTimeSample#enabled=true jdk.CPUTimeSample#throttle=1ms \
  jdk.ExecutionSample#period=1ms jdk.ObjectAllocationSample#throttle=5000/s \
  --output "$jfc" >/dev/null

for peer in $peers; do
  rm -f "$fifo"; mkfifo "$fifo"
  : >"$out/server.out"
  taskset -c 0 java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    --add-opens=java.base/java.nio=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true \
    -Dio.netty.leakDetection.level=disabled -Dksock.loops=1 -Xms512m -Xmx512m \
    -cp "$jar" dev.ksock.bench.BenchServerMain "$peer" <"$fifo" >"$out/server.out" 2>"$out/$peer.err" &
  pid=$!
  exec 9>"$fifo"
  for _ in $(seq 1 200); do grep -q '^ready' "$out/server.out" && break; sleep 0.05; done
  line=$(grep -m1 '^ready' "$out/server.out") || die "$peer did not start"
  echo_port=$(sed -n 's/.* echo=\([0-9]*\).*/\1/p' <<<"$line")
  http_port=$(sed -n 's/.* http=\([0-9]*\).*/\1/p' <<<"$line")
  echo "== $peer: warm-up, then profiling" >&2
  echo_load 3 >/dev/null
  wrk_load 3 >/dev/null

  # Steady-state allocation: two windows of different length, each with its own 50 connects;
  # the difference cancels connection setup and leaves what the extra messages cost.
  a0=$(alloc_bytes); short=$(echo_load "$seconds"); a1=$(alloc_bytes)
  long=$(echo_load $((2 * seconds))); a2=$(alloc_bytes)
  m_short=$(( $(rate_of "$short") * seconds )); m_long=$(( $(rate_of "$long") * 2 * seconds ))
  steady=$(awk -v a="$(( (a2 - a1) - (a1 - a0) ))" -v m="$((m_long - m_short))" 'BEGIN { printf "%.3f", (m > 0 ? a / m : 0) }')

  for w in echo http; do
    jcmd "$pid" JFR.start name="$w" settings="$jfc" filename="$out/$peer.$w.jfr" >/dev/null
    if [ "$w" = echo ]; then load=$(echo_load "$seconds"); else load=$(wrk_load "$seconds"); fi
    jcmd "$pid" JFR.stop name="$w" >/dev/null
    printf -v "${w}_line" '%s' "$(grep -m1 -E 'msgs_per_sec|Requests/sec' <<<"$load")"
    jfr print --json --events jdk.CPUTimeSample,jdk.ExecutionSample "$out/$peer.$w.jfr" \
      | python3 "$root/bench/jfr_top.py" 15 >"$out/$peer.$w.hot.txt" 2>&1 || true
    jfr print --events jdk.ObjectAllocationSample --stack-depth 8 "$out/$peer.$w.jfr" >"$out/$peer.$w.alloc.txt" 2>&1 || true
  done

  strace_window echo echo_load "$seconds"
  strace_window http wrk_load "$seconds"
  cleanup
  s_msgs=$(( $(rate_of "$(cat "$out/$peer.strace-echo.load")") * seconds ))
  s_reqs=$(awk '/requests in/ { print $1 }' "$out/$peer.strace-http.load")
  {
    echo "### $peer"
    echo "echo 50 conns (JFR window): $echo_line"
    echo "HTTP (JFR window): $http_line"
    echo "loop-thread allocation: window ${seconds}s $((a1 - a0)) B / $m_short msgs = $(ratio $((a1 - a0)) "$m_short") B/msg (with 50 accepts);" \
         "steady state (difference of a ${seconds}s and a $((2 * seconds))s window) = $steady B/msg"
    echo "syscalls on the loop thread, echo: $(syscalls_total "$out/$peer.strace-echo.txt") / $s_msgs msgs = $(ratio "$(syscalls_total "$out/$peer.strace-echo.txt")" "$s_msgs") per msg"
    sed -n '3,9p' "$out/$peer.strace-echo.txt"
    echo "syscalls on the loop thread, HTTP: $(syscalls_total "$out/$peer.strace-http.txt") / $s_reqs requests = $(ratio "$(syscalls_total "$out/$peer.strace-http.txt")" "${s_reqs:-0}") per request"
    sed -n '3,9p' "$out/$peer.strace-http.txt"
    for w in echo http; do
      echo "JFR, $w: $(grep -c '^jdk.ObjectAllocationSample' "$out/$peer.$w.alloc.txt" || true) allocation samples; hot methods:"
      cat "$out/$peer.$w.hot.txt"
    done
  } | tee "$out/$peer.summary.txt"
done
