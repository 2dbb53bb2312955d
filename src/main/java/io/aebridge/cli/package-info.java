/** The {@code aebridge} command line (picocli): train, evaluate, inspect, serve and the quick-start job. */
package io.aebridge.cli;
