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

/**
 * The keep-alive connections to one relay: at most {@code max} open (connecting, busy or idle),
 * idle ones reused most recent first and closed after {@code idleTimeout} unused, calls beyond
 * the cap queued first come, first served. A connection found closed when taken from the idle
 * list is dropped, not used.
 *
 * <p>Confined to one event loop: every method must be called on {@link #loop()}, so there are no
 * locks. Connections close through Netty; their close listener does the counting, whoever closed.
 */
final class RelayConnections {

  /** An idle connection and when it last finished a call ({@link System#nanoTime()}). */
  private record Idle(Channel channel, long sinceNanos) {}

  private final Bootstrap bootstrap;
  private final EventLoop loop;
  private final int max;
  private final long idleNanos;
  private final ArrayDeque<Idle> idle = new ArrayDeque<>();
  private final ArrayDeque<RelayExchange> waiting = new ArrayDeque<>();
  private int open;
  private boolean closed;

  /** @param bootstrap connects to the relay and sets up a connection's pipeline, TLS included */
  RelayConnections(Bootstrap bootstrap, EventLoop loop, int max, Duration idleTimeout) {
    this.bootstrap = bootstrap;
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
    if (!reusable || closed || !channel.isActive()) {
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
