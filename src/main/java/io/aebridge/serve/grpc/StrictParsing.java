package io.aebridge.serve.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A request that is not valid protobuf is the client's fault, but grpc-java answers a parse failure in its
 * marshaller as UNKNOWN ("Application error processing RPC"), which reads as a server fault. This receives every
 * request as bytes and parses it inside the call, so such a message answers INVALID_ARGUMENT naming the method.
 * The service keeps its schema descriptors, so reflection still describes it.
 */
final class StrictParsing {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      // The transport's stream is only valid during this call; the message is parsed later, so copy it.
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("Could not read the request").withCause(e).asRuntimeException();
      }
    }
  };

  private StrictParsing() {}

  static ServerServiceDefinition wrap(ServerServiceDefinition service) {
    ServiceDescriptor old = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(old.getName())
        .setSchemaDescriptor(old.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      ServerMethodDefinition<?, ?> strict = strict(m);
      descriptor.addMethod(strict.getMethodDescriptor());
      methods.add(strict);
    }
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(b::addMethod);
    return b.build();
  }

  private static <Q, R> ServerMethodDefinition<byte[], R> strict(ServerMethodDefinition<Q, R> m) {
    MethodDescriptor<Q, R> md = m.getMethodDescriptor();
    ServerCallHandler<Q, R> handler = m.getServerCallHandler();
    // Parsed from the array (protobuf's array decoder), not through an InputStream (its slower stream decoder).
    @SuppressWarnings("unchecked")
    Parser<Q> parser = (Parser<Q>) ((Message) ((MethodDescriptor.PrototypeMarshaller<Q>) md.getRequestMarshaller())
        .getMessagePrototype()).getParserForType();
    ServerCallHandler<byte[], R> parsing = (call, headers) -> {
      ServerCall.Listener<Q> inner = handler.startCall(new Typed<>(call, md), headers);
      return new ServerCall.Listener<>() {
        private boolean refused;

        @Override
        public void onMessage(byte[] message) {
          Q request;
          try {
            request = parser.parseFrom(message);
          } catch (InvalidProtocolBufferException bad) {
            refused = true;
            call.close(Status.INVALID_ARGUMENT.withDescription("The request is not a valid "
                + md.getFullMethodName() + " message: " + bad.getMessage()), new Metadata());
            return;
          }
          inner.onMessage(request);
        }

        @Override
        public void onHalfClose() {
          if (!refused) {
            inner.onHalfClose();
          }
        }

        @Override
        public void onCancel() {
          inner.onCancel();
        }

        @Override
        public void onComplete() {
          inner.onComplete();
        }

        @Override
        public void onReady() {
          if (!refused) {
            inner.onReady();
          }
        }
      };
    };
    return ServerMethodDefinition.create(md.toBuilder(BYTES, md.getResponseMarshaller()).build(), parsing);
  }

  /** The byte-level call as the typed handler sees it. */
  private static final class Typed<Q, R> extends ServerCall<Q, R> {
    private final ServerCall<byte[], R> call;
    private final MethodDescriptor<Q, R> method;

    Typed(ServerCall<byte[], R> call, MethodDescriptor<Q, R> method) {
      this.call = call;
      this.method = method;
    }

    @Override
    public void request(int n) {
      call.request(n);
    }

    @Override
    public void sendHeaders(Metadata headers) {
      call.sendHeaders(headers);
    }

    @Override
    public void sendMessage(R message) {
      call.sendMessage(message);
    }

    @Override
    public boolean isReady() {
      return call.isReady();
    }

    @Override
    public void close(Status status, Metadata trailers) {
      call.close(status, trailers);
    }

    @Override
    public boolean isCancelled() {
      return call.isCancelled();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      call.setMessageCompression(enabled);
    }

    @Override
    public void setCompression(String compressor) {
      call.setCompression(compressor);
    }

    @Override
    public SecurityLevel getSecurityLevel() {
      return call.getSecurityLevel();
    }

    @Override
    public Attributes getAttributes() {
      return call.getAttributes();
    }

    @Override
    public String getAuthority() {
      return call.getAuthority();
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
      return method;
    }
  }
}
