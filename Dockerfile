# relay-worker image: build with Maven, run on a JRE 17 as a non-root user.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home /app relay
WORKDIR /app
COPY --from=build /src/target/relay-worker.jar /app/relay-worker.jar
COPY --from=build /src/target/lib /app/lib
COPY config /app/config
USER relay
ENTRYPOINT ["java", "-jar", "/app/relay-worker.jar"]
