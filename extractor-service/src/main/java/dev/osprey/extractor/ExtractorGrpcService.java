package dev.osprey.extractor;

import dev.osprey.internal.v1.ExtractorGrpc;
import org.springframework.stereotype.Service;

/**
 * The Extractor gRPC service. Registered so that health, reflection and clients see its contract;
 * its RPC answers UNIMPLEMENTED (the generated default) until the extractor lands (issue #6).
 */
@Service
class ExtractorGrpcService extends ExtractorGrpc.ExtractorImplBase {
}
