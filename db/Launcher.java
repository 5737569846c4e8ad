// The embedded database: mongo-java-server with its H2 backend, started by services/../db/embeddedMongo.ts.
// Compiled once by db/embeddedMongo.ts (ensureLauncherCompiled) and run as `java -cp 'db/lib/*:<classes>' Launcher --file <path>|--memory [--port N]`.
//
// Why a launcher of our own rather than the stock H2MongoServer main:
//  - the stock server reports wire version 8, and the MongoDB Node driver behind mongoose 9 refuses < 9;
//  - the stock backend commits the MVStore in the background once a second, so an acknowledged write is lost
//    on a crash; committing after every message makes "acknowledged" mean "kept";
//  - it must bind 127.0.0.1 only, on a free port that the parent process learns from our first stdout line;
//  - it must die with its parent: when the parent closes our stdin (or dies, even by kill -9), we shut down.

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.Map;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ObjectDataType;
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

    /**
     * Documents stored as BSON instead of H2's default, Java serialisation: with a commit per message every write
     * re-serialises the documents of the pages it changed, and Java serialisation of the server's Document maps was
     * most of the database's CPU (measured: docs/benchmarks.md). Values written by older versions of this launcher
     * (Java-serialised, H2's own type tags) are still read: they start with a tag byte H2 uses, ours with BSON_TAG.
     */
    static final class BsonDocumentType extends BasicDataType<Document> {
        /** Not a tag H2's ObjectDataType writes (its tags end well below 128). */
        private static final byte BSON_TAG = (byte) 0xB5;
        private final ObjectDataType legacy = new ObjectDataType();

        @Override
        public int getMemory(Document document) {
            try {
                return estimate(document);
            } catch (ConcurrentModificationException changing) {
                return 1024;
            }
        }

        /** A cheap size estimate (page splits and the cache use it): strings by length, everything else by count. */
        private static int estimate(Object value) {
            if (value instanceof String string) {
                return 40 + 2 * string.length();
            }
            if (value instanceof Map<?, ?> map) {
                int size = 48;
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    size += 32 + estimate(entry.getKey()) + estimate(entry.getValue());
                }
                return size;
            }
            if (value instanceof Collection<?> collection) {
                int size = 40;
                for (Object item : collection) {
                    size += 8 + estimate(item);
                }
                return size;
            }
            return 24;
        }

        /**
         * The server changes some stored documents in place while another thread's commit may be writing their page
         * (seen in an outage storm: a ConcurrentModificationException, and H2 closes the store on any error while
         * writing). Java serialisation never noticed (it does not check for changes); the encoder does, so the
         * document is encoded again, and after repeated changes written the old way, which reads back as well.
         */
        @Override
        public void write(WriteBuffer buffer, Document document) {
            for (int attempt = 0; attempt < 50; attempt++) {
                ByteBuf bson = Unpooled.buffer(256);
                try {
                    BsonEncoder.encodeDocument(document, bson);
                    buffer.put(BSON_TAG);
                    buffer.put(bson.nioBuffer());
                    return;
                } catch (ConcurrentModificationException changing) {
                    Thread.onSpinWait();
                } finally {
                    bson.release();
                }
            }
            legacy.write(buffer, document);
        }

        @Override
        public Document read(ByteBuffer buffer) {
            if (buffer.get(buffer.position()) != BSON_TAG) {
                return (Document) legacy.read(buffer);
            }
            buffer.get();
            // BSON starts with its own length, little-endian.
            int length = Integer.reverseBytes(buffer.getInt(buffer.position()));
            ByteBuf bson = Unpooled.wrappedBuffer(buffer.slice(buffer.position(), length));
            buffer.position(buffer.position() + length);
            return BsonDecoder.decodeBson(bson);
        }

        @Override
        public Document[] createStorage(int size) {
            return new Document[size];
        }
    }

    /**
     * Unique-index keys compared without serialising them: H2 compares keys of a type it does not know (the server's
     * KeyValue) by Java-serialising both sides on every comparison of every lookup. Same-class comparable values
     * compare directly; anything else (documents, arrays, null) falls back to H2's own comparison. Only for stores
     * created with it (STORE_FORMAT): the order of the keys in an index is part of the file.
     */
    static final class IndexKeyType extends BasicDataType<Object> {
        private final ObjectDataType legacy = new ObjectDataType();

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public int compare(Object a, Object b) {
            if (a instanceof KeyValue left && b instanceof KeyValue right) {
                if (left.size() != right.size()) {
                    return Integer.compare(left.size(), right.size());
                }
                for (int i = 0; i < left.size(); i++) {
                    Object x = left.get(i);
                    Object y = right.get(i);
                    int order;
                    if (x != null && y != null && x.getClass() == y.getClass() && x instanceof Comparable comparable) {
                        order = comparable.compareTo(y);
                    } else if (x != null && y != null && x.getClass() != y.getClass()) {
                        order = x.getClass().getName().compareTo(y.getClass().getName());
                    } else {
                        order = legacy.compare(x, y);
                    }
                    if (order != 0) {
                        return order;
                    }
                }
                return 0;
            }
            return legacy.compare(a, b);
        }

        @Override
        public int getMemory(Object key) {
            return legacy.getMemory(key);
        }

        @Override
        public void write(WriteBuffer buffer, Object key) {
            legacy.write(buffer, key);
        }

        @Override
        public Object read(ByteBuffer buffer) {
            return legacy.read(buffer);
        }

        @Override
        public Object[] createStorage(int size) {
            return new Object[size];
        }
    }

    /**
     * A database whose collections keep their documents as BSON (BsonDocumentType) and whose unique indexes compare
     * keys directly (IndexKeyType). The maps are opened here with those types first; H2Database then opens them by name
     * and gets the same, already open maps.
     */
    static final class FastH2Database extends H2Database {
        /** One store per process; a field of this class would not yet be set when H2Database's constructor opens the collections. */
        static MVStore store;

        FastH2Database(String databaseName, CursorRegistry cursorRegistry) {
            super(databaseName, store, cursorRegistry);
        }

        @Override
        protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
            store.openMap("databases." + getFullCollectionNamespace(collectionName), new MVMap.Builder<Object, Document>().valueType(new BsonDocumentType()));
            return super.openOrCreateCollection(collectionName, options);
        }

        @Override
        protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
            store.openMap(getFullCollectionNamespace(collectionName) + "._index_" + indexName, new MVMap.Builder<Object, Object>().keyType(new IndexKeyType()));
            return super.openOrCreateUniqueIndex(collectionName, indexName, keys, sparse);
        }
    }

    /** Commits the store before the reply leaves, so the client only hears "ok" for what is on disk. */
    static final class DurableH2Backend extends H2Backend {
        DurableH2Backend(String fileName) {
            super(openStore(fileName));
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

        private static MVStore openStore(String fileName) {
            MVStore.Builder builder = new MVStore.Builder().fileName(fileName);
            Integer pageSplit = Integer.getInteger("santushti.pageSplitSize");
            if (pageSplit != null) {
                builder.pageSplitSize(pageSplit);
            }
            MVStore store = builder.open();
            // The fast format for a new store only; a store written by an older launcher keeps H2's defaults.
            boolean created = store.getMapNames().stream().noneMatch(name -> name.startsWith("databases."));
            if (created && !Boolean.getBoolean("santushti.javaSerialisation")) {
                store.openMap(STORE_FORMAT).put("documents", "bson-1");
                store.commit();
            }
            fast = store.hasMap(STORE_FORMAT);
            FastH2Database.store = store;
            return store;
        }

        /** A map whose presence says the store was created with BsonDocumentType and IndexKeyType. */
        private static final String STORE_FORMAT = "santushti.format";
        private static boolean fast;

        @Override
        protected MongoDatabase openOrCreateDatabase(String databaseName) {
            return fast ? new FastH2Database(databaseName, getCursorRegistry()) : super.openOrCreateDatabase(databaseName);
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
