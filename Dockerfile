# relay-worker image: built with Maven on a JDK 17, run on a JRE 17 as a non-root user.
#   docker build -t relay-worker .
#   docker run --rm -v "$PWD/config:/app/config:ro" -e KAFKA_BOOTSTRAP_SERVERS=... \
#     -e RELAY_BASE_URL=... -e RELAY_API_KEY=... -p 9400:9400 relay-worker run
# Settings come from /app/config/worker.properties (mount your own directory there) and the
# environment variables KAFKA_BOOTSTRAP_SERVERS, RELAY_BASE_URL, RELAY_API_KEY, LOG_FORMAT, LOG_LEVEL.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /app relay
WORKDIR /app
COPY --from=build /src/target/relay-worker.jar /app/relay-worker.jar
COPY --from=build /src/target/lib /app/lib
COPY config /app/config
VOLUME ["/app/config"]
# admin.port: /metrics, /health/live, /health/ready. 8089: the relay simulator, when run as one.
EXPOSE 9400 8089
USER relay
# Heap from the container's memory limit, not the host's.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/relay-worker.jar"]
CMD ["run"]
