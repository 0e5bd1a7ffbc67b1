package dev.osprey.encoder;

import dev.osprey.internal.v1.EncoderGrpc;
import org.springframework.stereotype.Service;

/**
 * The Encoder gRPC service. Registered so that health, reflection and clients see its contract;
 * its RPCs answer UNIMPLEMENTED (the generated defaults) until the encoder lands (issue #6).
 */
@Service
class EncoderGrpcService extends EncoderGrpc.EncoderImplBase {
}
