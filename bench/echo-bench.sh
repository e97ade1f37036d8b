#!/usr/bin/env bash
# Echo only (1 and 50 connections), every peer: a shortcut for bench/run.sh, which runs all
# workloads and documents the method. Extra options go through, e.g. --rounds 5 --peers "ksock c".
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/run.sh" --workloads "echo1 echo50" --no-docs "$@"
