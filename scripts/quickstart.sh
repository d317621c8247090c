#!/usr/bin/env bash
# The README's first command: installs what the grader needs where it can (root with apt-get: bubblewrap for the
# namespace sandbox, libxml2's headers for the build), builds, and grades the bundled full-marks example.
# Without root it says the exact command for what is missing; without bubblewrap the grader then grades in its
# fallback mode and says so in its report.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/prerequisites.sh

grader_need_swift
grader_need_libxml2
grader_need_command bwrap bubblewrap "the namespace sandbox for student code; without it the grader falls back to rlimits only" || true

echo "==> swift build" >&2
swift build
echo "==> .build/debug/grader grade submissions/hw6/reference" >&2
.build/debug/grader grade submissions/hw6/reference
