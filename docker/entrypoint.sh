#!/usr/bin/env bash
# The container's entrypoint: starts a Floe broker the way Apache Kafka's image starts Kafka.
#
# - A properties file mounted at $FLOE_CONFIG (default /etc/floe/server.properties) is the base config.
# - Every environment variable FLOE_<NAME> becomes the property <name>, after Kafka's image conventions:
#   lowercase, '_' -> '.', '__' -> '_', '___' -> '-'. FLOE_S3_BUCKET=b -> s3.bucket=b,
#   FLOE_LISTENERS=... -> listeners=..., FLOE_METADATA_STORE_URL=... -> metadata.store.url=...,
#   FLOE_AUTOMQ_TABLE_TOPIC_CATALOG_TYPE=rest -> automq.table.topic.catalog.type=rest.
#   They override the file. FLOE_CONFIG, FLOE_HOME, FLOE_HEAP_OPTS and FLOE_JVM_OPTS are the entrypoint's own.
# - Logs go to stdout. The JVM replaces this script (exec), so it gets the container's signals.
set -euo pipefail

home="${FLOE_HOME:-/opt/floe}"
config="${FLOE_CONFIG:-/etc/floe/server.properties}"

# FLOE_S3_ACCESS__KEY -> s3.access_key; FLOE_A___B -> a-b
property_name() {
  local name="${1#FLOE_}"
  name="${name,,}"
  name="${name//___/-}"
  name="${name//__/$'\x01'}"
  name="${name//_/.}"
  printf '%s' "${name//$'\x01'/_}"
}

args=()
if [ -f "$config" ]; then
  args+=("$config")
fi
while IFS='=' read -r var _; do
  case "$var" in
    FLOE_CONFIG|FLOE_HOME|FLOE_HEAP_OPTS|FLOE_JVM_OPTS) ;;
    FLOE_?*) args+=(--override "$(property_name "$var")=${!var}") ;;
  esac
done < <(env | grep -E '^FLOE_[A-Za-z0-9_]+=' | sort)

exec java ${FLOE_HEAP_OPTS:--Xmx1g -Xms1g} ${FLOE_JVM_OPTS:-} -XX:+UseG1GC -Dsun.net.httpserver.nodelay=true \
  -cp "$home/lib/*" io.floe.broker.FloeBroker "${args[@]}" "$@"
