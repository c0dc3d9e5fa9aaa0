// The employer screen: a company found by ICE or by court and register number, with OMPIC's and
// DGI's facts and their sources; the representatives proposed; the affiliation registered once.
import { expect, test } from '../support/fixtures';

test('an employer found by ICE is affiliated with the representatives the agent proposes', async ({ agency: page, api, shot }) => {
  await page.goto('/agency/#/employeur');
  // A mistyped ICE is said before anything is sent.
  await page.getByLabel('ICE (15 chiffres)').fill('001561191000065');
  await expect(page.locator('#ice-error')).toHaveText(/ICE invalide/);
  await expect(page.getByRole('button', { name: 'Interroger l’OMPIC et la DGI' })).toBeDisabled();
  await page.getByLabel('ICE (15 chiffres)').fill('001561191000066');
  await page.getByRole('button', { name: 'Interroger l’OMPIC et la DGI' }).click();

  const prefill = page.getByTestId('employer-prefill');
  await expect(prefill.getByRole('heading', { level: 2 })).toBeFocused();
  await expect(page.locator('li.partner[data-partner="ompic"]')).toHaveAttribute('data-status', /ok|cached/);
  await expect(page.locator('li.partner[data-partner="dgi"]')).toHaveAttribute('data-status', /ok|cached/);
  const name = prefill.locator('.field', { hasText: 'Raison sociale' });
  await expect(name.locator('.badge')).toHaveAttribute('data-source', 'ompic');
  await expect(prefill.locator('.field', { hasText: 'Statut fiscal' }).locator('.badge')).toHaveAttribute('data-source', 'dgi');
  await expect(prefill.getByRole('table')).toContainText('Gérant');
  const proposed = prefill.locator('.rep input[type="checkbox"]');
  await expect(proposed.first()).toBeChecked();
  const managers = await proposed.count();
  expect(managers).toBeGreaterThan(0);

  // The agent adds a representative OMPIC does not list.
  await page.getByLabel('CNIE', { exact: true }).fill('BK777777');
  await page.getByLabel('Qualité', { exact: true }).selectOption('agent');
  await page.getByLabel('Nom', { exact: true }).fill('BERRADA');
  await page.getByLabel('Prénom', { exact: true }).fill('Karim');
  await page.getByRole('button', { name: 'Ajouter à la liste' }).click();
  await expect(proposed).toHaveCount(managers + 1);
  await shot(page, 'employer-01-prefilled');

  await page.getByRole('button', { name: 'Affilier l’employeur' }).dblclick();
  const affiliation = await page.getByTestId('affiliation').textContent();
  expect(affiliation).toMatch(/^[0-9]{7}$/);
  await expect(page.getByTestId('affiliated')).toContainText(`${managers + 1} représentant(s)`);
  await shot(page, 'employer-02-affiliated');

  const found = await (await api.get('/v1/employers?ice=001561191000066')).json();
  expect(found.affiliation_number).toBe(affiliation);
  expect(Object.keys(found.representatives)).toContain('BK777777');
  expect(found.representatives.BK777777.role).toBe('agent');
  const history = await (await api.get(`/v1/employers/${affiliation}/history`)).json();
  expect(history.events.filter((e: { type: string }) => e.type === 'employer.affiliated')).toHaveLength(1);
});

test('an employer is found by its commercial court and register number', async ({ agency: page, shot }) => {
  await page.goto('/agency/#/employeur');
  await page.getByLabel('Tribunal et n° de registre du commerce').check();
  await page.getByLabel('Tribunal de commerce').selectOption('CASABLANCA');
  await page.getByRole('textbox', { name: 'N° de registre du commerce' }).fill('412345');
  await page.getByRole('button', { name: 'Interroger l’OMPIC et la DGI' }).click();
  const prefill = page.getByTestId('employer-prefill');
  await expect(prefill.locator('.field', { hasText: 'Registre du commerce' })).toContainText('CASABLANCA n° 412345');
  await expect(prefill.locator('.field').filter({ has: page.locator('dt', { hasText: /^ICE$/ }) })).toContainText(/[0-9]{15}/);
  await expect(page.locator('li.partner[data-partner="dgi"]')).toBeVisible();
  await shot(page, 'employer-03-by-register');
});
