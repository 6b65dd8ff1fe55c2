// Launcher starts Neo4j Community (embedded DBMS from the org.neo4j:neo4j jars) with its
// Bolt connector on 127.0.0.1:<port>, for local development and tests. It is what
// scripts/neo4j.sh runs; see scripts/neo4j/README.md.
//
// Usage (single-file source launch, Java 17+):
//   java -Xmx1g --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
//        --add-opens=java.base/sun.nio.ch=ALL-UNNAMED -cp "<lib>/*" Launcher.java <home> <port> \
//        [--stop-on-stdin-eof] [--watch-pid PID] [--set name=value]...
//
//   --watch-pid PID  shut down cleanly as soon as process PID exits, however it ends (even
//                    SIGKILL): whoever started Neo4j for a test or benchmark run names itself,
//                    so a killed run never leaves an orphaned Neo4j holding its port and memory.
//
// Environment:
//   NEO4J_PASSWORD   non-empty: auth on, user "neo4j" has this password (checked on every
//                    start, set through the system database when different, no forced
//                    change); empty/unset: auth off.
//   NEO4J_PAGECACHE  page cache size (default 512m). The heap is the JVM's -Xmx.
//
// Output (stdout, one line each, for scripts to wait on):
//   NEO4J VERSION <version>
//   NEO4J READY bolt://127.0.0.1:<port>      once database "neo4j" is available
//   NEO4J FAILED <reason>                    then exit code 1
//   NEO4J STOPPED                            after a clean shutdown (SIGTERM/SIGINT/stdin EOF)

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.neo4j.configuration.Config;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.SettingImpl;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.internal.kernel.api.connectioninfo.ClientConnectionInfo;
import org.neo4j.internal.kernel.api.security.AuthenticationResult;
import org.neo4j.internal.kernel.api.security.LoginContext;
import org.neo4j.kernel.api.security.AuthManager;
import org.neo4j.kernel.api.security.AuthToken;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.kernel.internal.Version;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

