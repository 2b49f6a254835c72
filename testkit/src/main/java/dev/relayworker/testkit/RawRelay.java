package dev.relayworker.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A relay written on raw sockets, for tests of what an HTTP library would hide: interim 1xx
 * answers, answers out of step with requests, framing a codec would refuse. It reads each
 * HTTP/1.1 request (head and a {@code Content-Length} body) and lets a {@link Script} write
 * whatever bytes it likes back, at whatever moment.
 *
 * <p>Threads: one acceptor, then one daemon thread per connection running the script. Listens on
 * loopback only.
 */
public final class RawRelay implements AutoCloseable {

  /** What to answer one request with; writes straight to the connection. */
  @FunctionalInterface
  public interface Script {
    void answer(Exchange exchange) throws IOException, InterruptedException;
  }

  /** One request as read, and the connection to answer it on. */
  public static final class Exchange {
    /** Which connection, from 0 in order of acceptance. */
    public final int connection;
    /** Which request on its connection, from 0. */
    public final int onConnection;
    /** Which request overall, from 0 in order of arrival. */
    public final int overall;
    public final String requestLine;
    /** Header names lower case. */
    public final Map<String, String> headers;
    public final byte[] body;
    private final Socket socket;

    Exchange(int connection, int onConnection, int overall, String requestLine, Map<String, String> headers,
        byte[] body, Socket socket) {
      this.connection = connection;
      this.onConnection = onConnection;
      this.overall = overall;
      this.requestLine = requestLine;
      this.headers = headers;
      this.body = body;
      this.socket = socket;
    }

    /** The request body's {@code prompt} when it is a plain JSON string, else the empty string. */
    public String prompt() {
      Matcher matcher = PROMPT.matcher(new String(body, StandardCharsets.UTF_8));
      return matcher.find() ? matcher.group(1) : "";
    }

    public void write(String text) throws IOException {
      write(text.getBytes(StandardCharsets.UTF_8));
    }

    public void write(byte[] bytes) throws IOException {
      OutputStream out = socket.getOutputStream();
      out.write(bytes);
      out.flush();
    }

    /**
     * Waits until the client has written more on this connection (its next request), so that what
     * the script writes next arrives after it; gives up after 10 s.
     */
    public void awaitNextRequest() throws IOException, InterruptedException {
      InputStream in = socket.getInputStream();
      for (int waited = 0; in.available() == 0 && waited < 10_000; waited++) {
        TimeUnit.MILLISECONDS.sleep(1);
      }
    }

    /** Closes the connection after this answer. */
    public void close() throws IOException {
      socket.close();
    }
  }

  private static final Pattern PROMPT = Pattern.compile("\"prompt\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final ServerSocket server;
  private final Script script;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final List<Exchange> received = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private RawRelay(ServerSocket server, Script script) {
    this.server = server;
    this.script = script;
  }

  /** Listens on a free loopback port and answers every request with {@code script}. */
  public static RawRelay start(Script script) {
    try {
      ServerSocket server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
      RawRelay relay = new RawRelay(server, script);
      Thread acceptor = new Thread(relay::accept, "raw-relay-accept");
      acceptor.setDaemon(true);
      acceptor.start();
      return relay;
    } catch (IOException e) {
      throw new IllegalStateException("cannot listen on loopback", e);
    }
  }

  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  /** Requests read so far. */
  public int requests() {
    return requests.get();
  }

  /** Every request read so far, in order of arrival. */
  public List<Exchange> received() {
    return List.copyOf(received);
  }

  /** A complete HTTP/1.1 answer with a JSON body and its length. */
  public static String response(int status, String reason, String body) {
    return "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/json\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
  }

  /** A {@code 200 OK} answer carrying {@link #completion}. */
  public static String ok(String id, String text) {
    return response(200, "OK", completion(id, text));
  }

  /** A {@code text_completion} whose one choice is {@code text}, with honest-looking usage. */
  public static String completion(String id, String text) {
    return "{\"id\":\"" + id + "\",\"object\":\"text_completion\",\"created\":1700000000,\"model\":\"davinci-002\","
        + "\"choices\":[{\"text\":\"" + text + "\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}";
  }

  /** Pauses a script; tests use it to put an answer's parts in separate TCP segments. */
  public static void pause(long millis) throws InterruptedException {
    TimeUnit.MILLISECONDS.sleep(millis);
  }

  private void accept() {
    while (!closed) {
      try {
        Socket socket = server.accept();
        socket.setTcpNoDelay(true);
        open.add(socket);
        int number = connections.getAndIncrement();
        Thread serving = new Thread(() -> serve(socket, number), "raw-relay-" + number);
        serving.setDaemon(true);
        serving.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket, int connection) {
    try (socket; InputStream in = socket.getInputStream()) {
      for (int onConnection = 0; ; onConnection++) {
        String requestLine = line(in);
        if (requestLine == null) {
          return;
        }
        Map<String, String> headers = new TreeMap<>();
        for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
          int colon = header.indexOf(':');
          if (colon > 0) {
            headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
          }
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        Exchange exchange = new Exchange(connection, onConnection, requests.getAndIncrement(), requestLine, headers,
            body, socket);
        received.add(exchange);
        script.answer(exchange);
        if (socket.isClosed()) {
          return;
        }
      }
    } catch (IOException e) {
      // The client hung up, or the script closed the connection.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      open.remove(socket);
    }
  }

  /** One CRLF-terminated line without its ending; null at the end of the stream. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != -1; b = in.read()) {
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
      }
      line.write(b);
    }
    return null;
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // Closing anyway.
    }
    for (Socket socket : open) {
      try {
        socket.close();
      } catch (IOException e) {
        // Closing anyway.
      }
    }
  }
}
