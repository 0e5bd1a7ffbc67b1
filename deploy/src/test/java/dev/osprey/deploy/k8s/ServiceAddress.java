package dev.osprey.deploy.k8s;

import dev.osprey.deploy.Tree;
import java.util.List;
import java.util.Map;

/** Where a host:port address inside the cluster leads: "deployment:containerPortName". */
final class ServiceAddress {

    private ServiceAddress() {
    }

    static String resolve(Rendered rendered, String address) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        int port = Integer.parseInt(address.substring(colon + 1));
        Map<String, Object> service = rendered.get("Service", host);
        Map<String, Object> servicePort = Tree.maps(service, "spec", "ports").stream().filter(p -> ((Number) p.get("port")).intValue() == port)
                .findFirst().orElseThrow(() -> new AssertionError("Service " + host + " has no port " + port));
        List<Map<String, Object>> pods = rendered.deploymentsMatching(Tree.map(service, "spec", "selector"));
        if (pods.size() != 1) {
            throw new AssertionError("Service " + host + " selects " + pods.size() + " Deployments");
        }
        return Tree.string(pods.get(0), "metadata", "name") + ":" + servicePort.get("targetPort");
    }
}
