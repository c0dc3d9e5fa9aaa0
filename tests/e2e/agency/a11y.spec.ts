// Accessibility: axe-core over every screen in the state an agent sees it (a prefilled person with
// a conflict, a family, an employer, a timeline, a card); no serious or critical violation of
// WCAG 2.1 A and AA.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from '../support/fixtures';
import { resultsDir } from '../support/stack';
import { registerViaApi } from './helpers';

async function audit(page: Page, screen: string) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  writeFileSync(join(resultsDir, `axe-${screen}.json`), JSON.stringify(results.violations, null, 2));
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    serious.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    `${screen}: serious or critical axe-core violations`,
  ).toEqual([]);
  return results;
}

test('axe-core finds no serious or critical violation on any screen', async ({ agency: page, api, shot }) => {
  await page.goto('/agency/');
  await audit(page, 'person-empty');
  await page.getByLabel('Numéro de CNIE').fill('BK123402');
  await page.getByRole('button', { name: 'Interroger les administrations' }).click();
  await expect(page.locator('[data-conflict]')).toBeVisible();
  await page.getByLabel(/RIB/).fill('001810007800020110620319');
  await page.getByText('Corriger une donnée d’une administration').click();
  await audit(page, 'person-prefilled');

  const number = await registerViaApi(api, 'BK923456');
  await page.goto(`/agency/#/famille/${number}`);
  await expect(page.getByTestId('family')).toBeVisible();
  await page.getByText('Déclarer un enfant que le livret ne mentionne pas').click();
  await audit(page, 'family');

  await page.goto('/agency/#/employeur');
  await page.getByLabel('ICE (15 chiffres)').fill('002136093000040');
  await page.getByRole('button', { name: 'Interroger l’OMPIC et la DGI' }).click();
  await expect(page.getByTestId('employer-prefill')).toBeVisible();
  await audit(page, 'employer');

  await page.goto(`/agency/#/historique/insured/${number}`);
  await expect(page.getByTestId('timeline')).toBeVisible();
  await page.locator('.timeline details summary').first().click();
  await audit(page, 'history');

  await api.post(`/v1/insured/${number}/cards`, { data: { reason: 'first' } });
  await page.goto(`/agency/#/carte/${number}`);
  await expect(page.getByTestId('card')).toBeVisible();
  const last = await audit(page, 'card');
  await shot(page, 'a11y-card');
  expect(last.passes.length).toBeGreaterThan(10);
});
