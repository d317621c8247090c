#!/usr/bin/env bash
# Writes the experiment toolkit (the Swift code the grader compiles after every reference.swift with an experiment
# part, from Sources/GraderCore/Kinds/Experiment/ExperimentToolkit.swift) to a file and prints its path, for the
# standalone measurement programs beside this script: TOOLKIT=$(scripts/experiments/toolkit.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-${TMPDIR:-/tmp}/experiment-toolkit.swift}
awk '/static let source = #"""/ {inside = 1; next} /^ *"""#/ {inside = 0} inside {sub(/^        /, ""); print}' \
  Sources/GraderCore/Kinds/Experiment/ExperimentToolkit.swift > "$out"
echo "$out"
