// Starts and stops the embedded MongoDB wire-protocol server (mongo-java-server + H2, see db/Launcher.java).
// Used when MONGODB_URI is not set: by `npm start` with a file under .data/, by the tests with a temporary file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const dbFolder = dirname(fileURLToPath(import.meta.url));
const launcherSource = join(dbFolder, 'Launcher.java');
const pomFile = join(dbFolder, 'pom.xml');
export const jarFolder = join(dbFolder, 'lib');
const serverJar = 'mongo-java-server-h2-backend-1.47.0.jar';

const listeningLine = /^SANTUSHTI_DB_LISTENING (\S+):(\d+)$/m;
const startTimeoutMs = 60_000;

const installHelp =
  'Santushti needs a MongoDB server. Either set MONGODB_URI (e.g. mongodb://127.0.0.1:27017/santushti), ' +
  'or install Java ≥ 17 and Maven so the embedded database can run ' +
  '(Debian/Ubuntu: sudo apt-get install -y openjdk-17-jdk-headless maven; then npm install).';

export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}

export interface EmbeddedMongoOptions {
  /** H2 MVStore file; omit for an in-memory store (nothing survives the process). */
  dataFile?: string;
  /** JVM heap cap, e.g. "384m". */
  maxHeap?: string;
  port?: number;
  /** Extra JVM options (EMBEDDED_DB_JVM_OPTIONS adds to them), e.g. `-Dsantushti.javaSerialisation=true` for a store in the old format. */
  javaOptions?: string[];
  /** Receives the server's own warnings (it logs only warnings and worse), one line at a time, once it listens. */
  onLog?: (line: string) => void;
}

export interface EmbeddedMongo {
  readonly uri: string;
  readonly port: number;
  readonly pid: number;
  /** Clean stop: the store is closed and committed. */
  stop(): Promise<void>;
  /** Crash on purpose (SIGKILL), as the durability tests do. */
  kill(): Promise<void>;
}

function commandExists(command: string, versionFlag: string): boolean {
  const result = spawnSync(command, [versionFlag], { stdio: 'ignore' });
  return !result.error;
}

function jarsPresent(): boolean {
  return existsSync(jarFolder) && readdirSync(jarFolder).includes(serverJar);
}

/** Fetches the jars once (npm's postinstall normally has); afterwards they are reused from db/lib. */
export function ensureDatabaseJars(log: (line: string) => void = () => {}): void {
  if (jarsPresent()) return;
  if (!commandExists('mvn', '-v')) {
    throw new EmbeddedDatabaseError(`The embedded database's jars are missing and Maven is not installed. ${installHelp}`);
  }
  log('Fetching the embedded database jars with Maven (once, ~10 s)…');
  const result = spawnSync('mvn', ['-q', '-B', '-f', pomFile, 'dependency:copy-dependencies'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0 || !jarsPresent()) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new EmbeddedDatabaseError(`Maven could not fetch the embedded database jars:\n${output}`);
  }
}

/**
 * The embedded server's Java heap unless EMBEDDED_DB_MAX_HEAP says otherwise: with the caps beside it, the database
 * process stays under 300 MB resident serving 100 consumers.
 */
export const defaultDatabaseHeap = '192m';

/**
 * Compiles db/Launcher.java once into db/lib/launcher-<hash of the source>/ and returns that folder. Running the
 * source file directly (`java Launcher.java`) compiles it in every database process at start: the compiler's classes
 * and code stay resident, about 55 MB more RSS measured at idle (118 against 62 MB), and each start is slower.
 * Compiled into a private folder and renamed into place, so processes starting at once never see half a class.
 */
