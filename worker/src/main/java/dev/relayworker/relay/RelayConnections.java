package dev.relayworker.relay;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keep-alive connections to one relay: at most {@code max} open (connecting, busy or idle),
 * idle ones reused most recent first and closed after {@code idleTimeout} unused, calls beyond
 * the cap queued first come, first served. A connection found closed when taken from the idle
 * list is dropped, not used. A new connection is handed out once its proxy tunnel (if any) is open
 * and its TLS handshake (if any) is done.
 *
 * <p>A relay caught answering out of step ({@link #outOfStep}) gets no connection reused for
 * {@link #FRESH_CONNECTIONS_FOR}: each call then has a connection of its own, asked to close after
 * the answer, so no answer can be taken for another call's while the relay misbehaves.
 *
 * <p>Confined to one event loop: every method must be called on {@link #loop()}, so there are no
 * locks. Connections close through Netty; their close listener does the counting, whoever closed.
 */
final class RelayConnections {

  /** How long a relay that answered out of step gets a fresh connection for every call. */
  static final Duration FRESH_CONNECTIONS_FOR = Duration.ofMinutes(10);
  private static final Logger log = LoggerFactory.getLogger(RelayConnections.class);

  /** An idle connection and when it last finished a call ({@link System#nanoTime()}). */
  private record Idle(Channel channel, long sinceNanos) {}

  private final Bootstrap bootstrap;
  private final EventLoop loop;
  private final int max;
  private final long idleNanos;
  private final ArrayDeque<Idle> idle = new ArrayDeque<>();
  private final ArrayDeque<RelayExchange> waiting = new ArrayDeque<>();
  private final String relay;
  private int open;
  private boolean closed;
  /** {@link System#nanoTime()} until which no connection is reused; 0 when reusing. */
  private long freshUntil;
  /** Digests of the request and answer last found repeated on a reused connection. */
  private long repeatedRequest = -1;
  private long repeatedAnswer = -1;
  /** The relay answers different requests with the same bytes on fresh connections too: repeats mean nothing. */
  private boolean canned;

  /**
   * @param bootstrap connects to the relay (or its proxy) and sets up a connection's pipeline
   * @param relay the relay as log lines name it
   */
  RelayConnections(Bootstrap bootstrap, EventLoop loop, int max, Duration idleTimeout, String relay) {
    this.bootstrap = bootstrap;
    this.relay = relay;
    this.loop = loop;
    this.max = max;
    this.idleNanos = idleTimeout.toNanos();
    long sweep = Math.max(250, idleTimeout.toMillis() / 4);
    loop.scheduleAtFixedRate(this::closeExpired, sweep, sweep, TimeUnit.MILLISECONDS);
  }

  EventLoop loop() {
    return loop;
  }

  /** Hands {@code exchange} a connection now or once one is free; or fails it. */
  void acquire(RelayExchange exchange) {
    if (closed) {
      exchange.connectFailed(new IOException("the relay client is closed"));
      return;
    }
    for (Idle next = idle.pollFirst(); next != null; next = idle.pollFirst()) {
      if (next.channel().isActive()) {
        exchange.connected(next.channel(), true);
        return;
      }
      next.channel().close();
    }
    if (open < max) {
      connect(exchange);
    } else {
      waiting.add(exchange);
    }
  }

  /** Takes back a connection after a call; one that cannot carry another call is closed. */
  void release(Channel channel, boolean reusable) {
    if (!reusable || closed || !channel.isActive() || !reusing()) {
      channel.close();
      return;
    }
    RelayExchange next = nextWaiting();
    if (next != null) {
      next.connected(channel, true);
    } else {
      idle.addFirst(new Idle(channel, System.nanoTime()));
    }
  }

  /**
   * The relay answered out of step ({@code why}): connections are not reused for
   * {@link #FRESH_CONNECTIONS_FOR}, and the idle ones are closed now, in case more is on its way.
   */
  void outOfStep(String why) {
    if (reusing()) {
      log.warn("relay {} answered out of step: {}. Its connection is closed; every call to it gets a connection of"
          + " its own for the next {} minutes, so no answer can reach the wrong call", relay, why,
          FRESH_CONNECTIONS_FOR.toMinutes());
    }
    freshUntil = Math.max(1, System.nanoTime() + FRESH_CONNECTIONS_FOR.toNanos());
    for (Idle next = idle.poll(); next != null; next = idle.poll()) {
      next.channel().close();
    }
  }

  /**
   * Weighs an answer that {@code repeatsLast} the previous answer of its connection for another
   * request: out of step, unless the relay is known to be a canned stub. A stub shows itself when,
   * after a repeat, a fresh connection (on which nothing can be late) brings the same bytes for
   * another request still; from then on repeats are taken as its habit.
   *
   * @return whether the answer is to be refused as out of step
   */
  boolean answered(long requestDigest, long answerDigest, boolean reusedConnection, boolean repeatsLast) {
    if (canned) {
      return false;
    }
    if (!reusedConnection && answerDigest == repeatedAnswer && requestDigest != repeatedRequest) {
      canned = true;
      freshUntil = 0;
      log.info("relay {} gives different requests the very same answer (a canned stub?): an answer repeated on a"
          + " connection is no longer taken for one out of step, and connections are reused again", relay);
      return false;
    }
    if (repeatsLast) {
      repeatedRequest = requestDigest;
      repeatedAnswer = answerDigest;
    }
    return repeatsLast;
  }

  /** Whether connections are reused now, as opposed to one per call after the relay answered out of step. */
  boolean reusing() {
    if (freshUntil != 0 && System.nanoTime() - freshUntil >= 0) {
      freshUntil = 0;
    }
    return freshUntil == 0;
  }

  /** Connections open or opening, idle ones included. */
  int open() {
    return open;
  }

  /** Closes every connection and fails calls still waiting for one. */
  void close() {
    closed = true;
    for (RelayExchange exchange = waiting.poll(); exchange != null; exchange = waiting.poll()) {
      exchange.connectFailed(new IOException("the relay client is closed"));
    }
    for (Idle next = idle.poll(); next != null; next = idle.poll()) {
      next.channel().close();
    }
  }

  private void connect(RelayExchange exchange) {
    open++;
    ChannelFuture connecting = bootstrap.connect();
    connecting.addListener(connected -> {
      if (!connected.isSuccess()) {
        open--;
        exchange.connectFailed(connected.cause());
        connectForNextWaiting();
        return;
      }
      Channel channel = connecting.channel();
      channel.closeFuture().addListener(ended -> closed(channel));
      ProxyTunnel tunnel = channel.pipeline().get(ProxyTunnel.class);
      if (tunnel == null) {
        secured(channel, exchange);
        return;
      }
      tunnel.established().addListener(opened -> {
        if (opened.isSuccess()) {
          secured(channel, exchange);
        } else {
          exchange.connectFailed(opened.cause());
          channel.close();
        }
      });
    });
  }

  /** Hands the new connection over once its TLS handshake, if it has one, is done. */
  private static void secured(Channel channel, RelayExchange exchange) {
    SslHandler tls = channel.pipeline().get(SslHandler.class);
    if (tls == null) {
      exchange.connected(channel, false);
      return;
    }
    tls.handshakeFuture().addListener(handshake -> {
      if (handshake.isSuccess()) {
        exchange.connected(channel, false);
      } else {
        exchange.connectFailed(handshake.cause());
        channel.close();
      }
    });
  }

  private void closed(Channel channel) {
    open--;
    idle.removeIf(entry -> entry.channel() == channel);
    connectForNextWaiting();
  }

  private void connectForNextWaiting() {
    RelayExchange next = closed ? null : nextWaiting();
    if (next != null) {
      connect(next);
    }
  }

  private RelayExchange nextWaiting() {
    for (RelayExchange next = waiting.poll(); next != null; next = waiting.poll()) {
      if (!next.isDone()) {
        return next; // Calls whose deadline passed while they waited are skipped.
      }
    }
    return null;
  }

  private void closeExpired() {
    long now = System.nanoTime();
    for (Idle oldest = idle.peekLast(); oldest != null && now - oldest.sinceNanos() >= idleNanos;
        oldest = idle.peekLast()) {
      idle.pollLast();
      oldest.channel().close();
    }
  }
}
