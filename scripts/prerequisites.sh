# Shared by scripts/quickstart.sh and scripts/test.sh: finds what the grader and its tests need, installs what it
# can (as root, with apt-get and pip), and prints the exact command for what it cannot. Sourced, not run.

# apt-get update runs at most once per script, and only when something is to be installed.
__grader_apt_updated=no

# Installs Debian packages when this shell is root with apt-get; returns 1 when it cannot.
grader_apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then return 1; fi
  if [ "$__grader_apt_updated" = no ]; then
    echo "==> apt-get update" >&2
    apt-get update -qq >/dev/null || return 1
    __grader_apt_updated=yes
  fi
  echo "==> apt-get install $*" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# grader_need_command COMMAND PACKAGE WHY: installs PACKAGE when COMMAND is missing; returns 1 (after saying the
# command to run) when it cannot.
grader_need_command() {
  command -v "$1" >/dev/null 2>&1 && return 0
  grader_apt_install "$2" && command -v "$1" >/dev/null 2>&1 && return 0
  echo "warning: $1 is missing ($3). Install it with: sudo apt-get install $2" >&2
  return 1
}

# libxml2's headers and pkg-config, which the build needs (the JUnit writer and schema validator use libxml2).
grader_need_libxml2() {
  if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libxml-2.0; then return 0; fi
  grader_apt_install pkg-config libxml2-dev && pkg-config --exists libxml-2.0 && return 0
  echo "error: libxml2's development files are missing (the grader writes JUnit through libxml2)." >&2
  echo "Install them with: sudo apt-get install pkg-config libxml2-dev" >&2
  return 1
}

# The Swift toolchain cannot come from apt: say where to get it.
grader_need_swift() {
  command -v swift >/dev/null 2>&1 && command -v swiftc >/dev/null 2>&1 && return 0
  echo "error: Swift 6 is not on PATH. Install a toolchain from swift.org (tested with 6.3.1) and put its usr/bin on PATH." >&2
  return 1
}

# The Python package junitparser, the independent JUnit reader one test uses.
grader_need_junitparser() {
  python3 -c 'import junitparser' >/dev/null 2>&1 && return 0
  command -v python3 >/dev/null 2>&1 || grader_apt_install python3 python3-pip || true
  python3 -m pip --version >/dev/null 2>&1 || grader_apt_install python3-pip || true
  echo "==> pip install junitparser" >&2
  python3 -m pip install -q junitparser >/dev/null 2>&1 \
    || python3 -m pip install -q --break-system-packages junitparser >/dev/null 2>&1 \
    || grader_apt_install python3-junitparser || true
  python3 -c 'import junitparser' >/dev/null 2>&1 && return 0
  echo "warning: the Python package junitparser is missing. Install it with: python3 -m pip install junitparser" >&2
  return 1
}
