# Sourced by ./ksock, ./run-tests and .ci/run: finds a JDK 25+ and Maven, and installs the
# Debian packages the tests talk to when they are missing. Prints what is missing and exits
# non-zero when it cannot fix it itself.

ksock_java_major() { # $1 = a java binary; prints its feature version (17, 25, ...)
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1
}

ksock_find_jdk() {
  local candidate major
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    major=$(ksock_java_major "$JAVA_HOME/bin/java")
    if [ "${major:-0}" -ge 25 ] 2>/dev/null; then
      return 0
    fi
    echo "ksock: JAVA_HOME=$JAVA_HOME is Java ${major:-?}; looking for a JDK 25+ elsewhere" >&2
  fi
  for candidate in /usr/lib/jvm/*25* /usr/lib/jvm/*-2[5-9]* /usr/lib/jvm/*-3[0-9]* \
                   /opt/java/* /opt/jdk* /usr/local/lib/jvm/* "$HOME"/.sdkman/candidates/java/* \
                   "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(ksock_java_major "$candidate/bin/java")
    if [ "${major:-0}" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "ksock: no JDK 25 or newer found. Install one (e.g. Temurin 25 under /usr/lib/jvm) or set JAVA_HOME to it." >&2
  return 1
}

ksock_find_maven() {
  if command -v mvn >/dev/null 2>&1; then
    return 0
  fi
  ksock_apt_install maven || {
    echo "ksock: Maven (mvn) is missing and could not be installed; install Maven 3.8+." >&2
    return 1
  }
}

# ksock_apt_install PKG... : installs Debian packages that are absent (needs root and apt-get).
ksock_apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ksock: missing packages ${missing[*]} and no apt-get to install them" >&2
    return 1
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "ksock: installing ${missing[*]} (apt-get)" >&2
  $sudo apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
    echo "ksock: apt-get install ${missing[*]} failed" >&2
    return 1
  }
}

ksock_setup() {
  ksock_find_jdk || return 1
  ksock_find_maven || return 1
  export PATH="$JAVA_HOME/bin:$PATH"
  # Maven's own libraries touch sun.misc.Unsafe; keep that noise out of our output.
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"
}
