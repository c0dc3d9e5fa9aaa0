// The workbench's fixtures: two hub nodes on one PostgreSQL with the same simulators (one cluster
// a worker, support/stack.ts startCluster), the pages of the two administrators on the first node
// (hub-admin asks, hub-admin2 approves) and hub-admin2's page on the second node, and the API on
// either node as any principal, for making traffic and checking what each node serves.
import type { APIRequestContext, Page } from '@playwright/test';
import { apiContext, test as base, expect, usePage, type Who } from '../support/fixtures';
import { type Cluster, startCluster } from '../support/stack';

export interface Apis {
  /** The API of node `node` (0-based) as `who`, disposed after the test. */
  on(node: number, who: Who): Promise<APIRequestContext>;
}

export const test = base.extend<{ author: Page; approver: Page; secondNode: Page; apis: Apis }, { cluster: Cluster }>({
  cluster: [
    async ({}, use) => {
      const cluster = await startCluster(2);
      await use(cluster);
      await cluster.stop();
    },
    { scope: 'worker', timeout: 90_000 },
  ],
  author: async ({ browser, cluster }, use, testInfo) => usePage(browser, cluster.nodes[0], 'admin', use, testInfo.title),
  approver: async ({ browser, cluster }, use, testInfo) => usePage(browser, cluster.nodes[0], 'admin2', use, testInfo.title),
  secondNode: async ({ browser, cluster }, use, testInfo) => usePage(browser, cluster.nodes[1], 'admin2', use, testInfo.title),
  apis: async ({ cluster }, use) => {
    const open: APIRequestContext[] = [];
    await use({
      on: async (node, who) => {
        const api = await apiContext(cluster.nodes[node], who);
        open.push(api);
        return api;
      },
    });
    for (const api of open) await api.dispose();
  },
});

export { expect };
