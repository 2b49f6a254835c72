# relay-worker images, built with Maven on a JDK 17 and run on a JRE 17 as a non-root user.
#   docker build -t relay-worker .                                   the worker (the last stage)
#   docker build --target simulator -t relay-worker-simulator .      the relay simulator
#   docker run --rm -v "$PWD/config:/app/config:ro" -e KAFKA_BOOTSTRAP_SERVERS=... \
#     -e RELAY_BASE_URL=... -e RELAY_API_KEY=... -p 9400:9400 relay-worker run
# The worker image holds the worker module and its runtime dependencies only: no broker, test
# kit, simulator, demo or benchmark. Settings come from /app/config/worker.properties (mount your
# own directory there) and the environment: RELAY_WORKER_<SETTING> for any setting (see
# docs/configuration.md), KAFKA_BOOTSTRAP_SERVERS, RELAY_BASE_URL, RELAY_API_KEY, LOG_FORMAT, LOG_LEVEL.
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
# Heap from the container's memory limit, not the host's.
# The common pool's parallelism at 2: see bin/relay-worker (JDK 17 in a one- or two-CPU container).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2", "-jar", "/app/relay-worker.jar"]
CMD ["run"]
