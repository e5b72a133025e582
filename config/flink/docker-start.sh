#!/usr/bin/env bash
# Starts the jobmanager and taskmanager containers of docker-compose.yml (official flink image):
#   1. as root: hands the named volumes (Flink state; the GPU override's JavaCPP cache) to the
#      flink user, whose they are not when Docker creates them, then drops to that user;
#   2. applies config/flink/config.yaml over the image's conf/config.yaml with the image's own
#      config-parser-utils.sh, so the distribution's settings (its JVM flags for Java 17) stay;
#   3. runs the image's entry point, which adds FLINK_PROPERTIES (docker-compose.yml) on top.
# Usage: bash /opt/streamtrain/config/flink/docker-start.sh jobmanager|taskmanager
set -euo pipefail

settings=/opt/streamtrain/config/flink/config.yaml

if [ "$(id -u)" = 0 ]; then
  for dir in /opt/flink/state /opt/flink/.javacpp; do
    if [ -d "$dir" ]; then chown flink:flink "$dir"; fi
  done
  exec setpriv --reuid=flink --regid=flink --init-groups bash "$0" "$@"
fi
export HOME=/opt/flink

if [ ! -f "$settings" ]; then
  echo "docker-start.sh: $settings is missing (docker-compose.yml mounts ./config there)" >&2
  exit 1
fi
# flat "key: value" lines; comments, blank and indented lines are skipped, quotes around a value dropped
args=()
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in '' | '#'* | ' '* | $'\t'*) continue ;; esac
  key="${line%%:*}"
  value="${line#*:}"
  value="${value#"${value%%[![:space:]]*}"}"
  value="${value%"${value##*[![:space:]]}"}"
  if [[ "$value" == \"*\" || "$value" == \'*\' ]]; then value="${value:1:${#value}-2}"; fi
  args+=("-D${key}=${value}")
done < "$settings"
"$FLINK_HOME/bin/config-parser-utils.sh" "$FLINK_HOME/conf" "$FLINK_HOME/bin" "$FLINK_HOME/lib" "${args[@]}"

exec /docker-entrypoint.sh "$@"
