# Sourced by bin/run and bin/test (from the repository root): finds a JDK 21+ and checks for Maven.
# JAVA_HOME wins when it is 21 or newer; otherwise the newest JDK 21+ under /usr/lib/jvm (or, on macOS,
# /Library/Java/JavaVirtualMachines). Exports JAVA_HOME and puts its bin first on PATH.

# Prints the major version of the java binary $1 (8, 17, 21, 25, ...); nothing when it does not run.
java_major() {
  local spec
  spec=$("$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')
  case "$spec" in
    1.*) echo "${spec#1.}" | cut -d. -f1 ;;   # Java 8 and older report 1.8
    *) echo "$spec" | cut -d. -f1 ;;
  esac
}

# A usable JDK home: java and javac both present (Maven compiles), java at major version >= 21.
jdk_major() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  local major
  major=$(java_major "$1/bin/java")
  [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null || return 1
  echo "$major"
}

find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && jdk_major "$JAVA_HOME" >/dev/null; then
    echo "$JAVA_HOME"
    return 0
  fi
  local best="" best_major=0 dir major
  for dir in /usr/lib/jvm/*/ /Library/Java/JavaVirtualMachines/*/Contents/Home/; do
    [ -d "$dir" ] || continue
    dir=${dir%/}
    major=$(jdk_major "$dir") || continue
    if [ "$major" -gt "$best_major" ]; then
      best="$dir"
      best_major="$major"
    fi
  done
  [ -n "$best" ] && echo "$best"
}

JDK=$(find_jdk) || true
if [ -z "${JDK:-}" ]; then
  echo "rewind: no JDK 21 or newer found (JAVA_HOME=${JAVA_HOME:-unset}; looked in /usr/lib/jvm)." >&2
  echo "rewind: install one (Debian/Ubuntu: apt-get install openjdk-21-jdk; or Temurin 21 or 25)," >&2
  echo "rewind: then point JAVA_HOME at it, e.g. export JAVA_HOME=/usr/lib/jvm/java-21-openjdk-amd64" >&2
  exit 1
fi
export JAVA_HOME="$JDK"
export PATH="$JAVA_HOME/bin:$PATH"

if ! command -v mvn >/dev/null 2>&1; then
  echo "rewind: Maven 3.8+ is needed but 'mvn' is not on PATH; install it (Debian/Ubuntu: apt-get install maven)." >&2
  exit 1
fi
