// A real cnss-sim and a real cnss-hub for the browser tests, as tests/support does for the C++
// tests: the build tree's binaries, the test PKI (certs/make-dev-pki.sh into <build>/test-pki),
// free ports, SQLite in a temporary folder. The hub's configuration is the shipped conf/hub.yaml
// (recipes, conflicts, principals, the web interface) with only paths, ports and test-friendly
// timings changed, so that the pages are tested against what `scripts/run.sh` serves.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

function start(name: string, args: string[], dir: string): Service {
  const child = spawn(join(binaryDir, 'bin', name), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Service(name, child, join(dir, `${name}.log`));
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

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const pki = testPki();
  const dir = mkdtempSync(join(tmpdir(), 'cnss-e2e-'));
  mkdirSync(join(dir, 'data'));
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(dir, 'sim.yaml'), simConfig(pki, options));
  const sim = start('cnss-sim', ['serve', '--config', join(dir, 'sim.yaml')], dir);
  const services: Service[] = [sim];
  const stop = async () => {
    for (const s of services.reverse()) await s.stop();
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
    const simPorts = sim.ports();
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
