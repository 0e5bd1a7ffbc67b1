package dev.osprey.llm;

import dev.osprey.internal.v1.LlmGrpc;
import org.springframework.stereotype.Service;

/**
 * The Llm gRPC service. Registered so that health, reflection and clients see its contract;
 * its RPC answers UNIMPLEMENTED (the generated default) until generation lands (issue #6).
 */
@Service
class LlmGrpcService extends LlmGrpc.LlmImplBase {
}
