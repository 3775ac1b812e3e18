# Floe's container image, from the Maven build's output:
#   mvn -B -DskipTests -pl broker -am package && docker build -t floe .
# Starts like Apache Kafka's image: FLOE_* environment variables become properties (see docker/entrypoint.sh),
# a properties file mounted at /etc/floe/server.properties is the base config, logs go to stdout.
FROM eclipse-temurin:17-jre

RUN groupadd --system --gid 1001 floe \
 && useradd --system --uid 1001 --gid floe --home-dir /var/lib/floe --shell /usr/sbin/nologin floe \
 && mkdir -p /opt/floe/lib /var/lib/floe /etc/floe \
 && chown floe:floe /var/lib/floe

COPY broker/target/lib/ /opt/floe/lib/
COPY broker/target/floe-broker-*.jar /opt/floe/lib/
COPY docker/entrypoint.sh /opt/floe/bin/entrypoint.sh

# In a container the broker listens on every interface (the embedded default is 127.0.0.1 only); tell clients
# where to connect with FLOE_ADVERTISED_LISTENERS.
ENV FLOE_LISTENERS=PLAINTEXT://0.0.0.0:9092 \
    FLOE_FLOE_DATA_DIR=/var/lib/floe \
    FLOE_FLOE_REST_CATALOG_LISTENERS=http://0.0.0.0:8181 \
    FLOE_FLOE_SCHEMA_REGISTRY_LISTENERS=http://0.0.0.0:8081

USER floe
VOLUME /var/lib/floe
EXPOSE 9092 8181 8081

# Healthy once the REST catalog answers (it starts after the Kafka listener and storage)
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/8181 && printf "GET /v1/config HTTP/1.0\r\n\r\n" >&3 && head -1 <&3 | grep -q " 200 "'

ENTRYPOINT ["/opt/floe/bin/entrypoint.sh"]
