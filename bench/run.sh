#!/usr/bin/env bash
# ksock beside its peers, every workload, side by side in one run.
#
#   bench/run.sh [--quick] [options]        (docs/BENCHMARKS.md explains the figures)
#
# Peers: ksock (KPI only, upcalls), Netty 4.2 epoll and NIO, a plain java.nio Selector server,
# and a C epoll server; all on ONE event-loop thread, each server process pinned to core 0, the
# load clients on core 1. Workloads: echo 64 B on 1 and 50 connections (C client), HTTP
# plaintext with wrk -t1 -c50 (plain and 16 pipelined requests per write), the same pipelining
# from http_client (C, 50 connections x 16 per write, cheaper than wrk), bulk transfer into a
# sink (C sender; ksock also through sock_receivembuf), accept rate (C client), 10,000 idle
# connections (Java servers: heap and RSS per connection), allocation per echo message on the
# loop thread. Every workload reports throughput AND the server's CPU time per unit of work
# (utime+stime from /proc/PID/stat over the measured window): on 2 cores the clients are often
# the bound, and CPU per unit is what separates the servers.
#
# Rounds alternate the servers (the starting peer rotates each round); medians are reported.
# Results: bench/target/run/results.{tsv,md}; a full run (not --quick) also writes the dated
# "Results" section of docs/BENCHMARKS.md and docs/benchmarks.svg.
#
# Options:
#   --quick            1 round, 1 s windows, 2,000 idle connections (~2 min); results not
#                      written to docs/ unless --write-docs
#   --rounds N         rounds per peer (default 3)
#   --seconds S        measured window per workload, whole seconds (default 3)
#   --warmup S         unmeasured load before each window (default 1)
#   --jit-warmup S     mixed load when a server starts, before the first window (default 2)
#   --idle-conns N     idle connections (default 10000)
#   --peers "..."      subset of: ksock netty-epoll netty-nio nio c
#   --workloads "..."  subset of: echo1 echo50 http pipelined pipelined-c bulk accept idle
#   --no-build         use the jar and C binaries already built
#   --write-docs / --no-docs   force writing docs/ or not
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/target/run"

rounds=3 seconds=3 warmup=1 jit_warmup=2 idle_conns=10000 build=1 docs=auto quick=0
peers="ksock netty-epoll netty-nio nio c"
workloads="echo1 echo50 http pipelined pipelined-c bulk accept idle"
# pipelined-c: http_client's connections and requests per write (the shape of wrk -c50 + pipeline.lua)
httpc_conns=50 httpc_depth=16

die() { echo "bench/run.sh: $*" >&2; exit 1; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 rounds=1 seconds=1 warmup=1 jit_warmup=1 idle_conns=2000 ;;
    --rounds) rounds=${2:?}; shift ;;
    --seconds) seconds=${2:?}; shift ;;
    --warmup) warmup=${2:?}; shift ;;
    --jit-warmup) jit_warmup=${2:?}; shift ;;
    --idle-conns) idle_conns=${2:?}; shift ;;
    --peers) peers=${2:?}; shift ;;
    --workloads) workloads=${2:?}; shift ;;
    --no-build) build=0 ;;
    --write-docs) docs=1 ;;
    --no-docs) docs=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
  esac
  shift
done
for v in "$rounds" "$seconds" "$warmup" "$jit_warmup" "$idle_conns"; do
  is_uint "$v" || die "numeric options take whole numbers (wrk takes whole seconds), got '$v'"
done
[ "$rounds" -ge 1 ] && [ "$seconds" -ge 1 ] && [ "$warmup" -ge 1 ] || die "--rounds, --seconds and --warmup must be at least 1"
[ "$docs" = auto ] && docs=$((1 - quick))
for p in $peers; do
  case "$p" in ksock|netty-epoll|netty-nio|nio|c) ;; *) die "unknown peer $p" ;; esac
done
for w in $workloads; do
  case "$w" in echo1|echo50|http|pipelined|pipelined-c|bulk|accept|idle) ;; *) die "unknown workload $w" ;; esac
