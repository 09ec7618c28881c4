#!/bin/sh
# Runs a test program that needs Java HdrHistogram (docs/hdr.md §12); exits 77, which CTest
# reports as skipped (SKIP_RETURN_CODE), when java or the jar is missing. scripts/test installs
# both (default-jre-headless, libhdrhistogram-java).
jar=/usr/share/java/hdrhistogram.jar
if [ ! -r "$jar" ] || ! java -version >/dev/null 2>&1; then
  echo "SKIPPED: needs java and $jar (apt-get install -y default-jre-headless libhdrhistogram-java)"
  exit 77
fi
exec "$@"
