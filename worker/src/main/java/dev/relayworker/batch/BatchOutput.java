package dev.relayworker.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * The output file of a batch, opened for appending. What is already in it is the record of
 * earlier runs: its {@code custom_id}s are {@link #isDone done} and not sent again. A last line
 * cut short by a kill is removed before anything is appended, so every line stays whole JSON.
 *
 * <p>Each line is written with one call and no buffering in this process, so a killed run loses
 * at most the line being written. Not thread-safe: one thread writes.
 */
public final class BatchOutput implements AutoCloseable {

  private final FileChannel channel;
  private final Set<String> done;
  private final ObjectMapper json;

  private BatchOutput(FileChannel channel, Set<String> done, ObjectMapper json) {
    this.channel = channel;
    this.done = done;
    this.json = json;
  }

  /** Opens (or creates) {@code file}, reading the custom_ids it already answers. */
  public static BatchOutput open(Path file, ObjectMapper json) throws IOException {
    Set<String> done = new HashSet<>();
    long keep = 0;
    if (Files.exists(file)) {
      byte[] content = Files.readAllBytes(file);
      int start = 0;
      for (int i = 0; i < content.length; i++) {
        if (content[i] == '\n') {
          String customId = customId(json, new String(content, start, i - start, StandardCharsets.UTF_8));
          if (customId == null) {
            break; // A damaged line in the middle: keep nothing after it, redo those requests.
          }
          done.add(customId);
          start = i + 1;
        }
      }
      keep = start;
    }
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    channel.truncate(keep);
    channel.position(keep);
    return new BatchOutput(channel, done, json);
  }

  public boolean isDone(String customId) {
    return done.contains(customId);
  }

  /** How many custom_ids the file answers. */
  public int doneCount() {
    return done.size();
  }

  /** Appends one output line, unless its custom_id already has one; returns whether it wrote. */
  public boolean write(String customId, JsonNode line) throws IOException {
    if (!done.add(customId)) {
      return false;
    }
    byte[] bytes = (json.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    return true;
  }

  private static String customId(ObjectMapper json, String line) {
    try {
      JsonNode node = json.readTree(line);
      JsonNode id = node == null ? null : node.get("custom_id");
      return id != null && id.isTextual() ? id.asText() : null;
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