done
has_workload() { [[ " $workloads " == *" $1 "* ]]; }

# ---------------------------------------------------------------- prerequisites
. "$root/scripts/env.sh"
ksock_setup || die "no JDK 25 / Maven (see above)"
for tool in gcc wrk python3 mkfifo awk; do
  command -v "$tool" >/dev/null || die "'$tool' is missing (Debian: apt-get install gcc wrk python3 coreutils gawk)"
done
pin_server="" pin_client=""
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  pin_server="taskset -c 0" pin_client="taskset -c 1"
else
  echo "bench/run.sh: no taskset or fewer than 2 cores: servers and clients are not pinned" >&2
fi
if has_workload idle; then
  need=$((idle_conns + 1000))
  [ "$(ulimit -n)" -ge "$need" ] || ulimit -n "$need" 2>/dev/null \
    || die "idle: needs $need open files per process, ulimit -n is $(ulimit -n) (raise it, or --idle-conns)"
fi
clk=$(getconf CLK_TCK)

mkdir -p "$out"
jar="$root/bench/target/ksock-bench.jar"
if [ "$build" = 1 ]; then
  echo "== building (mvn package, gcc -O2)" >&2
  (cd "$root" && mvn -q -B -ntp -DskipTests -pl bench -am package) >&2 || die "maven build failed"
  for prog in bench_server echo_client bulk_client conn_client http_client; do
    gcc -O2 -Wall -o "$out/$prog" "$root/bench/src/main/c/$prog.c" || die "gcc $prog.c failed"
  done
fi
[ -f "$jar" ] && [ -x "$out/bench_server" ] || die "nothing built: run without --no-build"
[ -x "$out/http_client" ] || ! has_workload pipelined-c || die "no http_client built: run without --no-build"

# Every Java server gets the same JVM: fixed heap, Netty allowed its Unsafe fast paths, leak
# detection off for Netty as it is off by default for ksock's mbufs.
jvm_opts=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
          --add-opens=java.base/java.nio=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true
          -Dio.netty.leakDetection.level=disabled -Dksock.loops=1 -Dksock.somaxconn=1024 -Xms512m -Xmx512m)
# shellcheck disable=SC2206
jvm_opts+=(${BENCH_JVM_OPTS:-})

# ---------------------------------------------------------------- processes and cleanup
server_pid="" fifo="$out/server.stdin"
cleanup() {
  exec 9>&- # closing our end of the fifo stops the server
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
  local j
  for j in $(jobs -p); do kill "$j" 2>/dev/null || true; done
  rm -f "$fifo"
}
trap cleanup EXIT
trap 'echo "bench/run.sh: interrupted" >&2; exit 130' INT TERM

