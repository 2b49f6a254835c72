package dev.relayworker.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the simulator's HTTP requests: {@code POST /v1/completions},
 * {@code POST /v1/chat/completions} and {@code POST /v1/embeddings}, {@code GET /v1/models},
 * {@code GET /stats}, and the key's quota at {@code GET /admin/quota} and {@code POST /admin/quota}
 * (body {@code {"add": N}} or {@code {"set": N}}).
 *
 * <p>Threads: runs on the Netty event loop. Nothing here blocks: a delayed answer is a task
 * scheduled on the same loop, so ten thousand waiting answers cost ten thousand small objects,
 * not ten thousand threads. Requests on one connection must not be pipelined (answers could
 * overtake each other); HTTP clients of the JDK, OkHttp and wrk do not pipeline.
 */
@Sharable
final class SimulatorHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final Logger log = LoggerFactory.getLogger(SimulatorHandler.class);
  private static final String COMPLETIONS = "/v1/completions";
  private static final String CHAT_COMPLETIONS = "/v1/chat/completions";
  private static final String EMBEDDINGS = "/v1/embeddings";
  private static final String MESSAGES = "/v1/messages";

  /** Which endpoint a call came to. */
  private enum Api { COMPLETIONS, CHAT, EMBEDDINGS, MESSAGES }
  private static final byte[] MALFORMED_BODY =
      "{\"id\":\"cmpl-broken\",\"object\":\"text_completion\",\"choices\":[{\"text\":\"trunc".getBytes(StandardCharsets.UTF_8);

  private static final byte[] ENDLESS_START = "{\"id\":\"cmpl-endless\",\"object\":\"text_completion\",\"x\":\""
      .getBytes(StandardCharsets.UTF_8);
  private static final byte[] ENDLESS_CHUNK = "x".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8);

  private final RelaySimulator simulator;
  private final ObjectMapper mapper;
  private final CompletionGenerator generator;
  private final EmbeddingGenerator embeddings;
  private final MessageGenerator messages;
  private final StreamEvents streams;
  private final RelayErrors errors;
  private final AtomicLong ids = new AtomicLong();


  SimulatorHandler(RelaySimulator simulator, ObjectMapper mapper) {
    this.simulator = simulator;
    this.mapper = mapper;
    TokenCounter tokens = new TokenCounter();
    this.generator = new CompletionGenerator(mapper, tokens);
    this.embeddings = new EmbeddingGenerator(mapper, tokens);
    this.messages = new MessageGenerator(mapper, generator, tokens);
    this.streams = new StreamEvents(mapper);
    this.errors = new RelayErrors(mapper);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    String path = request.uri().split("\\?", 2)[0];
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    if (request.method() == HttpMethod.POST && (path.equals(COMPLETIONS) || path.equals(CHAT_COMPLETIONS)
        || path.equals(EMBEDDINGS) || path.equals(MESSAGES))) {
      completions(ctx, request, keepAlive, path.equals(CHAT_COMPLETIONS) ? Api.CHAT
          : path.equals(EMBEDDINGS) ? Api.EMBEDDINGS : path.equals(MESSAGES) ? Api.MESSAGES : Api.COMPLETIONS);
    } else if (request.method() == HttpMethod.GET && path.equals("/v1/models")) {
      if (authorized(request)) {
        respond(ctx, HttpResponseStatus.OK, json(models()), keepAlive, Map.of());
      } else {
        RelayErrors.Answer refused = errors.invalidKey(simulator.settings().flavor(), requestId());
        respond(ctx, refused.status(), refused.body(), keepAlive, Map.of());
      }
    } else if (request.method() == HttpMethod.GET && path.equals("/stats")) {
      respond(ctx, HttpResponseStatus.OK, json(stats()), keepAlive, Map.of());
    } else if (path.equals("/admin/quota") && (request.method() == HttpMethod.GET || request.method() == HttpMethod.POST)) {
      quota(ctx, request, keepAlive);
    } else {
      respond(ctx, HttpResponseStatus.NOT_FOUND,
          errors.error("no route for " + request.method() + " " + path, "invalid_request_error", null, null),
          keepAlive, Map.of());
    }
  }

  private void completions(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive, Api api) {
    SimulatorSettings settings = simulator.settings();
    long arrival = System.nanoTime();
    simulator.stats().recordArrival(arrival);
    JsonNode body = parse(request);
    String prompt = body == null ? null : api == Api.EMBEDDINGS ? firstOrNull(EmbeddingGenerator.inputKeys(body))
        : CompletionGenerator.promptKey(body);
    String requestId = requestId();
    if (!authorized(request, api == Api.MESSAGES)) {
      refuse(ctx, api == Api.MESSAGES ? errors.anthropic(HttpResponseStatus.UNAUTHORIZED, "authentication_error",
          "invalid x-api-key") : errors.invalidKey(settings.flavor(), requestId), keepAlive, prompt, requestId);
      return;
    }
    Duration overLimit = simulator.admit(System.nanoTime());
    if (!overLimit.isZero()) {
      Duration wait = overLimit.compareTo(settings.retryAfter()) > 0 ? overLimit : settings.retryAfter();
      refuse(ctx, errors.rateLimited(settings.flavor(), wait, "1分钟内最多请求" + settings.requestsPerMinute() + "次"
          + " (" + settings.requestsPerMinute() + " requests per minute)", requestId), keepAlive, prompt, requestId);
      return;
    }
    if (simulator.quota().usedUp()) {
      refuse(ctx, errors.quotaUsedUp(settings.flavor(), requestId), keepAlive, prompt, requestId);
      return;
    }
    Duration delay = latency(settings);
    Optional<Fault> fault = simulator.faults().next(settings.faultRates(), prompt);
    if (fault.isPresent()) {
      inject(ctx, fault.get(), body, api, keepAlive, delay, settings, prompt, arrival, requestId);
      return;
    }
    answer(ctx, body, api, keepAlive, delay, settings, prompt, arrival, requestId);
  }

  /** Answers at once with a refusal that never reaches a model. */
  private void refuse(ChannelHandlerContext ctx, RelayErrors.Answer answer, boolean keepAlive, String prompt,
      String requestId) {
    simulator.stats().recordOutcome(Integer.toString(answer.status().code()), prompt);
    simulator.stats().recordAnswered();
    respond(ctx, answer.status(), answer.body(), keepAlive, withRequestId(answer.headers(), requestId));
  }

  private void answer(ChannelHandlerContext ctx, JsonNode body, Api api, boolean keepAlive, Duration delay,
      SimulatorSettings settings, String prompt, long arrival, String requestId) {
    Built built = buildAnswer(body, api, settings, requestId);
    RelayErrors.Answer answer = built.answer();
    if (built.completion() != null) {
      RelayErrors.Answer refused = spend(built.completion(), body, settings, requestId);
      if (refused != null) {
        refuse(ctx, refused, keepAlive, prompt, requestId);
        return;
      }
    }
    String outcome = Integer.toString(answer.status().code());
    simulator.stats().recordOutcome(outcome, prompt);
    if (built.completion() != null && streamed(body)) {
      stream(ctx, built.completion(), body, keepAlive, delay, settings, false,
          () -> simulator.stats().recordCall(prompt, outcome, arrival));
      return;
    }
    later(ctx, delay, () -> {
      simulator.stats().recordCall(prompt, outcome, arrival);
      answered(ctx, answer.status(), answer.body(), keepAlive, withRequestId(answer.headers(), requestId));
    });
  }

  private static boolean streamed(JsonNode body) {
    return body != null && body.path("stream").asBoolean(false);
  }

  /**
   * Sends {@code answer} as the events of a stream, {@code settings.streamChunkDelay()} apart,
   * after {@code delay}; {@code cut}: half of them, then the connection closed with no end.
   *
   * @param sent run when the last event went (or the client left)
   */
  private void stream(ChannelHandlerContext ctx, ObjectNode answer, JsonNode body, boolean keepAlive, Duration delay,
      SimulatorSettings settings, boolean cut, Runnable sent) {
    List<byte[]> events = streams.of(answer, body.path("stream_options").path("include_usage").asBoolean(false));
    later(ctx, delay, () -> {
      if (!ctx.channel().isActive()) {
        simulator.stats().recordAnswered();
        return;
      }
      StreamSender.send(ctx, events, keepAlive, settings.streamChunkDelay(), cut, () -> {
        simulator.stats().recordAnswered();
        sent.run();
      });
    });
  }

  /**
   * Charges a completion to the token limit and the quota, as the relays do: the token limit must
   * hold the request's estimate (its prompt plus {@code max_tokens} for every choice) and is charged
   * what it used; the quota is charged the answer's price.
   *
   * @return the refusal when the token limit has no room, else null
   */
  private RelayErrors.Answer spend(JsonNode completion, JsonNode request, SimulatorSettings settings,
      String requestId) {
    JsonNode used = completion.path("usage");
    // Anthropic's convention for a Messages answer, OpenAI's for the rest.
    long promptTokens = used.has("input_tokens") ? used.path("input_tokens").asLong() : used.path("prompt_tokens").asLong();
    long completionTokens = used.has("output_tokens") ? used.path("output_tokens").asLong()
        : used.path("completion_tokens").asLong();
    SimulatorTokenLimit tokens = simulator.tokenLimit();
    if (tokens != null) {
      long maxTokens = request.hasNonNull("max_completion_tokens") ? request.get("max_completion_tokens").asLong()
          : request.path("max_tokens").asLong(request.has("messages") ? CompletionGenerator.DEFAULT_CHAT_MAX_TOKENS
              : CompletionGenerator.DEFAULT_MAX_TOKENS);
      long answers = completion.has("choices") ? completion.path("choices").size()
          : "message".equals(completion.path("type").asText()) ? 1 : 0; // an embeddings list generates nothing
      long estimate = promptTokens + answers * maxTokens;
      long now = System.nanoTime();
      Duration wait = tokens.admit(estimate, now);
      if (!wait.isZero()) {
        return errors.rateLimited(settings.flavor(), wait, settings.tokensPerMinute() + " tokens per minute",
            requestId);
      }
      tokens.charge(promptTokens + completionTokens, now);
    }
    simulator.quota().spend(settings.price(promptTokens, completionTokens));
    return null;
  }

  private static String firstOrNull(List<String> keys) {
    return keys.isEmpty() ? null : keys.get(0);
  }

  private String requestId() {
    return "sim" + Long.toHexString(System.currentTimeMillis()) + Long.toHexString(ids.incrementAndGet());
  }

  /** The flavor's request ID header added to {@code headers}. */
  private Map<String, String> withRequestId(Map<String, String> headers, String requestId) {
    if (!simulator.settings().flavor().tagsRequests()) {
      return headers;
    }
    Map<String, String> tagged = new java.util.HashMap<>(headers);
    tagged.put("X-Oneapi-Request-Id", requestId);
    return tagged;
  }

  private void quota(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
    if (request.method() == HttpMethod.POST) {
      JsonNode change = parse(request);
      if (change == null || !(change.path("add").canConvertToLong() || change.path("set").canConvertToLong())) {
        respond(ctx, HttpResponseStatus.BAD_REQUEST, errors.error("body must be {\"add\": N} or {\"set\": N}",
            "invalid_request_error", null, null), keepAlive, Map.of());
        return;
      }
      if (change.has("set")) {
        simulator.quota().set(change.get("set").asLong());
      } else {
        simulator.quota().add(change.get("add").asLong());
      }
    }
    ObjectNode answer = mapper.createObjectNode().put("remaining", simulator.quota().remaining());
    respond(ctx, HttpResponseStatus.OK, json(answer), keepAlive, Map.of());
  }

  /** Sends a completion call's answer and stops counting the call as open. */
  private void answered(ChannelHandlerContext ctx, HttpResponseStatus status, byte[] body, boolean keepAlive,
      Map<String, String> headers) {
    simulator.stats().recordAnswered();
    respond(ctx, status, body, keepAlive, headers);
  }

  /** An answer, and the completion it carries when it is one (read for usage without parsing the bytes again). */
  private record Built(RelayErrors.Answer answer, ObjectNode completion) {
    Built(RelayErrors.Answer failure) {
      this(failure, null);
    }
  }

  private Built buildAnswer(JsonNode body, Api api, SimulatorSettings settings, String requestId) {
    try {
      if (body == null || !body.isObject()) {
        throw new InvalidRequestException("request body must be a JSON object", null);
      }
      JsonNode model = body.get("model");
      if (model == null || !model.isTextual() || model.asText().isEmpty()) {
        throw new InvalidRequestException("model is required", "model");
      }
      if (settings.deniedModels().contains(model.asText())) {
        return new Built(errors.modelNotAllowed(settings.flavor(), model.asText(), requestId));
      }
      if (!settings.models().isEmpty() && !settings.models().contains(model.asText())) {
        return new Built(errors.noChannel(settings.flavor(), model.asText(), settings.group(), requestId));
      }
      long created = System.currentTimeMillis() / 1000;
      if (api == Api.MESSAGES) {
        ObjectNode message = messages.message(body, "msg_sim" + Long.toHexString(ids.incrementAndGet()));
        return new Built(new RelayErrors.Answer(HttpResponseStatus.OK, json(message)), message);
      }
      if (api == Api.EMBEDDINGS) {
        ObjectNode embedded = embeddings.embed(body, settings.embeddingContextTokens());
        simulator.stats().recordEmbeddings(EmbeddingGenerator.inputKeys(body));
        return new Built(new RelayErrors.Answer(HttpResponseStatus.OK, json(embedded)), embedded);
      }
      ObjectNode completion = api == Api.CHAT
          ? generator.chat(body, "chatcmpl-sim-" + Long.toHexString(ids.incrementAndGet()), created)
          : generator.complete(body, "cmpl-sim-" + Long.toHexString(ids.incrementAndGet()), created);
      return new Built(new RelayErrors.Answer(HttpResponseStatus.OK, json(completion)), completion);
    } catch (InvalidRequestException e) {
      return new Built(api == Api.MESSAGES
          ? errors.anthropic(HttpResponseStatus.BAD_REQUEST, "invalid_request_error", e.getMessage())
          : errors.invalidRequest(settings.flavor(), e.getMessage(), e.param(), requestId));
    }
  }

  private void inject(ChannelHandlerContext ctx, Fault fault, JsonNode body, Api api, boolean keepAlive,
      Duration delay, SimulatorSettings settings, String prompt, long arrival, String requestId) {
    switch (fault) {
      case RATE_LIMITED -> refuse(ctx, errors.saturated(settings.flavor(), settings.retryAfter(), requestId),
          keepAlive, prompt, requestId);
      case HANG -> simulator.stats().recordOutcome(fault.label(), prompt); // stays open: it never answers
      case RESET -> {
        simulator.stats().recordOutcome(fault.label(), prompt);
        later(ctx, delay, () -> {
          simulator.stats().recordAnswered();
          // SO_LINGER 0 makes close() send RST instead of FIN: the client sees "connection reset".
          ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
          ctx.close();
        });
      }
      case MALFORMED -> {
        simulator.stats().recordOutcome(fault.label(), prompt);
        later(ctx, delay, () -> answered(ctx, HttpResponseStatus.OK, MALFORMED_BODY, keepAlive, Map.of()));
      }
      case STALL -> {
        simulator.stats().recordOutcome(fault.label(), prompt);
        later(ctx, delay, () -> {
          DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
          head.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
              .setInt(HttpHeaderNames.CONTENT_LENGTH, 1_000);
          ctx.write(head);
          // A tenth of the promised body, then silence: the connection stays open, nothing more comes.
          ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(MALFORMED_BODY)));
        });
      }
      case ENDLESS -> {
        simulator.stats().recordOutcome(fault.label(), prompt);
        later(ctx, delay, () -> {
          DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
          head.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
          HttpUtil.setTransferEncodingChunked(head, true);
          ctx.write(head);
          ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(ENDLESS_START)))
              .addListener(written -> streamForever(ctx, written.isSuccess()));
        });
      }
      case CUT -> {
        simulator.stats().recordOutcome(fault.label(), prompt);
        Built built = buildAnswer(body, api, settings, requestId);
        if (built.completion() != null && streamed(body)) {
          stream(ctx, built.completion(), body, keepAlive, delay, settings, true,
              () -> simulator.stats().recordCall(prompt, fault.label(), arrival));
        } else {
          byte[] whole = built.answer().body();
          later(ctx, delay, () -> {
            simulator.stats().recordAnswered();
            DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, whole.length);
            ctx.write(head);
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(whole, 0, whole.length / 2)))
                .addListener(ChannelFutureListener.CLOSE);
          });
        }
      }
      case BLOATED -> {
        simulator.stats().recordOutcome(fault.label(), prompt);
        byte[] bloated = bloated(body, api, settings, requestId);
        later(ctx, delay, () -> {
          simulator.stats().recordCall(prompt, fault.label(), arrival);
          answered(ctx, HttpResponseStatus.OK, bloated, keepAlive, Map.of());
        });
      }
      default -> {
        RelayErrors.Answer error = errors.upstream(settings.flavor(),
            HttpResponseStatus.valueOf(Integer.parseInt(fault.label())), requestId);
        simulator.stats().recordOutcome(fault.label(), prompt);
        later(ctx, delay, () -> {
          simulator.stats().recordCall(prompt, fault.label(), arrival);
          answered(ctx, error.status(), error.body(), keepAlive, withRequestId(error.headers(), requestId));
        });
      }
    }
  }

  /** Writes the next chunk once the last one left, so the client's reading paces the stream. */
  private static void streamForever(ChannelHandlerContext ctx, boolean lastWritten) {
    if (lastWritten && ctx.channel().isActive()) {
      ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(ENDLESS_CHUNK)))
          .addListener(written -> streamForever(ctx, written.isSuccess()));
    }
  }

  /** A real completion for the request with an {@code x_padding} field that makes it {@link Fault#BLOATED_BYTES} long. */
  private byte[] bloated(JsonNode body, Api api, SimulatorSettings settings, String requestId) {
    Built built = buildAnswer(body, api, settings, requestId);
    ObjectNode completion = built.completion();
    if (completion == null) {
      return built.answer().body();
    }
    completion.put("x_padding", "");
    int padding = Math.max(0, Fault.BLOATED_BYTES - json(completion).length);
    completion.put("x_padding", "x".repeat(padding));
    return json(completion);
  }


  private boolean authorized(FullHttpRequest request) {
    return authorized(request, false);
  }

  /**
   * Whether the call carries the key: as a Bearer token, or for Messages also as {@code x-api-key}
   * (which new-api copies into its Bearer check). Counts which of the two a Messages call used.
   */
  private boolean authorized(FullHttpRequest request, boolean messagesCall) {
    String key = simulator.settings().apiKey();
    boolean bearer = ("Bearer " + key).equals(request.headers().get(HttpHeaderNames.AUTHORIZATION));
    boolean keyHeader = messagesCall && key.equals(request.headers().get("x-api-key"));
    if (messagesCall && (bearer || keyHeader)) {
      simulator.stats().recordMessagesAuth(keyHeader ? "x-api-key" : "bearer",
          request.headers().get("anthropic-version"));
    }
    return bearer || keyHeader;
  }

  private JsonNode parse(FullHttpRequest request) {
    try {
      return mapper.readTree(request.content().toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      return null;
    }
  }

  private Duration latency(SimulatorSettings settings) {
    long spread = settings.latencySpread().toNanos();
    long extra = spread == 0 ? 0 : (long) (simulator.faults().nextUniform() * spread);
    return settings.latency().plusNanos(extra);
  }

  private static void later(ChannelHandlerContext ctx, Duration delay, Runnable action) {
    if (delay.isZero()) {
      action.run();
    } else {
      ctx.executor().schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, byte[] body, boolean keepAlive,
      Map<String, String> headers) {
    if (!ctx.channel().isActive()) {
      return;
    }
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    headers.forEach(response.headers()::set);
    if (keepAlive) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(response);
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private ObjectNode models() {
    ObjectNode list = mapper.createObjectNode();
    list.put("object", "list");
    var data = list.putArray("data");
    simulator.settings().models().stream().sorted().forEach(model -> data.addObject()
        .put("id", model).put("object", "model").put("created", 1_700_000_000L).put("owned_by", "relay-simulator"));
    return list;
  }

  private ObjectNode stats() {
    SimulatorStats stats = simulator.stats();
    ObjectNode node = mapper.createObjectNode();
    node.put("calls", stats.calls());
    ObjectNode byOutcome = node.putObject("by_status");
    stats.byOutcome().forEach(byOutcome::put);
    ObjectNode embedded = node.putObject("embeddings");
    embedded.put("calls", stats.embeddingCalls());
    embedded.put("inputs", stats.embeddingInputs());
    embedded.put("max_inputs_per_call", stats.maxInputsPerCall());
    ObjectNode byPrompt = node.putObject("by_prompt");
    stats.byPrompt().forEach(byPrompt::put);
    return node;
  }

  private byte[] json(JsonNode node) {
    try {
      return mapper.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise simulator answer", e);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("simulator connection failed: {}", cause.toString());
    ctx.close();
  }
}
