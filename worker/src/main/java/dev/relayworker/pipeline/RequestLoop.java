package dev.relayworker.pipeline;

/**
 * The thread that consumes requests: a {@link PollLoop} in a consumer group, a {@link ShareLoop}
 * in a share group. {@link #run} on its own thread; {@link #stop} from any thread asks it to
 * finish what is in flight and return.
 */
interface RequestLoop extends Runnable {

  void stop();
}
