#!/usr/bin/env bash
# How long report.html takes to open in headless Chromium (issue #7 target: < 2 s).
# Usage: scripts/measure-report-open.sh [REPORT.html] [RUNS]
# Without REPORT, builds the 200-group demo portfolio into /tmp/shequn-demo-report first (~40 s).
# Prints navigation timings per open (new tab each) and their median/min/max.
set -euo pipefail
cd "$(dirname "$0")/.."
report=${1:-}
if [ -z "$report" ]; then
  cargo build --release -p shequn
  rm -rf /tmp/shequn-demo-report
  target/release/shequn demo --out /tmp/shequn-demo-report >/dev/null
  report=/tmp/shequn-demo-report/report.html
fi
SHEQUN_MEASURE_REPORT=$(realpath "$report") SHEQUN_MEASURE_RUNS=${2:-7} \
  cargo test --release -q -p shequn --test report_portfolio -- --ignored --nocapture --exact measure_report_open 2>&1 |
  grep -E '^(report|run|dom_|load|first_|open_)'
