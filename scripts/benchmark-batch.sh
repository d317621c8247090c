#!/usr/bin/env bash
# Benchmark of `grader batch` on a generated class. Prints, from one run on this machine:
#   - students per second for the naive path (one compiler call per file, empty caches) and the optimized path
#     (shared compiler calls, empty caches), and their ratio;
#   - a warm rerun with nothing changed (the median of three), and its speed-up over the optimized cold run;
#   - the similarity report's cost: a warm rerun with and without it (it runs in full on every batch);
#   - 10,000 answers-only submissions, each with its own numbers (a class with variants: every student's answer
#     keys come from a few reference runs that evaluate all of a problem's answer expressions);
#   - peak memory (GNU time's maximum resident set size: the largest of the grader and each process it waited for);
#   - one student graded by `grader grade`: with an empty cache, with the references cached, and again;
#   - the class's first 45 students: one batch against a loop of `grader grade` per student (LOOP_PAIRS pairs);
#   - where the speed issue's targets stand in this run (docs/batch.md, "Speed").
#
# Usage: scripts/benchmark-batch.sh [N] [answers-only-N]      (defaults: 200 and 10000)
# Needs: GNU time (/usr/bin/time), bubblewrap for the sandbox. Builds the grader as Gradescope's setup.sh builds it
# (`swift build -c release --static-swift-stdlib`, in .build/static) unless GRADER= names a binary.
# BASELINE=<another grader binary> also times that binary's optimized cold run on the same class, right after this
# one's, and prints the ratio: a change's cost, measured in one run on one machine. BASELINE_PROBLEMS=<folder> gives
# it the problems in its own format (a worktree's problems/, say). SKIP_NAIVE=1 skips the naive run.
# PROBLEMS=<folder> grades another assignment folder: a copy of problems/hw6 with fewer problems (its assignment.yaml
# listing them) grades a class that hands in only those, as the speed issue was filed with four problems.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}
ANSWERS_ONLY=${2:-10000}
# The assignment the class hands in (the bundled HW6).
PROBLEMS=${PROBLEMS:-problems/hw6}
if [ -z "${GRADER:-}" ]; then
  # A build folder of its own: the option recompiles every module, and would replace (and, at the next plain
  # `swift build -c release`, rebuild) the release build in .build/release.
  GRADER=.build/static/release/grader
  if ! swift build -c release --static-swift-stdlib --scratch-path .build/static >/dev/null; then
    # As setup.sh does when a toolchain cannot link Foundation statically (reported of Swift 6.4 and 6.5).
    echo "benchmark: the statically linked build failed; timing the grader built with the shared Swift runtime" >&2
    swift build -c release --scratch-path .build/static >/dev/null
  fi
elif [ ! -x "$GRADER" ]; then
  echo "GRADER=$GRADER: no such executable" >&2
  exit 2
fi
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (/usr/bin/time; apt-get install time)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/grader-bench-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
CLASS=$WORK/class
mkdir -p "$CLASS"
"$GRADER" init "$WORK/scaffold" --problems "$PROBLEMS" >/dev/null

# What a student hands in from a bundled submission: its answers without its `student:` line (the folder's name is
# the student), and only what $PROBLEMS asks for (PROBLEMS may name a subset of HW6's problems, as the speed issue's
# figures at filing had four).
answers_of() {
  awk -v problems="$PROBLEMS" '
    /^student:/ { next }
    /^[A-Za-z0-9_-]+:/ { name = $1; sub(/:$/, "", name); keep = system("test -d \"" problems "/" name "\"") == 0 }
    keep || !/^[ A-Za-z0-9_-]/' "$1"
}
asked() { [ -d "$PROBLEMS/$(basename "$1" .swift)" ]; }

