package dev.relayworker.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * The output file of a batch, opened for appending and locked while a run writes it. What is
 * already in it is the record of earlier runs: its {@code custom_id}s (and the numbers of input
 * lines answered as bad) are {@link #isDone done} and not sent again. A last line cut short by a
 * kill is removed before anything is appended, so every line stays whole JSON; a damaged line
 * before it is left where it is, and the lines after it still count.
 *
 * <p>The run's identity lives beside it, in {@code OUTPUT.run} ({@link #runId}): a random ID made
 * when the output file is started, with the SHA-256 of the input it answers, kept by every run that
 * resumes it with the same input, so replies are matched to this output file and input and no
 * other, whatever its path. Resuming a started output with another input is refused, as is a file
 * that is not a batch output (the input given twice, a file of something else); neither is
 * truncated.
 *
 * <p>Each line is written with one call and no buffering in this process, so a killed run loses
 * at most the line being written. Not thread-safe: one thread writes.
 */
public final class BatchOutput implements AutoCloseable {

  /** Why an output file cannot be written by this run; the message says what to do. */
  public static final class Refused extends IOException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }

  private final FileChannel channel;
  private final FileLock lock;
  private final Set<String> done;
  private final Set<Integer> badLines;
  private final String runId;
  private final ObjectMapper json;

  private BatchOutput(FileChannel channel, FileLock lock, Set<String> done, Set<Integer> badLines, String runId,
      ObjectMapper json) {
    this.channel = channel;
    this.lock = lock;
    this.done = done;
    this.badLines = badLines;
    this.runId = runId;
    this.json = json;
  }

  /** Opens {@code file} for an input whose content is not checked (tests). */
  static BatchOutput open(Path file, ObjectMapper json) throws IOException {
    return open(file, json, "");
  }

  /**
   * Opens (or creates) {@code file}, locks it, and reads what it already answers.
   *
   * @param inputDigest the SHA-256 (hex) of the input file this run answers
   * @throws Refused when another run holds it, it is not a batch output file, or it was started for
   *     another input
   */
  public static BatchOutput open(Path file, ObjectMapper json, String inputDigest) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    try {
      FileLock lock = tryLock(channel, file);
      Set<String> done = new HashSet<>();
      Set<Integer> badLines = new HashSet<>();
      long keep = readDone(channel, file, json, done, badLines);
      channel.truncate(keep);
      channel.position(keep);
      return new BatchOutput(channel, lock, done, badLines, runId(file, keep > 0, inputDigest, json), json);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static FileLock tryLock(FileChannel channel, Path file) throws IOException {
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException held) {
      lock = null;
    }
    if (lock == null) {
      throw new Refused("batch output " + file + " is being written by another batch run; wait for it, or name"
          + " another output file");
    }
    return lock;
  }

  /**
   * Reads the custom_ids the file answers; returns how many bytes to keep: all but a last line
   * cut short.
   */
  private static long readDone(FileChannel channel, Path file, ObjectMapper json, Set<String> done,
      Set<Integer> badLines) throws IOException {
    ByteBuffer content = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, channel.size()));
    while (content.hasRemaining() && channel.read(content, content.position()) > 0) {
      // Read it all.
    }
    byte[] bytes = content.array();
    int start = 0;
    int lineNumber = 0;
    for (int i = 0; i < content.position(); i++) {
      if (bytes[i] != '\n') {
        continue;
      }
      lineNumber++;
      JsonNode line = parse(json, new String(bytes, start, i - start, StandardCharsets.UTF_8));
      if (line != null && line.path("custom_id").isTextual()) {
        done.add(line.get("custom_id").asText());
      } else if (line != null && line.path("line").isInt() && line.path("error").isObject()) {
        badLines.add(line.get("line").asInt());
      } else if (lineNumber == 1) {
        throw new Refused("batch output " + file + " is not a batch output file (its first line is not a JSON"
            + " object with a custom_id); refusing to append to it");
      }
      start = i + 1;
    }
    return start;
  }

  private static JsonNode parse(ObjectMapper json, String line) {
    try {
      JsonNode node = json.readTree(line);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The run ID kept beside a started output file for the same input; a new one for a file started
   * now (or by a version that kept none).
   */
  private static String runId(Path file, boolean started, String inputDigest, ObjectMapper json) throws IOException {
    Path side = file.resolveSibling(file.getFileName() + ".run");
    if (started && Files.exists(side)) {
      JsonNode kept = parse(json, Files.readString(side, StandardCharsets.UTF_8));
      String run = kept == null ? "" : kept.path("run").asText("");
      String input = kept == null ? "" : kept.path("input_sha256").asText("");
      if (run.matches("[0-9a-f]{32}")) {
        if (!input.equals(inputDigest)) {
          throw new Refused("batch output " + file + " was started for another input (its " + side.getFileName()
              + " names input SHA-256 " + input + "); name another output file, or delete both to start over");
        }
        return run;
      }
    }
    String fresh = UUID.randomUUID().toString().replace("-", "");
    Files.writeString(side, json.createObjectNode().put("run", fresh).put("input_sha256", inputDigest) + "\n",
        StandardCharsets.UTF_8);
    return fresh;
  }

  /** This output file's run ID: requests of every run writing it carry it, replies are matched by it. */
  public String runId() {
    return runId;
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
    append(line);
    return true;
  }

  /**
   * Appends the error line of bad input line {@code number}, one without a usable custom_id (it
   * carries {@code "line"} instead), unless it has one already; returns whether it wrote.
   */
  public boolean writeBadLine(int number, ObjectNode line) throws IOException {
    if (!badLines.add(number)) {
      return false;
    }
    append(line.put("line", number));
    return true;
  }

  private void append(JsonNode line) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap((json.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8));
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
