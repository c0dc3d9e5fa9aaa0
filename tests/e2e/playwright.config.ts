// Browser tests of the hub's pages: Debian's Chromium (never a downloaded browser) driven by
// Playwright against a real hub and real simulators (support/stack.ts), the page's user presenting
// their client certificate. One Playwright project a page: `agency` (tests/e2e/agency/) and the
// administrators' mapping workbench, `workbench` (tests/e2e/workbench/: two hub nodes on one
// PostgreSQL). Run through ctest (e2e.<page>) or tests/e2e/run.sh <page>.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { resultsDir, simulatedPartners, testPki } from './support/stack';

// The hub and simulators present certificates from the test PKI's CAs: the process that holds the
// browser's client certificates (Playwright's TLS proxy) verifies them against these, read by
// Node.js at start from NODE_EXTRA_CA_CERTS — set here, inherited by the test workers.
const pki = testPki();
mkdirSync(resultsDir, { recursive: true });
const bundle = join(resultsDir, 'test-cas.pem');
writeFileSync(
  bundle,
  ['cnss', ...simulatedPartners()].map((ca) => readFileSync(join(pki, 'ca', `${ca}.crt`), 'utf8')).join(''),
);
process.env.NODE_EXTRA_CA_CERTS = bundle;

const chromium = process.env.CNSS_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) throw new Error(`${chromium} is missing: apt-get install chromium (scripts/setup.sh does it for scripts/test.sh)`);

export default defineConfig({
  testDir: '.',
  outputDir: join(resultsDir, 'artifacts'),
  // One worker: the tests share one hub and simulators, and some change the simulators' faults.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 15_000 },
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['json', { outputFile: join(resultsDir, 'report.json') }]],
  globalSetup: './support/global_setup.ts',
  globalTeardown: './support/global_teardown.ts',
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: chromium,
      // Without the background-networking flags Chromium reaches for Google's services, which a
      // closed network refuses (and which a test has no business calling).
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    locale: 'fr-FR',
    timezoneId: 'Africa/Casablanca',
    viewport: { width: 1280, height: 900 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'agency', testDir: './agency' },
    { name: 'workbench', testDir: './workbench' },
  ],
});