public class Launcher {
    private static final String HOST = "127.0.0.1";
    private static final String DB = GraphDatabaseSettings.DEFAULT_DATABASE_NAME; // "neo4j"
    private static final long START_TIMEOUT_SECONDS = 300;

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            System.out.println("NEO4J FAILED " + oneLine(t));
            t.printStackTrace(System.out);
            System.out.flush();
            System.exit(1); // runs the shutdown hook, which stops a half-started DBMS cleanly
        }
    }

    private static void run(String[] args) throws Exception {
        if (args.length < 2) {
            usage("need <home> <port>");
        }
        Path home = Path.of(args[0]).toAbsolutePath().normalize();
        int port;
        try {
            port = Integer.parseInt(args[1]);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            usage("bad port: " + args[1]);
        }
        boolean stopOnStdinEof = false;
        long watchPid = -1;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--stop-on-stdin-eof")) {
                stopOnStdinEof = true;
            } else if (a.equals("--watch-pid") && i + 1 < args.length) {
                try {
                    watchPid = Long.parseLong(args[++i]);
                } catch (NumberFormatException e) {
                    watchPid = 0;
                }
                if (watchPid <= 0) {
                    usage("--watch-pid wants a process id, got: " + args[i]);
                }
            } else if (a.equals("--set") && i + 1 < args.length) {
                String kv = args[++i];
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    usage("--set wants name=value, got: " + kv);
                }
                overrides.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            } else {
                usage("unknown argument: " + a);
            }
        }
        if (watchPid > 0) {
            watch(watchPid);
        }
        Files.createDirectories(home);

        String password = System.getenv().getOrDefault("NEO4J_PASSWORD", "");
        boolean auth = !password.isEmpty();
        String pageCache = System.getenv().getOrDefault("NEO4J_PAGECACHE", "");
        if (pageCache.isBlank()) {
            pageCache = "512m";
        }

        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                // Neo4j's user log (startup, shutdown, errors) to stdout; debug.log stays in <home>/logs.
                .setUserLogProvider(new Log4jLogProvider(System.out, Level.INFO))
                // Bolt only, on loopback, plain text.
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                // Routing tables (neo4j:// URIs): Community answers with the address the driver
                // says it dialled (the routing context's "address"), else with this one, whose
                // default would be localhost:7687 whatever the port: so give the real one.
                .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress(HOST))
                .setConfig(GraphDatabaseSettings.default_advertised_address, new SocketAddress(HOST))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, auth)
                .setConfig(GraphDatabaseSettings.initial_default_database, DB);

        // Settings by name (same names and value syntax as neo4j.conf). --set overrides any.
        Map<String, String> raw = new LinkedHashMap<>();
        // Server-side routing (a connector of its own, :7688 by default) is a cluster feature.
        // Community opens no such port even when on, and a single instance answers neo4j://
        // routing-table requests without it; off so nothing ever competes with a second
        // instance on port 7688.
        raw.put("dbms.routing.enabled", "false");
        // Never phone home (the machine has no route out anyway).
        raw.put("dbms.usage_report.enabled", "false");
        raw.put("client.allow_telemetry", "false");
        // Memory for a 2-core / 24 GiB machine that also runs the tests. Heap = -Xmx; the
        // transaction memory pool keeps its default (70% of the heap), so a runaway query fails
        // with a memory error instead of taking the JVM down. No transaction timeout (default):
        // clients set their own deadlines.
        raw.put("server.memory.pagecache.size", pageCache);
        // Keep a test database's transaction logs small.
        raw.put("db.tx_log.rotation.size", "64M");
        raw.put("db.tx_log.rotation.retention_policy", "2 files");
        // No query log churn by default (turn on with --set db.logs.query.enabled=INFO).
        raw.put("db.logs.query.enabled", "OFF");
        // Any dev password is accepted (the server default demands 8 characters).
        raw.put("dbms.security.auth_minimum_password_length", "1");
        // Bolt's Netty event loops wait a 5 s quiet period each (two loops: ~10 s) on shutdown;
        // the databases are already closed by then, so don't wait.
        raw.put("internal.dbms.bolt.netty_server_shutdown_quiet_period", "0");
        raw.putAll(overrides);
        applyRaw(builder, raw);

        System.out.println("NEO4J VERSION " + Version.getNeo4jVersion() + " community (embedded), home " + home
                + ", auth " + (auth ? "on" : "off") + ", page cache " + raw.get("server.memory.pagecache.size")
                + ", max heap " + (Runtime.getRuntime().maxMemory() >> 20) + "m");
        System.out.flush();

        long t0 = System.nanoTime();
        AtomicReference<DatabaseManagementService> dbmsRef = new AtomicReference<>();
        AtomicBoolean stopped = new AtomicBoolean(false);
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            if (stopped.compareAndSet(false, true)) {
                DatabaseManagementService d = dbmsRef.get();
                if (d != null) {
                    try {
                        d.shutdown();
                    } catch (Throwable t) {
                        System.out.println("NEO4J shutdown error " + oneLine(t));
                    }
                }
                System.out.println("NEO4J STOPPED");
                System.out.flush();
            }
            done.countDown();
        }, "launcher-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        DatabaseManagementService dbms = builder.build();
        dbmsRef.set(dbms);
        GraphDatabaseService db = dbms.database(DB);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        while (!db.isAvailable(1000)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("database " + DB + " not available after " + START_TIMEOUT_SECONDS + " s");
            }
        }

        if (auth) {
            setPassword(dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME), password);
        }

        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.println("NEO4J READY bolt://" + HOST + ":" + port + " (" + ms + " ms)");
        System.out.flush();

        if (stopOnStdinEof) {
            Thread t = new Thread(() -> {
                try {
                    InputStream in = System.in;
                    byte[] buf = new byte[256];
                    while (in.read(buf) >= 0) {
                        // discard
                    }
                } catch (IOException ignored) {
                    // treat as EOF
                }
                System.out.println("NEO4J stdin closed, shutting down");
                System.exit(0);
            }, "launcher-stdin");
            t.setDaemon(true);
            t.start();
        }
        done.await();
    }

    // Exits (running the shutdown hook, which stops the DBMS cleanly) once process pid ends.
    // ProcessHandle identifies the process by pid and start time, so a reused pid does not
    // keep Neo4j alive; a pid that is already gone stops the launcher before it starts.
    private static void watch(long pid) {
        java.util.Optional<ProcessHandle> ph = ProcessHandle.of(pid);
        if (ph.isEmpty() || !ph.get().isAlive()) {
            throw new IllegalStateException("--watch-pid " + pid + ": no such process");
        }
        ph.get().onExit().thenRun(() -> {
            System.out.println("NEO4J watched process " + pid + " exited, shutting down");
            System.out.flush();
            System.exit(0);
        });
        System.out.println("NEO4J watching process " + pid + ": stops when it exits");
        System.out.flush();
    }

    // Makes `password` the password of user neo4j, with no forced change. A restart with the
    // same password is detected first through the DBMS's own AuthManager (internal API, so any
    // problem there just falls through): that skips the Cypher command, whose first run in a
    // fresh JVM costs about 3-4 s. Otherwise the password is set through the system database;
    // the embedded API runs with full rights, so this works on Community without knowing the
    // old password (first start: "neo4j", change required).
    private static void setPassword(GraphDatabaseService system, String password) {
        try {
            AuthManager am = ((GraphDatabaseAPI) system).getDependencyResolver().resolveDependency(AuthManager.class);
            LoginContext lc = am.login(AuthToken.newBasicAuthToken("neo4j", password), ClientConnectionInfo.EMBEDDED_CONNECTION);
            if (lc.subject().getAuthenticationResult() == AuthenticationResult.SUCCESS) {
                System.out.println("NEO4J auth: user neo4j already has this password");
                return;
            }
        } catch (Throwable t) {
            System.out.println("NEO4J auth: could not check the current password (" + oneLine(t) + "), setting it");
        }
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
            System.out.println("NEO4J auth: password of user neo4j set");
        } catch (RuntimeException e) {
            // Same password as last start: Neo4j refuses "changing" it to itself; that is fine,
            // but the "change required" flag must still be off.
            String msg = String.valueOf(e.getMessage());
            if (!msg.contains("Old password and new password cannot be the same")) {
                throw e;
            }
            system.executeTransactionally("ALTER USER neo4j SET PASSWORD CHANGE NOT REQUIRED");
            System.out.println("NEO4J auth: password of user neo4j unchanged");
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void applyRaw(DatabaseManagementServiceBuilder builder, Map<String, String> raw) {
        Config known = Config.defaults();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            Setting<Object> s = known.getDeclaredSettings().get(e.getKey());
            if (s == null) {
                throw new IllegalArgumentException("unknown Neo4j setting: " + e.getKey());
            }
            Object value = ((SettingImpl) s).parse(e.getValue());
            builder.setConfig(s, value);
        }
    }

    private static void usage(String why) {
        System.err.println("Launcher: " + why);
        System.err.println("usage: java [jvm opts] -cp \"<lib>/*\" Launcher.java <home> <port> [--stop-on-stdin-eof] [--set name=value]...");
        System.exit(2);
    }

    private static String oneLine(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
            if (c.getCause() == c) {
                break;
            }
        }
        return sb.toString().replace('\n', ' ');
    }
}
