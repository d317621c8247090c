#!/usr/bin/env bash
# The README's second command, and CI's: installs what the tests need where it can, then runs the whole suite.
#   - bubblewrap: the sandbox tests run student code in namespaces;
#   - libxml2's headers and pkg-config: the build, and the in-process JUnit schema validation;
#   - python3 with junitparser: an independent JUnit reader checks the grader's reports.
# A tool that cannot be installed (not root) is named with its install command here, and the tests that need it
# fail saying the same; none is skipped.
# When GRADER_JENKINS_SCHEMA names Jenkins' junit-10.xsd (the project's CI sets it), every JUnit report the tests
# validate is also checked against it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/prerequisites.sh

grader_need_swift
grader_need_libxml2
grader_need_command bwrap bubblewrap "the namespace sandbox; the sandbox tests need it" || true
grader_need_command setpriv util-linux "drops to nobody in the sandbox and in the non-root test" || true
grader_need_junitparser || true

if [ -n "${GRADER_JENKINS_SCHEMA:-}" ]; then
  echo "==> JUnit reports are also validated against $GRADER_JENKINS_SCHEMA" >&2
fi

# The style gate: the formatter's lint, strict, on every Swift file of the grader. The hostile snippets the tests
# replay are student code as a student writes it, so their files end in .swift-fixture, which the formatter skips.
# Line length is the suite's own test (StyleTests).
echo "==> swift format lint --strict" >&2
status=0
swift format lint --strict -r Sources Tests Package.swift Fuzz/Package.swift Fuzz/Sources || status=$?
if [ $status -ne 0 ]; then
  echo "error: swift format lint found the problems above; \`swift format -i <file>\` fixes most of them" >&2
fi

echo "==> swift test" >&2
started=$(date +%s)
swift test 2>&1 || status=$?

# The fuzz targets' smoke run: each parser of untrusted text (formulas, answers.yaml, problem.yaml, the result
# channel) fed its seeds and 10 s of mutations under AddressSanitizer, which also replays the inputs that once
# broke them (Fuzz/Seeds/). The long runs are `scripts/fuzz.sh` (600 s a target).
echo "==> scripts/fuzz.sh --smoke" >&2
scripts/fuzz.sh --smoke --jobs 2 || status=$?

# Nothing the tests started may outlive them: no sandbox, launcher or staged binary of any grader, and (the tests'
# snippets run as nobody or as the grader's own sandbox uids, 2147418112 and up, when this runs as root) no process
# of those uids started during the run.
sleep 2
elapsed=$(( $(date +%s) - started ))
left=$(ps -eo pid=,uid=,etimes=,args= | awk -v self=$$ -v window="$elapsed" '
  $1 == self { next }
  /grader-stage-|\/sandbox\/|grader-launch|grader-e2e-/ && !/awk/ { print; next }
  ($2 == 65534 || $2 >= 2147418112) && $3 <= window { print }')
if [ -n "$left" ]; then
  echo "error: processes started by the tests are still running:" >&2
  echo "$left" >&2
  status=1
else
  echo "==> no process of the test run is left" >&2
fi
exit $status