export function ensureLauncherCompiled(): string {
  const hash = createHash('sha256').update(readFileSync(launcherSource)).digest('hex').slice(0, 16);
  const target = join(jarFolder, `launcher-${hash}`);
  if (existsSync(join(target, 'Launcher.class'))) return target;
  const scratch = `${target}.${process.pid}-${randomBytes(4).toString('hex')}`;
  const result = spawnSync('javac', ['-nowarn', '-cp', join(jarFolder, '*'), '-d', scratch, launcherSource], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) {
    rmSync(scratch, { recursive: true, force: true });
    throw new EmbeddedDatabaseError(`The embedded database's launcher did not compile:\n${`${result.stdout ?? ''}${result.stderr ?? ''}`.trim()}`);
  }
  try {
    renameSync(scratch, target);
  } catch (error) {
    // Another process compiled the same source first: its folder is as good as ours.
    rmSync(scratch, { recursive: true, force: true });
    if (!existsSync(join(target, 'Launcher.class'))) throw error;
  }
  return target;
}

export async function startEmbeddedMongo(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  if (!commandExists('java', '-version')) {
    throw new EmbeddedDatabaseError(`Java is not installed. ${installHelp}`);
  }
  // db/Launcher.java is compiled at the first start (ensureLauncherCompiled), which needs the JDK's compiler; a bare JRE cannot.
  if (!commandExists('javac', '-version')) {
    throw new EmbeddedDatabaseError(`Java is installed without its compiler (a JRE, not a JDK). ${installHelp}`);
  }
  ensureDatabaseJars((line) => process.stderr.write(`${line}\n`));
  const launcherClasses = ensureLauncherCompiled();
  if (options.dataFile) mkdirSync(dirname(options.dataFile), { recursive: true });

  const storeArgs = options.dataFile ? ['--file', options.dataFile] : ['--memory'];
  const child = spawn(
    'java',
    [
      `-Xmx${options.maxHeap ?? defaultDatabaseHeap}`,
      '-XX:+UseSerialGC',
      // Beside the heap: compiled code and class metadata capped too, thread stacks kept small (measured: docs/claims-and-background.md).
      '-XX:ReservedCodeCacheSize=40m',
      '-XX:MaxMetaspaceSize=128m',
      '-Xss512k',
      // Extra JVM options for profiling the database (e.g. -XX:StartFlightRecording=filename=/tmp/db.jfr); none by default.
      ...(options.javaOptions ?? []),
      ...(process.env.EMBEDDED_DB_JVM_OPTIONS?.split(/\s+/).filter(Boolean) ?? []),
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-Dorg.slf4j.simpleLogger.logFile=System.err',
      '-cp',
      [join(jarFolder, '*'), launcherClasses].join(delimiter),
      'Launcher',
      ...storeArgs,
      '--port',
      String(options.port ?? 0),
    ],
    // Few malloc arenas: glibc's default (8 per core) holds tens of MB of native memory beside the Java heap.
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' } },
  );

  const { host, port } = await waitUntilListening(child);
  if (options.onLog) {
    const onLog = options.onLog;
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (line.trim()) onLog(`[database] ${line}`);
    });
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  // If Node goes away without stopping us, the JVM still sees stdin close and exits; this covers normal exits too.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const finish = async (how: 'stop' | 'kill') => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (how === 'kill') {
      child.kill('SIGKILL');
    } else {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      return;
    }
    await exited;
  };

  return {
    uri: `mongodb://${host}:${port}`,
    port,
    pid: child.pid ?? -1,
    stop: () => finish('stop'),
    kill: () => finish('kill'),
  };
}

function waitUntilListening(child: ChildProcess): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderrTail = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new EmbeddedDatabaseError(`The embedded database did not start within ${startTimeoutMs / 1000} s.\n${stderrTail}`));
    }, startTimeoutMs);
    const onStdout = (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = listeningLine.exec(stdout);
      if (match) {
        clearTimeout(timer);
        child.stdout?.removeListener('data', onStdout);
        // Keep draining both pipes so a chatty JVM can never block on a full pipe.
        child.stdout?.resume();
        resolve({ host: match[1] ?? '127.0.0.1', port: Number(match[2]) });
      }
    };
    child.stdout?.on('data', onStdout);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000);
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new EmbeddedDatabaseError(`Could not start Java: ${error.message}. ${installHelp}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new EmbeddedDatabaseError(`The embedded database exited before listening (code ${code}, signal ${signal}).\n${stderrTail}`));
    });
  });
}
