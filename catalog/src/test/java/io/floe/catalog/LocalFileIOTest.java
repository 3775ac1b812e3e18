package io.floe.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.io.SeekableInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalFileIOTest {
  @TempDir
  Path dir;

  private final LocalFileIO io = new LocalFileIO();

  private String uri(String relative) {
    return dir.toUri() + relative;
  }

  @Test
  void writesAndReadsBackKeepingTheLocationAsGiven() throws IOException {
    // Given a file:/// location in a directory that does not exist yet
    String location = uri("t/data/part-0.parquet");

    // When it is written
    OutputFile out = io.newOutputFile(location);
    try (PositionOutputStream stream = out.create()) {
      stream.write("hello iceberg".getBytes(StandardCharsets.UTF_8));
      assertThat(stream.getPos()).isEqualTo(13);
    }

    // Then every handle reports the location exactly as given, and the bytes read back with seeks
    assertThat(location).startsWith("file:///");
    assertThat(out.location()).isEqualTo(location);
    InputFile in = io.newInputFile(location);
    assertThat(in.location()).isEqualTo(location);
    assertThat(in.exists()).isTrue();
    assertThat(in.getLength()).isEqualTo(13);
    try (SeekableInputStream stream = in.newStream()) {
      stream.seek(6);
      assertThat(stream.getPos()).isEqualTo(6);
      assertThat(new String(stream.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("iceberg");
    }
  }

  @Test
  void createRefusesToOverwriteWhileCreateOrOverwriteReplaces() throws IOException {
    // Given an existing file (as a metadata file written by another committer would be)
    String location = uri("metadata/00001.metadata.json");
    try (PositionOutputStream s = io.newOutputFile(location).create()) {
      s.write(1);
    }

    // When it is created again, Then that fails; createOrOverwrite replaces it
    assertThatThrownBy(() -> io.newOutputFile(location).create()).isInstanceOf(AlreadyExistsException.class);
    try (PositionOutputStream s = io.newOutputFile(location).createOrOverwrite()) {
      s.write(new byte[] {2, 3});
    }
    assertThat(io.newInputFile(location).getLength()).isEqualTo(2);
  }

  @Test
  void readsShortFileUrisAndBarePathsWrittenByOtherFileIos() throws IOException {
    // Given a file written elsewhere, named as Hadoop's Path prints it (file:/x) and as a bare path
    Path file = Files.writeString(dir.resolve("legacy.txt"), "x");

    // Then both forms read it
    assertThat(io.newInputFile("file:" + file).getLength()).isEqualTo(1);
    assertThat(io.newInputFile(file.toString()).exists()).isTrue();
    assertThatThrownBy(() -> io.newInputFile("s3://bucket/key")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aMissingFileIsNotFound() {
    InputFile missing = io.newInputFile(uri("nope"));
    assertThat(missing.exists()).isFalse();
    assertThatThrownBy(missing::newStream).isInstanceOf(NotFoundException.class).hasMessageContaining(uri("nope"));
    assertThatThrownBy(missing::getLength).isInstanceOf(NotFoundException.class);
  }

  @Test
  void listsAndDeletesByPrefix() throws IOException {
    // Given two files under a table's prefix and one beside it
    for (String f : List.of("t/data/a.parquet", "t/metadata/v1.json", "other/b.parquet")) {
      try (PositionOutputStream s = io.newOutputFile(uri(f)).create()) {
        s.write(7);
      }
    }

    // When the table prefix is listed, Then both files come back as file:/// locations
    List<String> listed = new ArrayList<>();
    for (FileInfo info : io.listPrefix(uri("t"))) {
      listed.add(info.location());
      assertThat(info.size()).isEqualTo(1);
    }
    assertThat(listed).containsExactlyInAnyOrder(uri("t/data/a.parquet"), uri("t/metadata/v1.json"));

    // When the prefix is deleted, Then only the other file is left
    io.deletePrefix(uri("t"));
    assertThat(io.listPrefix(uri("t"))).isEmpty();
    assertThat(io.newInputFile(uri("other/b.parquet")).exists()).isTrue();
    io.deleteFile(uri("other/b.parquet"));
    assertThat(io.newInputFile(uri("other/b.parquet")).exists()).isFalse();
  }
}
