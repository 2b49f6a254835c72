# relay-worker images, built with Maven on a JDK 17 and run on a JRE 17 as a non-root user.
#   docker build -t relay-worker .                                   the worker (the last stage)
#   docker build --target simulator -t relay-worker-simulator .      the relay simulator
#   docker run --rm -v "$PWD/config:/app/config:ro" -e KAFKA_BOOTSTRAP_SERVERS=... \
#     -e RELAY_BASE_URL=... -e RELAY_API_KEY=... -p 127.0.0.1:9400:9400 relay-worker run
# The worker image holds the worker module and its runtime dependencies only: no broker, test
# kit, simulator, demo or benchmark. Settings come from /app/config/worker.properties (mount your
# own directory there) and the environment: RELAY_WORKER_<SETTING> for any setting (see
# docs/configuration.md), KAFKA_BOOTSTRAP_SERVERS, RELAY_BASE_URL, RELAY_API_KEY, LOG_FORMAT, LOG_LEVEL.
# The image carries no relay key: give it one (RELAY_API_KEY, or a mounted file named by
# RELAY_WORKER_RELAY_API_KEY_FILE).
# The base images are build arguments: the official ones by default; where no registry answers,
# bin/local-images builds stand-ins from Debian packages and prints the arguments to pass:
#   docker build --build-arg BUILD_IMAGE=relay-worker-local/jdk:17 --build-arg RUNTIME_IMAGE=relay-worker-local/jre:17 .
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY pom.xml .
COPY worker worker
COPY simulator simulator
COPY testkit testkit
COPY tools tools
COPY end-to-end end-to-end
RUN mvn -B -q -Dmaven.test.skip=true -pl worker,simulator -am package

FROM ${RUNTIME_IMAGE} AS simulator
RUN useradd --system --uid 10001 --home-dir /app relay
WORKDIR /app
COPY --from=build /src/simulator/target/relay-worker-simulator.jar /app/relay-worker-simulator.jar
COPY --from=build /src/simulator/target/lib /app/lib
EXPOSE 8089
USER relay
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/relay-worker-simulator.jar"]
CMD ["--host", "0.0.0.0", "--port", "8089"]

FROM ${RUNTIME_IMAGE} AS worker
RUN useradd --system --uid 10001 --home-dir /app relay
WORKDIR /app
COPY --from=build /src/worker/target/relay-worker.jar /app/relay-worker.jar
COPY --from=build /src/worker/target/lib /app/lib
COPY config /app/config
VOLUME ["/app/config"]
# admin.port: /metrics, /health/live, /health/ready.
EXPOSE 9400
USER relay
# Liveness for a plain `docker run` (an orchestrator's own probes take precedence): /health/live
# on admin.port, asked with bash alone, since the runtime image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${RELAY_WORKER_ADMIN_PORT:-9400} && printf 'GET /health/live HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# Heap from the container's memory limit, not the host's. An OutOfMemoryError ends the JVM at once
# (exit 3): the orchestrator restarts it, and what was in flight is redone from the last commit,
# instead of a half-working process that has stopped answering.
# The common pool's parallelism at 2: see bin/relay-worker (JDK 17 in a one- or two-CPU container).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2", "-jar", "/app/relay-worker.jar"]
CMD ["run"]
