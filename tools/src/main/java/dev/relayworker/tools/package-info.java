/**
 * The development tools' command line ({@link dev.relayworker.tools.ToolsMain}): the worker's
 * commands plus {@code demo}, {@code bench} and {@code simulate-relay}. Never in the worker's jar
 * or image.
 *
 * <p>Threads: {@code main}; each tool runs on it and starts what it needs.
 */
package dev.relayworker.tools;
