// A real cnss-sim and a real cnss-hub for the browser tests, as tests/support does for the C++
// tests: the build tree's binaries, the test PKI (certs/make-dev-pki.sh into <build>/test-pki),
// free ports, SQLite in a temporary folder. The hub's configuration is the shipped conf/hub.yaml
// (recipes, conflicts, principals, the web interface) with only paths, ports and test-friendly
// timings changed, so that the pages are tested against what `scripts/run.sh` serves.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import YAML from 'yaml';

export const sourceDir = process.env.CNSS_SOURCE_DIR ?? join(import.meta.dirname, '..', '..', '..');
export const binaryDir = process.env.CNSS_BINARY_DIR ?? join(sourceDir, 'build');
export const resultsDir = join(binaryDir, 'e2e-results');

/** The partners conf/sim.yaml simulates (the PKI has a CA for each). */
export function simulatedPartners(): string[] {
  return Object.keys(YAML.parse(readFileSync(join(sourceDir, 'conf', 'sim.yaml'), 'utf8')).partners);
}

/** The test PKI, made once per build tree (flock: C++ tests may make it at the same time). */
export function testPki(): string {
  const out = join(binaryDir, 'test-pki');
  execFileSync('flock', [`${out}.lock`, join(sourceDir, 'certs', 'make-dev-pki.sh'), out], { stdio: 'ignore' });
  return out;
}

export interface StackOptions {
  /** conf/sim.yaml's conflict_share for these simulators. */
  conflictShare?: number;
}

export interface Stack {
  hubPort: number;
  hubOrigin: string;
  simPorts: Record<string, number>;
  pki: string;
  dir: string;
  stop(): Promise<void>;
}

class Service {
  readonly lines: string[] = [];
  private readonly exited: Promise<number | null>;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    logFile: string,
  ) {
    const log = createWriteStream(logFile);
    const rl = createInterface({ input: child.stderr! });
    rl.on('line', (l) => {
      this.lines.push(l);
      log.write(`${l}\n`);
    });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    this.exited.then(() => log.end());
  }

  /** Waits for a JSON log line with "msg":"<msg>"; the whole log in the error otherwise. */
  async ready(msg: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.lines.some((l) => l.includes(`"msg":"${msg}"`))) return;
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${this.name} did not start:\n${this.lines.join('\n')}`);
  }

  /** {listener: port} from its "listening" lines. */
  ports(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const l of this.lines) {
      if (!l.includes('"msg":"listening"')) continue;
      const j = JSON.parse(l) as { listener: string; port: string };
      out[j.listener] = Number(j.port);
    }
    return out;
  }

  /** SIGTERM, then SIGKILL if it has not stopped within 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

function start(name: string, args: string[], dir: string, logName = name): Service {
  const child = spawn(join(binaryDir, 'bin', name), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Service(logName, child, join(dir, `${logName}.log`));
}

function pkiPath(pki: string, p: unknown): string {
  return String(p).replace(/^\.\.\/certs\/dev/, pki);
}

function simConfig(pki: string, options: StackOptions): string {
  const c = YAML.parse(readFileSync(join(sourceDir, 'conf', 'sim.yaml'), 'utf8'));
  c.threads = 1;
  c.conflict_share = options.conflictShare ?? 0;
  for (const p of Object.values(c.partners) as Record<string, unknown>[]) {
    p.port = 0;
    for (const k of ['certificate', 'key', 'client_ca', 'crl']) p[k] = pkiPath(pki, p[k]);
  }
  for (const [who, p] of Object.entries(c.push ?? {}) as [string, any][]) {
    if (who === 'hub_ca') c.push.hub_ca = pkiPath(pki, p);
    else for (const k of ['certificate', 'key']) p[k] = pkiPath(pki, p[k]);
  }
  return YAML.stringify(c);
}

function hubConfig(pki: string, dir: string, simPorts: Record<string, number>): string {
  const c = YAML.parse(readFileSync(join(sourceDir, 'conf', 'hub.yaml'), 'utf8'));
  c.hub.data_dir = join(dir, 'data');
  c.hub.mappings_dir = join(sourceDir, 'mappings');
  c.hub.web_dir = join(binaryDir, 'web');
  for (const l of c.listeners) {
    l.port = 0;
    l.tls.certificate = pkiPath(pki, l.tls.certificate);
    l.tls.key = pkiPath(pki, l.tls.key);
    l.tls.client_ca = l.tls.client_ca.map((p: string) => pkiPath(pki, p));
    l.tls.crl = (l.tls.crl ?? []).map((p: string) => pkiPath(pki, p));
  }
  c.store = { engine: 'sqlite', path: join(dir, 'data', 'hub.db') };
  if (c.audit) c.audit.signing_key = pkiPath(pki, c.audit.signing_key);
  for (const [name, p] of Object.entries(c.partners) as [string, Record<string, any>][]) {
    p.base_url = `https://127.0.0.1:${simPorts[name]}`;
    for (const k of ['ca', 'certificate', 'key']) p[k] = pkiPath(pki, p[k]);
    // CI runs this beside other process-heavy tests on two cores: generous timeouts, and breakers
    // that the failure tests' few calls never open.
    p.request_timeout_ms = 3000;
    if (p.breaker) p.breaker.min_calls = 1000;
    // DGCT's cached answers expire in 2 s, so that a test can see one served stale.
    if (name === 'dgct' && p.cache) p.cache.ttl_s = 2;
  }
  c.exchange.deadline_ms = 8000;
  return YAML.stringify(c);
}

