import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens N idle client connections through a proxy whose backend is this program's own sink listener (which
 * accepts and holds every connection, sending nothing), then waits for a line on stdin and closes them. Each
 * client sends a startup message and then nothing (a client waiting for the server's answer).
 * Prints "ready <n>" once every connection has reached the sink.
 *   java bench/IdleConnections.java <sinkPort> <proxyPort> <n>
 */
public class IdleConnections {
    private static final byte[] STARTUP = startup();

    private static byte[] startup() {
        byte[] params = "user\0postgres\0database\0postgres\0\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return java.nio.ByteBuffer.allocate(8 + params.length).putInt(8 + params.length).putInt(196608).put(params)
                .array();
    }

    public static void main(String[] args) throws Exception {
        int sinkPort = Integer.parseInt(args[0]);
        int proxyPort = Integer.parseInt(args[1]);
        int n = Integer.parseInt(args[2]);
        List<Socket> held = new ArrayList<>();
        ServerSocket sink = new ServerSocket();
        sink.bind(new InetSocketAddress("127.0.0.1", sinkPort), 8192);
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    Socket s = sink.accept();
                    synchronized (held) {
                        held.add(s);
                        held.notifyAll();
                    }
                }
            } catch (IOException e) {
                // closed
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        System.out.println("listening");
        System.out.flush();
        java.io.BufferedReader stdin = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        if (stdin.readLine() == null) {
            return;
        }
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Socket c = new Socket();
            c.connect(new InetSocketAddress("127.0.0.1", proxyPort), 5000);
            // The proxy connects its backend once the client's first packet says what the connection is.
            c.getOutputStream().write(STARTUP);
            clients.add(c);
        }
        long deadline = System.currentTimeMillis() + 60_000;
        synchronized (held) {
            while (held.size() < n && System.currentTimeMillis() < deadline) {
                held.wait(1000);
            }
            System.out.println("ready " + held.size());
        }
        System.out.flush();
        stdin.readLine();
        for (Socket c : clients) {
            c.close();
        }
        sink.close();
    }
}
