# Shared by the bin/ scripts: prints a JAVA_HOME whose java is version 21 or newer.
java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}

switchboard_java_home() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    local v; v="$(java_major "$JAVA_HOME")"
    if [[ "${v%%.*}" -ge 21 ]]; then echo "$JAVA_HOME"; return; fi
    echo "JAVA_HOME=$JAVA_HOME is Java $v; looking for a JDK >= 21 instead" >&2
  fi
  local best="" best_v=0 dir v
  for dir in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/*; do
    [[ -x "$dir/bin/javac" ]] || continue
    v="$(java_major "$dir")"; v="${v%%.*}"
    if [[ "$v" =~ ^[0-9]+$ && "$v" -ge 21 && "$v" -gt "$best_v" ]]; then best="$dir"; best_v="$v"; fi
  done
  if [[ -z "$best" ]] && command -v javac >/dev/null; then
    dir="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
    v="$(java_major "$dir")"
    if [[ "${v%%.*}" -ge 21 ]]; then best="$dir"; fi
  fi
  if [[ -z "$best" ]]; then
    echo "Switchboard needs a JDK 21 or newer; none found. Install one (e.g. apt-get install openjdk-21-jdk) or set JAVA_HOME." >&2
    exit 1
  fi
  echo "$best"
}
