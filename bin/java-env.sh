# Sourced by bin/run and bin/test: finds a JDK 21+ and checks for Maven.
# JAVA_HOME wins when it is 21 or newer; otherwise the newest JDK under /usr/lib/jvm that is.

java_major() {
  # prints the major version of the java binary $1 (17, 21, 25, ...)
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    local major
    major=$(java_major "$JAVA_HOME/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      echo "$JAVA_HOME"
      return 0
    fi
  fi
  local best="" best_major=0 dir major
  for dir in /usr/lib/jvm/*/; do
    dir=${dir%/}
    [ -x "$dir/bin/java" ] && [ -x "$dir/bin/javac" ] || continue
    major=$(java_major "$dir/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best="$dir"
      best_major="$major"
    fi
  done
  [ -n "$best" ] && echo "$best"
}

JDK=$(find_jdk) || true
if [ -z "${JDK:-}" ]; then
  echo "rewind: no JDK 21 or newer found (JAVA_HOME=${JAVA_HOME:-unset}; looked in /usr/lib/jvm)." >&2
  echo "rewind: install one (for example Debian's openjdk-21-jdk or Temurin 21/25) and set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME="$JDK"
export PATH="$JAVA_HOME/bin:$PATH"

if ! command -v mvn >/dev/null 2>&1; then
  echo "rewind: Maven 3.8+ is needed (command 'mvn' not found); install it, e.g. apt-get install maven." >&2
  exit 1
fi

# Installs Debian packages a test needs when they are missing: as root with apt-get, otherwise it
# says what to install and stops. Usage: require_debian_packages <command-to-check> <package>...
require_debian_packages() {
  local probe="$1"
  shift
  command -v "$probe" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "rewind: installing $* (needed by the tests)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "rewind: the tests need '$probe'; install the Debian packages: $* (or run this as root)" >&2
    exit 1
  fi
}
