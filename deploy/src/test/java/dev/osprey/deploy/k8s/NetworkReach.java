package dev.osprey.deploy.k8s;

import dev.osprey.deploy.Tree;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who may open connections to each Deployment's pods under the rendered NetworkPolicies, as
 * "source:port" per Deployment: a source is a Deployment, "anyone", or a namespace by name. Pods that
 * some policy selects accept only what a rule allows (the base denies all ingress by default).
 */
final class NetworkReach {

    private NetworkReach() {
    }

    static Map<String, Set<String>> of(Rendered rendered) {
        Map<String, Set<String>> reach = new TreeMap<>();
        for (Map<String, Object> deployment : rendered.ofKind("Deployment")) {
            String target = Tree.string(deployment, "metadata", "name");
            Map<String, Object> labels = Tree.map(deployment, "spec", "template", "metadata", "labels");
            Map<String, Object> container = Rendered.container(deployment);
            Set<String> allowed = new TreeSet<>();
            for (Map<String, Object> policy : rendered.ofKind("NetworkPolicy")) {
                Map<String, Object> selector = Tree.map(policy, "spec", "podSelector", "matchLabels");
                if (!selector.isEmpty() && !Rendered.matches(selector, labels)) {
                    continue;
                }
                for (Map<String, Object> rule : Tree.maps(policy, "spec", "ingress")) {
                    for (String source : sources(rendered, rule)) {
                        for (Map<String, Object> port : Tree.maps(rule, "ports")) {
                            String name = port.get("port").toString();
                            if (Rendered.port(container, name).isPresent()) {
                                allowed.add(source + ":" + name);
                            }
                        }
                    }
                }
            }
            reach.put(target, allowed);
        }
        return reach;
    }

    private static List<String> sources(Rendered rendered, Map<String, Object> rule) {
        List<Map<String, Object>> from = Tree.maps(rule, "from");
        if (from.isEmpty()) {
            return List.of("anyone");
        }
        return from.stream().flatMap(peer -> {
            if (peer.containsKey("namespaceSelector")) {
                return java.util.stream.Stream.of(Tree.string(peer, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name"));
            }
            return rendered.deploymentsMatching(Tree.map(peer, "podSelector", "matchLabels")).stream()
                    .map(d -> Tree.string(d, "metadata", "name"));
        }).toList();
    }
}
