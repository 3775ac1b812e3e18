package io.floe.tabletopic.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyTableTest {

  @Test
  void randomPutsAndRemovesAgreeWithAHashMap() {
    KeyTable table = new KeyTable();
    Map<Object, Long> expected = new HashMap<>();
    Random random = new Random(7);
    for (int i = 0; i < 200_000; i++) {
      // few distinct keys so that removals shift long probe chains; composite keys beside single ones
      Object key = random.nextBoolean() ? (Object) (long) random.nextInt(5_000)
          : List.of("k" + random.nextInt(5_000), random.nextInt(3));
      if (random.nextInt(3) == 0) {
        assertEquals(expected.getOrDefault(key, -1L), table.remove(key), "remove " + key);
        expected.remove(key);
      } else {
        long value = random.nextInt(Integer.MAX_VALUE);
        table.put(key, value);
        expected.put(key, value);
      }
    }
    assertEquals(expected.size(), table.size());
    expected.forEach((k, v) -> assertEquals(v, table.get(k), "get " + k));
    assertEquals(-1L, table.get(-1L));
  }
}
