// The person screen in a real browser against a real hub and simulators: prefill with sources,
// the RIB's key checked before anything is sent, a registration that a double click or a lost
// answer never makes twice, a failing partner named while the rest prefills, a conflict shown, an
// override that needs the role and a reason, and all of it with the keyboard alone.
import type { Page, Request } from '@playwright/test';
import { expect, test } from '../support/fixtures';

const GOOD_RIB = '001810007800020110620318';
const BAD_KEY_RIB = '001810007800020110620319'; // the key 19: the first 22 digits call for 18

async function prefill(page: Page, cnie: string, category = 'SALARIE') {
  await page.goto('/agency/');
  await page.getByLabel('Numéro de CNIE').fill(cnie);
  await page.getByLabel('Catégorie').selectOption(category);
  await page.getByRole('button', { name: 'Interroger les administrations' }).click();
}

function partner(page: Page, name: string) {
  return page.locator(`li.partner[data-partner="${name}"]`);
}

test('a person is registered from a CNIE alone plus a RIB, the RIB key error shown before submitting', async ({ agency: page, api, shot }) => {
  await page.goto('/agency/');
  await expect(page.getByRole('heading', { name: 'Immatriculer une personne' })).toBeVisible();
  await shot(page, 'person-01-cnie');
  await prefill(page, 'BK123456');

  // What DGSN and DGCT know, each field with its source.
  await expect(page.getByRole('heading', { name: /Ce que savent les administrations/ })).toBeFocused();
  await expect(partner(page, 'dgsn')).toHaveAttribute('data-status', 'ok');
  await expect(partner(page, 'dgct')).toHaveAttribute('data-status', 'ok');
  const lastName = page.locator('[data-field="last_name"]');
  await expect(lastName.locator('.badge')).toHaveAttribute('data-source', 'dgsn');
  await expect(lastName.locator('.badge')).toContainText(/DGSN · \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/);
  const arabic = page.locator('[data-field="last_name_ar"] [lang="ar"]');
  await expect(arabic).toHaveAttribute('dir', 'rtl');
  await expect(arabic).toHaveText(/[\u0600-\u06FF]/);
  await expect(page.getByRole('heading', { name: 'Livret de famille' })).toBeVisible();
  await expect(page.locator('#booklet-title .badge[data-source="dgct"]').first()).toBeVisible();
  await shot(page, 'person-02-prefilled');

  // A RIB whose key is wrong is said as it is typed, and stops the registration before any call.
  const posts: Request[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/v1/insured') posts.push(r);
  });
  await page.getByLabel(/RIB/).fill(BAD_KEY_RIB);
  await expect(page.locator('#rib-error')).toHaveText(/Clé RIB incorrecte.*clé 18/);
  await expect(page.getByLabel(/RIB/)).toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'Immatriculer' }).click();
  await expect(page.getByLabel(/RIB/)).toBeFocused();
  expect(posts).toHaveLength(0);
  await shot(page, 'person-03-rib-key-error');

  await page.getByLabel(/RIB/).fill(GOOD_RIB);
  await expect(page.locator('#rib-error')).toHaveText('Clé RIB correcte.');
  await page.getByLabel('Téléphone').fill('+212 661 234 567');
  // A double click: one registration.
  await page.getByRole('button', { name: 'Immatriculer' }).dblclick();
  const number = await page.getByTestId('immatriculation').textContent();
  expect(number).toMatch(/^[0-9]{9}$/);
  await shot(page, 'person-04-registered');

  expect(posts.length).toBeGreaterThanOrEqual(1);
  const keys = new Set(posts.map((p) => p.headers()['idempotency-key']));
  expect(keys.size, 'every registration request carries the same Idempotency-Key').toBe(1);
  expect([...keys][0]).toMatch(/^[0-9a-f-]{36}$/);
  const found = await api.get('/v1/insured?cnie=BK123456');
  expect((await found.json()).immatriculation).toBe(number);
  const history = await (await api.get(`/v1/insured/${number}/history`)).json();
  expect(history.events.filter((e: { type: string }) => e.type === 'insured.registered')).toHaveLength(1);
  const record = await (await api.get(`/v1/insured/${number}`)).json();
  expect(record.rib).toBe(GOOD_RIB);
  expect(record.contact.phone).toBe('+212661234567');
});

