package io.floe.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a bench command that starts brokers as child JVMs needs first: quiet logging in this JVM, cleanup of
 * children and temp dirs on exit, the children's classpath and the output directories.
 *
 * @param classpath the child JVMs' classpath
 * @param outDir where reports go ({@code floe.bench.outputDir}, default {@code bench/target})
 * @param logsDir where the children's logs go
 */
record BenchSetup(String classpath, Path outDir, Path logsDir) {

  static BenchSetup prepare() throws IOException {
    if (System.getProperty("slf4j.provider") == null) {
      System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
    }
    Cleanup.install();
    String cp = BrokerBench.snapshotMutableEntries(BrokerBench.childClasspath());
    Path outDir = Path.of(System.getProperty("floe.bench.outputDir", "bench/target"));
    Path logs = outDir.resolve("bench-logs");
    Files.createDirectories(logs);
    return new BenchSetup(cp, outDir, logs);
  }

  /** Writes {@code report} to {@code fileName} in the output directory and prints it. */
  void publish(String report, String fileName) throws IOException {
    Files.writeString(outDir.resolve(fileName), report);
    System.out.println(report);
  }
}