declare -A port
start_server() { # peer
  local peer=$1
  cleanup
  rm -f "$fifo"; mkfifo "$fifo"
  : >"$out/server.out"
  if [ "$peer" = c ]; then
    $pin_server "$out/bench_server" <"$fifo" >"$out/server.out" 2>"$out/server.err" &
  else
    $pin_server java "${jvm_opts[@]}" -cp "$jar" dev.ksock.bench.BenchServerMain "$peer" \
      <"$fifo" >"$out/server.out" 2>"$out/server.err" &
  fi
  server_pid=$!
  exec 9>"$fifo" # the server runs until this closes
  local i line=""
  for i in $(seq 1 200); do
    line=$(grep -m1 '^ready' "$out/server.out" 2>/dev/null || true)
    [ -n "$line" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$line" ] || { cat "$out/server.err" >&2; die "server $peer did not start"; }
  port=()
  local kv
  for kv in ${line#ready }; do port[${kv%%=*}]=${kv#*=}; done
}

server_command() { # cmd -> prints the server's answer line (it starts with cmd)
  local n; n=$(wc -l <"$out/server.out")
  echo "$1" >&9
  local i
  for i in $(seq 1 200); do
    if [ "$(wc -l <"$out/server.out")" -gt "$n" ]; then
      tail -n +"$((n + 1))" "$out/server.out" | grep -m1 "^$1 " && return 0
    fi
    sleep 0.05
  done
  die "server did not answer '$1'"
}

cpu_ticks() {
  [ -r "/proc/$server_pid/stat" ] || die "the server died; see $out/server.err"
  awk '{print $14 + $15}' "/proc/$server_pid/stat"
}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
results="$out/results.tsv"
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$1" "$2" "$3" "$4" >>"$results"; }
per_unit() { # ticks units -> CPU µs per unit
  awk -v d="$1" -v clk="$clk" -v u="$2" 'BEGIN { if (u > 0) printf "%.3f", d * 1e6 / clk / u; else print "nan" }'
}
loop_thread_bytes() { # alloc line -> bytes allocated by the event-loop thread
  tr ' ' '\n' <<<"$1" | awk -F= '/^(ksock-loop-|multiThreadIoEventLoopGroup|nio-loop)/ { s += $2 } END { print s + 0 }'
}

# ---------------------------------------------------------------- workloads
echo_load() { $pin_client "$out/echo_client" 127.0.0.1 "${port[echo]}" "$@"; }
wrk_load() { # conns seconds [lua]
  local lua=() ; [ $# -ge 3 ] && lua=(-s "$3")
  $pin_client wrk -t1 -c"$1" -d"$2"s "${lua[@]}" "http://127.0.0.1:${port[http]}/"
}

run_echo() { # peer conns
  local peer=$1 n=$2 w=echo$2
  echo_load "$n" 64 "$warmup" 0.001 >/dev/null
  local a0="" a1="" t0 t1 line
  [ "$peer" != c ] && [ "$n" = 50 ] && a0=$(server_command alloc)
  t0=$(cpu_ticks)
  line=$(echo_load "$n" 64 0 "$seconds")
  t1=$(cpu_ticks)
  [ -n "$a0" ] && a1=$(server_command alloc)
  local rate; rate=$(field msgs_per_sec "$line")
  record "$peer" "$w" rate "$rate"
  record "$peer" "$w" p50 "$(field p50_us "$line")"
  record "$peer" "$w" p99 "$(field p99_us "$line")"
  record "$peer" "$w" cpu "$(per_unit $((t1 - t0)) "$((rate * seconds))")"
  if [ -n "$a1" ]; then
    # Includes accepting the 50 connections of the window: an upper bound per message.
    local b=$(( $(loop_thread_bytes "$a1") - $(loop_thread_bytes "$a0") ))
    record "$peer" alloc bytes_per_msg "$(awk -v b="$b" -v m="$((rate * seconds))" 'BEGIN { printf "%.3f", (m > 0 ? b / m : 0) }')"
  fi
  echo "$rate msgs/s, p50 $(field p50_us "$line") µs, p99 $(field p99_us "$line") µs"
}

run_http() { # peer workload
  local peer=$1 w=$2 lua=()
  [ "$w" = pipelined ] && lua=("$root/bench/src/main/lua/pipeline.lua")
  wrk_load 50 "$warmup" "${lua[@]}" >/dev/null
  local t0 t1 text rate
  t0=$(cpu_ticks)
  text=$(wrk_load 50 "$seconds" "${lua[@]}")
  t1=$(cpu_ticks)
  rate=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$text")
  [ -n "$rate" ] || { echo "$text" >&2; die "wrk printed no Requests/sec"; }
  grep -q 'Non-2xx\|Socket errors' <<<"$text" && echo "  (wrk: $(grep -h 'Non-2xx\|Socket errors' <<<"$text"))" >&2
  record "$peer" "$w" rate "$rate"
  record "$peer" "$w" cpu "$(per_unit $((t1 - t0)) "$((rate * seconds))")"
  echo "$rate req/s"
}

run_httpc() { # peer: HTTP pipelining from http_client (C), cheaper than wrk
  local peer=$1 t0 t1 line rate
  $pin_client "$out/http_client" 127.0.0.1 "${port[http]}" "$httpc_conns" "$httpc_depth" "$warmup" 0.001 >/dev/null
  t0=$(cpu_ticks)
  line=$($pin_client "$out/http_client" 127.0.0.1 "${port[http]}" "$httpc_conns" "$httpc_depth" 0 "$seconds")
  t1=$(cpu_ticks)
  rate=$(field req_per_sec "$line")
  [ -n "$rate" ] || die "http_client printed no req_per_sec"
  [ "$(field errors "$line")" = 0 ] || echo "  (http_client: $line)" >&2
  record "$peer" pipelined-c rate "$rate"
  record "$peer" pipelined-c cpu "$(per_unit $((t1 - t0)) "$((rate * seconds))")"
  record "$peer" pipelined-c client_cpu "$(field client_cpu_us_per_req "$line")"
  echo "$rate req/s (client $(field client_cpu_us_per_req "$line") µs/req)"
}

run_bulk() { # peer service
  local peer=$1 svc=${2:-sink} t0 t1 line mbps bytes
  $pin_client "$out/bulk_client" 127.0.0.1 "${port[$svc]}" 0 "$warmup" >/dev/null
  t0=$(cpu_ticks)
  line=$($pin_client "$out/bulk_client" 127.0.0.1 "${port[$svc]}" 0 "$seconds")
  t1=$(cpu_ticks)
  mbps=$(field mb_per_sec "$line")
  bytes=$(field bytes "$line")
  record "$peer" bulk rate "$mbps"
  record "$peer" bulk cpu "$(per_unit $((t1 - t0)) "$(awk -v b="$bytes" 'BEGIN{printf "%.3f", b / 1e6}')")"
  echo "$mbps MB/s"
}

run_accept() { # peer
  local peer=$1 t0 t1 line rate
  $pin_client "$out/conn_client" churn 127.0.0.1 "${port[accept]}" 32 0 "$warmup" >/dev/null
  t0=$(cpu_ticks)
  line=$($pin_client "$out/conn_client" churn 127.0.0.1 "${port[accept]}" 32 0 "$seconds")
  t1=$(cpu_ticks)
  rate=$(field conns_per_sec "$line")
  record "$peer" accept rate "$rate"
  record "$peer" accept cpu "$(per_unit $((t1 - t0)) "$((rate * seconds))")"
  echo "$rate conns/s"
}

run_idle() { # peer: heap and RSS per idle connection, after GC
  local peer=$1 m0 m1 hold_fifo="$out/hold.stdin" line=""
  m0=$(server_command mem)
  rm -f "$hold_fifo"; mkfifo "$hold_fifo"
  $pin_client "$out/conn_client" hold 127.0.0.1 "${port[echo]}" "$idle_conns" 120 <"$hold_fifo" >"$out/hold.out" &
  local hold_pid=$!
  exec 8>"$hold_fifo"
  local i
  for i in $(seq 1 600); do
    line=$(grep -m1 '^held' "$out/hold.out" 2>/dev/null || true)
    [ -n "$line" ] && break
    kill -0 "$hold_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$line" ] || { exec 8>&-; die "idle: the client could not open $idle_conns connections"; }
  sleep 1 # let the server finish accepting what the client already counts as connected
  m1=$(server_command mem)
  exec 8>&-
  wait "$hold_pid" || true
  rm -f "$hold_fifo"
  local heap rss
  heap=$(( ($(field heap_used "$m1") - $(field heap_used "$m0")) / idle_conns ))
  rss=$(( ($(field rss "$m1") - $(field rss "$m0")) / idle_conns ))
  record "$peer" idle heap "$heap"
  record "$peer" idle rss "$rss"
  echo "heap $heap B/conn, RSS $rss B/conn"
}

jit_warm() { # mixed load right after start, so the first window does not time the JIT
  [ "$jit_warmup" -gt 0 ] || return 0
  local pids=()
  echo_load 50 64 "$jit_warmup" 0.001 >/dev/null & pids+=($!)
  wrk_load 50 "$jit_warmup" >/dev/null & pids+=($!)
  $pin_client "$out/bulk_client" 127.0.0.1 "${port[sink]}" 0 "$jit_warmup" >/dev/null & pids+=($!)
  wait "${pids[@]}" # not a bare wait: the server is our child too
}

# ---------------------------------------------------------------- plan, progress, run
plan=()
peer_list=($peers)
for ((round = 1; round <= rounds; round++)); do
  # Rotate the starting peer so no server always runs first (or after the same neighbour).
  for ((k = 0; k < ${#peer_list[@]}; k++)); do
    p=${peer_list[$(( (k + round - 1) % ${#peer_list[@]} ))]}
    for w in echo1 echo50 http pipelined pipelined-c bulk accept; do
      has_workload "$w" || continue
      plan+=("$round $p $w")
      [ "$w" = bulk ] && [ "$p" = ksock ] && plan+=("$round ksock bulk-mbuf")
    done
  done
done
if has_workload idle; then
  for p in $peers; do [ "$p" = c ] || plan+=("1 $p idle"); done
fi

# Seconds each step is expected to take, for the progress estimate.
step_cost() {
  case "$1" in
    idle) echo 8 ;;
    *) echo $((warmup + seconds)) ;;
  esac
}
total_cost=0
for s in "${plan[@]}"; do total_cost=$((total_cost + $(step_cost "${s##* }"))); done

: >"$results"
started=$SECONDS done_cost=0 step=0 current=""
printf '== %d steps, about %d:%02d of load (%s)\n' "${#plan[@]}" $((total_cost / 60)) $((total_cost % 60)) \
  "$([ "$quick" = 1 ] && echo quick || echo full)" >&2
for s in "${plan[@]}"; do
  read -r round peer w <<<"$s"
  step=$((step + 1))
  key="$round $peer"; [ "$w" = idle ] && key+=" idle" # the idle test gets a fresh server
  if [ "$key" != "$current" ]; then
    start_server "$peer"
    [ "$w" = idle ] || [ "$peer" = c ] || jit_warm
    current=$key
  fi
  elapsed=$((SECONDS - started))
  left=$(( done_cost > 0 ? elapsed * (total_cost - done_cost) / done_cost : total_cost ))
  printf '[%3d/%d %2d:%02d elapsed, ~%d:%02d left] round %d %-12s %-11s ' "$step" "${#plan[@]}" \
    $((elapsed / 60)) $((elapsed % 60)) $((left / 60)) $((left % 60)) "$round" "$peer" "$w" >&2
  case "$w" in
    echo1) r=$(run_echo "$peer" 1) ;;
    echo50) r=$(run_echo "$peer" 50) ;;
    http|pipelined) r=$(run_http "$peer" "$w") ;;
    pipelined-c) r=$(run_httpc "$peer") ;;
    bulk) r=$(run_bulk "$peer") ;;
    bulk-mbuf) r=$(run_bulk ksock-mbuf sinkmbuf) ;;
    accept) r=$(run_accept "$peer") ;;
    idle) r=$(run_idle "$peer") ;;
  esac
  echo "$r" >&2
  done_cost=$((done_cost + $(step_cost "$w")))
done
cleanup

# ---------------------------------------------------------------- report
report_args=(--results "$results" --markdown "$out/results.md" --svg "$out/benchmarks.svg"
             --seconds "$seconds" --rounds "$rounds" --warmup "$warmup" --idle-conns "$idle_conns"
             --java "$(java -version 2>&1 | head -1)" --cores "$(nproc)")
[ "$quick" = 1 ] && report_args+=(--quick)
if [ "$docs" = 1 ]; then
  report_args+=(--docs "$root/docs/BENCHMARKS.md")
  cp_svg=1
fi
python3 "$root/bench/report.py" "${report_args[@]}"
if [ "${cp_svg:-0}" = 1 ]; then
  cp "$out/benchmarks.svg" "$root/docs/benchmarks.svg"
  echo "== wrote docs/BENCHMARKS.md (Results section) and docs/benchmarks.svg" >&2
fi
cat "$out/results.md"
echo "== took $(( (SECONDS - started) / 60 )):$(printf %02d $(( (SECONDS - started) % 60 ))); raw figures in $results" >&2
