// The history screen: a record's events as a timeline (what, who, when, why, from where) and the
// record as it stood at the end of a chosen day.
import { expect, test } from '../support/fixtures';
import { isoDay, registerViaApi } from './helpers';

test('a registration’s history is a timeline, and its state can be read at a chosen date', async ({ agency: page, api, shot }) => {
  const number = await registerViaApi(api, 'BK723456', { rib: '001810007800020110620318' });
  const changed = await api.put(`/v1/insured/${number}/rib`, {
    data: { rib: '230780000123456789012372', reason: 'changement de banque' },
  });
  expect(changed.status(), await changed.text()).toBe(200);

  await page.goto(`/agency/#/historique/insured/${number}`);
  const timeline = page.getByTestId('timeline');
  await expect(timeline.locator('li')).toHaveCount(2);
  const registered = timeline.locator('li[data-type="insured.registered"]');
  await expect(registered).toContainText('Immatriculation');
  await expect(registered.locator('.who')).toHaveText('agency-casa-anfa');
  await expect(registered.locator('.source')).toHaveText('saisie agence');
  await expect(registered.locator('time')).toHaveAttribute('datetime', /^\d{4}-\d{2}-\d{2}T/);
  const rib = timeline.locator('li[data-type="rib.changed"]');
  await expect(rib.locator('.why')).toHaveText('changement de banque');
  await rib.locator('summary').click();
  await expect(rib.getByRole('row', { name: /\/rib/ })).toContainText('001810007800020110620318');
  await expect(rib.getByRole('row', { name: /\/rib/ })).toContainText('230780000123456789012372');
  await shot(page, 'history-01-timeline');

  // The day before: the registration did not exist yet. Today: it holds the new RIB.
  await page.getByLabel('État du dossier au').fill(isoDay(-1));
  await page.getByRole('button', { name: 'Afficher l’état à cette date' }).click();
  await expect(page.getByTestId('state')).toContainText('n’existait pas encore');
  await page.getByLabel('État du dossier au').fill(isoDay());
  await page.getByRole('button', { name: 'Afficher l’état à cette date' }).click();
  await expect(page.getByTestId('state')).toContainText('230780000123456789012372');
  await shot(page, 'history-02-state-at-date');

  // The family's history: the booklet DGCT gave, sourced to DGCT.
  await page.getByLabel('Dossier', { exact: true }).selectOption('family');
  await page.getByLabel('N° d’immatriculation ou CNIE').fill('BK723456');
  await page.getByRole('button', { name: 'Afficher l’historique' }).click();
  const prefilled = page.locator('li[data-type="family.prefilled"]');
  await expect(prefilled.locator('.source')).toHaveText('DGCT');
  await expect(prefilled.locator('.why')).toHaveText('DGCT family booklet');
  await shot(page, 'history-03-family');
});
