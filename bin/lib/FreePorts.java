import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Prints N distinct free loopback TCP ports, one per line (run as {@code java FreePorts.java N}). */
public class FreePorts {
    public static void main(String[] args) throws IOException {
        int count = Integer.parseInt(args[0]);
        List<ServerSocket> held = new ArrayList<>();
        try {
            // Hold every socket until all are chosen, so the ports differ from each other.
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0);
                held.add(socket);
                System.out.println(socket.getLocalPort());
            }
        } finally {
            for (ServerSocket socket : held) {
                socket.close();
            }
        }
    }
}
