#!/usr/bin/env bash
# The file system of Switchboard's container image, built on this machine with nothing pulled from a
# registry: a Java runtime cut from the build's JDK with jlink (the modules Switchboard and its
# libraries use, as jdeps lists them, plus what they load by reflection), the shared libraries that
# runtime loads (with the dynamic loader), busybox (a shell and wget for health checks and debugging),
# and an unprivileged user. Jib lays the application over it (cli/pom.xml, jib:buildTar).
#
# Usage: deploy/image/rootfs.sh JDK_HOME OUT_DIR
set -euo pipefail

jdk=${1:?usage: rootfs.sh JDK_HOME OUT_DIR}
out=${2:?usage: rootfs.sh JDK_HOME OUT_DIR}
modules=java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.jfr,jdk.management,jdk.unsupported,jdk.zipfs

if [ ! -x "$jdk/bin/jlink" ]; then
  echo "rootfs.sh: $jdk/bin/jlink not found: JDK_HOME must be a JDK (21 or newer)" >&2
  exit 1
fi
busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ! { ldd "$busybox" 2>&1 || true; } | grep -q -e 'not a dynamic executable' -e 'statically linked'; then
  echo "rootfs.sh: a statically linked busybox is needed (Debian: apt-get install busybox-static)" >&2
  exit 1
fi

rm -rf "$out"
mkdir -p "$out"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --output "$out/opt/java"

# Shared libraries: those java and the runtime's own libraries need, but the desktop ones, which a
# headless JVM (java.awt.headless=true, set by the image) never loads.
libs=$( { ldd "$out/opt/java/bin/java"
          find "$out/opt/java/lib" -name '*.so' ! -name 'libawt_xawt.so' ! -name 'libjawt.so' ! -name 'libsplashscreen.so' \
               ! -name 'libjsound.so' -exec ldd {} \; ; } 2>/dev/null | grep -o '/[^ ]*' | grep -v "^$out" | sort -u )
for lib in $libs; do
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done

mkdir -p "$out/bin" "$out/etc" "$out/tmp" "$out/proc" "$out/var/lib/switchboard/data"
cp -L "$busybox" "$out/bin/busybox"
echo 'root:x:0:0:root:/root:/bin/busybox
switchboard:x:65532:65532:Switchboard:/var/lib/switchboard:/bin/busybox' > "$out/etc/passwd"
echo 'root:x:0:
switchboard:x:65532:' > "$out/etc/group"
echo "rootfs.sh: $(du -sh "$out" | cut -f1) in $out ($(echo "$libs" | wc -l) shared libraries)"
