package io.floe.catalog.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class LocationsTest {
  @ParameterizedTest
  @CsvSource({
      "/data/wh,              file:///data/wh",
      "/data/wh/,             file:///data/wh",
      "/data/./x/../wh,       file:///data/wh",
      "file:/data/wh,         file:///data/wh",
      "file:///data/wh/,      file:///data/wh",
      "s3://bucket/prefix/,   s3://bucket/prefix",
      "s3a://bucket/p,        s3a://bucket/p",
      "hdfs://nn:8020/wh,     hdfs://nn:8020/wh"})
  void locationsBecomeUrisWithoutATrailingSlash(String location, String uri) {
    assertThat(Locations.toUri(location)).isEqualTo(uri);
  }

  @Test
  void aRelativePathResolvesAgainstTheWorkingDirectory() {
    assertThat(Locations.toUri("floe-data/warehouse"))
        .isEqualTo("file://" + Path.of("").toAbsolutePath().resolve("floe-data/warehouse"));
  }

  @Test
  void blankIsRejected() {
    assertThatThrownBy(() -> Locations.toUri(" ")).isInstanceOf(IllegalArgumentException.class);
  }
}
