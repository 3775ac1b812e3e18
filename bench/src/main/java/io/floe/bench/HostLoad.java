package io.floe.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;

/**
 * How much CPU processes other than the bench and its child JVMs used while a broker was measured (Linux /proc),
 * so figures taken while something else was busy on this small machine can be told apart. Jiffies are in
 * USER_HZ, 100 on Linux.
 */
final class HostLoad {

    private static final double USER_HZ = 100.0;

    /** A sample: host busy jiffies, the bench tree's jiffies, wall time. */
    record Sample(long hostBusy, long ours, long nanos) {
    }

    private HostLoad() {
    }

    /** Null where /proc is not readable. */
    static Sample sample() {
        try {
            long host = hostBusyJiffies();
            long ours = treeJiffies(ProcessHandle.current());
            return new Sample(host, ours, System.nanoTime());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Average number of cores used by other processes between the two samples. */
    static OptionalDouble foreignCores(Sample from, Sample to) {
        if (from == null || to == null || to.nanos() <= from.nanos()) {
            return OptionalDouble.empty();
        }
        double secs = (to.nanos() - from.nanos()) / 1e9;
        double foreignJiffies = (to.hostBusy() - from.hostBusy()) - (to.ours() - from.ours());
        return OptionalDouble.of(Math.max(0, foreignJiffies / USER_HZ / secs));
    }

    /** user+nice+system+irq+softirq+steal of the "cpu" line of /proc/stat. */
    static long hostBusyJiffies() throws IOException {
        String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
        return parseHostBusy(first);
    }

    static long parseHostBusy(String cpuLine) {
        String[] f = cpuLine.trim().split("\\s+");
        if (!f[0].equals("cpu")) {
            throw new IllegalArgumentException("not the cpu line: " + cpuLine);
        }
        long busy = 0;
        int[] busyFields = {1, 2, 3, 6, 7, 8}; // user nice system [idle iowait] irq softirq steal
        for (int i : busyFields) {
            if (i < f.length) {
                busy += Long.parseLong(f[i]);
            }
        }
        return busy;
    }

    /** utime+stime+cutime+cstime of a process and of its live descendants (reaped ones are in cutime/cstime). */
    static long treeJiffies(ProcessHandle root) throws IOException {
        long total = procJiffies(root.pid());
        for (ProcessHandle d : root.descendants().toList()) {
            try {
                total += procJiffies(d.pid());
            } catch (IOException | RuntimeException e) {
                // exited meanwhile
            }
        }
        return total;
    }

    static long procJiffies(long pid) throws IOException {
        return parseProcStatJiffies(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    /** Fields 14-17 of /proc/PID/stat, counted after the ")" that ends the command name. */
    static long parseProcStatJiffies(String stat) {
        String rest = stat.substring(stat.lastIndexOf(')') + 2);
        List<String> f = List.of(rest.trim().split("\\s+"));
        // rest starts at field 3 (state): utime is field 14 -> index 11
        return Long.parseLong(f.get(11)) + Long.parseLong(f.get(12)) + Long.parseLong(f.get(13))
                + Long.parseLong(f.get(14));
    }
}