/** The simulators, started in `dir`; the list of services to stop grows as the caller starts more. */
async function startSim(pki: string, dir: string, options: StackOptions) {
  mkdirSync(join(dir, 'data'), { recursive: true });
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(dir, 'sim.yaml'), simConfig(pki, options));
  const sim = start('cnss-sim', ['serve', '--config', join(dir, 'sim.yaml')], dir);
  const services: Service[] = [sim];
  // What to do once every process has stopped, before the folder goes.
  const cleanups: (() => void)[] = [];
  const stop = async () => {
    for (const s of [...services].reverse()) await s.stop();
    for (const c of cleanups) c();
    for (const s of services) {
      try {
        writeFileSync(join(resultsDir, `${s.name}.log`), s.lines.join('\n'));
      } catch {
        /* the log is a convenience */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await sim.ready('ready');
  } catch (e) {
    await stop();
    throw e;
  }
  return { services, cleanups, simPorts: sim.ports(), stop };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const pki = testPki();
  const dir = mkdtempSync(join(tmpdir(), 'cnss-e2e-'));
  const { services, simPorts, stop } = await startSim(pki, dir, options);
  try {
    writeFileSync(join(dir, 'hub.yaml'), hubConfig(pki, dir, simPorts));
    const hub = start('cnss-hub', ['serve', '--config', join(dir, 'hub.yaml')], dir);
    services.push(hub);
    await hub.ready('ready');
    const hubPort = hub.ports().internal;
    return { hubPort, hubOrigin: `https://localhost:${hubPort}`, simPorts, pki, dir, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** One hub node of a cluster: its internal listener's origin. */
export interface Node {
  hubOrigin: string;
  pki: string;
}

export interface Cluster {
  nodes: Node[];
  simPorts: Record<string, number>;
  pki: string;
  stop(): Promise<void>;
}

/**
 * `count` hub nodes on one PostgreSQL (a schema of their own in CNSS_TEST_PG_URL's database, as
 * tests/unit/store/engines.hpp makes; without CNSS_TEST_PG_URL, a throwaway cluster of its own),
 * with the same simulators, as CNSS runs several nodes behind a load balancer. The first node
 * makes the journal's signing key; the others get a copy (tests/integration/cluster does the same).
 */
export async function startCluster(count: number, options: StackOptions = {}): Promise<Cluster> {
  const pki = testPki();
  const dir = mkdtempSync(join(tmpdir(), 'cnss-e2e-cluster-'));
  const { services, cleanups, simPorts, stop } = await startSim(pki, dir, options);
  try {
    const pg = startPostgres(dir);
    cleanups.push(pg.stop);
    const nodes: Node[] = [];
    for (let i = 0; i < count; ++i) {
      const nodeDir = join(dir, `node${i + 1}`);
      mkdirSync(join(nodeDir, 'data'), { recursive: true });
      if (i > 0) copyFileSync(join(dir, 'node1', 'data', 'audit.key'), join(nodeDir, 'data', 'audit.key'));
      const c = YAML.parse(hubConfig(pki, nodeDir, simPorts));
      c.store = { engine: 'postgresql', url: pg.url };
      writeFileSync(join(nodeDir, 'hub.yaml'), YAML.stringify(c));
      const hub = start('cnss-hub', ['serve', '--config', join(nodeDir, 'hub.yaml')], nodeDir, `cnss-hub-${i + 1}`);
      services.push(hub);
      await hub.ready('ready');
      nodes.push({ hubOrigin: `https://localhost:${hub.ports().internal}`, pki });
    }
    return { nodes, simPorts, pki, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A PostgreSQL schema for one run: in CNSS_TEST_PG_URL's database (scripts/test.sh), else in a
 * throwaway cluster started here in `dir` (as scripts/test.sh starts one) on a free port. */
function startPostgres(dir: string): { url: string; stop: () => void } {
  let base = process.env.CNSS_TEST_PG_URL;
  let stopCluster = () => {};
  if (!base) {
    const bin = execFileSync('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1'], { encoding: 'utf8' }).trim();
    const pgdir = join(dir, 'pg');
    mkdirSync(pgdir);
    const asPg = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
    if (asPg.length) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
    const run = (cmd: string, args: string[]) => execFileSync(asPg[0] ?? cmd, [...asPg.slice(1), ...(asPg.length ? [cmd] : []), ...args], { stdio: 'ignore' });
    const port = String(40000 + Math.floor(Math.random() * 20000));
    run(join(bin, 'initdb'), ['-D', join(pgdir, 'data'), '-U', 'cnss', '--auth=trust']);
    run(join(bin, 'pg_ctl'), ['-D', join(pgdir, 'data'), '-l', join(pgdir, 'log'), '-w', '-o', `-p ${port} -k ${pgdir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
    base = `host=${pgdir} port=${port} user=cnss dbname=postgres`;
    stopCluster = () => {
      try {
        run(join(bin, 'pg_ctl'), ['-D', join(pgdir, 'data'), '-m', 'immediate', 'stop']);
      } catch {
        /* already stopped */
      }
    };
  }
  const schema = `e2e_${process.pid}_${Date.now().toString(36)}`;
  const psql = (sql: string) => execFileSync('psql', [base!, '-v', 'ON_ERROR_STOP=1', '-qc', sql], { stdio: 'ignore' });
  psql(`CREATE SCHEMA ${schema}`);
  return {
    url: `${base} options='-csearch_path=${schema}'`,
    stop: () => {
      try {
        psql(`DROP SCHEMA ${schema} CASCADE`);
      } catch {
        /* the cluster may be gone already */
      }
      stopCluster();
    },
  };
}
