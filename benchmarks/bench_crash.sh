#!/bin/bash
# Crash-recovery timings (issue #19, docs/benchmarks.md "Crash recovery"): kill the
# loader (or, with "store", the store) after CRASH_ROWS rows written, restart the
# store timed, run the command it prints, show the counts.
# usage: benchmarks/bench_crash.sh PROVINCE_DIR FRESH_DATA_DIR PORT CRASH_ROWS loader|store
# (FRESH_DATA_DIR is deleted first.)
set -u
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD GRAPHSVC_DATA_DIR=$2 GRAPHSVC_STORE_PORT=$3
PY=.venv/bin/python
rm -rf $2
$PY -m graphsvc store start >/dev/null 2>&1
if [ $5 = store ]; then export GRAPHSVC_TEST_CRASH_PID=$(cat $2/falkordb/redis.pid); fi
GRAPHSVC_TEST_CRASH_AFTER_ROWS=$4 $PY -m graphsvc load $1 --no-progress > ${TMPDIR:-/tmp}/load-$3.out 2>&1; echo "crashed load rc=$?"
du -b $2/falkordb/appendonlydir/* | sed 's/^/  /'
$PY -m graphsvc store stop >/dev/null 2>&1
t=$(date +%s.%N); $PY -m graphsvc store start > ${TMPDIR:-/tmp}/start-$3.out 2>&1; echo "store start rc=$? wall $(echo "$(date +%s.%N) - $t" | bc) s"
grep "loaded from" $2/falkordb/redis.log | tail -3 | cut -c40-
cat ${TMPDIR:-/tmp}/start-$3.out | grep -v INFO
cmd=$(grep "to finish it, run:" ${TMPDIR:-/tmp}/start-$3.out | sed 's/.*run: graphsvc //')
t=$(date +%s.%N); $PY -m graphsvc $cmd --no-progress > ${TMPDIR:-/tmp}/resume-$3.out 2>&1; echo "resume rc=$? $(echo "$(date +%s.%N) - $t" | bc) s"; grep -o "done: .*" ${TMPDIR:-/tmp}/resume-$3.out
$PY -m graphsvc store status | tail -12
$PY -m benchmarks.graph_counts  # nodes per label and relationships per type, JSON
$PY -m graphsvc store stop >/dev/null