test('a registration whose answer was lost is sent again with the same key and registers once', async ({ agency: page, api, shot }) => {
  await prefill(page, 'BK233456');
  await expect(partner(page, 'dgsn')).toHaveAttribute('data-status', /ok|cached/);
  const keys: string[] = [];
  let lost = false;
  await page.route('**/v1/insured', async (route) => {
    keys.push(route.request().headers()['idempotency-key']);
    if (lost) return route.continue();
    lost = true;
    await route.fetch(); // the hub registers...
    await route.abort('connectionreset'); // ...and its answer never reaches the page
  });
  await page.getByRole('button', { name: 'Immatriculer' }).click();
  await expect(page.getByRole('alert')).toContainText('Pas de réponse du hub');
  await shot(page, 'person-05-answer-lost');
  await page.getByRole('button', { name: 'Immatriculer' }).click();
  await expect(page.getByTestId('registered')).toContainText('aucun second dossier');
  expect(keys).toHaveLength(2);
  expect(keys[0]).toBe(keys[1]);
  const number = await page.getByTestId('immatriculation').textContent();
  const found = await (await api.get('/v1/insured?cnie=BK233456')).json();
  expect(found.immatriculation).toBe(number);
});

test('a reserved identifier names every partner with its typed error; one partner down leaves the rest prefilled', async ({ agency: page, api, sim, shot }) => {
  // …999: every partner answers its internal error (docs/simulators.md § Reserved identifiers).
  await prefill(page, 'BK323999');
  for (const name of ['dgsn', 'dgct']) {
    await expect(partner(page, name)).toHaveAttribute('data-status', 'error');
    await expect(partner(page, name).locator('.error-code')).toHaveText('partner_unavailable');
  }
  await expect(page.getByRole('status').filter({ hasText: 'Aucune administration' })).toContainText('503');
  await expect(page.getByLabel('Numéro de CNIE')).toBeEditable();
  await shot(page, 'person-06-reserved-identifier');

  // A person DGCT answered for a minute ago: its booklet is cached (2 s here).
  await prefill(page, 'BK523456');
  await expect(partner(page, 'dgct')).toHaveAttribute('data-status', 'ok');

  // DGCT down (its contract's 500 ERREUR_INTERNE on every call): DGSN still prefills.
  await sim.faults('dgct', { error_rate: 1 });
  await prefill(page, 'BK423456');
  await expect(partner(page, 'dgsn')).toHaveAttribute('data-status', 'ok');
  await expect(partner(page, 'dgct')).toHaveAttribute('data-status', 'error');
  await expect(partner(page, 'dgct')).toContainText('partner_unavailable');
  await expect(partner(page, 'dgct')).toContainText('ERREUR_INTERNE');
  await expect(page.locator('[data-field="last_name"] .badge')).toHaveAttribute('data-source', 'dgsn');
  await expect(page.getByTestId('booklet-missing')).toContainText('La DGCT n’a pas répondu');
  await shot(page, 'person-07-dgct-down');
  await page.getByRole('button', { name: 'Immatriculer' }).click();
  await expect(page.getByTestId('immatriculation')).toHaveText(/^[0-9]{9}$/);

  // The person asked for before: DGCT's expired answer is served stale, and says so.
  await page.waitForTimeout(2200);
  await prefill(page, 'BK523456');
  await expect(partner(page, 'dgct')).toHaveAttribute('data-status', 'stale');
  await expect(partner(page, 'dgct')).toContainText('données du');
  await expect(page.locator('#booklet-title .badge-stale')).toContainText('périmé');
  await shot(page, 'person-08-dgct-stale');
  void api;
});

