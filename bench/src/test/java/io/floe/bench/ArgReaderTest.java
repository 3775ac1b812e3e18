package io.floe.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ArgReaderTest {

    @Test
    void flagsAndBothFormsOfOptionsAreRead() {
        // Given a flag, an option with its value after '=', and one with its value as the next argument
        ArgReader r = new ArgReader(new String[] {"--quick", "--rate=20_000", "--producer-prop", "linger.ms=5"});

        // Then each is read in order, and a value holding '=' stays whole
        assertTrue(r.next());
        assertEquals("--quick", r.name());
        assertTrue(r.next());
        assertEquals("--rate", r.name());
        assertEquals("20_000", r.value());
        assertTrue(r.next());
        assertEquals("--producer-prop", r.name());
        assertEquals("linger.ms=5", r.value());
        assertFalse(r.next());
    }

    @Test
    void anOptionWithoutItsValueIsRefusedByName() {
        ArgReader r = new ArgReader(new String[] {"--rate"});
        assertTrue(r.next());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::value);
        assertEquals("missing value for --rate", e.getMessage());
    }

    @Test
    void theParsersReadBothForms() {
        assertEquals(S3BenchOptions.parse(new String[] {"--rate", "123"}).rate,
                S3BenchOptions.parse(new String[] {"--rate=123"}).rate);
        assertEquals(7, FailoverOptions.parse(new String[] {"--rounds=7"}).rounds);
        assertEquals(42L, BenchOptions.parse(new String[] {"--records", "42"}).records);
    }
}