# A class of N students: 55% correct, 25% wrong (alice's and bob's mistakes), 8% with a file that does not
# compile, 10% who handed in the untouched scaffold, 2% hostile (an infinite loop, 4 MB of output). Every file but
# the scaffold's carries the student's name, so no two are identical and nothing is compiled once for two students.
for i in $(seq 1 "$N"); do
  id=$(printf "student-%04d" "$i")
  dir=$CLASS/$id
  mkdir -p "$dir"
  bucket=$((i % 50))
  if [ $bucket -lt 5 ]; then source=scaffold
  elif [ $bucket -lt 9 ]; then source=bob
  elif [ $bucket -lt 21 ]; then source=alice
  else source=reference
  fi
  if [ "$source" = scaffold ]; then
    cp "$WORK/scaffold"/* "$dir/"
    continue
  fi
  answers_of "submissions/hw6/$source/answers.yaml" > "$dir/answers.yaml"
  for file in submissions/hw6/$source/*.swift; do
    asked "$file" || continue
    { echo "// $id"; cat "$file"; } > "$dir/$(basename "$file")"
  done
  if [ $bucket -eq 9 ] || [ $bucket -eq 21 ]; then
    # A syntax error in an otherwise correct file.
    { echo "// $id"; cat submissions/hw6/reference/variance-recursion.swift; echo "func broken( {"; } > "$dir/variance-recursion.swift"
  fi
  if [ $bucket -eq 49 ]; then
    if [ $((i % 100)) -eq 49 ]; then
      printf '// %s\nfunc outputVariance(widths: [Int]) -> Double {\n    var x = 0.0\n    while widths.count >= 0 { x += 1 }\n    return x\n}\n' "$id" > "$dir/variance-recursion.swift"
    else
      printf '// %s\nfunc outputVariance(widths: [Int]) -> Double {\n    for _ in 0..<70000 { print("0123456789012345678901234567890123456789012345678901234567890123") }\n    return 0\n}\n' "$id" > "$dir/variance-recursion.swift"
    fi
  fi
done

# One timed batch run; prints "seconds peak-kilobytes". TIMINGS=<file> keeps its --timings breakdown there.
run() {
  local out=$1; shift
  if [ -n "${TIMINGS:-}" ]; then
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$GRADER" batch "$@" --out "$out" --quiet --timings >/dev/null 2>"$TIMINGS"
    sed -i '/^timings:/,$!d' "$TIMINGS"
  else
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$GRADER" batch "$@" --out "$out" --quiet >/dev/null 2>&1
  fi
  cat "$WORK/time.txt"
}

# The floor: what this class's work costs at the least on this machine, with no isolation between students and
# nothing done twice. Measured here: ONE compiler call over every distinct student file that compiles (top-level
# declarations made fileprivate so that they share a module; the experiment problem's files in one whole-module -O
# call, which the grader cannot use, see docs/batch.md); then, from the optimized run's own --timings, one link per
# student and one sandboxed run per code part at the grader's mean cost of each, spread over the cores; and the
# references' phase of a class of one graded without the shared compile (below). Prints the floor and the optimized
# cold run's ratio to it.
floor() {
  local dir=$WORK/floor plain=() optimized=() experiment seen
  mkdir -p "$dir"
  # The driver leaves its file lists in TMPDIR when it turns into the one frontend it runs: keep them in $WORK.
  local scratch=$WORK
  # The problem with an experiment, if the assignment has one (grep finds none in a subset without it).
  experiment=$( (grep -l "kind: experiment" "$PROBLEMS"/*/problem.yaml || true) | xargs -r -n1 dirname \
    | xargs -r -n1 basename)
  # Every distinct file a student handed in (each carries its author's name, so only the untouched scaffold is
  # shared), less those that do not compile (checked once per content, the name line aside): they compile to nothing
  # the grader runs.
  seen=" "
  local good=" " bad=" "
  for file in "$CLASS"/*/*.swift; do
    local sum name target
    sum=$(md5sum < "$file" | cut -c1-16)
    name=$(basename "$file" .swift)
    case "$seen" in *" $sum "*) continue ;; esac
    seen="$seen$sum "
    local content
    content=$(sed 1d "$file" | md5sum | cut -c1-16)
    case "$bad" in *" $content "*) continue ;; esac
    case "$good" in
      *" $content "*) ;;
      *)
        if (cd "$dir" && sed 1d "$file" > check.swift \
          && TMPDIR=$scratch swiftc -typecheck -parse-as-library check.swift) >/dev/null 2>&1 \
          && ! grep -q 'fatalError("TODO' "$file"; then
          good="$good$content "
        else
          bad="$bad$content "
          continue
        fi
        ;;
    esac
    target=$dir/f-$name-$sum.swift
    sed -e 's/^func /fileprivate func /' -e 's/^struct /fileprivate struct /' "$file" > "$target"
    if printf '%s\n' $experiment | grep -qx "$name"; then optimized+=("$target"); else plain+=("$target"); fi
  done
  local started ended compile_s
  started=$(date +%s.%N)
  (cd "$dir" && TMPDIR=$scratch swiftc -Onone -wmo -num-threads "$(nproc)" -parse-as-library -module-name Floor -c "${plain[@]}") \
    >/dev/null 2>"$dir/plain.log" || { echo "floor: the one -Onone call failed"; head -5 "$dir/plain.log"; }
  if [ ${#optimized[@]} -gt 0 ]; then
    (cd "$dir" && TMPDIR=$scratch swiftc -O -wmo -num-threads "$(nproc)" -parse-as-library -module-name FloorO -c "${optimized[@]}") \
      >/dev/null 2>"$dir/optimized.log" || { echo "floor: the one -O call failed"; head -5 "$dir/optimized.log"; }
  fi
  ended=$(date +%s.%N)
  compile_s=$(awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.2f", b - a }')
  # The references' cost alone: a class of one student who hands in every file, empty cache, without the shared
  # compile, so that its references' phase runs by itself. The class's own run compiles the students' code beside
  # that phase (docs/batch.md), which makes the phase's wall time longer than the references' cost.
  local one=$WORK/one/student-one references_s
  mkdir -p "$one"
  answers_of submissions/hw6/reference/answers.yaml > "$one/answers.yaml"
  for file in submissions/hw6/reference/*.swift; do asked "$file" && cp "$file" "$one/"; done
  TIMINGS=$WORK/timings-one.txt run "$WORK/out-one" "$WORK/one" --cache "$WORK/cache-one" --problems "$PROBLEMS" \
    --compile-one-by-one >/dev/null
  references_s=$(awk '/^  references and every variant.s keys/ { print $(NF - 1) }' "$WORK/timings-one.txt")
  local parts trainings
  parts=$(grep -hE '^    kind: (snippet|experiment)' "$PROBLEMS"/*/problem.yaml | wc -l)
  trainings=$( (grep -hE '^    kind: experiment' "$PROBLEMS"/*/problem.yaml || true) | wc -l)
  # A run of an experiment part trains models: it is costed at the mean of the grader's experiment runs, the other
  # parts' runs at the mean of its other runs.
  awk -v compile="$compile_s" -v n="$N" -v parts="$parts" -v trainings="$trainings" -v cores="$(nproc)" \
    -v cold="$cold" -v files="$(( ${#plain[@]} + ${#optimized[@]} ))" -v references="${references_s:-0}" '
    /^  ld.lld, sandboxed / { link = $(NF - 2); gsub(/[()]/, "", link) }
    /^  student code, sandboxed run / { run = $(NF - 2); gsub(/[()]/, "", run) }
    /^  student code, experiment run / { training = $(NF - 2); gsub(/[()]/, "", training) }
    END {
      if (training == "") training = run
      links = n * link / cores; runs = n * ((parts - trainings) * run + trainings * training) / cores
      total = compile + links + runs + references
      printf "floor: %.1f s = one compiler call over %d distinct files %.1f s + %d links %.1f s + %d x %d runs %.1f s " \
        "(link %.3f s, run %.3f s, experiment run %.3f s, over %d cores) + references %.1f s\n", total, files, compile,
        n, links, n, parts, runs, link, run, training, cores, references
      printf "optimized cold / floor: %.1fx\n", cold / total
      printf "%.2f\n", total > floorfile
    }' floorfile="$WORK/floor.txt" "$WORK/timings.txt"
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.2f", n / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

echo "class: $N students, $(find "$CLASS" -name '*.swift' | wc -l) Swift files; machine: $(nproc) cores"
if [ -z "${SKIP_NAIVE:-}" ]; then
  read -r naive naive_kb < <(run "$WORK/out-naive" "$CLASS" --cache "$WORK/cache-naive" --problems "$PROBLEMS" --compile-one-by-one --no-result-cache)
  echo "naive     (one compiler call per file, empty cache): ${naive} s, $(rate "$N" "$naive") students/s, peak ${naive_kb} KB"
fi
read -r cold cold_kb < <(TIMINGS=$WORK/timings.txt run "$WORK/out-opt" "$CLASS" --cache "$WORK/cache-opt" --problems "$PROBLEMS")
echo "optimized (shared compiler calls, empty cache):      ${cold} s, $(rate "$N" "$cold") students/s, peak ${cold_kb} KB"
echo "where the optimized cold run's time went (grader batch --timings):"
sed 's/^/    /' "$WORK/timings.txt"
floor
# A rerun takes a fraction of a second, so one sample says more about what ran just before it (the floor's compile)
# than about the rerun: the median of three, with the three.
warm_runs() {
  local times=() kb=0 seconds peak
  for _ in 1 2 3; do
    read -r seconds peak < <(run "$WORK/out-opt" "$CLASS" --cache "$WORK/cache-opt" --problems "$PROBLEMS" "$@")
    times+=("$seconds")
    kb=$peak
  done
  local sorted
  sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
  echo "$(echo "$sorted" | awk '{ print $2 }') $kb $sorted"
}
read -r warm warm_kb warm_all < <(warm_runs)
echo "warm rerun (nothing changed), median of 3:           ${warm} s, $(rate "$N" "$warm") students/s, peak ${warm_kb} KB (runs: ${warm_all% })"
read -r nosim nosim_kb nosim_all < <(warm_runs --no-similarity)
echo "warm rerun without the similarity report, median:    ${nosim} s, peak ${nosim_kb} KB (runs: ${nosim_all% })"
awk -v w="$warm" -v n="$nosim" -v c="$cold" 'BEGIN { printf "similarity report: %.2f s, %.1f%% of the optimized cold run\n", w - n, 100 * (w - n) / c }'
# The last run wrote no similarity; write it again so that the gradebooks compared below come from the same options.
run "$WORK/out-opt" "$CLASS" --cache "$WORK/cache-opt" --problems "$PROBLEMS" >/dev/null
if [ -z "${SKIP_NAIVE:-}" ]; then
  if cmp -s "$WORK/out-naive/gradebook.csv" "$WORK/out-opt/gradebook.csv"; then same=identical; else same=DIFFERENT; fi
  echo "optimized / naive: $(ratio "$naive" "$cold")x   warm / cold: $(ratio "$cold" "$warm")x   gradebooks of the two paths: $same"
fi
if [ -n "${BASELINE:-}" ]; then
  read -r base base_kb < <(GRADER=$BASELINE run "$WORK/out-base" "$CLASS" --cache "$WORK/cache-base" --problems "${BASELINE_PROBLEMS:-problems}")
  read -r again again_kb < <(run "$WORK/out-again" "$CLASS" --cache "$WORK/cache-again" --problems "$PROBLEMS")
  echo "baseline  ($BASELINE, optimized, empty cache): ${base} s, peak ${base_kb} KB"
  echo "this build again (optimized, empty cache):          ${again} s, peak ${again_kb} KB"
  echo "this build / baseline: $(ratio "$cold" "$base")x, then $(ratio "$again" "$base")x"
  # Per problem graded: an assignment that gained a problem (HW6's double descent) is compared per problem.
  problems_now=$(ls "$PROBLEMS"/*/problem.yaml | wc -l)
  problems_base=$(ls "${BASELINE_PROBLEMS:-problems}"/*/problem.yaml | wc -l)
  awk -v c="$cold" -v a="$again" -v b="$base" -v n="$problems_now" -v m="$problems_base" 'BEGIN {
    printf "per problem graded (%d problems here, %d in the baseline): this build / baseline %.2fx, then %.2fx\n",
      n, m, (c / n) / (b / m), (a / n) / (b / m) }'
fi


ANSWERS=$WORK/answers-class
mkdir -p "$ANSWERS"
for i in $(seq 1 "$ANSWERS_ONLY"); do
  d=$ANSWERS/$(printf "s%05d" "$i")
  mkdir "$d"
  if [ $((i % 3)) -eq 0 ]; then source=bob; else source=reference; fi
  answers_of "submissions/hw6/$source/answers.yaml" > "$d/answers.yaml"
done
read -r answers answers_kb < <(run "$WORK/out-answers" "$ANSWERS" --cache "$WORK/cache-answers" --problems "$PROBLEMS")
echo "answers only, each student's own numbers: $ANSWERS_ONLY submissions in ${answers} s ($(rate "$ANSWERS_ONLY" "$answers") students/s), peak ${answers_kb} KB"
if [ -n "${BASELINE:-}" ]; then
  read -r answers_base answers_base_kb < <(GRADER=$BASELINE run "$WORK/out-answers-base" "$ANSWERS" --cache "$WORK/cache-answers-base" --problems "${BASELINE_PROBLEMS:-problems}")
  echo "answers only, baseline: ${answers_base} s, peak ${answers_base_kb} KB; this build / baseline: $(ratio "$answers" "$answers_base")x"
fi

# One student graded with `grader grade`, as a student with the kit or a CI job does: the first student of the class
# who hands in every file correctly (the floor's student-one), with an empty cache (the references compiled and run
# first; the toolchain's folder in TMPDIR as earlier runs left it); a second student with those references cached,
# whose own files are compiled; and that second student again, nothing changed.
grade_time() {
  /usr/bin/time -f "%e" -o "$WORK/time.txt" "$GRADER" grade "$@" --problems "$PROBLEMS" --quiet >/dev/null 2>&1 \
    || echo "benchmark: grader grade $1 failed" >&2
  cat "$WORK/time.txt"
}
second=$WORK/one/student-two
mkdir -p "$second"
cp "$WORK/one/student-one"/* "$second/"
for file in "$second"/*.swift; do sed -i '1i // student-two' "$file"; done
one_empty=$(grade_time "$WORK/one/student-one" --student student-one --cache "$WORK/cache-grade")
one_cold=$(grade_time "$second" --student student-two --cache "$WORK/cache-grade")
one_warm=$(grade_time "$second" --student student-two --cache "$WORK/cache-grade")
echo "one student, grader grade: empty cache ${one_empty} s; another student, references cached ${one_cold} s;" \
  "that student again ${one_warm} s"

# The batch against the loop any instructor can write: the class's first 45 students (or all, if fewer), each graded
# by `grader grade` (as many at a time as there are cores, one shared cache, empty at the start; no reports), and
# the same students by one `grader batch` with an empty cache. LOOP_PAIRS pairs (default 3), batch and loop in turn;
# the median of the pairs' ratios. The loop's scores must be the batch's.
SMALL=$WORK/class-small
mkdir -p "$SMALL"
for dir in $(ls -d "$CLASS"/*/ | head -45); do cp -r "$dir" "$SMALL/"; done
small=$(ls "$SMALL" | wc -l)
loop_ratios=() loop_line=""
for pair in $(seq 1 "${LOOP_PAIRS:-3}"); do
  rm -rf "$WORK/out-small" "$WORK/cache-small" "$WORK/cache-loop" "$WORK/loop-json"
  read -r small_batch _ < <(run "$WORK/out-small" "$SMALL" --cache "$WORK/cache-small" --problems "$PROBLEMS")
  mkdir -p "$WORK/loop-json"
  /usr/bin/time -f "%e" -o "$WORK/time.txt" sh -c 'ls "$1" | xargs -P "$2" -I{} "$3" grade "$1/{}" --student {} \
    --problems "$4" --cache "$5" --quiet --json "$6/{}.json"' sh "$SMALL" "$(nproc)" "$GRADER" "$PROBLEMS" \
    "$WORK/cache-loop" "$WORK/loop-json" >/dev/null 2>&1 || echo "benchmark: a grader grade of the loop failed" >&2
  small_loop=$(cat "$WORK/time.txt")
  loop_ratios+=("$(awk -v l="$small_loop" -v b="$small_batch" 'BEGIN { printf "%.2f", l / b }')")
  loop_line="${loop_line:+$loop_line; }batch ${small_batch} s, loop ${small_loop} s"
done
# Every student's total in the loop's results.json (its top-level "score") against the batch's gradebook.
differ=0
for json in "$WORK"/loop-json/*.json; do
  id=$(basename "$json" .json)
  loop_score=$(awk '/^  "score" : / { gsub(/,/, "", $3); print $3 }' "$json")
  batch_score=$(tr -d '\r' < "$WORK/out-small/gradebook.csv" | awk -F, -v id="$id" '$1 == id { print $NF }')
  awk -v a="$loop_score" -v b="$batch_score" 'BEGIN { exit !(a == "" || b == "" || a - b > 0.005 || b - a > 0.005) }' \
    && differ=$((differ + 1))
done
loop_median=$(printf '%s\n' "${loop_ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
if [ "$differ" -eq 0 ]; then scores="every student's score the same"; else scores="$differ students' scores DIFFER"; fi
echo "class of $small: per-student loop / batch ${loop_median}x, median of ${#loop_ratios[@]} pairs ($loop_line;" \
  "ratios ${loop_ratios[*]}); $scores"

# Where the speed issue's targets stand in this run (docs/batch.md, "Speed").
target() {
  local what=$1 value=$2 verdict=$3
  printf '  %-58s %-16s %s\n' "$what" "$value" "$verdict"
}
met() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { ok = (op == "<=") ? v <= t : v >= t; print ok ? "met" : "NOT met" }'; }
floor_s=$(cat "$WORK/floor.txt" 2>/dev/null || echo 0)
echo "targets (this run):"
if [ -n "${BASELINE:-}" ]; then
  half=$(awk -v c="$cold" -v b="$base" 'BEGIN { printf "%.2f", c / b }')
  target "optimized cold at most 0.5x the baseline's" "${half}x" "$(met "$half" "<=" 0.5)"
fi
if [ -z "${SKIP_NAIVE:-}" ]; then
  naive_x=$(awk -v n="$naive" -v c="$cold" 'BEGIN { printf "%.2f", n / c }')
  target "optimized cold at least 3.5x faster than the naive path" "${naive_x}x" "$(met "$naive_x" ">=" 3.5)"
fi
floor_x=$(awk -v c="$cold" -v f="$floor_s" 'BEGIN { printf "%.2f", (f > 0 ? c / f : 0) }')
target "optimized cold within 2x of the floor" "${floor_x}x" "$(met "$floor_x" "<=" 2)"
target "class of $small: batch at least 3x faster than the loop" "${loop_median}x" "$(met "$loop_median" ">=" 3)"
target "warm rerun of $N at most 0.2 s" "${warm} s" "$(met "$warm" "<=" 0.2)"
target "answers only, $ANSWERS_ONLY students, at most 5 s" "${answers} s" "$(met "$answers" "<=" 5)"
target "one student cold (references cached) at most 2 s" "${one_cold} s" "$(met "$one_cold" "<=" 2)"
target "one student cold (empty cache) at most 2 s" "${one_empty} s" "$(met "$one_empty" "<=" 2)"
target "one student warm at most 0.1 s" "${one_warm} s" "$(met "$one_warm" "<=" 0.1)"