test('a conflict between DGSN and DGCT is shown with both values; keeping DGCT’s needs the override role and a reason', async ({ agency: page, admin, api, shot }) => {
  // BK123404: its last two digits are even and under 10, so DGCT spells the name otherwise.
  await prefill(page, 'BK123404');
  const conflict = page.locator('[data-conflict="last_name"]');
  await expect(conflict).toBeVisible();
  await expect(conflict.locator('[data-partner="dgsn"]')).toContainText('DGSN «');
  await expect(conflict.locator('[data-partner="dgct"]')).toContainText('DGCT «');
  const dgsnName = (await conflict.locator('[data-partner="dgsn"]').textContent())!.replace(/.*« (.*) ».*/, '$1');
  const dgctName = (await conflict.locator('[data-partner="dgct"]').textContent())!.replace(/.*« (.*) ».*/, '$1');
  expect(dgctName).not.toBe(dgsnName);
  await expect(page.locator('[data-field="last_name"]')).toHaveClass(/conflict/);
  await expect(page.locator('[data-field="last_name"] .conflict-note')).toContainText(dgctName);
  await shot(page, 'person-09-conflict');

  // The agency has no override role: the hub refuses, exactly as the API says.
  await conflict.getByRole('button', { name: /Retenir la valeur DGCT/ }).click();
  await expect(page.locator('#override-value')).toHaveValue(dgctName);
  await expect(page.locator('#override-reason')).toBeFocused();
  await page.keyboard.type('Livret de famille présenté au guichet');
  await page.getByRole('button', { name: 'Immatriculer' }).click();
  await expect(page.locator('.error-box[data-code="contradicts_source"]')).toContainText('override');
  await shot(page, 'person-10-override-refused');

  // An administrator with the override role, and the same reason: recorded with what it replaced.
  await prefill(admin, 'BK123404');
  await admin.locator('[data-conflict="last_name"]').getByRole('button', { name: /Retenir la valeur DGCT/ }).click();
  // Typed once the field has the focus (on a loaded machine the first keys were lost otherwise).
  await expect(admin.locator('#override-reason')).toBeFocused();
  await admin.keyboard.type('Livret de famille présenté au guichet');
  await admin.getByRole('button', { name: 'Immatriculer' }).click();
  const number = await admin.getByTestId('immatriculation').textContent();
  expect(number).toMatch(/^[0-9]{9}$/);
  await shot(admin, 'person-11-override-recorded');
  const record = await (await api.get(`/v1/insured/${number}`)).json();
  expect(record.person.last_name).toBe(dgctName);
  const prov = record.provenance['/person/last_name'];
  expect(prov.reason).toBe('Livret de famille présenté au guichet');
  expect(prov.principal).toBe('hub-admin');
  expect(prov.overrides.value).toBe(dgsnName);
});

test('a person is registered with the keyboard alone', async ({ agency: page, api, shot }) => {
  await page.goto('/agency/');
  const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');
  for (let i = 0; i < 15 && (await focusedId()) !== 'cnie'; ++i) await page.keyboard.press('Tab');
  expect(await focusedId()).toBe('cnie');
  await page.keyboard.type('BK623456');
  await page.keyboard.press('Tab');
  expect(await focusedId()).toBe('category');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter'); // the form's implicit submission
  await expect(page.getByRole('heading', { name: /Ce que savent les administrations/ })).toBeFocused();
  for (let i = 0; i < 60 && (await focusedId()) !== 'rib'; ++i) await page.keyboard.press('Tab');
  expect(await focusedId()).toBe('rib');
  await page.keyboard.type(GOOD_RIB);
  await shot(page, 'person-12-keyboard');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /Immatriculé\(e\) sous le n°/ })).toBeFocused();
  const found = await (await api.get('/v1/insured?cnie=BK623456')).json();
  expect(found.rib).toBe(GOOD_RIB);
});
