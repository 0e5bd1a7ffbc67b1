# Sourced by the project's scripts: finds a JDK >= 21 and exports JAVA_HOME and PATH for it.
# Order: $JAVA_HOME, then the JDKs under /usr/lib/jvm and /opt (newest first), then `java` on PATH.
# Exits with one line on stderr when there is none (the machines' default java is 17).

osprey_jdk_major() { # JAVA_HOME -> major version, or nothing
  local release="$1/release" version
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$release" ]; then
    version=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$release")
  else
    version=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
  fi
  version=${version#1.}
  echo "${version%%[.+-]*}"
}

osprey_find_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/* /opt/*jdk* 2>/dev/null | sort -rV) \
                   "$(dirname "$(dirname "$(readlink -f "$(command -v javac 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$candidate" ] || continue
    major=$(osprey_jdk_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! OSPREY_JDK=$(osprey_find_jdk); then
  echo "osprey: no JDK >= 21 found; install one (e.g. Temurin 25) or point JAVA_HOME at it" >&2
  exit 1
fi
export JAVA_HOME="$OSPREY_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
