#!/usr/bin/env bash
# Fuzzes the grader's parsers of untrusted text with libFuzzer (the package in Fuzz/, built with
# -sanitize=fuzzer,address, libyaml's C code with AddressSanitizer too):
#   fuzz-formula   the formula parser and evaluator (formula answers, `grader check` expressions)
#   fuzz-answers   a student's answers.yaml, read and graded against the bundled assignments
#   fuzz-problem   an instructor's problem.yaml, loaded as the instructor's and as the student kit's
#   fuzz-results   what a sandboxed run writes on its result channel, decoded by the harness's reader
#
#   scripts/fuzz.sh                       every target, 600 s each (one after another)
#   scripts/fuzz.sh --seconds 60 fuzz-formula
#   scripts/fuzz.sh --smoke               every target, 10 s each: the test command's smoke run
#   scripts/fuzz.sh --jobs 2 ...          two targets at once (the machine's 2 cores)
#
# Seeds come from the clone itself at each run: the bundled problem.yaml and answers.yaml files, the test fixtures'
# answers.yaml, the formulas of the bundled problems, and Fuzz/Seeds/<target>/. What a run learns stays in
# Fuzz/.build/corpus/<target>/ for the next run; a crash, hang (10 s), leak or allocation over 1 GiB is written to
# Fuzz/.build/artifacts/<target>/ and the script exits 1 naming it. Replay one with
#   Fuzz/.build/debug/<target> <file>
# then fix it and add a regression test (Tests/GraderCoreTests/FuzzRegressionTests.swift).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=600
jobs=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --smoke) seconds=10; shift ;;
    --jobs) jobs="$2"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    fuzz-formula|fuzz-answers|fuzz-problem|fuzz-results) targets+=("$1"); shift ;;
    *) echo "error: unknown argument \`$1\` (scripts/fuzz.sh --help lists them)" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(fuzz-formula fuzz-answers fuzz-problem fuzz-results)
case "$seconds" in ''|*[!0-9]*) echo "error: --seconds takes a whole number, got \`$seconds\`" >&2; exit 2 ;; esac

echo "==> building the fuzz targets (Fuzz/, -sanitize=fuzzer,address)" >&2
mkdir -p Fuzz/.build/logs
# The targets' own sources are always compiled afresh (a few small files, touched so that SwiftPM sees them
# changed): SwiftPM did not recompile them when a type of the grader's they use changed its layout (a stored
# property added to Submission), and a target compiled against the old layout writes past what it allocated, which
# AddressSanitizer reports as a crash in the grader. (Deleting their build folders instead breaks SwiftPM's next
# build: its plan still names the files that were in them.)
find Fuzz/Sources -name '*.swift' -exec touch {} +
# SwiftPM also kept its build plan when a file was added to the grader's sources (a path dependency here), and the
# build then failed: the new file's declarations were missing. The plan is made afresh each run (a few seconds).
rm -f Fuzz/.build/debug.yaml Fuzz/.build/debug/description.json
if ! (cd Fuzz && swift build -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
  -Xcc -fsanitize=fuzzer-no-link,address) >Fuzz/.build/logs/build.log 2>&1; then
  # The linker's warnings about AddressSanitizer's local symbols are noise; the rest says what failed.
  grep -v "Cannot export local symbol" Fuzz/.build/logs/build.log | tail -40 >&2
  echo "error: the fuzz targets did not build (the whole log: Fuzz/.build/logs/build.log)" >&2
  exit 1
fi

# The seeds of one target, gathered from the clone into a fresh folder.
seeds() {
  local target="$1" folder="Fuzz/.build/seeds/$1"
  rm -rf "$folder"
  mkdir -p "$folder"
  [ -d "Fuzz/Seeds/$target" ] && cp Fuzz/Seeds/"$target"/* "$folder"/
  local n=0 file
  case "$target" in
    fuzz-problem)
      for file in problems/*/*/problem.yaml Tests/GraderCLITests/Fixtures/*/*/problem.yaml; do
        [ -f "$file" ] && cp "$file" "$folder/problem-$((n += 1))"
      done ;;
    fuzz-answers)
      for file in submissions/*/*/answers.yaml examples/*/answers.yaml Tests/GraderCLITests/Fixtures/*/answers.yaml \
        Tests/GraderCLITests/Fixtures/*/*/answers.yaml; do
        [ -f "$file" ] && cp "$file" "$folder/answers-$((n += 1))"
      done ;;
    fuzz-formula)
      grep -rhoE "answer: \"[^\"]*\"" problems | sed -E 's/^answer: "(.*)"$/\1/' | sort -u |
        while IFS= read -r formula; do printf '%s' "$formula" > "$folder/formula-$((n += 1))"; done ;;
  esac
  echo "$folder"
}

# Runs one target for $seconds; prints its line of the summary.
run() {
  local target="$1" seed corpus artifacts log
  seed=$(seeds "$target")
  corpus="Fuzz/.build/corpus/$target"
  artifacts="Fuzz/.build/artifacts/$target"
  log="Fuzz/.build/logs/$target.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  local max_len=4096
  [ "$target" = fuzz-formula ] && max_len=512
  local status=0
  # SWIFT_BACKTRACE: Swift's crash handler would read the dying process's memory and trip AddressSanitizer.
  SWIFT_BACKTRACE=enable=no "Fuzz/.build/debug/$target" "$corpus" "$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$artifacts/" \
    >"$log" 2>&1 || status=$?
  local executions
  executions=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$" | tail -1 || echo "?")
  if [ $status -ne 0 ]; then
    local artifact
    artifact=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //')
    echo "$target: FOUND a problem after $executions executions: ${artifact:-see $log} (log: $log)"
    return 1
  fi
  echo "$target: $executions executions in ${seconds} s, no crash, hang or leak" \
    "(corpus: $(ls "$corpus" | wc -l) inputs)"
}

status=0
if [ "$jobs" -gt 1 ]; then
  pids=()
  for target in "${targets[@]}"; do
    run "$target" > "Fuzz/.build/logs/$target.summary" 2>&1 &
    pids+=($!)
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
  done
  for pid in "${pids[@]}"; do wait "$pid" || status=1; done
  for target in "${targets[@]}"; do cat "Fuzz/.build/logs/$target.summary"; done
else
  for target in "${targets[@]}"; do run "$target" || status=1; done
fi
exit $status
