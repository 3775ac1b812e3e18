package io.floe.broker.testing;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/** A bare socket to the broker for tests that send what no well-behaved client would. */
public final class RawKafkaConnection implements AutoCloseable {

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private int correlationId;

  public RawKafkaConnection(String host, int port) throws IOException {
    socket = new Socket(host, port);
    socket.setSoTimeout(10_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** Sends a well-formed request and returns the parsed response. */
  public AbstractResponse send(AbstractRequest request) throws IOException {
    RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "raw-test", ++correlationId);
    ByteBuffer bytes = request.serializeWithHeader(header);
    writeFrame(bytes);
    ByteBuffer response = readFrame();
    return AbstractResponse.parseResponse(response, header);
  }

  /** Sends a request with an arbitrary api key and version and an empty body. */
  public void sendHeaderOnly(short apiKey, short version) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(2 + 2 + 4 + 2);
    b.putShort(apiKey).putShort(version).putInt(++correlationId).putShort((short) -1).flip();
    writeFrame(b);
  }

  /** A request in the flexible (v2) header layout with an empty tagged-field section and an empty body. */
  public void sendFlexibleHeaderOnly(short apiKey, short version) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(2 + 2 + 4 + 2 + 1 + 1);
    b.putShort(apiKey).putShort(version).putInt(++correlationId).putShort((short) -1).put((byte) 0).put((byte) 0).flip();
    writeFrame(b);
  }

  public void writeFrame(ByteBuffer body) throws IOException {
    byte[] frame = new byte[4 + body.remaining()];
    ByteBuffer.wrap(frame).putInt(body.remaining()).put(body);
    out.write(frame);
    out.flush();
  }

  public void writeRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  public ByteBuffer readFrame() throws IOException {
    int size = in.readInt();
    byte[] body = new byte[size];
    in.readFully(body);
    return ByteBuffer.wrap(body);
  }

  /** True if the broker closed the connection within the socket timeout. */
  public boolean closedByBroker() throws IOException {
    try {
      while (true) {
        if (in.read() < 0) {
          return true;
        }
      }
    } catch (EOFException e) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // connection reset
    }
  }


  @Override
  public void close() throws IOException {
    socket.close();
  }
}
