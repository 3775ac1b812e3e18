package io.floe.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostLoadTest {

    @Test
    void hostBusyIsUserNiceSystemIrqSoftirqSteal() {
        // cpu user nice system idle iowait irq softirq steal guest guest_nice
        assertEquals(1000 + 20 + 300 + 7 + 8 + 9,
                HostLoad.parseHostBusy("cpu  1000 20 300 99999 555 7 8 9 0 0"));
    }

    @Test
    void processJiffiesAreUtimeStimeCutimeCstime() {
        // a command name with spaces and parentheses, as /proc/PID/stat may show it
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194304 1000 0 0 0 150 25 7 3 20 0 30 0 12345 "
                + "3000000000 50000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0";
        assertEquals(150 + 25 + 7 + 3, HostLoad.parseProcStatJiffies(stat));
    }

    @Test
    void foreignCoresSubtractsTheBenchTree() {
        HostLoad.Sample a = new HostLoad.Sample(1_000, 400, 0);
        HostLoad.Sample b = new HostLoad.Sample(1_000 + 300, 400 + 250, 1_000_000_000L); // 1 s later
        assertEquals(0.5, HostLoad.foreignCores(a, b).orElseThrow(), 1e-9);
        assertTrue(HostLoad.foreignCores(null, b).isEmpty());
        if (HostLoad.sample() != null) { // on Linux the live sample reads
            assertTrue(HostLoad.sample().hostBusy() > 0);
        }
    }
}
