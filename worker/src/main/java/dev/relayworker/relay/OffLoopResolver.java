package dev.relayworker.relay;

import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Host names looked up off the relay's event loop. Netty's default resolver calls the JDK's
 * blocking lookup on the loop that connects, so a slow DNS server would stall every call's reads
 * and writes meanwhile; here the lookup runs on one {@code relay-dns} daemon thread and its result
 * comes back to the loop as a promise. The JDK's own cache still applies (30 s by default).
 *
 * <p>Thread-safe. {@link #close()} stops the lookup thread; lookups asked for later fail.
 */
final class OffLoopResolver extends AddressResolverGroup<InetSocketAddress> {

  /** A blocking lookup of every address of a host name: the JDK's, or a test's. */
  @FunctionalInterface
  interface HostLookup {
    InetAddress[] all(String host) throws UnknownHostException;
  }

  private final HostLookup lookup;
  private final ExecutorService lookups = Executors.newSingleThreadExecutor(task -> {
    Thread thread = new Thread(task, "relay-dns");
    thread.setDaemon(true);
    return thread;
  });

  /** Looks host names up with the JDK's resolver. */
  OffLoopResolver() {
    this(InetAddress::getAllByName);
  }

  OffLoopResolver(HostLookup lookup) {
    this.lookup = lookup;
  }

  @Override
  protected AddressResolver<InetSocketAddress> newResolver(EventExecutor loop) {
    return new InetNameResolver(loop) {
      @Override
      protected void doResolve(String host, Promise<InetAddress> promise) {
        lookUp(promise, () -> lookup.all(host)[0]);
      }

      @Override
      protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
        lookUp(promise, () -> Arrays.asList(lookup.all(host)));
      }
    }.asAddressResolver();
  }

  private interface Lookup<T> {
    T run() throws UnknownHostException;
  }

  private <T> void lookUp(Promise<T> promise, Lookup<T> lookup) {
    try {
      lookups.execute(() -> {
        try {
          promise.trySuccess(lookup.run());
        } catch (UnknownHostException | RuntimeException e) {
          promise.tryFailure(e);
        }
      });
    } catch (RejectedExecutionException e) {
      promise.tryFailure(new UnknownHostException("the relay client is closed"));
    }
  }

  @Override
  public void close() {
    super.close();
    lookups.shutdownNow();
  }
}
