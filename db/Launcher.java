// The embedded database: mongo-java-server with its H2 backend, started by services/../db/embeddedMongo.ts.
// Compiled once by db/embeddedMongo.ts (ensureLauncherCompiled) and run as `java -cp 'db/lib/*:<classes>' Launcher --file <path>|--memory [--port N]`.
//
// Why a launcher of our own rather than the stock H2MongoServer main:
//  - the stock server reports wire version 8, and the MongoDB Node driver behind mongoose 9 refuses < 9;
//  - the stock backend commits the MVStore in the background once a second, so an acknowledged write is lost
//    on a crash; committing after every message makes "acknowledged" mean "kept";
//  - it must bind 127.0.0.1 only, on a free port that the parent process learns from our first stdout line;
//  - it must die with its parent: when the parent closes our stdin (or dies, even by kill -9), we shut down.

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.List;

public class Launcher {

    /** MongoDB 6.0 speaks wire version 17: new enough for the current Node driver, old enough to be honest. */
    enum ReportedVersion implements MongoVersion {
        MONGO_6_0;

        @Override
        public List<Integer> getVersionArray() {
            return List.of(6, 0, 0);
        }

        @Override
        public int getWireVersion() {
            return 17;
        }
    }

    /** Commits the store before the reply leaves, so the client only hears "ok" for what is on disk. */
    static final class DurableH2Backend extends H2Backend {
        DurableH2Backend(String fileName) {
            super(fileName);
            // MVStore keeps superseded chunks for 45 s by default so a disk that reorders writes cannot lose the last
            // good state; with a commit per message that is tens of thousands of chunks and a file ~20x its data.
            // Two seconds still outlives the OS's write-back of a process crash, which is what we guard against.
            getMvStore().setRetentionTime(2_000);
        }

        @Override
        public Document handleMessage(MongoMessage message) {
            try {
                return super.handleMessage(message);
            } finally {
                commitIfFileBacked();
            }
        }

        @Override
        public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
            try {
                return super.handleCommand(channel, databaseName, command, query);
            } finally {
                commitIfFileBacked();
            }
        }

        private void commitIfFileBacked() {
            if (!isInMemory() && getMvStore().hasUnsavedChanges()) {
                commit();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String file = null;
        boolean memory = false;
        int port = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--file" -> file = args[++i];
                case "--memory" -> memory = true;
                case "--port" -> port = Integer.parseInt(args[++i]);
                default -> fail("unknown argument " + args[i]);
            }
        }
        if ((file == null) == !memory) {
            fail("give exactly one of --file <path> or --memory");
        }

        H2Backend backend = memory ? H2Backend.inMemory() : new DurableH2Backend(file);
        backend.version(ReportedVersion.MONGO_6_0);
        MongoServer server = new MongoServer(backend);
        server.bind("127.0.0.1", port);
        InetSocketAddress address = server.getLocalAddress();

        Runnable stop = new Runnable() {
            private boolean stopped;

            @Override
            public synchronized void run() {
                if (stopped) {
                    return;
                }
                stopped = true;
                server.shutdown();
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "santushti-db-shutdown"));

        // The parent parses this exact line; keep its shape in step with db/embeddedMongo.ts.
        System.out.println("SANTUSHTI_DB_LISTENING " + address.getHostString() + ":" + address.getPort());
        System.out.flush();

        // Block until the parent goes away: EOF on stdin is the one signal that survives a kill -9 of the parent.
        while (System.in.read() != -1) {
            // Input is ignored; only its end matters.
        }
        stop.run();
        System.exit(0);
    }

    private static void fail(String message) {
        System.err.println("Launcher: " + message);
        System.exit(2);
    }
}
