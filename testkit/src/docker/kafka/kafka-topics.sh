#!/bin/bash
# kafka-topics.sh as apache/kafka has it at this path (docker-compose.yml's health check runs it).
exec java -Xmx256m -Dlogback.configurationFile=/opt/kafka/config/logback-tools.xml -cp "/opt/kafka/libs/*" \
  org.apache.kafka.tools.TopicCommand "$@"
