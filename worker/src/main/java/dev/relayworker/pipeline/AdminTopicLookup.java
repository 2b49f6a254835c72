package dev.relayworker.pipeline;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ReplyTopics.Lookup} through the Admin client: {@code describeTopics} for the partition
 * count (it never creates a topic) and {@code describeConfigs} for {@code max.message.bytes}.
 * A topic the cluster says does not exist, or that we may not describe, is missing; one it did
 * not answer about in time is left out, to be asked again.
 *
 * <p>Threads: called on the route checker's thread; blocks up to {@value #TIMEOUT_SECONDS} s per call.
 */
final class AdminTopicLookup implements ReplyTopics.Lookup {

  private static final Logger log = LoggerFactory.getLogger(AdminTopicLookup.class);
  private static final long TIMEOUT_SECONDS = 10;
  /** The broker default of message.max.bytes, assumed when a topic's config cannot be read. */
  static final int KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

  private final Admin admin;

  AdminTopicLookup(Admin admin) {
    this.admin = admin;
  }

  @Override
  public Map<String, ReplyTopics.TopicFacts> describe(Collection<String> topics) {
    Map<String, KafkaFuture<TopicDescription>> descriptions = admin.describeTopics(topics).topicNameValues();
    Map<String, Integer> partitions = new HashMap<>();
    Map<String, ReplyTopics.TopicFacts> facts = new HashMap<>();
    descriptions.forEach((topic, description) -> {
      try {
        partitions.put(topic, description.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).partitions().size());
      } catch (ExecutionException e) {
        String missing = missing(topic, e.getCause());
        if (missing != null) {
          facts.put(topic, ReplyTopics.TopicFacts.missing(missing));
        }
      } catch (TimeoutException e) {
        // Left out: asked again on the next lookup.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Map<String, Integer> maxBytes = maxMessageBytes(partitions.keySet());
    partitions.forEach((topic, count) -> facts.put(topic,
        new ReplyTopics.TopicFacts(count, maxBytes.getOrDefault(topic, KAFKA_DEFAULT_MAX_MESSAGE_BYTES), null)));
    return facts;
  }

  private static String missing(String topic, Throwable cause) {
    if (cause instanceof UnknownTopicOrPartitionException || cause instanceof InvalidTopicException) {
      return "topic '" + topic + "' does not exist";
    }
    if (cause instanceof TopicAuthorizationException) {
      return "the worker may not use topic '" + topic + "'";
    }
    return null;
  }

  private Map<String, Integer> maxMessageBytes(Collection<String> topics) {
    Map<String, Integer> found = new HashMap<>();
    if (topics.isEmpty()) {
      return found;
    }
    List<ConfigResource> resources = topics.stream()
        .map(topic -> new ConfigResource(ConfigResource.Type.TOPIC, topic)).toList();
    try {
      Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      configs.forEach((resource, config) -> {
        ConfigEntry entry = config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        if (entry != null && entry.value() != null) {
          found.put(resource.name(), Integer.parseInt(entry.value()));
        }
      });
    } catch (ExecutionException | TimeoutException | NumberFormatException e) {
      log.warn("could not read max.message.bytes of {}; assuming Kafka's default {}: {}", topics,
          KAFKA_DEFAULT_MAX_MESSAGE_BYTES, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return found;
  }
}
