# Sourced by bin/run (from the repository root): the JVM's ahead-of-time cache on JDK 25+, trained once
# per build by dev.rewind.standalone.AotTraining (about a minute). A failed training is remembered in
# <cache>.failed with the jar's SHA-256, so later starts of the same build skip it instead of paying
# the minute again; a new build (another digest) trains again, and deleting the marker retries.

# Prints the SHA-256 of file $1 (sha256sum on Linux, shasum on macOS).
file_digest() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# Usage: prepare_aot_cache <jar> <cache> [java option...]. Trains the cache when it is missing or older
# than the jar, unless this jar's training failed before; returns 0 when the cache is there to use.
prepare_aot_cache() {
  local jar="$1" aot="$2"
  shift 2
  local failed="$aot.failed"
  if [ -f "$aot" ] && [ ! "$aot" -ot "$jar" ]; then
    return 0
  fi
  local digest
  digest=$(file_digest "$jar")
  if [ -f "$failed" ] && [ "$(cat "$failed")" = "$digest" ]; then
    echo "rewind: the AOT training run failed for this build (see $aot.log); starting without the cache," \
         "not retrying until the build changes (delete $failed to retry now)" >&2
    return 1
  fi
  echo "rewind: training the JVM's ahead-of-time cache (once per build, about a minute)…" >&2
  rm -f "$aot" "$failed"
  if java "$@" -XX:AOTCacheOutput="$aot" -cp "$jar" dev.rewind.standalone.AotTraining \
       >"$aot.log" 2>&1 </dev/null && [ -f "$aot" ]; then
    return 0
  fi
  rm -f "$aot"
  echo "$digest" >"$failed"
  echo "rewind: the AOT training run failed (see $aot.log); starting without the cache, and this build" \
       "will not try again (delete $failed to retry)" >&2
  return 1
}
