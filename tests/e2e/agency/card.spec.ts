// The insured person's card: number, names in both scripts, category, issue date; printed alone on
// the page (the print stylesheet), to PDF as a browser prints it.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, screenshotsDir, test } from '../support/fixtures';
import { registerViaApi } from './helpers';

test('the card is requested and printed to PDF', async ({ agency: page, api, shot }) => {
  const number = await registerViaApi(api, 'BK823456');
  const person = (await (await api.get(`/v1/insured/${number}`)).json()).person;

  await page.goto(`/agency/#/carte/${number}`);
  await expect(page.getByText('Aucune carte demandée pour ce dossier.')).toBeVisible();
  await page.getByLabel('Motif de l’édition').selectOption('first');
  await page.getByRole('button', { name: 'Demander l’édition de la carte' }).click();
  const card = page.getByTestId('card');
  await expect(card).toBeFocused();
  await expect(page.getByTestId('card-number')).toHaveText(number);
  await expect(card).toContainText(person.last_name);
  await expect(card).toContainText(person.first_name);
  await expect(card.locator('[lang="ar"][dir="rtl"]', { hasText: person.last_name_ar })).toBeVisible();
  await expect(card).toContainText('Salarié');
  const today = new Date().toISOString().slice(0, 10).split('-').reverse().join('/');
  await expect(page.getByTestId('card-issued')).toHaveText(today);
  await shot(page, 'card-01-screen');

  // Printed: the card alone, nothing of the screen around it.
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('header.top')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Imprimer la carte' })).toBeHidden();
  await expect(card).toBeVisible();
  await shot(page, 'card-02-print');
  const pdf = join(screenshotsDir, 'card.pdf');
  await page.pdf({ path: pdf, format: 'A4', printBackground: true });
  expect(statSync(pdf).size).toBeGreaterThan(2000);
  const text = readFileSync(pdf, 'latin1');
  expect(text.startsWith('%PDF-')).toBe(true);
  expect(text.match(/\/Type\s*\/Page[^s]/g) ?? []).toHaveLength(1);
});
