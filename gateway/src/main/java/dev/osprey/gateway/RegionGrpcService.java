package dev.osprey.gateway;

import dev.osprey.api.v1.RegionServiceGrpc;
import org.springframework.stereotype.Service;

/**
 * The public RegionService. Registered so that health, reflection and clients see its contract;
 * its RPCs answer UNIMPLEMENTED (the generated defaults) until the gateway lands (issue #7).
 */
@Service
class RegionGrpcService extends RegionServiceGrpc.RegionServiceImplBase {
}
